// What every search query shares: the table and field checks, the conditions (committed captures, time range,
// the caller's filters), and rows typed by the schema so that both stores give the same values.
import { HaystackError } from '../core/errors.js';
import type { Expr } from '../query/filter.js';
import { RECORD_SCHEMAS, schemaOf } from '../schema/registry.js';
import type { FieldDef, RecordSchema } from '../schema/schema.js';
import { committed, tableNamer } from './reports.js';
import { ident, timeAsMicros, timeLiteral, whereSql, type Dialect } from './sql.js';
import type { ResultColumn, Row, Store } from './store.js';

/** The filter and range every search takes. */
export interface SearchScope {
  table: string;
  /** conditions ANDed: the user's filter, the user's row restriction (each parsed against this table's schema) */
  where: readonly Expr[];
  /** time range over the table's time field, µs: from inclusive, to exclusive; null = open */
  from: number | null;
  to: number | null;
}

/** A record table's schema, or HAYSTACK_BAD_ARGUMENT naming the tables. */
export function searchSchema(table: string): RecordSchema {
  const s = schemaOf(table);
  if (s === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `unknown table ${JSON.stringify(table.slice(0, 64))} (${RECORD_SCHEMAS.map((x) => x.name).join(', ')})`);
  return s;
}

/** A field of the schema, or HAYSTACK_BAD_ARGUMENT. */
export function fieldOf(schema: RecordSchema, name: string, what = 'field'): FieldDef {
  const f = schema.fields.find((x) => x.name === name);
  if (f === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `${what}: ${schema.name} has no field ${JSON.stringify(name.slice(0, 64))}`);
  return f;
}

/** Not a list and not json: a field one value of which can be sorted, compared and grouped. */
export function isScalar(f: FieldDef): boolean {
  return !f.type.endsWith('[]') && f.type !== 'json';
}

/** Every field an expression reads belongs to the schema (an expression parsed for another table is refused). */
function checkExpr(schema: RecordSchema, e: Expr): void {
  switch (e.kind) {
    case 'and':
    case 'or':
      for (const x of e.items) checkExpr(schema, x);
      return;
    case 'not':
      checkExpr(schema, e.expr);
      return;
    case 'set':
    case 'cmp': {
      const f = schema.fields.find((x) => x.name === e.field.name);
      if (f === undefined || f.type !== e.field.type) {
        throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `filter: ${e.field.name} is not a field of ${schema.name}`);
      }
    }
  }
}

function checkTime(v: number | null, what: string): void {
  if (v !== null && !Number.isSafeInteger(v)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `${what}: not a time in µs: ${String(v)}`);
}

/** The WHERE conditions of a scope (schema checked), for a time expression (the table's time field by default). */
export function scopeConditions(store: Store, schema: RecordSchema, scope: SearchScope): string[] {
  const d = store.dialect;
  checkTime(scope.from, 'from');
  checkTime(scope.to, 'to');
  if (scope.from !== null && scope.to !== null && scope.from > scope.to) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `the time range ends (${scope.to}) before it starts (${scope.from})`);
  }
  for (const e of scope.where) checkExpr(schema, e);
  const t = tableNamer(store);
  const tf = ident(schema.timeField);
  const out = [committed(t, d)];
  if (scope.from !== null) out.push(`${tf} >= ${timeLiteral(scope.from, d)}`);
  if (scope.to !== null) out.push(`${tf} < ${timeLiteral(scope.to, d)}`);
  for (const e of scope.where) out.push(whereSql(e, d));
  return out;
}

/** `FROM table WHERE ...` of a scope. */
export function fromWhere(store: Store, schema: RecordSchema, conds: readonly string[]): string {
  return `FROM ${tableNamer(store)(schema.name)} WHERE ${conds.join(' AND ')}`;
}

/** The time field as µs (integer) in either dialect. */
export function timeMicros(schema: RecordSchema, d: Dialect): string {
  return timeAsMicros(schema.timeField, d);
}

/**
 * A value as the schema types it, the same from both stores: booleans from ClickHouse's 0/1, 64-bit integers
 * that came as text as numbers where they fit, and an empty list of a nullable list field as null (ClickHouse
 * has no Nullable(Array): it stores a null list as [], so [] and null are one answer on every store).
 */
export function typedValue(f: Pick<FieldDef, 'type' | 'nullable'>, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (f.type) {
    case 'bool':
      return typeof v === 'number' ? v === 1 : v;
    case 'int':
    case 'timestamp':
      return typeof v === 'string' && Number.isSafeInteger(Number(v)) ? Number(v) : v;
    case 'float':
      return typeof v === 'string' ? Number(v) : v;
    case 'int[]':
    case 'string[]': {
      if (!Array.isArray(v)) return v;
      if (v.length === 0 && f.nullable) return null;
      return f.type === 'int[]' ? v.map((x) => (typeof x === 'string' && Number.isSafeInteger(Number(x)) ? Number(x) : x)) : v;
    }
    case 'string':
    case 'json':
      return v;
  }
}

/** A row of a schema table typed field by field (only the given fields, in their order). */
export function typedRow(fields: readonly FieldDef[], r: Row): Row {
  let make = TYPED_ROWS.get(fields);
  if (make === undefined) {
    make = compileTypedRow(fields);
    TYPED_ROWS.set(fields, make);
  }
  return make(r);
}

/** typedRow's maker per field list (schemas' field arrays live as long as the process) */
const TYPED_ROWS = new WeakMap<readonly FieldDef[], (r: Row) => Row>();

/**
 * typedRow specialised to a field list: one object literal with every key (one allocation, one hidden class; adding
 * 37 keys one by one regrew the object's property store and was an export's largest cost after the scan), strings
 * and JSON passed through. Generated code (new Function) from our schema's names, embedded through JSON.stringify:
 * for Node (CLI, server), not for the console under its CSP.
 */
function compileTypedRow(fields: readonly FieldDef[]): (r: Row) => Row {
  const props = fields.map((f, i) => {
    const key = JSON.stringify(f.name);
    return `${key}: ${f.type === 'string' || f.type === 'json' ? `r[${key}] ?? null` : `T(F[${i}], r[${key}])`}`;
  });
  return new Function('T', 'F', `return (r) => ({${props.join(', ')}});`)(typedValue, fields) as (r: Row) => Row;
}

/** Result columns of schema fields (typed by the schema, not by what a store reports). */
export function columnsOf(fields: readonly FieldDef[]): ResultColumn[] {
  return fields.map((f) => ({ name: f.name, type: f.type }));
}

/** A positive integer option no larger than its cap, or HAYSTACK_BAD_ARGUMENT (never silently clamped). */
export function checkLimit(n: number, cap: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > cap) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `${what} must be a whole number from 1 to ${cap}, got ${String(n)}`);
  return n;
}
