// PDF (ISO 32000-1): whether the file is encrypted (an /Encrypt entry in a trailer dictionary or in a
// cross-reference stream's dictionary, §7.5.5 and §7.5.8), and the text shown by its /FlateDecode content streams
// (strings of the Tj, TJ, ' and " operators, §9.4.3). The text is what the font's codes are: right for simple
// fonts with a standard encoding, glyph numbers for Type0/CID fonts (which most office exporters use).
import { boundedInflate, type InflateRaw } from './inflate.js';

/** Does the buffer look like a PDF (%PDF- in its first KiB, as readers accept)? */
export function isPdf(b: Uint8Array): boolean {
  return indexOf(b, '%PDF-', 0, Math.min(b.length, 1024)) >= 0;
}

function indexOf(b: Uint8Array, s: string, from: number, to = b.length): number {
  const first = s.charCodeAt(0);
  outer: for (let p = b.indexOf(first, from); p >= 0 && p + s.length <= to; p = b.indexOf(first, p + 1)) {
    for (let i = 1; i < s.length; i++) if (b[p + i] !== s.charCodeAt(i)) continue outer;
    return p;
  }
  return -1;
}

function text(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** PDF whitespace and delimiters end a name: /Encrypt then one of these is the key, /EncryptMetadata is not. */
function isDelimiter(c: number | undefined): boolean {
  return c === undefined || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00 ||
    c === 0x2f || c === 0x3c || c === 0x3e || c === 0x5b || c === 0x5d || c === 0x28 || c === 0x29 || c === 0x25 || (c >= 0x30 && c <= 0x39);
}

/** A dictionary is looked for this far back from a key in it (and a stream's from its ">>"): trailers, xref and content
 * stream dictionaries are a few hundred bytes; 4 KiB bounds the look-back per stream (MAX_PDF_STREAMS of them). */
const DICT_LOOKBACK = 4 * 1024;
/** /Encrypt keys examined (each a bounded look back): a real file has one per trailer or xref stream. */
const MAX_ENCRYPT_KEYS = 256;

/** The start of the dictionary that holds b[at] (its unmatched "<<"), or -1. */
function dictStart(b: Uint8Array, at: number): number {
  let depth = 0;
  for (let p = at - 1; p > 0 && p >= at - DICT_LOOKBACK; p--) {
    if (b[p] === 0x3e && b[p - 1] === 0x3e) {
      depth++;
      p--;
    } else if (b[p] === 0x3c && b[p - 1] === 0x3c) {
      if (depth === 0) return p - 1;
      depth--;
      p--;
    }
  }
  return -1;
}

/**
 * Where the file says it is encrypted ("trailer", "xref stream" dictionary), or null. An /Encrypt key anywhere
 * else (in a content stream's text, in another dictionary) does not count.
 */
export function pdfEncryption(b: Uint8Array): string | null {
  let seen = 0;
  for (let p = indexOf(b, '/Encrypt', 0); p >= 0 && seen < MAX_ENCRYPT_KEYS; p = indexOf(b, '/Encrypt', p + 8), seen++) {
    if (!isDelimiter(b[p + 8])) continue;
    const d = dictStart(b, p);
    if (d < 0) continue;
    let q = d - 1;
    while (q >= 0 && (b[q] === 0x20 || b[q] === 0x0a || b[q] === 0x0d || b[q] === 0x09)) q--;
    if (q >= 6 && text(b, q - 6, q + 1) === 'trailer') return 'an /Encrypt entry in the trailer';
    const dict = text(b, d, Math.min(b.length, p + DICT_LOOKBACK, (() => { const e = indexOf(b, 'stream', p); return e < 0 ? b.length : e; })()));
    if (/\/Type\s*\/XRef(?![A-Za-z])/.test(dict)) return 'an /Encrypt entry in the cross-reference stream dictionary';
  }
  return null;
}

/** What a text extraction gave, and what stopped it. */
export interface PdfText {
  readonly text: Uint8Array;
  /** expanded bytes inflated (and charged to the walk's budget), failures included at their bound */
  readonly inflated: number;
  readonly streams: number;
  /** limit names (LIMIT_ANOMALY values) and other problems, each with its detail */
  readonly problems: { name: string; detail: string }[];
}

/** What a stream's dictionary must not be for its content to be read as page content (images, fonts, xrefs, objects). */
const NOT_CONTENT = /\/(?:Subtype\s*\/Image|Type\s*\/XRef|Type\s*\/ObjStm|Length1|Length2|Subtype\s*\/(?:Type1C|CIDFontType0C|OpenType|XML)|Type\s*\/EmbeddedFile|Type\s*\/Metadata)(?![A-Za-z])/;
const FLATE_ONLY = /\/Filter\s*(?:\/FlateDecode|\[\s*\/FlateDecode\s*\])(?![A-Za-z])/;

/**
 * Text of the /FlateDecode content streams, in file order, at most `maxOut` bytes; each inflation gets at most what
 * `budget()` says is left (0 stops). Unfiltered streams are not repeated here: a raw scan of the file sees them.
 */
export function pdfText(b: Uint8Array, inflate: InflateRaw, maxOut: number, maxStreams: number, budget: () => number): PdfText {
  const out = new Sink(maxOut);
  const problems: PdfText['problems'] = [];
  let inflated = 0;
  let streams = 0;
  for (let p = indexOf(b, 'stream', 0); p >= 0; p = indexOf(b, 'stream', p + 6)) {
    if (b[p - 1] === 0x64 /* endstream */ || !(b[p + 6] === 0x0a || b[p + 6] === 0x0d)) continue;
    if (++streams > maxStreams) {
      problems.push({ name: 'inspect_limit_pdf_streams', detail: `more than ${maxStreams} streams: the rest are not read` });
      break;
    }
    // the stream's dictionary ends with the ">>" just before the keyword
    let close = p - 1;
    while (close > 0 && isWhite(b[close]!)) close--;
    if (b[close] !== 0x3e || b[close - 1] !== 0x3e) continue;
    const d = dictStart(b, close - 1);
    if (d < 0) continue;
    const dict = text(b, d, p);
    const dataStart = p + 6 + (b[p + 6] === 0x0d && b[p + 7] === 0x0a ? 2 : 1);
    const end = indexOf(b, 'endstream', dataStart);
    if (end < 0) break;
    p = end;
    if (!FLATE_ONLY.test(dict) || NOT_CONTENT.test(dict)) continue;
    // a zlib stream: CMF (deflate, window <= 32K), FLG check, no preset dictionary
    const cmf = b[dataStart]!;
    const flg = b[dataStart + 1]!;
    if ((cmf & 0x0f) !== 8 || (cmf * 256 + flg) % 31 !== 0 || (flg & 0x20) !== 0) continue;
    const left = Math.min(maxOut, budget() - inflated);
    if (left <= 0) {
      problems.push({ name: 'inspect_limit_total_size', detail: 'the expanded-bytes budget ran out: later content streams are not read' });
      break;
    }
    const r = boundedInflate(inflate, b.subarray(dataStart + 2, end), left);
    if (!r.ok) {
      if (r.error === 'too_large') {
        inflated += left;
        problems.push({ name: left < maxOut ? 'inspect_limit_total_size' : 'inspect_limit_entry_size', detail: `a content stream at offset ${dataStart} expands past ${left} bytes` });
      }
      continue;
    }
    inflated += r.bytes.length;
    showText(r.bytes, out);
    if (out.full()) {
      problems.push({ name: 'inspect_limit_entry_size', detail: `extracted text passes ${maxOut} bytes: the rest is not read` });
      break;
    }
  }
  return { text: out.buf.subarray(0, out.length), inflated, streams: Math.min(streams, maxStreams), problems };
}

function isWhite(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00;
}
function isDelim(c: number): boolean {
  return c === 0x28 || c === 0x29 || c === 0x3c || c === 0x3e || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d || c === 0x2f || c === 0x25;
}

/** A literal string's bytes from b[at] === '(' (escapes, octal codes, nesting); returns the index after its ')'. */
function literal(b: Uint8Array, at: number, into: number[]): number {
  let depth = 1;
  let p = at + 1;
  while (p < b.length) {
    const c = b[p]!;
    if (c === 0x5c) {
      const e = b[p + 1];
      p += 2;
      if (e === undefined) break;
      if (e >= 0x30 && e <= 0x37) {
        let v = e - 0x30;
        for (let k = 0; k < 2 && b[p]! >= 0x30 && b[p]! <= 0x37; k++) v = v * 8 + (b[p++]! - 0x30);
        into.push(v & 0xff);
      } else if (e === 0x6e) into.push(0x0a);
      else if (e === 0x72) into.push(0x0d);
      else if (e === 0x74) into.push(0x09);
      else if (e === 0x62) into.push(0x08);
      else if (e === 0x66) into.push(0x0c);
      else if (e === 0x0d) {
        if (b[p] === 0x0a) p++;
      } else if (e !== 0x0a) into.push(e);
      continue;
    }
    if (c === 0x28) depth++;
    else if (c === 0x29 && --depth === 0) return p + 1;
    into.push(c);
    p++;
  }
  return p;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** A hex string's bytes from b[at] === '<'; returns the index after its '>'. */
function hexString(b: Uint8Array, at: number, into: number[]): number {
  let hi = -1;
  let p = at + 1;
  for (; p < b.length && b[p] !== 0x3e; p++) {
    const v = hexValue(b[p]!);
    if (v < 0) continue;
    if (hi < 0) hi = v;
    else {
      into.push(hi * 16 + v);
      hi = -1;
    }
  }
  if (hi >= 0) into.push(hi * 16);
  return p + 1;
}

/** A growable byte buffer bounded by `max` (pushes past it are dropped). */
class Sink {
  buf = new Uint8Array(4096);
  length = 0;
  constructor(readonly max: number) {}
  push(c: number): void {
    if (this.length >= this.max) return;
    if (this.length === this.buf.length) {
      const g = new Uint8Array(Math.min(this.max, this.buf.length * 2));
      g.set(this.buf);
      this.buf = g;
    }
    this.buf[this.length++] = c;
  }
  last(): number | undefined {
    return this.length > 0 ? this.buf[this.length - 1] : undefined;
  }
  full(): boolean {
    return this.length >= this.max;
  }
}

/** A TJ adjustment this negative (thousandths of an em) is a word space in practice. */
const TJ_SPACE = -200;

/** Appends the text a content stream shows to `out` (at most `max` bytes in all): strings joined, breaks at lines. */
function showText(b: Uint8Array, out: Sink): void {
  let strings: number[][] = [];
  let nums: number[] = [];
  let array: (number[] | number)[] | null = null;
  let lastArray: (number[] | number)[] | null = null;
  const emit = (bytes: readonly number[]): void => {
    for (const c of bytes) out.push(c);
  };
  const brk = (c: number): void => {
    const l = out.last();
    if (l !== undefined && l !== 0x0a && l !== c) out.push(c);
  };
  let p = 0;
  while (p < b.length && !out.full()) {
    const c = b[p]!;
    if (isWhite(c)) p++;
    else if (c === 0x25) {
      while (p < b.length && b[p] !== 0x0a && b[p] !== 0x0d) p++;
    } else if (c === 0x28 || (c === 0x3c && b[p + 1] !== 0x3c)) {
      const s: number[] = [];
      p = c === 0x28 ? literal(b, p, s) : hexString(b, p, s);
      if (array !== null) array.push(s);
      else strings.push(s);
    } else if (c === 0x5b) {
      array = [];
      p++;
    } else if (c === 0x5d) {
      lastArray = array;
      array = null;
      p++;
    } else if (isDelim(c)) p++;
    else {
      let e = p;
      while (e < b.length && !isWhite(b[e]!) && !isDelim(b[e]!)) e++;
      const tok = text(b, p, e);
      p = e;
      const n = Number(tok);
      if (tok !== '' && !Number.isNaN(n)) {
        if (array !== null) array.push(n);
        else nums.push(n);
        continue;
      }
      if (tok === 'Tj') emit(strings[strings.length - 1] ?? []);
      else if (tok === "'" || tok === '"') {
        brk(0x0a);
        emit(strings[strings.length - 1] ?? []);
      } else if (tok === 'TJ' && lastArray !== null) {
        for (const x of lastArray) {
          if (typeof x === 'number') {
            if (x <= TJ_SPACE) brk(0x20);
          } else emit(x);
        }
      } else if (tok === 'ET' || tok === 'T*') brk(0x0a);
      else if (tok === 'Td' || tok === 'TD') brk(nums.length >= 2 && nums[nums.length - 1] !== 0 ? 0x0a : 0x20);
      else if (tok === 'ID') {
        // inline image data runs to EI
        const ei = indexOf(b, 'EI', p);
        p = ei < 0 ? b.length : ei + 2;
      }
      strings = [];
      nums = [];
      lastArray = null;
    }
  }
}
