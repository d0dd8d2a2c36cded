// The top values of a field under a filter and range, with counts (the console's field sidebar); a list field
// counts each element.
import { HaystackError } from '../core/errors.js';
import type { FieldDef } from '../schema/schema.js';
import { checkLimit, fieldOf, fromWhere, scopeConditions, searchSchema, typedValue, type SearchScope } from './search-common.js';
import { ident, numberLiteral, type Dialect } from './sql.js';
import type { QueryResult, Store } from './store.js';

/** Values per answer at most: a sidebar shows ten; a bounded answer either way. */
export const MAX_FIELD_VALUES = 1000;

export interface FieldValuesOptions extends SearchScope {
  field: string;
  /** 1 to MAX_FIELD_VALUES */
  limit: number;
}

export interface FieldValueCount {
  /** typed as the field (its element type for a list field); null is a value of its own */
  value: string | number | boolean | null;
  count: number;
}

export interface FieldValues {
  field: string;
  /** most frequent first; ties by value (nulls last) */
  values: FieldValueCount[];
  /** rows under the filter and range (a list field's elements can count more or fewer than this) */
  rows: number;
}

/** The field's type as one value (a list's element type). */
export function elementDef(f: FieldDef): Pick<FieldDef, 'type' | 'nullable'> {
  if (f.type === 'int[]') return { type: 'int', nullable: false };
  if (f.type === 'string[]') return { type: 'string', nullable: false };
  return f;
}

/** SELECT of the values of a field (one row per element for a list) as `v`, under conditions. */
export function valuesSql(f: FieldDef, from: string, d: Dialect): string {
  const c = ident(f.name);
  if (!f.type.endsWith('[]')) return `SELECT ${c} AS ${ident('v')} ${from}`;
  return d === 'duckdb' ? `SELECT unnest(${c}) AS ${ident('v')} ${from}` : `SELECT arrayJoin(${c}) AS ${ident('v')} ${from}`;
}

/** NULL sorts after every value in both stores' ORDER BY. */
export function nullsLast(x: string, d: Dialect): string {
  return d === 'duckdb' ? `CAST(${x} IS NULL AS INTEGER), ${x}` : `isNull(${x}), ${x}`;
}

export async function fieldValues(store: Store, o: FieldValuesOptions): Promise<FieldValues> {
  const schema = searchSchema(o.table);
  const f = fieldOf(schema, o.field);
  if (f.type === 'json') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `field: ${schema.name}.${f.name} is a JSON document; pick a field with values`);
  const limit = checkLimit(o.limit, MAX_FIELD_VALUES, 'limit');
  const d = store.dialect;
  const from = fromWhere(store, schema, scopeConditions(store, schema, o));
  const v = ident('v');
  const n = ident('n');
  const el = elementDef(f);
  const valuesOf = (top: QueryResult): FieldValueCount[] => top.rows.map((r) => ({ value: typedValue(el, r.v) as FieldValueCount['value'], count: Number(r.n) }));
  if (d === 'duckdb' && !f.type.endsWith('[]')) {
    // one scan: a single-valued field's groups add up to the rows (a window over the groups; ClickHouse 18.16
    // has no window functions)
    const t = ident('t');
    const r = await store.select(`SELECT ${v}, count(*) AS ${n}, sum(count(*)) OVER () AS ${t} FROM (${valuesSql(f, from, d)}) AS ${ident('x')} ` +
      `GROUP BY ${v} ORDER BY ${n} DESC, ${nullsLast(v, d)} LIMIT ${numberLiteral(limit)}`);
    return { field: f.name, values: valuesOf(r), rows: Number(r.rows[0]?.t ?? 0) };
  }
  const [top, total] = await Promise.all([
    store.select(`SELECT ${v}, count(*) AS ${n} FROM (${valuesSql(f, from, d)}) AS ${ident('x')} GROUP BY ${v} ` +
      `ORDER BY ${n} DESC, ${nullsLast(v, d)} LIMIT ${numberLiteral(limit)}`),
    store.select(`SELECT count(*) AS ${n} ${from}`),
  ]);
  return { field: f.name, values: valuesOf(top), rows: Number(total.rows[0]?.n ?? 0) };
}
