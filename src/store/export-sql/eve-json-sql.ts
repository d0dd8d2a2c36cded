// DuckDB SQL text of JSON values as JSON.stringify writes them (strings, lists, safe and unsafe integers) and of
// EVE's times, for the EVE SQL forms (eve-sql.ts). A line is built fast with DuckDB's to_json (yyjson: the same
// escapes as JSON.stringify but for the hex case of \u00XX) and, when it holds `\u00` (a control character, or
// the text itself) or an int list's `null`, again with the escapes written out here (SLOW): exact for every row.
import { ident, quoteString } from '../sql.js';
import { jsonEscapeSql } from './sql-json.js';

/** A string literal in DuckDB SQL (the one escaping path: sql.ts). */
export const lit = (s: string): string => quoteString(s, 'duckdb');

/** How a line writes its JSON strings and lists: each gives NULL for a NULL value (so `||` drops a key with it). */
export interface Json {
  /** a JSON string */
  str(e: string): string;
  /** a JSON array of a string list (a NULL item is `null`) */
  strList(e: string): string;
  /** `[...]` of an int list as Array.join writes it (a NULL item is empty) */
  intList(e: string): string;
}

/** to_json: right unless the line holds `\u00` or an int list held a NULL (`null`): see lineSql. */
export const FAST: Json = { str: (e) => `to_json(${e})`, strList: (e) => `to_json(${e})`, intList: (e) => `to_json(${e})` };

/** Escapes written out (the rows FAST may get wrong). */
export const SLOW: Json = {
  str: (e) => `('"' || ${jsonEscapeSql(e)} || '"')`,
  strList: (e) => `('[' || array_to_string(list_transform(${e}, x -> CASE WHEN x IS NULL THEN 'null' ELSE concat('"', ${jsonEscapeSql('x')}, '"') END), ',') || ']')`,
  intList: (e) => `('[' || array_to_string(list_transform(${e}, x -> coalesce(x::VARCHAR, '')), ',') || ']')`,
};

/**
 * One line per row of `source`: built FAST, rebuilt SLOW when the fast text holds `\u00` (to_json escaped a
 * control character, in upper case; or the value held those characters: rebuilt all the same) or, with int lists,
 * `null`. `derived` are columns computed once over the source before (times, addresses), level by level (a level may
 * read the ones before it).
 */
export function lineSql(source: string, derived: readonly Readonly<Record<string, string>>[], parts: (j: Json) => string[], intLists: boolean): string {
  let from = source;
  for (const level of derived) from = `(SELECT *${Object.entries(level).map(([k, v]) => `, ${v} AS ${ident(k)}`).join('')} FROM ${from})`;
  const redo = `contains(l, ${lit('\\u00')})${intLists ? " OR contains(l, 'null')" : ''}`;
  return `SELECT CASE WHEN ${redo} THEN concat(${parts(SLOW).join(', ')}) ELSE l END AS line FROM (SELECT *, concat(${parts(FAST).join(', ')}) AS l FROM ${from})`;
}

/** 2^53 - 1: integers past it reach the writers as their digits (a string: store fromDuck), which JSON.stringify quotes. */
export const SAFE_INT = '9007199254740991';

/** An integer as JSON.stringify writes what the store hands the writer: digits, quoted past 2^53 - 1 (NULL: NULL). */
export const jint = (e: string): string => `CASE WHEN ${e} IS NULL THEN NULL WHEN ${e} BETWEEN -${SAFE_INT} AND ${SAFE_INT} THEN ${e}::VARCHAR ELSE concat('"', ${e}, '"') END`;

/** Binds `expr` to `name` in `body` (a one-item list and a lambda: DuckDB SQL has no LET). */
export const bind = (expr: string, name: string, body: string): string => `list_transform([${expr}], ${name} -> ${body})[1]`;

/** n as JS String(n).padStart(width, '0') does (a longer text, or a minus sign, stays as it is after the zeros). */
const padStart = (e: string, width: number): string =>
  bind(`(${e})::VARCHAR`, 'p', `CASE WHEN length(p) < ${width} THEN concat(repeat('0', ${width} - length(p)), p) ELSE p END`);

/**
 * Civil date and time parts of whole seconds (BIGINT, exact) as a struct-like list [y, m, d, h, mi, s]: DuckDB's
 * own calendar (proleptic Gregorian, astronomical years: year 0 is 1 BC, as eve-values' Hinnant and Date have it).
 */
const civil = (sec: string, body: (y: string, mo: string, d: string, h: string, mi: string, s: string) => string): string =>
  bind(`make_timestamp((${sec}) * 1000000)`, 't', body('year(t)', 'month(t)', 'day(t)', 'hour(t)', 'minute(t)', 'second(t)'));

