// A rule's payload options against named buffers, in rule order: content with offset/depth (from the buffer
// start) and distance/within (from the end of the previous match in the same buffer), negation, nocase;
// pcre; byte_test/byte_jump/isdataat; sizes. A later option that fails makes the earlier ones try their next
// occurrence (backtracking, as Snort does), within a step budget so no rule can stall the engine. A pcre V8
// cannot bound by itself (`slow`) is not run here: the evaluation stops when it comes to one and answers null,
// and the detector runs it again whole under its time guard (so most evaluations of such rules, which fail
// on a content before their pcre, cost nothing more).
import { latin1 } from '../core/latin1.js';
import { bufferOf } from './transforms.js';
import type { BufferName, ByteJump, ByteTest, ContentMatch, Match, Rule } from './rule.js';

/** Backtracking steps per rule evaluation: generous for real rules, a bound for hostile input. */
export const MAX_STEPS = 10_000;

export type Buffers = Partial<Record<BufferName, Uint8Array>>;


interface Cursor {
  /** end of the previous match in each buffer (relative options start there) */
  last: Partial<Record<BufferName, number>>;
  steps: number;
  /** the expressions not to run in this evaluation */
  slow: ReadonlySet<RegExp> | null;
  /** it came to one of them (and stopped: steps is past the budget) */
  reachedSlow: boolean;
}

/**
 * Does the rule's payload part match these buffers? (Header, flow and flowbits are checked elsewhere.)
 * null: it came to a pcre in `slow` (none was run), the answer needs that pcre run under a time guard.
 */
export function matchRule(rule: Rule, buffers: Buffers): boolean;
export function matchRule(rule: Rule, buffers: Buffers, slow: ReadonlySet<RegExp> | null): boolean | null;
export function matchRule(rule: Rule, buffers: Buffers, slow: ReadonlySet<RegExp> | null = null): boolean | null {
  const c: Cursor = { last: {}, steps: 0, slow, reachedSlow: false };
  const hit = step(rule.matches, 0, buffers, c);
  return c.reachedSlow ? null : hit;
}

function step(ms: readonly Match[], i: number, buffers: Buffers, c: Cursor): boolean {
  if (i === ms.length) return true;
  if (++c.steps > MAX_STEPS) return false;
  const m = ms[i]!;
  const buf = bufferOf(buffers, m.buffer);
  if (buf === undefined) return m.kind === 'content' || m.kind === 'pcre' ? m.negated && step(ms, i + 1, buffers, c) : false;
  const prev = c.last[m.buffer] ?? 0;
  switch (m.kind) {
    case 'content': {
      if (m.negated) return !contentAt(m, buf, prev, () => true) && step(ms, i + 1, buffers, c);
      return contentAt(m, buf, prev, (end) => {
        const saved = c.last[m.buffer];
        c.last[m.buffer] = end;
        if (step(ms, i + 1, buffers, c)) return true;
        setLast(c, m.buffer, saved);
        return false;
      });
    }
    case 'pcre': {
      // relative (R): the subject starts at the previous match, so ^ anchors there, as in Snort
      const base = m.relative ? prev : 0;
      const re = m.re;
      if (c.slow !== null && c.slow.has(re)) {
        // the step budget spent: every caller up the chain gives up at once
        c.reachedSlow = true;
        c.steps = Infinity;
        return false;
      }
      const text = latin1(buf, base);
      re.lastIndex = 0;
      if (m.negated) return re.exec(text) === null && step(ms, i + 1, buffers, c);
      for (let r = re.exec(text); r !== null; r = re.exec(text)) {
        const saved = c.last[m.buffer];
        c.last[m.buffer] = base + r.index + r[0].length;
        if (step(ms, i + 1, buffers, c)) return true;
        setLast(c, m.buffer, saved);
        if (r[0].length === 0) re.lastIndex++;
        if (++c.steps > MAX_STEPS) return false;
      }
      return false;
    }
    case 'byte_test': {
      const v = readNumber(m, buf, (m.relative ? prev : 0) + m.offset);
      return v !== null && byteTest(m, v) && step(ms, i + 1, buffers, c);
    }
    case 'byte_jump': {
      const at = (m.relative ? prev : 0) + m.offset;
      const v = readNumber(m, buf, at);
      if (v === null) return false;
      let to = (m.fromBeginning ? 0 : at + width(m, buf, at)) + v * m.multiplier;
      if (m.align && to % 4 !== 0) to += 4 - (to % 4);
      to += m.postOffset;
      if (to < 0 || to > buf.length) return false;
      const saved = c.last[m.buffer];
      c.last[m.buffer] = to;
      if (step(ms, i + 1, buffers, c)) return true;
      setLast(c, m.buffer, saved);
      return false;
    }
    case 'isdataat': {
      const at = (m.relative ? prev : 0) + m.offset;
      const there = at < buf.length;
      return there !== m.negated && step(ms, i + 1, buffers, c);
    }
    case 'size': {
      const n = buf.length;
      const okSize = m.op === '<>' ? n > m.lo && n < m.hi : m.op === '<' ? n < m.lo : m.op === '>' ? n > m.lo : m.op === '<=' ? n <= m.lo : m.op === '>=' ? n >= m.lo : n === m.lo;
      return okSize && step(ms, i + 1, buffers, c);
    }
  }
}

