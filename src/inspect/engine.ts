// The content-inspection engine: two independent passes over a buffer (the digit runs, probed every few bytes;
// every detector's keywords, through the Aho-Corasick automaton's pair filter, AhoCorasick.occurring) name the
// detectors worth running; only those run, over the buffer as latin1 text, and their hits come back sorted.

import { AhoCorasick } from '../core/aho-corasick.js';
import { isRunSeparator, MIN_RECORDED_RUN, setDigitRuns, type DigitRun } from './text.js';
import type { DetectContext, Detector, Hit } from './types.js';

/**
 * Bytes of a keyword the automaton indexes (a longer keyword is indexed by its first this many; the detector
 * checks its own matches). Keywords are short words ("-----begin", "ghp_", "@"): this only bounds the states.
 */
export const MAX_KEYWORD_BYTES = 64;

/** A set of detectors compiled into one prefilter. */
export interface Inspector {
  readonly detectors: readonly Detector[];
  /**
   * Every hit of the triggered detectors in `buf`, sorted by offset, then detector name, then length, then
   * value. `buf` is read during the call only.
   */
  scan(buf: Uint8Array, ctx: DetectContext): Hit[];
}

const DIGIT = 0x30;
/** the bytes that keep a digit run going between two digits (src/inspect/text.ts isRunSeparator) */
const RUN_SEPARATOR = Uint8Array.from({ length: 256 }, (_, b) => (isRunSeparator(b) ? 1 : 0));

/** UTF-16 in the platform's byte order, as a Uint16Array holds it */
const utf16 = new TextDecoder(new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 'utf-16le' : 'utf-16be');
/** Characters of the scratch buffer kept between calls (128 KiB); a larger buffer gets its own, dropped after. */
const MAX_SCRATCH = 64 * 1024;
let scratch = new Uint16Array(0);

/**
 * The string src/core/latin1.ts's latin1() returns (one character per byte, code = byte), built by widening the
 * bytes natively into UTF-16 and decoding that: ~1 GB/s on binary, where latin1()'s path for bytes 0x80-0x9F
 * (String.fromCharCode over slices) runs at ~200 MB/s and would cost more than the detectors.
 */
