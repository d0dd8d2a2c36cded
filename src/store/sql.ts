// SQL text for both stores, built in one place: the single escaping path for literals, identifiers checked
// against the record schemas, DDL from the schemas, and the filter language compiled to WHERE clauses.
// Pure: no I/O. Every value that came from a user reaches SQL through literal() and nothing else.
import { HaystackError } from '../core/errors.js';
import { foldCase, type Expr, type Op } from '../query/filter.js';
import type { FieldDef, FieldType, RecordSchema } from '../schema/schema.js';

// the escaping path itself lives in core (the pure layers build SQL text too) and is the same function here
export { ident, quoteString, type Dialect } from '../core/sql-text.js';
import { ident, quoteString, type Dialect } from '../core/sql-text.js';

/**
 * `IN (subquery)`: ClickHouse's GLOBAL IN runs the subquery once and ships its result to the shards (a plain
 * IN over two Distributed tables is refused); on one server it means the same as IN.
 */
export function inSubquery(d: Dialect): string {
  return d === 'clickhouse' ? 'GLOBAL IN' : 'IN';
}

/** `column` (text) contains `needle` as a substring, case-sensitively. */
export function containsTextSql(column: string, needle: string, d: Dialect): string {
  return d === 'duckdb' ? `contains(${ident(column)}, ${quoteString(needle, d)})` : `position(${ident(column)}, ${quoteString(needle, d)}) > 0`;
}

/** `column` (text) contains `needle` in any letter case. */
export function containsTextCiSql(column: string, needle: string, d: Dialect): string {
  return d === 'duckdb' ? `contains(lower(${ident(column)}), lower(${quoteString(needle, d)}))` : `positionCaseInsensitiveUTF8(${ident(column)}, ${quoteString(needle, d)}) > 0`;
}

/** `column IN (...)` over string values (an empty list is false). */
export function inStrings(column: string, values: readonly string[], d: Dialect): string {
  return values.length === 0 ? '1 = 0' : `${ident(column)} IN (${values.map((v) => quoteString(v, d)).join(', ')})`;
}

/** A list column (string[]) holds `value` (lower case) in any letter case. */
export function listHasCiSql(column: string, value: string, d: Dialect): string {
  return d === 'duckdb'
    ? `list_contains(list_transform(${ident(column)}, x -> lower(x)), ${quoteString(value, d)})`
    : `has(arrayMap(x -> lower(x), ${ident(column)}), ${quoteString(value, d)})`;
}

/** A number literal; NaN and infinities are refused. */
export function numberLiteral(n: number): string {
  if (!Number.isFinite(n)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `not a finite number: ${n}`);
  return String(n);
}

/** A 64-bit integer past 2^53 as the stores give it (decimal text), checked digit by digit. */
export function bigintLiteral(text: string): string {
  if (!/^-?[0-9]{1,19}$/.test(text) || BigInt(text) > 2n ** 63n - 1n || BigInt(text) < -(2n ** 63n)) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `not a 64-bit integer: ${JSON.stringify(text.slice(0, 40))}`);
  }
  return text;
}

/** A point in time (µs since the epoch) as a value comparable with a timestamp column. */
export function timeLiteral(us: number, dialect: Dialect): string {
  if (!Number.isSafeInteger(us)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `not a time: ${us}`);
  // DuckDB keeps TIMESTAMP (µs); ClickHouse 18.16 has no DateTime64, so its columns hold Int64 µs
  return dialect === 'duckdb' ? `make_timestamp(${us})` : String(us);
}

/** A timestamp column as µs since the epoch (an integer expression in both dialects). */
export function timeAsMicros(column: string, dialect: Dialect): string {
  return dialect === 'duckdb' ? `epoch_us(${ident(column)})` : ident(column);
}

