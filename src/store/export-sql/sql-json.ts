// DuckDB SQL builders for the text of JSON values and of the numbers the external formats write: a string as
// JSON.stringify writes it, objects with unset members left out, arrays, integers, and seconds from µs or from a
// double as our writers print them (zeek-text.ts). Each builder takes SQL expressions and returns one; NULL in
// gives NULL out (an unset member). The escaping branches run only for values that need them: the common path
// is one regexp test and a concatenation. Every literal goes through sql.ts quoteString.
import { quoteString } from '../sql.js';

const q = (s: string): string => quoteString(s, 'duckdb');
const QUOTE = q('"');

/**
 * A GLOB pattern matching a text that holds one of `chars` or a control character (0x00-0x1f; `chars` goes inside
 * a bracket class, backslash literal there). GLOB, not regexp_matches: a column's test measured 15 ns a value
 * against 100 ns (and it is evaluated once per dictionary entry of a dictionary-compressed column). NUL cannot be
 * written in a literal: the pattern is a constant expression DuckDB folds.
 */
export function controlGlobSql(chars: string): string {
  return `(${q('*[')} || chr(0) || ${q(`-\x1f${chars}]*`)})`;
}

/** Characters JSON.stringify escapes besides the controls (DuckDB text is valid UTF-8: no lone surrogates). */
const JSON_ESCAPED = controlGlobSql('"\\');

/** JSON.stringify's escape of each control character: the short forms, else \u00XX in lower-case hex. */
const SHORT: Readonly<Record<number, string>> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

/** A character as a DuckDB expression (chr(): NUL cannot be written in a DuckDB string literal). */
const chr = (c: number): string => `chr(${c})`;

/**
 * `x` (a VARCHAR) with every character JSON.stringify escapes replaced by its escape, the backslash first (later
 * escapes add backslashes of their own). Runs on the rare values that need it only (see jsonStringSql).
 */
export function jsonEscapeSql(x: string): string {
  let out = `replace(replace(${x}, ${q('\\')}, ${q('\\\\')}), ${q('"')}, ${q('\\"')})`;
  for (let c = 0; c < 0x20; c++) out = `replace(${out}, ${chr(c)}, ${q(SHORT[c] ?? `\\u${c.toString(16).padStart(4, '0')}`)})`;
  return out;
}

/**
 * The JSON text of a VARCHAR expression, quotes included, byte for byte what JSON.stringify writes (`"`, `\`,
 * \b \f \n \r \t, other control characters as \u00xx; DEL and non-ASCII as they are). NULL stays NULL.
 * `x` is evaluated twice on the common path: give a column or a cheap expression.
 */
export function jsonStringSql(x: string): string {
  return `CASE WHEN ${x} GLOB ${JSON_ESCAPED} THEN ${QUOTE} || ${jsonEscapeSql(x)} || ${QUOTE} ELSE ${QUOTE} || ${x} || ${QUOTE} END`;
}

/** A JSON boolean from a BOOLEAN expression (NULL stays NULL). */
export function jsonBoolSql(x: string): string {
  return `CASE WHEN ${x} THEN ${q('true')} WHEN NOT ${x} THEN ${q('false')} END`;
}

/** An integer expression's decimal text (a JSON number; NULL stays NULL). */
export function integerTextSql(x: string): string {
  return `CAST(${x} AS VARCHAR)`;
}

/**
 * One member of an object: `"key":value`, NULL when the value is (so jsonObjectSql leaves it out). The key is
 * our constant, written through JSON.stringify and quoteString.
 */
export function jsonMemberSql(key: string, value: string): string {
  return `${q(`${JSON.stringify(key)}:`)} || (${value})`;
}

/** An object of members (jsonMemberSql), the NULL ones left out, in the order given: `{}` when all are. */
export function jsonObjectSql(members: readonly string[]): string {
  return members.length === 0 ? q('{}') : `${q('{')} || concat_ws(${q(',')}, ${members.join(', ')}) || ${q('}')}`;
}

