// Keyset pagination: each table's unique order (the sort field, then a tiebreak), the SQL that orders by it and
// resumes after a key, and the cursor that carries the key (opaque text to the client, decoded strictly).
import { HaystackError } from '../core/errors.js';
import type { FieldDef, RecordSchema } from '../schema/schema.js';
import { fieldOf, isScalar } from './search-common.js';
import { bigintLiteral, ident, numberLiteral, quoteString, timeLiteral, type Dialect } from './sql.js';

/**
 * The tiebreak after the sort field, per table: columns that make a row unique among committed captures. A
 * capture's uids, fuids and log line numbers are unique within it, and two captures may share them (the same
 * traffic in two files), so capture_id leads. alerts and anomalies have no key: every column of theirs is a
 * scalar, so the tiebreak is all of them, rows equal on it are identical, and a cursor counts how many of a run
 * of identical rows it has passed (an id column would need a schema and ingest change for no other use).
 * A table not listed here gets every scalar field (add its key when adding the table).
 */
const TIEBREAK: Readonly<Record<string, readonly string[]>> = {
  sessions: ['capture_id', 'uid'],
  tls: ['capture_id', 'uid', 'hello_index'],
  http: ['capture_id', 'uid', 'trans_depth'],
  smtp: ['capture_id', 'uid', 'trans_depth'],
  files: ['capture_id', 'fuid'],
  logs: ['capture_id', 'line_no'],
  captures: ['capture_id'],
};

export type Order = 'asc' | 'desc';
/** A key value as a cursor holds it: typed by its field (64-bit integers past 2^53 as decimal text). */
export type KeyValue = string | number | boolean | null;

/** The fields of a table's order for a sort field: the sort field, then the tiebreak. */
export function keyFields(schema: RecordSchema, sort: string): FieldDef[] {
  const s = fieldOf(schema, sort, 'sort');
  if (!isScalar(s)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `sort: ${schema.name}.${sort} is a ${s.type}; sort by a single-valued field`);
  const tie = TIEBREAK[schema.name] ?? schema.fields.filter(isScalar).map((f) => f.name);
  return [s, ...tie.filter((n) => n !== sort).map((n) => fieldOf(schema, n))];
}

/** One comparable part of a key column: null-ness first (nulls last ascending), then the value with nulls as zero. */
interface Part {
  expr: string;
  lit(v: KeyValue): string;
}

function zero(f: FieldDef, d: Dialect): string {
  switch (f.type) {
    case 'string':
      return "''";
    case 'bool':
      return d === 'duckdb' ? 'false' : '0';
    case 'timestamp':
      return timeLiteral(0, d);
    case 'int':
    case 'float':
    case 'int[]':
    case 'string[]':
    case 'json':
      return '0';
  }
}

/** A key value of a field as a literal (every user value through sql.ts). */
export function keyLiteral(f: FieldDef, v: KeyValue, d: Dialect): string {
  if (v === null) return 'NULL';
  switch (f.type) {
    case 'string':
      return quoteString(String(v), d);
    case 'bool':
      return d === 'duckdb' ? (v === true ? 'true' : 'false') : v === true ? '1' : '0';
    case 'timestamp':
      return timeLiteral(v as number, d);
    case 'int':
      return typeof v === 'string' ? bigintLiteral(v) : numberLiteral(v as number);
    case 'float':
      return numberLiteral(v as number);
    case 'int[]':
    case 'string[]':
    case 'json':
      throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `${f.name}: a ${f.type} is not a key`);
  }
}

function parts(f: FieldDef, d: Dialect): Part[] {
  const c = ident(f.name);
  if (!f.nullable) return [{ expr: c, lit: (v) => keyLiteral(f, v, d) }];
  return [
    { expr: d === 'duckdb' ? `CAST(${c} IS NULL AS INTEGER)` : `isNull(${c})`, lit: (v) => (v === null ? '1' : '0') },
    { expr: d === 'duckdb' ? `coalesce(${c}, ${zero(f, d)})` : `ifNull(${c}, ${zero(f, d)})`, lit: (v) => (v === null ? zero(f, d) : keyLiteral(f, v, d)) },
  ];
}

/** ORDER BY text of a key. */
export function orderBySql(fields: readonly FieldDef[], order: Order, d: Dialect): string {
  const dir = order === 'asc' ? 'ASC' : 'DESC';
  return fields.flatMap((f) => parts(f, d)).map((p) => `${p.expr} ${dir}`).join(', ');
}