/** Column type of a field. */
export function columnType(f: FieldDef, dialect: Dialect): string {
  if (dialect === 'duckdb') {
    const t = DUCKDB_TYPES[f.type];
    return f.nullable ? t : `${t} NOT NULL`;
  }
  const t = CLICKHOUSE_TYPES[f.type];
  // ClickHouse has no Nullable(Array(...)): a null list is stored as an empty one
  return f.nullable && !f.type.endsWith('[]') ? `Nullable(${t})` : t;
}

const DUCKDB_TYPES: Record<FieldType, string> = {
  string: 'VARCHAR', int: 'BIGINT', float: 'DOUBLE', bool: 'BOOLEAN', timestamp: 'TIMESTAMP',
  'string[]': 'VARCHAR[]', 'int[]': 'BIGINT[]', json: 'VARCHAR',
};
const CLICKHOUSE_TYPES: Record<FieldType, string> = {
  string: 'String', int: 'Int64', float: 'Float64', bool: 'UInt8', timestamp: 'Int64',
  'string[]': 'Array(String)', 'int[]': 'Array(Int64)', json: 'String',
};

/** CREATE TABLE IF NOT EXISTS for a schema (DuckDB), under its own name or another (staging). */
export function duckdbTable(s: RecordSchema, name = s.name): string {
  const cols = s.fields.map((f) => `  ${ident(f.name)} ${columnType(f, 'duckdb')}`);
  return `CREATE TABLE IF NOT EXISTS ${ident(name)} (\n${cols.join(',\n')}\n)`;
}

/**
 * ALTER TABLE ... ADD COLUMN for each field of the schema a table made by an earlier version lacks (`have`: its
 * column names). `table` is the table as the dialect names it (DuckDB: the bare name, quoted here; ClickHouse:
 * already `db`.`name`). Only nullable fields can be added (old rows get null); a new NOT NULL field is a bug.
 */
export function addColumns(s: RecordSchema, have: readonly string[], table: string, d: Dialect): string[] {
  const known = new Set(have);
  const target = d === 'duckdb' ? ident(table) : table;
  return s.fields.filter((f) => !known.has(f.name)).map((f) => {
    if (!f.nullable) throw new Error(`${s.name}.${f.name}: a field added to an existing table must be nullable`);
    return `ALTER TABLE ${target} ADD COLUMN ${ident(f.name)} ${columnType(f, d)}`;
  });
}

/** The sort key of a schema's MergeTree table: its time field, or the schema's own key when that is nullable. */
export function sortKey(s: RecordSchema): readonly string[] {
  return s.sortKey ?? [s.timeField];
}

/**
 * CREATE TABLE IF NOT EXISTS for ClickHouse: a MergeTree table named `name` (the schema's name, or its
 * per-shard local table), written in the syntax both 18.16 and current releases accept.
 */
