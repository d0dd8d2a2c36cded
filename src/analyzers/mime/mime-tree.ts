// The structure of a MIME message (RFC 2045/2046): header fields unfolded, multipart bodies split at their
// delimiters (the line break before a delimiter belongs to the delimiter, RFC 2046 §5.1.1), part numbers as
// IMAP gives them. Bodies stay transfer-encoded views into the message; decoding happens at the edge.
// Malformed structure is reported, never thrown: the parts found so far are kept.
import { latin1 } from '../../core/latin1.js';

/** Nesting of multiparts (and messages inside messages) deeper than this is not followed. */
export const MAX_MIME_DEPTH = 20;
/** RFC 5322 §2.1.1: a line of a header is at most 998 characters; longer ones are kept and named. */
export const MAX_HEADER_LINE = 998;
/** Parts per message; the rest of a message with more is not split further. */
export const MAX_MIME_PARTS = 1000;

export interface MimePart {
  /** IMAP part number ("1", "2.1"); "" for a multipart message's own top */
  path: string;
  depth: number;
  /** header fields in order, names lower-cased, values unfolded (raw: encoded words not decoded) */
  headers: [string, string][];
  /** media type, lower-cased ("text/plain" when absent, "message/rfc822" in a multipart/digest) */
  type: string;
  /** raw Content-Type value ("" when absent) */
  contentType: string;
  /** body bytes as sent (transfer-encoded), a view into the message */
  body: Uint8Array;
  /** sub-parts of a multipart */
  children: MimePart[];
}

export interface MimeProblems {
  add(name: string, detail: string): void;
}

interface Budget {
  parts: number;
}


/** The first value of a header field, or null. */
export function header(p: MimePart, name: string): string | null {
  for (const [n, v] of p.headers) if (n === name) return v;
  return null;
}

/**
 * Parses a message (or an encapsulated one: pass the part number of its message/rfc822 part as `prefix`).
 * @param b the message bytes; parts are views into it
 */
export function parseMime(b: Uint8Array, problems: MimeProblems, prefix = '', depth = 0, budget: Budget = { parts: 0 }): MimePart {
  const { headers, bodyStart } = splitHeaders(b, problems);
  const ct = headerValue(headers, 'content-type');
  const type = mediaType(ct) ?? 'text/plain';
  const top: MimePart = { path: '', depth, headers, type, contentType: ct ?? '', body: b.subarray(bodyStart), children: [] };
  budget.parts++;
  if (!type.startsWith('multipart/')) {
    // a single-part (sub)message: its body is part 1 of it
    top.path = prefix === '' ? '1' : `${prefix}.1`;
    return top;
  }
  top.path = prefix;
  split(top, ct ?? '', problems, depth, budget);
  return top;
}