/**
 * Rows at or after `key` in the order (>= ascending, <= descending), as the expanded lexicographic comparison
 * (tuple comparison is not in ClickHouse 18.16), led by a plain bound on the first part that indexes can use.
 */
export function fromKeySql(fields: readonly FieldDef[], key: readonly KeyValue[], order: Order, d: Dialect): string {
  const ps = fields.flatMap((f, i) => parts(f, d).map((p) => ({ expr: p.expr, lit: p.lit(key[i]!) })));
  const strict = order === 'asc' ? '>' : '<';
  let cond = `${ps[ps.length - 1]!.expr} ${strict}= ${ps[ps.length - 1]!.lit}`;
  for (let i = ps.length - 2; i >= 0; i--) cond = `(${ps[i]!.expr} ${strict} ${ps[i]!.lit} OR (${ps[i]!.expr} = ${ps[i]!.lit} AND ${cond}))`;
  return `${ps[0]!.expr} ${strict}= ${ps[0]!.lit} AND ${cond}`;
}

/** The key of a typed row. */
export function keyOf(fields: readonly FieldDef[], row: Record<string, unknown>): KeyValue[] {
  return fields.map((f) => row[f.name] as KeyValue);
}

export function sameKey(a: readonly KeyValue[], b: readonly KeyValue[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A position in a table's order: the last key shown and how many rows with exactly that key were shown. */
export interface Cursor {
  table: string;
  sort: string;
  order: Order;
  key: KeyValue[];
  /** rows of the key already shown (more than 1 only in a run of identical alerts or anomalies) */
  seen: number;
}

/** The longest cursor accepted: a key of short fields (ids, times, an 80-character excerpt) is far shorter. */
export const MAX_CURSOR_CHARS = 16 * 1024;
/** Identical rows a cursor may have passed: beyond it a page would re-read too many rows to skip them. */
export const MAX_CURSOR_SEEN = 100_000;
const CURSOR_VERSION = 1;

export function encodeCursor(c: Cursor): string {
  const json = JSON.stringify({ v: CURSOR_VERSION, t: c.table, s: c.sort, o: c.order, k: c.key, n: c.seen });
  return Buffer.from(json, 'utf8').toString('base64url');
}

function badCursor(why: string): HaystackError {
  return new HaystackError('HAYSTACK_BAD_ARGUMENT', `not a valid cursor (${why}); start from the first page`);
}

/**
 * Decodes a cursor the client sent back (user input): base64url of one JSON object with exactly the expected
 * members, made for this table, sort field and order, each key value of its field's type.
 */
export function decodeCursor(text: string, fields: readonly FieldDef[], want: { table: string; sort: string; order: Order }): Cursor {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) throw badCursor('not base64url text of a known length');
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw badCursor('not JSON');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw badCursor('not an object');
  const m = o as Record<string, unknown>;
  if (Object.keys(m).sort().join(',') !== 'k,n,o,s,t,v' || m.v !== CURSOR_VERSION) throw badCursor('unknown form');
  if (m.t !== want.table || m.s !== want.sort || m.o !== want.order) throw badCursor('made for another table, sort field or order');
  if (!Number.isSafeInteger(m.n) || (m.n as number) < 1 || (m.n as number) > MAX_CURSOR_SEEN) throw badCursor('bad count');
  if (!Array.isArray(m.k) || m.k.length !== fields.length) throw badCursor('wrong key length');
  const key = m.k as unknown[];
  fields.forEach((f, i) => {
    if (!keyValueFits(f, key[i])) throw badCursor(`${f.name} is not a ${f.type}`);
  });
  return { table: want.table, sort: want.sort, order: want.order, key: key as KeyValue[], seen: m.n as number };
}

function keyValueFits(f: FieldDef, v: unknown): boolean {
  if (v === null) return f.nullable;
  switch (f.type) {
    case 'string':
      return typeof v === 'string' && !v.includes('\0');
    case 'bool':
      return typeof v === 'boolean';
    case 'timestamp':
      return Number.isSafeInteger(v);
    case 'int':
      return Number.isSafeInteger(v) || (typeof v === 'string' && /^-?[0-9]{16,19}$/.test(v));
    case 'float':
      return typeof v === 'number' && Number.isFinite(v);
    case 'int[]':
    case 'string[]':
    case 'json':
      return false;
  }
}