export function clickhouseTable(s: RecordSchema, name: string, db: string): string {
  const cols = s.fields.map((f) => `  ${ident(f.name)} ${columnType(f, 'clickhouse')}`);
  const key = sortKey(s).map(ident).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${ident(db)}.${ident(name)} (\n${cols.join(',\n')}\n) ENGINE = MergeTree() ORDER BY (${key})`;
}

/** A Distributed table over the per-shard local tables (rows spread at random: every query reads all shards). */
export function clickhouseDistributed(s: RecordSchema, name: string, local: string, db: string, cluster: string): string {
  const cols = s.fields.map((f) => `  ${ident(f.name)} ${columnType(f, 'clickhouse')}`);
  return `CREATE TABLE IF NOT EXISTS ${ident(db)}.${ident(name)} (\n${cols.join(',\n')}\n) ` +
    `ENGINE = Distributed(${ident(cluster)}, ${ident(db)}, ${ident(local)}, rand())`;
}

/** A filter value as a literal of the column's type. */
function valueLiteral(f: FieldDef, v: string | number | boolean, dialect: Dialect): string {
  const base = f.type.endsWith('[]') ? f.type.slice(0, -2) : f.type;
  if (base === 'timestamp' && typeof v === 'number') return timeLiteral(v, dialect);
  if (base === 'bool') return dialect === 'duckdb' ? String(v === true || v === 'true') : v === true || v === 'true' ? '1' : '0';
  if ((base === 'int' || base === 'float') && typeof v === 'number') return numberLiteral(v);
  return quoteString(String(v), dialect);
}

/**
 * `col ~ text`: contains, with the filter language's case folding (foldCase: ASCII A-Z only), as an expression
 * that is false, never null. DuckDB's lower() and ClickHouse's lowerUTF8() fold other letters, each its own way;
 * translate() over A-Z and ClickHouse's lower() (ASCII only) fold exactly what foldCase does.
 */
function containsSql(x: string, text: string, dialect: Dialect): string {
  const needle = quoteString(foldCase(text), dialect);
  return dialect === 'duckdb'
    ? `coalesce(contains(translate(CAST(${x} AS VARCHAR), ${quoteString(ASCII_UPPER, dialect)}, ${quoteString(ASCII_UPPER.toLowerCase(), dialect)}), ${needle}), false)`
    : `ifNull(position(lower(toString(${x})), ${needle}) > 0, 0)`;
}

const ASCII_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function notSql(x: string, dialect: Dialect): string {
  return dialect === 'duckdb' ? `NOT coalesce(${x}, false)` : `NOT ifNull(${x}, 0)`;
}

/** Some element of list column c satisfies pred(x). */
function anySql(c: string, pred: (x: string) => string, dialect: Dialect): string {
  return dialect === 'duckdb'
    ? `coalesce(len(list_filter(${c}, lambda x: ${pred('x')})) > 0, false)`
    : `arrayExists(x -> ${pred('x')}, ${c})`;
}

function cmpSql(f: FieldDef, op: Op, value: string | number | boolean | null, dialect: Dialect): string {
  const c = ident(f.name);
  const list = f.type.endsWith('[]');
  if (value === null) {
    if (op !== '=' && op !== '!=') return dialect === 'duckdb' ? 'false' : '0';
    if (list) {
      const empty = dialect === 'duckdb' ? `coalesce(len(${c}), 0) = 0` : `empty(${c})`;
      return op === '=' ? empty : `NOT (${empty})`;
    }
    return op === '=' ? `${c} IS NULL` : `${c} IS NOT NULL`;
  }
  if (op === '~' || op === '!~') {
    const text = String(value);
    const hit = list ? anySql(c, (x) => containsSql(x, text, dialect), dialect) : containsSql(c, text, dialect);
    return op === '~' ? hit : `NOT (${hit})`;
  }
  const lit = valueLiteral(f, value, dialect);
  if (op === '!=') return notSql(cmpSql(f, '=', value, dialect), dialect);
  if (list) return anySql(c, (x) => `${x} ${op} ${lit}`, dialect);
  return dialect === 'duckdb' ? `coalesce(${c} ${op} ${lit}, false)` : `ifNull(${c} ${op} ${lit}, 0)`;
}

/** The filter language (query/filter.ts) as a WHERE condition with the same meaning as the in-memory predicate. */
export function whereSql(e: Expr, dialect: Dialect): string {
  switch (e.kind) {
    case 'and':
    case 'or':
      // one flat list: the stores' parsers read a chain of AND/OR without nesting, and so does this
      return `(${e.items.map((x) => whereSql(x, dialect)).join(e.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${whereSql(e.expr, dialect)})`;
    case 'set': {
      const c = ident(e.field.name);
      if (e.field.type.endsWith('[]')) return dialect === 'duckdb' ? `coalesce(len(${c}), 0) > 0` : `notEmpty(${c})`;
      if (e.field.type === 'bool') return dialect === 'duckdb' ? `coalesce(${c}, false)` : `ifNull(${c}, 0) = 1`;
      return `${c} IS NOT NULL`;
    }
    case 'cmp':
      return `(${cmpSql(e.field, e.op, e.value, dialect)})`;
  }
}
