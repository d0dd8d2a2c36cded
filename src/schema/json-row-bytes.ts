// A record row as compileJsonRow's JSON text, written straight into UTF-8 bytes: no string per row or value.
import { isoMicros } from '../core/time.js';
import type { JsonField } from './json-row.js';

type Row = Record<string, unknown>;

/**
 * Writes one row (no trailing newline) into `out` from `pos` and returns the position after it, or -1 when
 * the room left might not hold it (nothing meaningful was written; the caller starts a new buffer or falls
 * back to the text serializer).
 */
export type JsonRowBytes = (r: Row, out: Uint8Array, pos: number) => number;

/**
 * Bytes a value other than a string can take: a number's shortest text is at most 24 characters
 * ("-1.2345678901234567e+308"); a timestamp 29 with its quotes, up to ~47 for a fraction of a µs.
 */
const MAX_SCALAR_BYTES = 64;
/** UTF-8 bytes one UTF-16 unit of a string can become inside a JSON string (`\u001f`: 6). */
const MAX_BYTES_PER_UNIT = 6;
const utf8 = new TextEncoder();
/** Bytes of `"\uXXXX` escapes: JSON.stringify writes lower-case hex. */
const HEX = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];

/**
 * Byte twin of compileJsonRow (same fields, same text, byte for byte: JSON.stringify's escaping of strings,
 * `'' + n` for numbers, isoMicros for timestamps, UTF-8 as Buffer writes it). Strings are escaped and
 * encoded here one code unit at a time; other JSON values (lists, objects) go through JSON.stringify.
 * Generates code (new Function) like compileJsonRow, from schema field names only.
 */
export function compileJsonRowBytes(fields: readonly JsonField[]): JsonRowBytes {
  // no field (`--fields ,`): compileJsonRow's `{}`; below, `{` comes with the first key
  if (fields.length === 0) {
    return (_r, out, pos) => {
      if (pos + 2 > out.length) return -1;
      out[pos] = 123;
      out[pos + 1] = 125;
      return pos + 2;
    };
  }
  // every key's bytes back to back; each field's code copies its range
  const keyText = fields.map((f, i) => `${i === 0 ? '{' : ','}${JSON.stringify(f.name)}:`);
  const keys = utf8.encode(keyText.join(''));
  // room for every key and every non-string value, checked once per row and again with each string
  const fixed = keys.length + fields.length * MAX_SCALAR_BYTES + 2;
  const lines: string[] = [];
  let k = 0;
  fields.forEach((f, i) => {
    const kLen = utf8.encode(keyText[i]).length;
    const v = `v${i}`;
    lines.push(`const ${v} = r[${JSON.stringify(f.name)}];`, `pos = key(out, pos, ${k}, ${k + kLen});`);
    k += kLen;
    switch (f.type) {
      case 'timestamp':
        lines.push(`pos = ${v} == null ? nul(out, pos) : h.time(out, pos, ${v}, FIXED);`, 'if (pos < 0) return -1;');
        break;
      case 'int':
      case 'float':
        lines.push(`pos = h.num(out, pos, ${v});`);
        break;
      case 'bool':
        lines.push(`pos = ${v} == null ? nul(out, pos) : h.bool(out, pos, ${v});`);
        break;
      case 'string':
      case 'string[]':
      case 'int[]':
      case 'json':
        lines.push(`pos = ${v} == null ? nul(out, pos) : h.json(out, pos, ${v}, FIXED);`, 'if (pos < 0) return -1;');
        break;
    }
  });
  lines.push('out[pos++] = 125;', 'return pos;');
  const body = `const FIXED = ${fixed};\nconst key = h.key;\nconst nul = h.nul;\n` +
    `return (r, out, pos) => {\nif (pos + FIXED > out.length) return -1;\n${lines.join('\n')}\n};`;
  // generated from schema field names only (see above), no user text
  return new Function('h', body)({ ...HELPERS, key: keyCopier(keys) }) as JsonRowBytes;
}

/** Copies keys[from, to) (a field's key) to out at pos. */
function keyCopier(keys: Uint8Array): (out: Uint8Array, pos: number, from: number, to: number) => number {
  return (out, pos, from, to) => {
    for (let i = from; i < to; i++) out[pos++] = keys[i]!;
    return pos;
  };
}

function nul(out: Uint8Array, pos: number): number {
  out[pos] = 110;
  out[pos + 1] = 117;
  out[pos + 2] = 108;
  out[pos + 3] = 108;
  return pos + 4;
}

function bool(out: Uint8Array, pos: number, v: unknown): number {
  return ascii(out, pos, v === true ? 'true' : 'false');
}

/**
 * A string, list or object value as JSON.stringify writes it (`'' + JSON.stringify(v)` for what is not a
 * string, as compileJsonRow concatenates it); -1 when it might not fit with `room` more bytes after it.
 */
function json(out: Uint8Array, pos: number, v: unknown, room: number): number {
  if (typeof v === 'string') {
    if (pos + v.length * MAX_BYTES_PER_UNIT + room > out.length) return -1;
    return str(out, pos, v);
  }
  const t = `${JSON.stringify(v)}`;
  if (pos + t.length * 3 + room > out.length) return -1;
  return text(out, pos, t);
}

