// Zeek's TSV value text decoded in SQL (DuckDB), for the importer's fast path: the same values as the JS decoder
// (formats/import/zeek-values.ts decodeColumn) for the texts it accepts here, and a `bad` condition on every text
// this SQL does not decode exactly as the JS does (a file with one such text is imported by the JS path).

import { ident, quoteString } from '../../core/sql-text.js';

/** A DuckDB string literal, through the one escaping path (core/sql-text.ts). */
export function sqlString(s: string): string {
  return quoteString(s, 'duckdb');
}

/** A column name of our schemas as a SQL identifier (core/sql-text.ts ident: checked, quoted). */
export function sqlIdent(s: string): string {
  return ident(s);
}

/** `CASE x WHEN k THEN v ... ELSE otherwise END` of a map (keys and values as SQL literals). */
export function sqlMap(x: string, map: ReadonlyMap<string | number, string | number>, otherwise: string): string {
  if (map.size === 0) return otherwise;
  const lit = (v: string | number): string => (typeof v === 'number' ? String(v) : sqlString(v));
  return `CASE ${x} ${[...map].map(([k, v]) => `WHEN ${lit(k)} THEN ${lit(v)}`).join(' ')} ELSE ${otherwise} END`;
}

/** The largest integer a JS number holds exactly (the JS decoder's values are numbers). */
const MAX_SAFE = '9007199254740991';

/** What a decoded column is in SQL: our value kinds (time: µs BIGINT). */
export type SqlKind = 'time' | 'int' | 'float' | 'bool' | 'text' | 'text[]' | 'int[]';

export interface SqlDecoded {
  /** the value (NULL where the text is the unset marker) */
  value: string;
  /** true on a text the JS decoder reads otherwise or refuses (NULL counts as false) */
  bad: string;
  kind: SqlKind;
}

const CONTAINER = /^(?:set|vector|table)\[(.*)\]$/;

/** The scalar kind of a Zeek type name, as zeek-values.ts scalarDecoder chooses its decoder. */
function scalarKind(type: string): 'time' | 'interval' | 'double' | 'int' | 'bool' | 'text' {
  switch (type) {
    case 'time': return 'time';
    case 'interval': return 'interval';
    case 'double': return 'double';
    case 'count': case 'counter': case 'int': case 'port': return 'int';
    case 'bool': return 'bool';
    default: return 'text';
  }
}

/**
 * The SQL decoding of a column of Zeek type `type` whose text is `t` (a read_csv column read with nullstr '-',
 * so the unset marker is NULL), or null when a column of this type is not decoded in SQL. Times and intervals
 * are taken in Zeek's own form (six decimals), counts in their shortest form, texts without `\x` escapes: any
 * other form is `bad` (the file goes the JS way), never decoded differently.
 */
export function zeekSqlDecode(type: string, t: string): SqlDecoded | null {
  const m = CONTAINER.exec(type);
  if (m !== null) {
    const el = scalarKind(m[1]!);
    const parts = `string_split(${t}, ',')`;
    if (el === 'text') {
      return { kind: 'text[]', value: `CASE WHEN ${t} = '(empty)' THEN []::VARCHAR[] ELSE ${parts} END`, bad: `contains(${t}, '\\x')` };
    }
    if (el === 'int') {
      return {
        kind: 'int[]',
        value: `CASE WHEN ${t} = '(empty)' THEN []::BIGINT[] ELSE list_transform(${parts}, x -> TRY_CAST(x AS BIGINT)) END`,
        bad: `(${t} <> '(empty)' AND NOT coalesce(list_bool_and(list_transform(${parts}, x -> coalesce(TRY_CAST(x AS BIGINT)::VARCHAR = x AND abs(TRY_CAST(x AS BIGINT)) <= ${MAX_SAFE}, false))), false))`,
      };
    }
    return null;
  }
  switch (scalarKind(type)) {
    case 'time':
      // Zeek's form (digits, a point, six digits) is the µs count with the point taken out
      return {
        kind: 'time', value: `TRY_CAST(replace(${t}, '.', '') AS BIGINT)`,
        bad: `(TRY_CAST(${t} AS DECIMAL(18,6))::VARCHAR IS DISTINCT FROM ${t} OR abs(TRY_CAST(replace(${t}, '.', '') AS BIGINT)) > ${MAX_SAFE})`,
      };
    case 'interval':
      return { kind: 'float', value: `TRY_CAST(${t} AS DOUBLE)`, bad: `TRY_CAST(${t} AS DECIMAL(18,6))::VARCHAR IS DISTINCT FROM ${t}` };
    case 'double':
      return {
        kind: 'float', value: `TRY_CAST(${t} AS DOUBLE)`,
        bad: `NOT coalesce(regexp_full_match(${t}, '-?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?') AND isfinite(TRY_CAST(${t} AS DOUBLE)), ${t} IS NULL)`,
      };
    case 'int':
      return {
        kind: 'int', value: `TRY_CAST(${t} AS BIGINT)`,
        bad: `(TRY_CAST(${t} AS BIGINT)::VARCHAR IS DISTINCT FROM ${t} OR abs(TRY_CAST(${t} AS BIGINT)) > ${MAX_SAFE})`,
      };
    case 'bool':
      return { kind: 'bool', value: `(${t} = 'T')`, bad: `(${t} IS NOT NULL AND ${t} NOT IN ('T', 'F'))` };
    case 'text':
      return { kind: 'text', value: `CASE WHEN ${t} = '(empty)' THEN '' ELSE ${t} END`, bad: `contains(${t}, '\\x')` };
  }
}

/** A decoded value of `kind` as JSON text, as JSON.stringify writes the JS decoder's value; null: not done in SQL. */
export function sqlJson(kind: SqlKind, v: string): string | null {
  switch (kind) {
    case 'time': case 'int': return `CAST(${v} AS VARCHAR)`;
    case 'bool': return `CASE WHEN ${v} THEN 'true' ELSE 'false' END`;
    case 'text': case 'text[]': case 'int[]': return `CAST(to_json(${v}) AS VARCHAR)`;
    case 'float': return null;
  }
}
