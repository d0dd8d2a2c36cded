// XML to the text a reader sees, cheaply: tags dropped (attribute values with them), the five predefined entities
// and numeric character references decoded (to UTF-8), CDATA kept, comments and processing instructions dropped.
// In OOXML a value is often split across runs (<w:t>4111</w:t><w:t> 1111</w:t>): run tags join their text, and
// only the elements that end a paragraph, cell, row or string item separate it.

/**
 * Elements (local names) that separate text in WordprocessingML, SpreadsheetML and DrawingML: paragraphs, table
 * rows and cells, breaks and tabs, worksheet cells and rows, shared-string items, formulas, comments.
 */
const OOXML_BREAKS = new Set(['p', 'tr', 'tc', 'tbl', 'br', 'cr', 'c', 'row', 'si', 'f', 'comment', 'txBody', 'body'].map(nameKey));
const TAB = nameKey('tab');
/** Local names longer than this are never separators (the longest above is 7). */
const MAX_KEY_LENGTH = 7;

/** A short ASCII name as a number (7 bits a character), so that tags are looked up without making strings. */
function nameKey(s: string): number {
  let k = 0;
  for (let i = 0; i < s.length; i++) k = k * 128 + s.charCodeAt(i);
  return k;
}

/** ooxml: only OOXML_BREAKS separate (runs join); generic: every tag separates (<a>12</a><b>34</b> is "12 34"). */
export type XmlTextMode = 'ooxml' | 'generic';

const ENTITIES: Readonly<Record<string, number>> = { lt: 0x3c, gt: 0x3e, amp: 0x26, quot: 0x22, apos: 0x27 };

/** Writes code point `cp` as UTF-8 at out[o]; returns the offset after it (out has room: the callers size it). */
export function putUtf8(out: Uint8Array, o: number, cp: number): number {
  if (cp < 0x80) out[o++] = cp;
  else if (cp < 0x800) {
    out[o++] = 0xc0 | (cp >> 6);
    out[o++] = 0x80 | (cp & 0x3f);
  } else if (cp < 0x10000) {
    out[o++] = 0xe0 | (cp >> 12);
    out[o++] = 0x80 | ((cp >> 6) & 0x3f);
    out[o++] = 0x80 | (cp & 0x3f);
  } else {
    out[o++] = 0xf0 | (cp >> 18);
    out[o++] = 0x80 | ((cp >> 12) & 0x3f);
    out[o++] = 0x80 | ((cp >> 6) & 0x3f);
    out[o++] = 0x80 | (cp & 0x3f);
  }
  return o;
}

function startsWith(b: Uint8Array, at: number, s: string): boolean {
  if (at + s.length > b.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

function indexOfSeq(b: Uint8Array, s: string, from: number): number {
  const first = s.charCodeAt(0);
  for (let p = b.indexOf(first, from); p >= 0; p = b.indexOf(first, p + 1)) if (startsWith(b, p, s)) return p;
  return -1;
}

/** Decodes the reference at b[at] === '&'; returns [code point, length] or null when it is not one. */
function reference(b: Uint8Array, at: number): [number, number] | null {
  const end = b.indexOf(0x3b, at + 1);
  if (end < 0 || end - at > 12) return null;
  let name = '';
  for (let i = at + 1; i < end; i++) name += String.fromCharCode(b[i]!);
  let cp: number;
  if (name.startsWith('#x') || name.startsWith('#X')) cp = /^[0-9a-fA-F]+$/.test(name.slice(2)) ? parseInt(name.slice(2), 16) : NaN;
  else if (name.startsWith('#')) cp = /^[0-9]+$/.test(name.slice(1)) ? parseInt(name.slice(1), 10) : NaN;
  else cp = ENTITIES[name] ?? NaN;
  if (!(cp >= 0 && cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) return null;
  return [cp, end - at + 1];
}

/** The end of a tag starting at b[at] === '<' (the index after its '>', quoted attribute values skipped), or -1. */
function tagEnd(b: Uint8Array, at: number): number {
  let q = 0;
  for (let p = at + 1; p < b.length; p++) {
    const c = b[p]!;
    if (q !== 0) {
      if (c === q) q = 0;
    } else if (c === 0x22 || c === 0x27) q = c;
    else if (c === 0x3e) return p + 1;
  }
  return -1;
}

/** The key (nameKey) of the local name (after any prefix) of the tag at b[at] === '<', or -1 when it is too long. */
function localKey(b: Uint8Array, at: number, end: number): number {
  let p = at + 1;
  if (b[p] === 0x2f) p++;
  let k = 0;
  let n = 0;
  for (; p < end; p++) {
    const c = b[p]!;
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f || c === 0x3e) break;
    if (c === 0x3a) {
      k = 0;
      n = 0;
    } else if (++n <= MAX_KEY_LENGTH) {
      k = k * 128 + (c & 0x7f);
    }
  }
  return n > MAX_KEY_LENGTH ? -1 : k;
}

/**
 * The text of an XML document (UTF-8 in, UTF-8 out, never longer than the input). Separators are one '\n' (a tab
 * element gives '\t'), never two in a row. Malformed markup never throws: an unclosed tag ends the text.
 */
export function xmlToText(b: Uint8Array, mode: XmlTextMode = 'ooxml'): Uint8Array {
  const out = new Uint8Array(b.length);
  let o = 0;
  let p = 0;
  const sep = (c: number): void => {
    if (o > 0 && out[o - 1] !== 0x0a && out[o - 1] !== 0x09) out[o++] = c;
  };
  while (p < b.length) {
    const lt = b.indexOf(0x3c, p);
    const stop = lt < 0 ? b.length : lt;
    // text up to the next tag, references decoded
    for (let i = p; i < stop;) {
      const amp = b.indexOf(0x26, i);
      const run = amp < 0 || amp >= stop ? stop : amp;
      if (run > i) {
        out.set(b.subarray(i, run), o);
        o += run - i;
        i = run;
      }
      if (i >= stop) break;
      const r = reference(b, i);
      if (r !== null) {
        o = putUtf8(out, o, r[0]);
        i += r[1];
      } else {
        out[o++] = 0x26;
        i++;
      }
    }
    if (lt < 0) break;
    const bang = b[lt + 1] === 0x21;
    if (bang && startsWith(b, lt, '<!--')) {
      const e = indexOfSeq(b, '-->', lt + 4);
      if (e < 0) break;
      p = e + 3;
    } else if (bang && startsWith(b, lt, '<![CDATA[')) {
      const e = indexOfSeq(b, ']]>', lt + 9);
      const end = e < 0 ? b.length : e;
      out.set(b.subarray(lt + 9, end), o);
      o += end - (lt + 9);
      if (e < 0) break;
      p = e + 3;
    } else {
      const e = tagEnd(b, lt);
      if (e < 0) break;
      const c1 = b[lt + 1];
      if (c1 !== 0x3f && c1 !== 0x21) {
        if (mode === 'generic') sep(0x0a);
        else {
          const key = localKey(b, lt, e);
          if (key === TAB) sep(0x09);
          else if (OOXML_BREAKS.has(key)) sep(0x0a);
        }
      }
      p = e;
    }
  }
  return out.subarray(0, o);
}
