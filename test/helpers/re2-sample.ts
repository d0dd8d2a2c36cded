// Strings built to match an RE2 pattern: a random walk over the pattern's tree (src/inspect/re2-syntax.ts)
// that picks a branch of each alternation, a count for each repeat and a character of each set. Anchors and word
// boundaries are not planned for: the caller plants the string between separators and checks it with RE2 itself
// (re2-wasm), which is the judge, not this walk. Plus helpers to run re2-wasm without filling its fixed heap.
import { RE2 } from 're2-wasm';
import type { Re2Node } from '../../src/inspect/re2-syntax.js';

/** a small seeded PRNG (mulberry32): samples are the same on every run */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** how many more than its minimum a repeat may run in a sample */
const REPEAT_SLACK = 12;

function pickChar(ranges: readonly number[], r: () => number): string {
  // prefer printable ASCII without space (keeps samples on one token), then any printable ASCII, then any byte
  for (const [lo, hi] of [
    [0x21, 0x7e],
    [0x20, 0x7e],
    [0x09, 0xff],
    [0x00, 0xff],
  ] as const) {
    const inside: number[] = [];
    for (let k = 0; k < ranges.length; k += 2) {
      const a = Math.max(lo, ranges[k]!);
      const b = Math.min(hi, ranges[k + 1]!);
      for (let c = a; c <= b; c++) inside.push(c);
    }
    if (inside.length > 0) return String.fromCharCode(inside[Math.floor(r() * inside.length)]!);
  }
  throw new Error('a set with no byte in it');
}

/** A string the walk expects `node` to match (RE2 has the last word). */
export function sample(node: Re2Node, r: () => number): string {
  switch (node.t) {
    case 'set':
      return pickChar(node.ranges, r);
    case 'cat':
      return node.items.map((x) => sample(x, r)).join('');
    case 'alt':
      return sample(node.items[Math.floor(r() * node.items.length)]!, r);
    case 'group':
      return sample(node.body, r);
    case 'rep': {
      const top = node.max === -1 ? node.min + REPEAT_SLACK : Math.min(node.max, node.min + REPEAT_SLACK);
      const n = node.min + Math.floor(r() * (top - node.min + 1));
      let s = '';
      for (let i = 0; i < n; i++) s += sample(node.body, r);
      return s;
    }
    case 'assert':
    case 'empty':
      return '';
  }
}

export interface Re2Match {
  index: number;
  match: string;
  groups: (string | undefined)[];
}

/** Compiles with re2-wasm, runs `use`, and frees the pattern (re2-wasm never does: its heap is 16 MiB). */
export function withRe2<T>(pattern: string, use: (re: RE2) => T, flags = 'u'): T {
  const re = new RE2(pattern, flags);
  try {
    return use(re);
  } finally {
    (re as unknown as { wrapper: { delete(): void } }).wrapper.delete();
  }
}

/** Every leftmost-first, non-overlapping match as Go's FindAllStringSubmatch gives them (empty ones skipped). */
export function re2All(re: RE2, text: string): Re2Match[] {
  const out: Re2Match[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0]!.length === 0) {
      re.lastIndex = m.index + 1;
      if (re.lastIndex > text.length) break;
      continue;
    }
    out.push({ index: m.index, match: m[0]!, groups: m.slice(1) });
  }
  return out;
}

/** The same with a JavaScript RegExp. */
export function jsAll(source: string, text: string): Re2Match[] {
  const re = new RegExp(source, 'g');
  const out: Re2Match[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex = m.index + 1;
      if (re.lastIndex > text.length) break;
      continue;
    }
    out.push({ index: m.index, match: m[0], groups: m.slice(1) });
  }
  return out;
}
