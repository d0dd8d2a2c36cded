// Zeek's value text as its ASCII writer leaves it: \xNN escapes undone, and a column's text decoded by its
// #types entry into the ZeekRow value (time -> µs, numbers, T/F, sets and vectors -> arrays).
import type { ZeekValue } from './mapper.js';

/** A value that could not be decoded by its type (a count of "abc", a time of "yesterday"). */
export const BAD = Symbol('bad');

/** Decodes one column's text (not the unset or empty marker: the reader handles those first). */
export type ScalarDecoder = (text: string) => string | number | boolean | typeof BAD;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes a UTF-8 sequence has by its lead byte (0: not a lead byte). */
const seqLength = (b: number): number => (b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0);

/**
 * Bytes of a run of \xNN escapes as text: each UTF-8 sequence as its character, any other byte as the
 * Latin-1 character of that value (binary data keeps every byte, one character each).
 */
function bytesText(bytes: number[]): string {
  const all = new Uint8Array(bytes);
  try {
    return utf8.decode(all);
  } catch {
    let out = '';
    for (let i = 0; i < all.length;) {
      const n = seqLength(all[i]!);
      if (n > 1 && i + n <= all.length) {
        try {
          out += utf8.decode(all.subarray(i, i + n));
          i += n;
          continue;
        } catch {
          // not a whole sequence: the byte alone
        }
      }
      out += String.fromCharCode(all[i]!);
      i++;
    }
    return out;
  }
}

const hexVal = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);

/**
 * Undoes Zeek's escaping: every \xNN (the writer escapes the separators, the backslash itself, non-printable
 * bytes, and the first character of a value equal to a marker) is its byte; UTF-8 sequences among them are
 * read as UTF-8, other bytes as Latin-1. A backslash not followed by x and two hex digits is kept as it is.
 */
export function unescapeZeek(s: string): string {
  let i = s.indexOf('\\x');
  if (i < 0) return s;
  let out = s.slice(0, i);
  let from = i;
  while (i < s.length) {
    if (s.charCodeAt(i) === 92 && s.charCodeAt(i + 1) === 120) {
      const bytes: number[] = [];
      let j = i;
      while (s.charCodeAt(j) === 92 && s.charCodeAt(j + 1) === 120) {
        const h = hexVal(s.charCodeAt(j + 2));
        const l = hexVal(s.charCodeAt(j + 3));
        if (h < 0 || l < 0) break;
        bytes.push(h * 16 + l);
        j += 4;
      }
      if (bytes.length > 0) {
        out += s.slice(from, i) + bytesText(bytes);
        i = j;
        from = j;
        continue;
      }
    }
    i++;
  }
  return out + s.slice(from);
}

/** The separator of a `#separator` line: its text with \xNN escapes undone (`\x09` is a tab). */
export function headerSeparator(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function allDigits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Seconds since the epoch written in decimal ("1258531221.486539") as integer µs, exactly (no binary
 * floating point on the way); digits past the sixth decimal are rounded. BAD for anything else.
 */
export function secondsToMicros(text: string): number | typeof BAD {
  // the common form (Zeek's: digits, a point, six digits) without a regular expression
  const dot = text.length - 7;
  if (dot > 0 && dot <= 10 && text.charCodeAt(dot) === 46 && allDigits(text, 0, dot) && allDigits(text, dot + 1, text.length)) {
    const us = Number(text.slice(0, dot)) * 1e6 + Number(text.slice(dot + 1));
    return Number.isSafeInteger(us) ? us : BAD;
  }
  const m = DECIMAL.exec(text);
  if (m === null) {
    // a number JSON wrote in exponent form (1.5e9), or Zeek's own "inf"
    const n = Number(text);
    return text !== '' && Number.isFinite(n) ? Math.round(n * 1e6) : BAD;
  }
  const frac = m[3] ?? '';
  let us = Number(m[2]) * 1e6 + Number(frac.slice(0, 6).padEnd(6, '0'));
  if (frac.length > 6 && frac.charCodeAt(6) >= 53) us += 1;
  if (!Number.isSafeInteger(us)) return BAD;
  return m[1] === '-' ? -us : us;
}

const INT = /^-?\d+$/;
const FLOAT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

const decodeString: ScalarDecoder = (t) => unescapeZeek(t);
const decodeTime: ScalarDecoder = (t) => secondsToMicros(t);
const decodeInt: ScalarDecoder = (t) => (INT.test(t) ? Number(t) : BAD);
const decodeFloat: ScalarDecoder = (t) => (FLOAT.test(t) ? Number(t) : BAD);
const decodeBool: ScalarDecoder = (t) => (t === 'T' ? true : t === 'F' ? false : BAD);

/** The decoder of a scalar Zeek type name (string-like for every type not listed: addr, subnet, enum, pattern...). */
export function scalarDecoder(type: string): ScalarDecoder {
  switch (type) {
    case 'time':
      return decodeTime;
    case 'interval':
    case 'double':
      return decodeFloat;
    case 'count':
    case 'counter':
    case 'int':
    case 'port':
      return decodeInt;
    case 'bool':
      return decodeBool;
    default:
      return decodeString;
  }
}

/** How a column is decoded: its element decoder, whether it is a container (set/vector/table), whether text. */
export interface ColumnDecoder {
  readonly scalar: ScalarDecoder;
  readonly container: boolean;
  /** string-like: the empty marker is the empty string */
  readonly text: boolean;
}

const CONTAINER = /^(?:set|vector|table)\[(.*)\]$/;

/** The decoder of a #types entry: `count`, `set[string]`, `vector[interval]`. */
export function columnDecoder(type: string): ColumnDecoder {
  const m = CONTAINER.exec(type);
  const inner = m === null ? type : m[1]!;
  const scalar = scalarDecoder(inner);
  return { scalar, container: m !== null, text: scalar === decodeString };
}

/** A column's text decoded: unset -> null, empty -> [] (containers) or "" (text), else by its type. */
export function decodeColumn(t: string, d: ColumnDecoder, unset: string, empty: string, setSep: string): ZeekValue | typeof BAD {
  if (t === unset) return null;
  if (d.container) {
    if (t === empty) return [];
    const parts = t.split(setSep);
    const out: (string | number | boolean)[] = new Array<string | number | boolean>(parts.length);
    for (let i = 0; i < parts.length; i++) {
      const v = d.scalar(parts[i]!);
      if (v === BAD) return BAD;
      out[i] = v;
    }
    return out;
  }
  if (t === empty) return d.text ? '' : BAD;
  return d.scalar(t);
}