const two = (e: string): string => `lpad((${e})::VARCHAR, 2, '0')`;

/** Times inside it are written by strftime; the others by eveTime's own double arithmetic (see eveTimeSql). */
const FAST_FROM = "TIMESTAMP '1900-01-01'";
const FAST_TO = "TIMESTAMP '2100-01-01'";

/** eveTime's range: |µs| <= 8.64e18 (Date's), else the epoch. */
const EVE_TIME_OUT = '1970-01-01T00:00:00.000000';

/**
 * eveTime(µs) without its `+0000`: within 1900-2100, where whole seconds of a double are exact, strftime; outside,
 * the JS function step by step in doubles (µs as a double, seconds by floor of the division, the fraction's
 * digits padded from MICRO_PAD: past 2^53 µs a double's rounding shows, and is written the same).
 */
export function eveTimeSql(ts: string): string {
  const slow = bind(`epoch_us(${ts})::DOUBLE`, 'u', `CASE WHEN NOT (abs(u) <= 8.64e18) THEN ${lit(EVE_TIME_OUT)} ELSE ${bind('floor(u / 1000000.0)', 'sec',
    bind('(u - sec * 1000000.0)::BIGINT::VARCHAR', 'f',
      `concat(${civil('sec::BIGINT', (y, mo, d, h, mi, s) => `concat(${padStart(y, 4)}, '-', ${two(mo)}, '-', ${two(d)}, 'T', ${two(h)}, ':', ${two(mi)}, ':', ${two(s)})`)}, '.', ` +
      `coalesce(['00000', '0000', '000', '00', '0', ''][length(f)], 'undefined'), f)`))} END`);
  return `CASE WHEN ${ts} IS NULL THEN NULL WHEN ${ts} >= ${FAST_FROM} AND ${ts} < ${FAST_TO} THEN strftime(${ts}, '%Y-%m-%dT%H:%M:%S.%f') ELSE ${slow} END`;
}

/**
 * eveCertTime(µs): Date's toISOString of the whole seconds, cut to 19 characters (years past 9999 or before 0 are
 * written with a sign and six digits). Outside Date's range the writer throws: the SQL form writes the epoch.
 */
export function eveCertTimeSql(ts: string): string {
  const slow = bind(`floor(epoch_us(${ts})::DOUBLE / 1000000.0)`, 'sec', `CASE WHEN NOT (abs(sec * 1000.0) <= 8.64e15) THEN '1970-01-01T00:00:00' ELSE ${civil('sec::BIGINT',
    (y, mo, d, h, mi, s) => `left(concat(CASE WHEN ${y} BETWEEN 0 AND 9999 THEN lpad(${y}::VARCHAR, 4, '0') ELSE concat(CASE WHEN ${y} < 0 THEN '-' ELSE '+' END, lpad(abs(${y})::VARCHAR, 6, '0')) END, ` +
      `'-', ${two(mo)}, '-', ${two(d)}, 'T', ${two(h)}, ':', ${two(mi)}, ':', ${two(s)}), 19)`)} END`);
  return `CASE WHEN ${ts} IS NULL THEN NULL WHEN ${ts} >= ${FAST_FROM} AND ${ts} < ${FAST_TO} THEN strftime(${ts}, '%Y-%m-%dT%H:%M:%S') ELSE ${slow} END`;
}

/**
 * An integer-valued double as JSON.stringify writes it: digits (no exponent below 1e21), past 2^53 the shortest
 * digits that round-trip and zeros (DuckDB's text of a double has them, with an exponent).
 */
export function jsIntDoubleSql(v: string): string {
  const big = bind(`(${v})::VARCHAR`, 't', `CASE WHEN contains(t, 'e') THEN concat(CASE WHEN t[1] = '-' THEN '-' END, ` +
    `rpad(replace(regexp_extract(t, '^-?([0-9.]+)e', 1), '.', ''), regexp_extract(t, 'e\\+?(-?[0-9]+)$', 1)::INTEGER + 1, '0')) ELSE regexp_replace(t, '\\.0$', '') END`);
  return `CASE WHEN abs(${v}) < 9007199254740992 THEN (${v})::BIGINT::VARCHAR ELSE ${big} END`;
}

/** `x - 1` of an int column as JSON.stringify writes the writer's `r.x - 1` (past 2^53 the digits became a double). */
export const jintMinusOne = (e: string): string =>
  `CASE WHEN ${e} BETWEEN -${SAFE_INT} AND ${SAFE_INT} THEN (${e} - 1)::VARCHAR ELSE ${jsIntDoubleSql(`${e}::DOUBLE - 1.0`)} END`;
