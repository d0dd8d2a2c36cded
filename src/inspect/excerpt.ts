// Redacted excerpts: the bytes around a hit, every detected value in them replaced by its mask and anything
// not printable ASCII escaped, so an excerpt can be stored and shown without the values it is about.

import type { Hit } from './types.js';

/** Bytes shown on each side of a value (issue 17: "up to ~60 characters around" the first occurrence). */
export const EXCERPT_RADIUS = 30;

/** A hit with the redacted excerpt around it. */
export interface ExcerptedHit extends Hit {
  readonly excerpt: string;
}

const HEX = '0123456789abcdef';

/** One byte as excerpt text: printable ASCII as itself (a backslash doubled), the rest as \n, \r, \t or \xHH. */
function escapeByte(b: number): string {
  if (b === 0x5c) return '\\\\';
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  if (b === 0x0a) return '\\n';
  if (b === 0x0d) return '\\r';
  if (b === 0x09) return '\\t';
  return `\\x${HEX[b >> 4]!}${HEX[b & 15]!}`;
}

/**
 * The excerpt of `target`: bytes [target.offset - radius, target end + radius) of `buf` (offsets relative to
 * `base`: buf[0] is offset `base`), where every hit of `hits` that overlaps the span is written as its mask
 * (a run of overlapping hits as the mask of its longest), whole even when it reaches past the span.
 * `hits` must be sorted by offset and include `target`. Bytes outside `buf` are not shown.
 */
export function redactedExcerpt(buf: Uint8Array, base: number, hits: readonly Hit[], target: Hit, radius = EXCERPT_RADIUS): string {
  return excerpt(buf, base, hits, target, radius, maxLength(hits));
}

function excerpt(buf: Uint8Array, base: number, hits: readonly Hit[], target: Hit, radius: number, longestHit: number): string {
  const from = Math.max(base, target.offset - radius);
  const to = Math.min(base + buf.length, target.offset + target.length + radius);
  // the hits touching [from, to): the sorted list is walked from the first that can reach `from`
  let k = lowerBound(hits, from - longestHit);
  let out = from > base ? '…' : '';
  let p = from;
  while (p < to) {
    while (k < hits.length && hits[k]!.offset + hits[k]!.length <= p) k++;
    const h = k < hits.length ? hits[k]! : null;
    if (h !== null && h.offset <= p && h.length > 0) {
      // a run of overlapping hits: shown as the mask of the longest, the run skipped whole
      let longest = h;
      let end = h.offset + h.length;
      let j = k + 1;
      while (j < hits.length && hits[j]!.offset < end) {
        if (hits[j]!.length > longest.length) longest = hits[j]!;
        end = Math.max(end, hits[j]!.offset + hits[j]!.length);
        j++;
      }
      out += longest.masked;
      p = end;
      k = j;
      continue;
    }
    const stop = h !== null ? Math.min(to, h.offset) : to;
    for (; p < stop; p++) out += escapeByte(buf[p - base]!);
  }
  if (p < base + buf.length) out += '…';
  return out;
}

function maxLength(hits: readonly Hit[]): number {
  let m = 0;
  for (const h of hits) if (h.length > m) m = h.length;
  return m;
}

/** The first index whose hit starts at or after `offset`. */
function lowerBound(hits: readonly Hit[], offset: number): number {
  let lo = 0;
  let hi = hits.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (hits[mid]!.offset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Every hit of a buffer with its excerpt (hits sorted by offset, as the inspector returns them). */
export function withExcerpts(buf: Uint8Array, hits: readonly Hit[], radius = EXCERPT_RADIUS): ExcerptedHit[] {
  return excerptsOf(buf, 0, hits, hits, radius);
}

/** The excerpts of `targets` among `hits` (both sorted by offset), over `buf` starting at offset `base`. */
export function excerptsOf(buf: Uint8Array, base: number, hits: readonly Hit[], targets: readonly Hit[], radius = EXCERPT_RADIUS): ExcerptedHit[] {
  const longest = maxLength(hits);
  return targets.map((h) => ({ ...h, excerpt: excerpt(buf, base, hits, h, radius, longest) }));
}