export function latin1Text(buf: Uint8Array): string {
  let wide = scratch;
  if (wide.length < buf.length) {
    wide = new Uint16Array(buf.length);
    if (buf.length <= MAX_SCRATCH) scratch = wide;
  }
  const view = wide.subarray(0, buf.length);
  view.set(buf);
  return utf16.decode(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
}

const IS_DIGIT = Uint8Array.from({ length: 256 }, (_, b) => (b >= DIGIT && b <= DIGIT + 9 ? 1 : 0));
const IN_RUN = Uint8Array.from({ length: 256 }, (_, b) => (IS_DIGIT[b] === 1 || RUN_SEPARATOR[b] === 1 ? 1 : 0));

/**
 * The digit runs of buf[from..] holding `stride` bytes or more, found by probing every stride-th byte: such a
 * run covers a probe, and a probe that lands on a digit or separator is widened to its whole run (the same
 * maximal run a byte-by-byte reading gives). Binary content has a digit or separator in 1 byte of 20, so most
 * bytes are never read. Runs of MIN_RECORDED_RUN digits or more are recorded; `ended` sees every run found.
 */
function runsByStride(buf: Uint8Array, from: number, stride: number, runs: DigitRun[], ended: (digits: number) => void): void {
  const n = buf.length;
  let lo = from;
  let p = from;
  while (p < n) {
    if (IN_RUN[buf[p]!] === 0) {
      p += stride;
      continue;
    }
    let start = p;
    let end = p + 1;
    if (IS_DIGIT[buf[p]!] === 0) {
      // a separator belongs to a run only between two digits
      if (p <= lo || p + 1 >= n || IS_DIGIT[buf[p - 1]!] === 0 || IS_DIGIT[buf[p + 1]!] === 0) {
        p += stride;
        continue;
      }
      start = p - 1;
      end = p + 2;
    }
    for (;;) {
      if (start > lo && IS_DIGIT[buf[start - 1]!] === 1) start--;
      else if (start - 2 >= lo && RUN_SEPARATOR[buf[start - 1]!] === 1 && IS_DIGIT[buf[start - 2]!] === 1) start -= 2;
      else break;
    }
    for (;;) {
      if (end < n && IS_DIGIT[buf[end]!] === 1) end++;
      else if (end + 1 < n && RUN_SEPARATOR[buf[end]!] === 1 && IS_DIGIT[buf[end + 1]!] === 1) end += 2;
      else break;
    }
    let digits = 0;
    for (let k = start; k < end; k++) digits += IS_DIGIT[buf[k]!]!;
    ended(digits);
    if (digits >= MIN_RECORDED_RUN) runs.push({ start, end, digits });
    lo = end;
    p = end;
  }
}

/** Hits in a deterministic order: offset, detector, length, value. */
export function compareHits(a: Hit, b: Hit): number {
  return a.offset - b.offset || (a.detector < b.detector ? -1 : a.detector > b.detector ? 1 : 0) || a.length - b.length || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}

/**
 * Compiles the detectors' triggers. A detector runs on a buffer when one of its keywords occurs in it (ASCII,
 * any case) or when the buffer holds a run of at least `digits` ASCII digits, a single space, dash or dot
 * between two digits continuing the run (src/inspect/text.ts maxDigitRun counts the same way). A detector with
 * neither never runs here.
 *
 * @example
 * const inspector = createInspector(allPiiDetectors());
 * const hits = inspector.scan(bytes, { appProto: 'http', isObject: true });
 */
export function createInspector(detectors: readonly Detector[]): Inspector {
  const names = new Set<string>();
  for (const d of detectors) {
    if (names.has(d.name)) throw new Error(`inspect: two detectors named ${d.name}`);
    names.add(d.name);
    if (d.digits !== undefined && (!Number.isInteger(d.digits) || d.digits < 1)) throw new Error(`inspect: ${d.name}: digits must be a positive integer`);
    for (const k of d.keywords) {
      if (k.length === 0) throw new Error(`inspect: ${d.name}: empty keyword`);
      for (let i = 0; i < k.length; i++) if (k.charCodeAt(i) > 0x7f) throw new Error(`inspect: ${d.name}: keyword ${JSON.stringify(k)} is not ASCII`);
    }
  }
  // one automaton id per distinct (case-folded) keyword, naming every detector that listed it
  const byKeyword = new Map<string, number[]>();
  detectors.forEach((d, i) => {
    for (const k of d.keywords) {
      const key = k.toLowerCase();
      const list = byKeyword.get(key);
      if (list === undefined) byKeyword.set(key, [i]);
      else if (!list.includes(i)) list.push(i);
    }
  });
  const owners = [...byKeyword.values()];
  const keys = [...byKeyword.keys()];
  // the automaton's group of a keyword (0-7): its first detector's, counting the keyword detectors in turn, so
  // that a detector's keywords are given up together once it triggers
  const ordinal = new Map(detectors.filter((d) => d.keywords.length > 0).map((d, k) => [d, k % 8]));
  const groupOf = owners.map((list) => ordinal.get(detectors[list[0]!]!)!);
  let ac: AhoCorasick | null = null;
  if (keys.length > 0) {
    ac = new AhoCorasick(MAX_KEYWORD_BYTES);
    keys.forEach((k, id) => {
      const b = new Uint8Array(k.length);
      for (let i = 0; i < k.length; i++) b[i] = k.charCodeAt(i);
      ac!.add(b, id, groupOf[id]);
    });
    ac.build();
  }
  const keywordsInGroup = new Int32Array(8);
  for (const g of groupOf) keywordsInGroup[g]!++;
  // each detector's keyword ids
  const keywordsOf = detectors.map(() => [] as number[]);
  owners.forEach((list, id) => {
    for (const i of list) keywordsOf[i]!.push(id);
  });
  // digit detectors by threshold, ascending
  const byDigits = detectors.flatMap((d, i) => (d.digits === undefined ? [] : [[d.digits, i] as const])).sort((a, b) => a[0] - b[0]);
  const armed = detectors.filter((d) => d.keywords.length > 0 || d.digits !== undefined).length;
  // no run shorter than this matters: it triggers no detector and is not recorded
  const stride = byDigits.length > 0 ? Math.min(MIN_RECORDED_RUN, byDigits[0]![0]) : MIN_RECORDED_RUN;

  function scan(buf: Uint8Array, ctx: DetectContext): Hit[] {
    if (armed === 0) return [];
    const on = new Uint8Array(detectors.length);
    let pending = armed;
    // the keywords some detector not yet triggered still listens for, by group, and the groups holding one
    const dead = new Uint8Array(keys.length);
    const liveInGroup = keywordsInGroup.slice();
    let groups = 0;
    for (let g = 0; g < 8; g++) if (liveInGroup[g]! > 0) groups |= 1 << g;
    const trigger = (i: number): void => {
      if (on[i] === 1) return;
      on[i] = 1;
      pending--;
      for (const id of keywordsOf[i]!) {
        if (dead[id] === 0 && owners[id]!.every((j) => on[j] === 1)) {
          dead[id] = 1;
          if (--liveInGroup[groupOf[id]!]! === 0) groups &= ~(1 << groupOf[id]!);
        }
      }
    };
    // two independent passes: the digit runs (every stride-th byte probed, see runsByStride), then the keywords
    const collect = byDigits.length > 0;
    const runs: DigitRun[] = [];
    if (collect) {
      let nextDigit = 0; // byDigits[nextDigit..] are the digit thresholds not yet reached
      let minDigits = byDigits[0]![0];
      runsByStride(buf, 0, stride, runs, (digits) => {
        if (digits < minDigits) return;
        while (nextDigit < byDigits.length && byDigits[nextDigit]![0] <= digits) trigger(byDigits[nextDigit++]![1]);
        minDigits = nextDigit < byDigits.length ? byDigits[nextDigit]![0] : Infinity;
      });
    }
    if (ac !== null && groups !== 0) {
      ac.occurring(buf, (id) => {
        if (dead[id] === 0) for (const i of owners[id]!) trigger(i);
        return groups;
      }, groups);
    }
    if (pending === armed) return [];
    const hits: Hit[] = [];
    let bytesOnly = true;
    for (let i = 0; i < detectors.length && bytesOnly; i++) if (on[i] === 1 && detectors[i]!.detectBytes === undefined) bytesOnly = false;
    if (bytesOnly) {
      for (let i = 0; i < detectors.length; i++) if (on[i] === 1) for (const h of detectors[i]!.detectBytes!(buf, ctx)) hits.push(h);
      return hits.sort(compareHits);
    }
    const text = latin1Text(buf);
    if (collect) setDigitRuns(text, runs);
    for (let i = 0; i < detectors.length; i++) if (on[i] === 1) for (const h of detectors[i]!.detect(text, ctx)) hits.push(h);
    return hits.sort(compareHits);
  }

  return { detectors, scan };
}
