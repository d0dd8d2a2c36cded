// Records of a table under a filter and time range, a page at a time (keyset pagination), and their count and
// byte total.
import { HaystackError } from '../core/errors.js';
import type { FieldDef, RecordSchema } from '../schema/schema.js';
import { checkLimit, columnsOf, fieldOf, fromWhere, scopeConditions, searchSchema, typedRow, type SearchScope } from './search-common.js';
import { decodeCursor, encodeCursor, fromKeySql, keyFields, keyOf, orderBySql, sameKey, type Order } from './search-keys.js';
import { ident, numberLiteral } from './sql.js';
import type { ResultColumn, Row, Store } from './store.js';

/** Rows per page at most: a screen's worth many times over, and a bounded answer for the server to hold. */
export const MAX_PAGE_ROWS = 1000;

export interface RecordsOptions extends SearchScope {
  /** fields to return, in this order (default: all of the table's) */
  fields?: readonly string[];
  /** the field to sort by (default: the table's time field); ties are broken by the table's unique key */
  sort?: string;
  order: Order;
  /** rows per page, 1 to MAX_PAGE_ROWS */
  limit: number;
  /** where the previous page ended (its `next`) */
  after?: string;
}

export interface RecordsPage {
  columns: ResultColumn[];
  rows: Row[];
  /** the cursor of the next page, or null on the last one */
  next: string | null;
}

function pickFields(schema: RecordSchema, names: readonly string[] | undefined): FieldDef[] {
  if (names === undefined) return [...schema.fields];
  if (names.length === 0) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'fields: give at least one field');
  const out: FieldDef[] = [];
  for (const n of names) {
    const f = fieldOf(schema, n, 'fields');
    if (!out.includes(f)) out.push(f);
  }
  return out;
}

/** A page of records in a unique order; the next page starts exactly after this one's last row. */
export async function records(store: Store, o: RecordsOptions): Promise<RecordsPage> {
  const schema = searchSchema(o.table);
  if (o.order !== 'asc' && o.order !== 'desc') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'order must be asc or desc');
  const limit = checkLimit(o.limit, MAX_PAGE_ROWS, 'limit');
  const fields = pickFields(schema, o.fields);
  const sort = o.sort ?? schema.timeField;
  const key = keyFields(schema, sort);
  const want = { table: schema.name, sort, order: o.order };
  const cursor = o.after === undefined ? null : decodeCursor(o.after, key, want);
  const d = store.dialect;
  const conds = scopeConditions(store, schema, o);
  if (cursor !== null) conds.push(fromKeySql(key, cursor.key, o.order, d));
  const read = [...fields, ...key.filter((f) => !fields.includes(f))];
  // rows of the cursor's key already shown come first again (>=): skip them, and read one more row than the
  // page to know whether another page follows
  const skip = cursor?.seen ?? 0;
  const r = await store.select(
    `SELECT ${read.map((f) => ident(f.name)).join(', ')} ${fromWhere(store, schema, conds)} ` +
    `ORDER BY ${orderBySql(key, o.order, d)} LIMIT ${numberLiteral(skip + limit + 1)}`,
  );
  let rows = r.rows.map((x) => typedRow(read, x));
  let skipped = 0;
  if (cursor !== null) {
    while (skipped < skip && skipped < rows.length && sameKey(keyOf(key, rows[skipped]!), cursor.key)) skipped++;
    rows = rows.slice(skipped);
  }
  const page = rows.slice(0, limit);
  let next: string | null = null;
  if (rows.length > limit) {
    const last = keyOf(key, page[page.length - 1]!);
    let seen = 0;
    for (let i = page.length - 1; i >= 0 && sameKey(keyOf(key, page[i]!), last); i--) seen++;
    // a page that is all one run of identical rows continues the run the cursor had counted
    if (seen === page.length && cursor !== null && sameKey(last, cursor.key)) seen += cursor.seen;
    next = encodeCursor({ ...want, key: last, seen });
  }
  const out = page.map((x) => typedRow(fields, x));
  return { columns: columnsOf(fields), rows: out, next };
}

/**
 * What a table's bytes are, where a total makes sense: sessions, IP-level bytes both ways (what the network
 * carried, as tshark's ip.len sums and Zeek's *_ip_bytes count; payload bytes leave out headers and
 * handshakes); files, their size; http, body bytes both ways; smtp, message bytes.
 */
const BYTES: Readonly<Record<string, readonly string[]>> = {
  sessions: ['src_ip_bytes', 'dst_ip_bytes'],
  files: ['size'],
  http: ['request_body_len', 'response_body_len'],
  smtp: ['data_bytes'],
};

export interface Summary {
  count: number;
  /** only for tables whose rows have a size (see BYTES) */
  total_bytes?: number;
}

/** The number of rows under a filter and range, and their bytes where a table has them. */
export async function summary(store: Store, o: SearchScope): Promise<Summary> {
  const schema = searchSchema(o.table);
  const conds = scopeConditions(store, schema, o);
  const bytes = BYTES[schema.name];
  const sum = bytes === undefined ? '' : `, sum(${bytes.map(ident).join(' + ')}) AS ${ident('b')}`;
  const r = await store.select(`SELECT count(*) AS ${ident('n')}${sum} ${fromWhere(store, schema, conds)}`);
  const row = r.rows[0] ?? {};
  const out: Summary = { count: Number(row.n ?? 0) };
  if (bytes !== undefined) out.total_bytes = Number(row.b ?? 0);
  return out;
}
