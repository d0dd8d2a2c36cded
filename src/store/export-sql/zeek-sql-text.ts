// Zeek's value text in DuckDB SQL, as zeek-text.ts writes it: a TSV field by its Zeek type (zeekFieldText: strings
// escaped as Zeek's ODesc, the unset and empty markers, times of 6 decimals, sets comma-joined) and a JSON value
// (compileJsonRow's: jsonString, zeekJsonTime, zeekJsonSeconds, arrays). The escaping branches run only for the
// values that need them; the common path of a string is one regexp test.
import { elementType, ZEEK_EMPTY, ZEEK_SET_SEPARATOR, ZEEK_UNSET } from '../../formats/zeek/zeek-text.js';
import type { ZeekType } from '../../formats/zeek/zeek-types.js';
import { quoteString } from '../sql.js';
import { controlGlobSql, integerTextSql, jsonArraySql, jsonStringArraySql, jsonBoolSql, jsonStringSql, microsFixedSql, microsShortestSql, roundedSecondsSql, toFixed6Sql } from './sql-json.js';

const q = (s: string): string => quoteString(s, 'duckdb');

/** What Zeek writes as \xHH (zeek-text.ts ESCAPE: controls, DEL, backslash), and in a set the separator too. */
const TSV_ESCAPED = controlGlobSql('\x7f\\');
const TSV_ESCAPED_SET = controlGlobSql('\x7f\\,');

const hex = (c: number): string => `\\x${c.toString(16).padStart(2, '0')}`;

/** `x` with each character Zeek escapes as \xHH, the backslash first (the escapes add backslashes of their own). */
function zeekEscapeSql(x: string, inSet: boolean): string {
  let out = `replace(${x}, ${q('\\')}, ${q(hex(0x5c))})`;
  const codes = [...Array.from({ length: 0x20 }, (_, c) => c), 0x7f, ...(inSet ? [0x2c] : [])];
  for (const c of codes) out = `replace(${out}, chr(${c}), ${q(hex(c))})`;
  return out;
}

/**
 * A VARCHAR as zeekString writes it: `(empty)` when empty, the markers `-` and `(empty)` with their first character
 * escaped, else escaped where it must be. NULL stays NULL.
 */
export function zeekStringSql(x: string, inSet: boolean): string {
  return `CASE WHEN ${x} GLOB ${inSet ? TSV_ESCAPED_SET : TSV_ESCAPED} THEN ${zeekEscapeSql(x, inSet)} ` +
    `WHEN ${x} = ${q('')} THEN ${q(ZEEK_EMPTY)} WHEN ${x} = ${q(ZEEK_UNSET)} THEN ${q('\\x2d')} WHEN ${x} = ${q(ZEEK_EMPTY)} THEN ${q('\\x28empty)')} ELSE ${x} END`;
}

/** A DOUBLE as zeekDouble writes it: toFixed(6) without trailing zeros, one decimal kept. */
function zeekDoubleSql(x: string): string {
  const t = `regexp_replace(${toFixed6Sql(x)}, ${q('0+$')}, ${q('')})`;
  return `CASE WHEN suffix(${t}, ${q('.')}) THEN ${t} || ${q('0')} ELSE ${t} END`;
}

/** A scalar of a Zeek type as its TSV text (zeekScalarText), NULL staying NULL. */
function tsvScalarSql(type: string, v: string, inSet: boolean): string {
  switch (type) {
    case 'time': return microsFixedSql(v);
    case 'interval': return toFixed6Sql(`CAST(${v} AS DOUBLE)`);
    case 'double': return zeekDoubleSql(`CAST(${v} AS DOUBLE)`);
    case 'bool': return `CASE WHEN ${v} THEN ${q('T')} WHEN NOT ${v} THEN ${q('F')} END`;
    case 'count': case 'int': case 'port': return integerTextSql(v);
    default: return zeekStringSql(v, inSet);
  }
}

/**
 * A value of a Zeek type as one TSV field (zeekFieldText): `-` when NULL (`nullable` false: the value never is),
 * a set or vector's elements joined by the set separator, `(empty)` when it has none.
 */
export function zeekTsvFieldSql(type: ZeekType, v: string, nullable: boolean): string {
  const el = elementType(type);
  let text: string;
  if (el === null) text = tsvScalarSql(type, v, false);
  else {
    // NULL tested first (list_transform costs as much on a NULL list); strings joined as they are when no element
    // needs an escape or is a marker (one GLOB and one list test against a lambda per element: 0.7 µs a row)
    const each = `array_to_string(list_transform(${v}, lambda x: ${tsvScalarSql(el, 'x', true)}), ${q(ZEEK_SET_SEPARATOR)})`;
    const plain = el === 'string' || el === 'enum' || el === 'addr'
      ? `WHEN NOT (array_to_string(${v}, ${q('')}) GLOB ${TSV_ESCAPED_SET} OR list_has_any(${v}, [${[q(''), q(ZEEK_UNSET), q(ZEEK_EMPTY)].join(', ')}])) ` +
        `THEN array_to_string(${v}, ${q(ZEEK_SET_SEPARATOR)}) `
      : '';
    text = `CASE WHEN ${v} IS NULL THEN NULL WHEN len(${v}) = 0 THEN ${q(ZEEK_EMPTY)} ${plain}ELSE ${each} END`;
  }
  return nullable ? `coalesce(${text}, ${q(ZEEK_UNSET)})` : text;
}

/** A scalar of a Zeek type as compileJsonRow writes it, NULL staying NULL. */
function jsonScalarSql(type: string, v: string): string {
  switch (type) {
    case 'time': return microsShortestSql(v);
    case 'interval': case 'double': return roundedSecondsSql(`CAST(${v} AS DOUBLE)`);
    case 'count': case 'int': case 'port': return integerTextSql(v);
    case 'bool': return jsonBoolSql(v);
    default: return jsonStringSql(v);
  }
}

/** A value of a Zeek type as a JSON value (sets and vectors as arrays), NULL (left out) when unset. */
export function zeekJsonValueSql(type: ZeekType, v: string): string {
  const el = elementType(type);
  if (el === null) return jsonScalarSql(type, v);
  return el === 'string' || el === 'enum' || el === 'addr' ? jsonStringArraySql(v) : jsonArraySql(v, (x) => jsonScalarSql(el, x));
}