/**
 * A JSON array of a LIST expression's elements, each written by `element` (given the lambda's variable): `[]` when
 * empty, NULL when the list is.
 */
export function jsonArraySql(list: string, element: (x: string) => string): string {
  // NULL tested first: list_transform costs as much on a NULL list as on one with elements
  return `CASE WHEN ${list} IS NOT NULL THEN ${q('[')} || array_to_string(list_transform(${list}, lambda x: ${element('x')}), ${q(',')}) || ${q(']')} END`;
}

/**
 * jsonArraySql of a VARCHAR list (jsonStringSql per element), its elements joined between quotes when none needs
 * an escape (one GLOB over them all; the lambda per element measured 0.7 µs a row).
 */
export function jsonStringArraySql(list: string): string {
  return `CASE WHEN ${list} IS NULL THEN NULL WHEN len(${list}) = 0 THEN ${q('[]')} ` +
    `WHEN array_to_string(${list}, ${q('')}) GLOB ${JSON_ESCAPED} THEN ${jsonArraySql(list, jsonStringSql)} ` +
    `ELSE ${q('["')} || array_to_string(${list}, ${q('","')}) || ${q('"]')} END`;
}

/**
 * µs since the epoch (an integer expression) as seconds with exactly 6 decimals, `-` before a time before 1970
 * (zeekTime): exact, decimal arithmetic.
 */
export function microsFixedSql(us: string): string {
  const dec = (p: number): string => `CAST(CAST(${us} AS DECIMAL(${p},0)) * 0.000001 AS VARCHAR)`;
  // 18 digits (to year 33658) in a 64-bit decimal: 10x faster than the 128-bit one the rest needs
  return `CASE WHEN abs(${us}) < ${MICROS_DEC18} THEN ${dec(18)} ELSE ${dec(38)} END`;
}

/** µs below which microsFixedSql's decimal fits 18 digits. */
const MICROS_DEC18 = '1000000000000000000';

/**
 * µs since the epoch as the shortest text of its 6 decimals, `.0` when a whole second (zeekJsonTime): microsFixedSql
 * without the trailing zeros but one.
 */
export function microsShortestSql(us: string): string {
  // the decimal of as many places as the µs need, by their trailing zeros (integer tests: trimming the text's
  // zeros measured 2.5x the whole conversion); a whole second is its integer and `.0`
  const places = [1, 2, 3, 4, 5].map((d) => `WHEN ${us} % ${10 ** (6 - d)} = 0 THEN CAST(CAST(${us} // ${10 ** (6 - d)} AS DECIMAL(18,0)) * ${(0.1 ** d).toFixed(d)} AS VARCHAR)`);
  return `CASE WHEN ${us} % 1000000 = 0 THEN CAST(${us} // 1000000 AS VARCHAR) || ${q('.0')} ${places.join(' ')} ELSE ${microsFixedSql(us)} END`;
}

/**
 * Math.round of a DOUBLE expression (halves toward +infinity: DuckDB's round() takes them away from zero).
 * x - floor(x) is exact, so the halves are told exactly.
 */
export function jsRoundSql(x: string): string {
  return `(floor(${x}) + CASE WHEN ${x} - floor(${x}) >= 0.5 THEN 1 ELSE 0 END)`;
}

/**
 * Where a DOUBLE's 6-decimal rounding may be DuckDB's cast to DECIMAL(18,6) (2.5x faster than printf): x from 0
 * (no `-0.000000` to write) below 1e6, where x * 1e6 is within 1e-4 of the exact product, and that product not
 * within 1e-3 of a half (the cast and the exact rule round alike). The rest takes the exact path.
 */
function decimalSafe(x: string): string {
  return `${x} >= 0 AND ${x} < 1e6 AND abs(${x} * 1e6 - floor(${x} * 1e6) - 0.5) > 0.001`;
}

