// Zeek's ASCII (TSV) value text: escaping as Zeek's ODesc does, the unset/empty markers, times with 6 decimals,
// and the exact inverse (used by the importer and the round-trip tests).
import type { ZeekScalar, ZeekType, ZeekValue } from './zeek-types.js';

export const ZEEK_SEPARATOR = '\t';
export const ZEEK_SET_SEPARATOR = ',';
export const ZEEK_EMPTY = '(empty)';
export const ZEEK_UNSET = '-';

/**
 * Bytes Zeek writes as \xHH in a value: control characters and DEL (not printable), the backslash (so that
 * \xHH is never ambiguous; ODesc::FirstEscapeLoc), and the tab (the column separator). Valid UTF-8 passes
 * through (LogAscii::enable_utf_8, the default).
 */
// eslint-disable-next-line no-control-regex -- control characters are what is escaped
const ESCAPE = /[\x00-\x1f\x7f\\]/;
// eslint-disable-next-line no-control-regex
const ESCAPE_ALL = /[\x00-\x1f\x7f\\]/g;
/** inside a set or vector the set separator is escaped too */
// eslint-disable-next-line no-control-regex
const ESCAPE_SET = /[\x00-\x1f\x7f\\,]/;
// eslint-disable-next-line no-control-regex
const ESCAPE_SET_ALL = /[\x00-\x1f\x7f\\,]/g;

const hex = (c: string): string => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/**
 * A string value as Zeek writes it: `(empty)` when empty; a value equal to the unset or empty marker gets its
 * first character escaped (Zeek's escapeReservedContent), so `-` is written `\x2d`.
 */
export function zeekString(s: string, inSet = false): string {
  if (s.length === 0) return ZEEK_EMPTY;
  if (s === ZEEK_UNSET) return '\\x2d';
  if (s === ZEEK_EMPTY) return '\\x28empty)';
  if (inSet) return ESCAPE_SET.test(s) ? s.replace(ESCAPE_SET_ALL, hex) : s;
  return ESCAPE.test(s) ? s.replace(ESCAPE_ALL, hex) : s;
}

/** Undoes Zeek's \xHH escapes (a byte above 0x7f becomes the character of that code, as latin1). */
export function unescapeZeek(s: string): string {
  return s.includes('\\x') ? s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : s;
}

/** µs since the epoch as Zeek's `time`: seconds with exactly 6 decimals. */
export function zeekTime(us: number): string {
  const neg = us < 0;
  const a = neg ? -us : us;
  const sec = Math.floor(a / 1e6);
  const frac = a - sec * 1e6;
  return `${neg ? '-' : ''}${sec}.${String(frac).padStart(6, '0')}`;
}

/** Seconds as Zeek's `interval`: 6 decimals. */
export function zeekInterval(s: number): string {
  return s.toFixed(6);
}

/** A `double` as Zeek writes it: up to 6 decimals, trailing zeros dropped, at least one decimal. */
export function zeekDouble(d: number): string {
  const t = d.toFixed(6).replace(/0+$/, '');
  return t.endsWith('.') ? `${t}0` : t;
}

/** µs since the epoch as a JSON number of seconds (Zeek's JSON::TS_EPOCH): the shortest text of 6 decimals. */
export function zeekJsonTime(us: number): string {
  const neg = us < 0;
  const a = neg ? -us : us;
  const sec = Math.floor(a / 1e6);
  let frac = a - sec * 1e6;
  if (frac === 0) return `${neg ? '-' : ''}${sec}.0`;
  let digits = 6;
  while (frac % 10 === 0) {
    frac /= 10;
    digits--;
  }
  return `${neg ? '-' : ''}${sec}.${String(frac).padStart(digits, '0')}`;
}

/** Seconds as a JSON number of at most 6 decimals (an integer keeps `.0`, as Zeek's JSON writes doubles). */
export function zeekJsonSeconds(s: number): string {
  // from 1e21 on a number's text is in exponent form ("1e+21"), a JSON number only without the `.0`
  if (Number.isInteger(s)) return Math.abs(s) < 1e21 ? `${s}.0` : String(s);
  const r = Math.round(s * 1e6) / 1e6;
  return Number.isInteger(r) ? `${r}.0` : String(r);
}

/** Characters JSON.stringify escapes: without them a string is its own JSON text between quotes. */
// eslint-disable-next-line no-control-regex -- control characters are what is escaped
const JSON_ESCAPE = /["\\\x00-\x1f\ud800-\udfff]/;

/** A string as JSON text (JSON.stringify's, faster for the strings that need no escape). */
export function jsonString(s: string): string {
  return JSON_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** A scalar as Zeek's TSV writes it. */
export function zeekScalarText(v: ZeekScalar, type: string, inSet: boolean): string {
  switch (type) {
    case 'time': return zeekTime(v as number);
    case 'interval': return zeekInterval(v as number);
    case 'double': return zeekDouble(v as number);
    case 'bool': return v === true ? 'T' : 'F';
    case 'count': case 'int': case 'port': return String(v);
    default: return zeekString(String(v), inSet);
  }
}

/** The element type of a set or vector type, or null for a scalar type. */
export function elementType(type: ZeekType): string | null {
  const i = type.indexOf('[');
  return i < 0 ? null : type.slice(i + 1, -1);
}

/** A value as one TSV field. */
export function zeekFieldText(v: ZeekValue, type: ZeekType): string {
  if (v === null) return ZEEK_UNSET;
  const el = elementType(type);
  if (el === null) return zeekScalarText(v as ZeekScalar, type, false);
  const a = v as readonly ZeekScalar[];
  if (a.length === 0) return ZEEK_EMPTY;
  let out = zeekScalarText(a[0]!, el, true);
  for (let i = 1; i < a.length; i++) out += ZEEK_SET_SEPARATOR + zeekScalarText(a[i]!, el, true);
  return out;
}

/** Zeek's `time` text back to µs since the epoch, exactly (no float rounding). */
export function parseZeekTime(t: string): number {
  const neg = t.startsWith('-');
  const body = neg ? t.slice(1) : t;
  const dot = body.indexOf('.');
  const sec = dot < 0 ? body : body.slice(0, dot);
  const frac = dot < 0 ? '' : body.slice(dot + 1, dot + 7).padEnd(6, '0');
  const us = Number(sec) * 1e6 + Number(frac === '' ? '0' : frac);
  return neg ? -us : us;
}

function parseScalar(t: string, type: string): ZeekScalar {
  switch (type) {
    case 'time': return parseZeekTime(t);
    case 'interval': case 'double': case 'count': case 'int': return Number(t);
    case 'port': return Number(t.split('/')[0]);
    case 'bool': return t === 'T' || t === '1';
    default: return unescapeZeek(t);
  }
}

/**
 * One TSV field back to its value (the inverse of zeekFieldText): `-` = null, `(empty)` = '' or [], sets split on
 * the set separator. Zeek writes an empty string element as `(empty)` too, so a set holding only '' reads as [].
 */
export function parseZeekField(t: string, type: ZeekType): ZeekValue {
  if (t === ZEEK_UNSET) return null;
  const el = elementType(type);
  if (el === null) return t === ZEEK_EMPTY && (type === 'string' || type === 'enum' || type === 'addr') ? '' : parseScalar(t, type);
  if (t === ZEEK_EMPTY) return [];
  return t.split(ZEEK_SET_SEPARATOR).map((x) => (x === ZEEK_EMPTY && (el === 'string' || el === 'enum' || el === 'addr') ? '' : parseScalar(x, el)));
}