function setLast(c: Cursor, name: BufferName, v: number | undefined): void {
  if (v === undefined) delete c.last[name];
  else c.last[name] = v;
}

/**
 * Tries each occurrence of the content allowed by its position options, calling next(end) until it returns
 * true; false when none is left.
 */
function contentAt(m: ContentMatch, buf: Uint8Array, prev: number, next: (end: number) => boolean): boolean {
  const pat = m.bytes;
  let lo: number;
  let hi = buf.length; // the match must end at or before hi
  const relative = m.distance !== null || m.within !== null;
  if (relative) {
    lo = prev + (m.distance ?? 0);
    if (m.within !== null) hi = Math.min(hi, lo + m.within);
  } else {
    lo = m.offset ?? 0;
    if (m.depth !== null) hi = Math.min(hi, lo + m.depth);
  }
  if (m.startsWith) hi = Math.min(hi, lo + pat.length);
  if (lo < 0) lo = 0;
  for (let p = find(buf, m, lo, hi); p >= 0; p = find(buf, m, p + 1, hi)) {
    if (m.endsWith && p + pat.length !== buf.length) continue;
    if (next(p + pat.length)) return true;
  }
  return false;
}

const lower = (b: number): number => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);

/**
 * First position >= from where the content occurs ending at or before `end` (ASCII case folded when nocase),
 * or -1. Knuth-Morris-Pratt with the content's border table: after a partial match the search goes on from
 * the longest border, never back, so one call reads each byte of the buffer once whatever the content (a
 * naive search costs buffer x content length on a buffer of near misses).
 */
export function find(buf: Uint8Array, m: Pick<ContentMatch, 'bytes' | 'nocase' | 'border'>, from: number, end = buf.length): number {
  const pat = m.bytes;
  const n = pat.length;
  const border = m.border;
  if (end > buf.length) end = buf.length;
  if (n === 0) return from <= end ? from : -1;
  const first = pat[0]!;
  let k = 0;
  if (!m.nocase) {
    for (let p = from; p < end; p++) {
      if (k === 0) {
        // no partial match: skip to the next first byte natively
        p = buf.indexOf(first, p);
        if (p < 0 || p + n > end) return -1;
      }
      const b = buf[p]!;
      while (k > 0 && pat[k] !== b) k = border[k - 1]!;
      if (pat[k] === b) k++;
      if (k === n) return p - n + 1;
    }
    return -1;
  }
  const f = lower(first);
  for (let p = from; p < end; p++) {
    const b = lower(buf[p]!);
    if (k === 0 && b !== f) continue;
    while (k > 0 && lower(pat[k]!) !== b) k = border[k - 1]!;
    if (lower(pat[k]!) === b) k++;
    if (k === n) return p - n + 1;
  }
  return -1;
}

function width(m: ByteTest | ByteJump, buf: Uint8Array, at: number): number {
  return Math.min(m.bytes, Math.max(0, buf.length - at));
}

/** The number at `at`: binary (big or little endian) or ASCII digits in the rule's base; null past the end. */
function readNumber(m: ByteTest | ByteJump, buf: Uint8Array, at: number): number | null {
  if (at < 0 || at + m.bytes > buf.length) return null;
  let v = 0;
  if (m.base === null) {
    if (m.bytes > 4) return null;
    for (let k = 0; k < m.bytes; k++) {
      const b = buf[m.bigEndian ? at + k : at + m.bytes - 1 - k]!;
      v = v * 256 + b;
    }
  } else {
    const text = latin1(buf, at, Math.min(buf.length, at + m.bytes)).trim();
    const re = m.base === 16 ? /^[0-9A-Fa-f]+/ : m.base === 8 ? /^[0-7]+/ : /^\d+/;
    const d = re.exec(text);
    if (d === null) return null;
    v = parseInt(d[0], m.base);
  }
  if (m.bitmask !== null) {
    v = (v & m.bitmask) >>> 0;
    let mask = m.bitmask;
    while (mask !== 0 && (mask & 1) === 0) {
      mask >>>= 1;
      v >>>= 1;
    }
  }
  return v;
}

function byteTest(m: ByteTest, v: number): boolean {
  let r: boolean;
  switch (m.op) {
    case '<': r = v < m.value; break;
    case '>': r = v > m.value; break;
    case '<=': r = v <= m.value; break;
    case '>=': r = v >= m.value; break;
    case '=': r = v === m.value; break;
    case '!': r = v !== m.value; break;
    case '&': r = (v & m.value) !== 0; break;
    case '^': r = (v ^ m.value) !== 0; break;
  }
  return m.negated ? !r : r;
}