/** Beyond this magnitude Number#toFixed and String() write a double in exponent form (ECMA-262). */
const EXPONENT_FROM = '1e21';

/**
 * A DOUBLE as Number#toFixed(6) writes it: the exact value rounded to 6 decimals, a tie away from zero (printf's
 * rounds it to even: a tie is a multiple of 1/128 with an odd numerator, nudged to the next double), no `-` on a
 * zero, and from 1e21 on the shortest exponent form. Exact for magnitudes below 2^32 (the nudge is finer than
 * 5e-7 there); our intervals are durations and round-trip times.
 */
export function toFixed6Sql(x: string): string {
  return `CASE WHEN ${decimalSafe(x)} THEN CAST(CAST(${x} AS DECIMAL(18,6)) AS VARCHAR) ` +
    `WHEN abs(${x}) >= ${EXPONENT_FROM} THEN CAST(${x} AS VARCHAR) ` +
    `WHEN fmod(abs(${x}) * 128, 2) = 1 THEN printf(${q('%.6f')}, nextafter(${x}, CASE WHEN ${x} < 0 THEN -${EXPONENT_FROM} ELSE ${EXPONENT_FROM} END)) ` +
    `ELSE printf(${q('%.6f')}, ${x} + 0.0) END`;
}

/**
 * A DOUBLE as a JSON number of at most 6 decimals, `.0` on a whole number (zeekJsonSeconds): r = Math.round(x * 1e6)
 * / 1e6 as String() writes it. DuckDB's text of a double is the same shortest round-trip digits, in exponent form
 * below 1e-4 (String()'s from 1e-7): there r's 6 decimals without the trailing zeros are those digits.
 */
export function roundedSecondsSql(x: string): string {
  const r = `(${jsRoundSql(`(${x}) * 1e6`)} / 1e6)`;
  // the common case (decimalSafe): r is the µs x * 1e6 rounds to, as microsShortestSql writes them
  return `CASE WHEN ${decimalSafe(x)} THEN ${microsShortestSql(`CAST(${x} * 1e6 AS BIGINT)`)} ` +
    `WHEN abs(${x}) >= ${EXPONENT_FROM} THEN CAST(${x} AS VARCHAR) ` +
    `WHEN ${x} = floor(${x}) THEN ${integralSql(x)} || ${q('.0')} ` +
    `WHEN ${r} = floor(${r}) THEN printf(${q('%.0f')}, ${r} + 0.0) || ${q('.0')} ` +
    `WHEN abs(${r}) >= ${SHORTEST_PLAIN_FROM} THEN CAST(${r} AS VARCHAR) ` +
    `ELSE regexp_replace(printf(${q('%.6f')}, ${r}), ${q('0+$')}, ${q('')}) END`;
}

/**
 * A whole DOUBLE below 1e21 as String() writes it: its digits, exact below 2^53 (printf); past it the shortest
 * round-trip digits padded with zeros, from DuckDB's text of it ("5.260614789586425e+16", or "9007199254740994.0").
 */
function integralSql(x: string): string {
  const c = `CAST(${x} AS VARCHAR)`;
  const m = `regexp_extract(${c}, ${q(String.raw`^(-?)([0-9])\.?([0-9]*)e\+([0-9]+)$`)}, [${['s', 'i', 'f', 'e'].map(q).join(', ')}])`;
  return `CASE WHEN abs(${x}) < ${2 ** 53} THEN printf(${q('%.0f')}, ${x} + 0.0) ` +
    `WHEN contains(${c}, ${q('e')}) THEN ${m}.s || ${m}.i || ${m}.f || repeat(${q('0')}, CAST(${m}.e AS INTEGER) - length(${m}.f)) ` +
    `ELSE regexp_replace(${c}, ${q(String.raw`\.0$`)}, ${q('')}) END`;
}

/** From here on DuckDB writes a double's shortest digits without an exponent (below it, 1e-05). */
const SHORTEST_PLAIN_FROM = '0.001';