/** Characters below 0x80 (the caller knows the text is ASCII: numbers, literals, dates). */
function ascii(out: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
  return pos;
}

/**
 * A number as `'' + n` writes it, non-negative safe integers digit by digit without a string; null for
 * anything that is not a finite number.
 */
function num(out: Uint8Array, pos: number, n: unknown): number {
  if (typeof n !== 'number' || !Number.isFinite(n)) return nul(out, pos);
  if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Math.floor(n) === n) || Object.is(n, -0)) {
    return ascii(out, pos, `${n}`);
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let x = n;
  for (let i = pos + digits - 1; i >= pos; i--) {
    const q = Math.floor(x / 10);
    out[i] = 48 + (x - q * 10);
    x = q;
  }
  return pos + digits;
}

/** Date's range is ±8.64e15 ms (isoMicros writes µs beyond it as the number). */
const MAX_DATE_US = 8.64e18;
let cachedSecond = Number.NaN;
const prefix = new Uint8Array(19);

/**
 * `"` + isoMicros(us) + `"`; the date and time of day are cached per second as isoMicros does. -1 when a value
 * that is not a number might not fit with `room` more bytes after it.
 */
function time(out: Uint8Array, pos: number, us: unknown, room: number): number {
  if (typeof us !== 'number') {
    const t = `"${isoMicros(us as number)}"`;
    if (pos + t.length * 3 + room > out.length) return -1;
    return text(out, pos, t);
  }
  // past 2^53 the split into seconds and fraction below rounds otherwise than isoMicros: its text, whatever it is
  if (!Number.isSafeInteger(us) || !(Math.abs(us) <= MAX_DATE_US)) return ascii(out, pos, `"${isoMicros(us)}"`);
  const sec = Math.floor(us / 1_000_000);
  if (sec !== cachedSecond) {
    cachedSecond = sec;
    ascii(prefix, 0, new Date(sec * 1000).toISOString().slice(0, 19));
  }
  out[pos++] = 34;
  for (let i = 0; i < 19; i++) out[pos++] = prefix[i]!;
  out[pos++] = 46;
  let frac = us - sec * 1_000_000;
  for (let i = pos + 5; i >= pos; i--) {
    const q = Math.floor(frac / 10);
    out[i] = 48 + (frac - q * 10);
    frac = q;
  }
  pos += 6;
  out[pos++] = 90;
  out[pos++] = 34;
  return pos;
}

/** A JSON string literal as JSON.stringify writes it (ES2019: lone surrogates escaped), in UTF-8. */
function str(out: Uint8Array, pos: number, s: string): number {
  out[pos++] = 34;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 34 && c !== 92) {
        out[pos++] = c;
        continue;
      }
      out[pos++] = 92;
      if (c === 34 || c === 92) out[pos++] = c;
      else if (c === 8) out[pos++] = 98;
      else if (c === 9) out[pos++] = 116;
      else if (c === 10) out[pos++] = 110;
      else if (c === 12) out[pos++] = 102;
      else if (c === 13) out[pos++] = 114;
      else pos = unicodeEscape(out, pos, c);
    } else if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        pos = utf8Pair(out, pos, c, d);
        i++;
      } else {
        out[pos++] = 92;
        pos = unicodeEscape(out, pos, c);
      }
    } else {
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 63);
      out[pos++] = 0x80 | (c & 63);
    }
  }
  out[pos++] = 34;
  return pos;
}

/** `uXXXX` after the backslash. */
function unicodeEscape(out: Uint8Array, pos: number, c: number): number {
  out[pos++] = 117;
  out[pos++] = HEX[c >> 12]!;
  out[pos++] = HEX[(c >> 8) & 15]!;
  out[pos++] = HEX[(c >> 4) & 15]!;
  out[pos++] = HEX[c & 15]!;
  return pos;
}

function utf8Pair(out: Uint8Array, pos: number, hi: number, lo: number): number {
  const cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
  out[pos++] = 0xf0 | (cp >> 18);
  out[pos++] = 0x80 | ((cp >> 12) & 63);
  out[pos++] = 0x80 | ((cp >> 6) & 63);
  out[pos++] = 0x80 | (cp & 63);
  return pos;
}

/** Any text in UTF-8 as Buffer writes it (a lone surrogate becomes U+FFFD). */
function text(out: Uint8Array, pos: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) out[pos++] = c;
    else if (c < 0x800) {
      out[pos++] = 0xc0 | (c >> 6);
      out[pos++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        pos = utf8Pair(out, pos, c, d);
        i++;
      } else {
        out[pos++] = 0xef;
        out[pos++] = 0xbf;
        out[pos++] = 0xbd;
      }
    } else {
      out[pos++] = 0xe0 | (c >> 12);
      out[pos++] = 0x80 | ((c >> 6) & 63);
      out[pos++] = 0x80 | (c & 63);
    }
  }
  return pos;
}

const HELPERS = { num, time, bool, json, nul };
