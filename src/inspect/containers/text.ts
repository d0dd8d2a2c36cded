// Which leaves are text, and the bytes a detector should read for each: UTF-16 (by its BOM, or by the NULs of
// ASCII text in UTF-16 without one) becomes UTF-8 so that digits and keywords are contiguous bytes, and XML
// becomes its text. Detectors read one character per byte (latin1), so UTF-8 keeps ASCII as it is.
import { putUtf8, xmlToText } from './xml-text.js';

/** How a leaf's bytes are to be read. */
export interface TextShape {
  readonly kind: 'text' | 'xml' | 'binary';
  /** UTF-16 text (transcoded to UTF-8 by leafText); null otherwise */
  readonly utf16: 'le' | 'be' | null;
}

/** Bytes looked at to decide: a page of text tells, and the decision stays O(1) per leaf. */
const SAMPLE = 8192;
/** Share of control bytes (other than tab, CR, LF, FF, ESC) above which 8-bit content is binary. */
const MAX_CONTROL_SHARE = 0.05;
/** In UTF-16 without a BOM, the share of NUL high bytes that marks ASCII-range text. */
const MIN_UTF16_NUL_SHARE = 0.3;
/** ...while the other bytes are rarely NUL (a code point like U+0100 or U+2000 has a NUL low byte). */
const MAX_UTF16_OTHER_NUL_SHARE = 0.1;

function isControl(c: number): boolean {
  return (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) || c === 0x7f;
}

/** UTF-16 by BOM or by NULs in alternate bytes (ASCII text in UTF-16 has one in every other byte). */
function utf16Of(b: Uint8Array, n: number): 'le' | 'be' | null {
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'le';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'be';
  if (n < 16) return null;
  let even = 0;
  let odd = 0;
  for (let i = 0; i + 1 < n; i += 2) {
    if (b[i] === 0) even++;
    if (b[i + 1] === 0) odd++;
  }
  const pairs = Math.floor(n / 2);
  if (odd >= pairs * MIN_UTF16_NUL_SHARE && even <= pairs * MAX_UTF16_OTHER_NUL_SHARE) return 'le';
  if (even >= pairs * MIN_UTF16_NUL_SHARE && odd <= pairs * MAX_UTF16_OTHER_NUL_SHARE) return 'be';
  return null;
}

function looksXml(b: Uint8Array, from: number, n: number): boolean {
  let p = from;
  while (p < n && (b[p] === 0x20 || b[p] === 0x09 || b[p] === 0x0a || b[p] === 0x0d)) p++;
  return b[p] === 0x3c && (b[p + 1] === 0x3f || b[p + 1] === 0x21 || (b[p + 1]! >= 0x41 && b[p + 1]! <= 0x7a));
}

/**
 * What a leaf is, from its first 8 KiB and its name: XML (a .xml/.rels/.vml name or an XML start, and text),
 * text (UTF-8/8-bit with few control bytes, or UTF-16), or binary.
 */
export function textShape(b: Uint8Array, name: string | null): TextShape {
  const n = Math.min(b.length, SAMPLE);
  const utf16 = utf16Of(b, n);
  if (utf16 !== null) {
    const first = b.length >= 2 && (b[0]! + b[1]! === 0x1fd) ? 2 : 0;
    const c = utf16 === 'le' ? b[first]! | (b[first + 1]! << 8) : (b[first]! << 8) | b[first + 1]!;
    return { kind: c === 0x3c ? 'xml' : 'text', utf16 };
  }
  const bom = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  let control = 0;
  for (let i = bom; i < n; i++) {
    const c = b[i]!;
    if (c === 0) return { kind: 'binary', utf16: null };
    if (isControl(c)) control++;
  }
  if (n > 0 && control > (n - bom) * MAX_CONTROL_SHARE) return { kind: 'binary', utf16: null };
  const xmlName = name !== null && /\.(xml|rels|vml)$/i.test(name);
  return { kind: xmlName || looksXml(b, bom, n) ? 'xml' : 'text', utf16: null };
}

/** UTF-16 (without its BOM) as UTF-8; lone surrogates become U+FFFD, an odd last byte is dropped. */
export function utf16ToUtf8(b: Uint8Array, order: 'le' | 'be'): Uint8Array {
  const start = b.length >= 2 && ((order === 'le' && b[0] === 0xff && b[1] === 0xfe) || (order === 'be' && b[0] === 0xfe && b[1] === 0xff)) ? 2 : 0;
  const out = new Uint8Array(Math.ceil(((b.length - start) / 2) * 3));
  let o = 0;
  const unit = order === 'le' ? (i: number): number => b[i]! | (b[i + 1]! << 8) : (i: number): number => (b[i]! << 8) | b[i + 1]!;
  for (let i = start; i + 1 < b.length; i += 2) {
    let cp = unit(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 3 < b.length) {
      const lo = unit(i + 2);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i += 2;
      } else cp = 0xfffd;
    } else if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    o = putUtf8(out, o, cp);
  }
  return out.subarray(0, o);
}

/** OOXML parts whose markup splits values across runs (read with the ooxml XML mode). */
const OOXML_PART = /^(word|xl|ppt)\//;

/**
 * The bytes a detector should read for a leaf: UTF-16 transcoded to UTF-8, XML reduced to its text (OOXML parts
 * with runs joined), anything else as it is (binary leaves are scanned raw).
 */
export function leafText(leaf: { readonly bytes: Uint8Array; readonly kind: 'text' | 'xml' | 'binary'; readonly name: string | null; readonly utf16?: 'le' | 'be' | null }): Uint8Array {
  const b = leaf.utf16 === 'le' || leaf.utf16 === 'be' ? utf16ToUtf8(leaf.bytes, leaf.utf16) : leaf.bytes;
  if (leaf.kind !== 'xml') return b;
  return xmlToText(b, leaf.name !== null && OOXML_PART.test(leaf.name) ? 'ooxml' : 'generic');
}