function split(part: MimePart, ct: string, problems: MimeProblems, depth: number, budget: Budget): void {
  const boundary = param(ct, 'boundary');
  if (boundary === null || boundary === '') {
    problems.add('mime_no_boundary', `${part.type} without a boundary parameter`);
    return;
  }
  if (depth >= MAX_MIME_DEPTH) {
    problems.add('mime_too_deep', `more than ${MAX_MIME_DEPTH} levels of nesting`);
    return;
  }
  const digest = part.type === 'multipart/digest';
  const body = part.body;
  const delim = new TextEncoder().encode(`--${boundary}`);
  // delimiter lines: "--boundary" at a line start, optionally "--" after it (the close delimiter)
  const starts: { at: number; lineStart: number; close: boolean; next: number }[] = [];
  for (let i = indexOf(body, delim, 0); i >= 0; i = indexOf(body, delim, i + 1)) {
    if (i > 0 && body[i - 1] !== 0x0a) continue;
    const after = i + delim.length;
    const close = body[after] === 0x2d && body[after + 1] === 0x2d;
    const nl = body.indexOf(0x0a, after);
    const next = nl < 0 ? body.length : nl + 1;
    // only transport padding (blanks) may follow: "--b" is not a delimiter of a body whose boundary is "b"
    // when the line reads "--bD"
    let k = close ? after + 2 : after;
    while (k < next && (body[k] === 0x20 || body[k] === 0x09 || body[k] === 0x0d || body[k] === 0x0a)) k++;
    if (k < next) continue;
    // the line break before the delimiter belongs to it
    let lineStart = i;
    if (lineStart > 0 && body[lineStart - 1] === 0x0a) lineStart--;
    if (lineStart > 0 && body[lineStart - 1] === 0x0d) lineStart--;
    starts.push({ at: i, lineStart, close, next });
    if (close) break;
  }
  if (starts.length === 0) {
    problems.add('mime_boundary_not_found', `no "--${boundary.slice(0, 70)}" line in a ${part.type} body`);
    return;
  }
  if (!starts[starts.length - 1]!.close) problems.add('mime_unterminated_multipart', `${part.type} without its closing delimiter`);
  for (let k = 0; k < starts.length; k++) {
    const s = starts[k]!;
    if (s.close) break;
    if (budget.parts >= MAX_MIME_PARTS) {
      problems.add('mime_too_many_parts', `more than ${MAX_MIME_PARTS} parts`);
      return;
    }
    const end = k + 1 < starts.length ? starts[k + 1]!.lineStart : body.length;
    const raw = body.subarray(s.next, Math.max(s.next, end));
    const path = part.path === '' ? String(part.children.length + 1) : `${part.path}.${part.children.length + 1}`;
    const { headers, bodyStart } = splitHeaders(raw, problems);
    const cct = headerValue(headers, 'content-type');
    const type = mediaType(cct) ?? (digest ? 'message/rfc822' : 'text/plain');
    const child: MimePart = { path, depth: depth + 1, headers, type, contentType: cct ?? '', body: raw.subarray(bodyStart), children: [] };
    budget.parts++;
    part.children.push(child);
    if (type.startsWith('multipart/')) split(child, cct ?? '', problems, depth + 1, budget);
  }
}

/** Header block and where the body starts (after the first empty line; CRLF or bare LF). */
function splitHeaders(b: Uint8Array, problems: MimeProblems): { headers: [string, string][]; bodyStart: number } {
  const headers: [string, string][] = [];
  let p = 0;
  let cur: [string, string] | null = null;
  while (p < b.length) {
    const nl = b.indexOf(0x0a, p);
    const end = nl < 0 ? b.length : nl;
    let lineEnd = end;
    if (lineEnd > p && b[lineEnd - 1] === 0x0d) lineEnd--;
    const next = nl < 0 ? b.length : nl + 1;
    if (lineEnd === p) return { headers, bodyStart: next }; // the empty line
    const first = b[p]!;
    const text = latin1(b, p, lineEnd);
    // (an overflow probe's header line of several KB: the message and the field are kept, the excess is named;
    // the record's own bounds cut the fields it keeps)
    if (lineEnd - p > MAX_HEADER_LINE) problems.add('mime_header_line_too_long', `${text.slice(0, Math.max(0, text.indexOf(':'))).slice(0, 60) || '(continuation)'}: ${lineEnd - p} bytes (RFC 5322: ${MAX_HEADER_LINE})`);
    if ((first === 0x20 || first === 0x09) && cur !== null) {
      // unfolding removes the line break only (RFC 5322 §2.2.3): the whitespace stays
      cur[1] += text;
    } else {
      const colon = text.indexOf(':');
      // not a header line: the header block ended without its empty line (the body starts here)
      if (colon <= 0) return { headers, bodyStart: p };
      cur = [text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim()];
      headers.push(cur);
    }
    p = next;
  }
  return { headers, bodyStart: b.length };
}

function headerValue(headers: [string, string][], name: string): string | null {
  for (const [n, v] of headers) if (n === name) return v;
  return null;
}

/** "text/plain; charset=..." -> "text/plain" (null when it is not type/subtype). */
export function mediaType(ct: string | null): string | null {
  if (ct === null) return null;
  const m = /^\s*([A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+)/.exec(ct);
  return m === null ? null : m[1]!.toLowerCase();
}

/** A parameter of a structured header, quoted or not (the boundary: no RFC 2231 encoding applies). */
function param(value: string, name: string): string | null {
  const re = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i');
  const m = re.exec(value);
  if (m === null) return null;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  for (let i = hay.indexOf(first, from); i >= 0 && i + needle.length <= hay.length; i = hay.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.length && hay[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}
