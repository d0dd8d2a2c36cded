// The prefilter names exactly the rules whose fast pattern (its first PREFILTER_PATTERN_BYTES, ASCII case
// folded) occurs in a buffer, plus the content-less ones, whether the scan runs through the dense states or
// the sparse ones past DENSE_STATES.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Classifications } from './classification.js';
import { DEFAULT_VARS } from './addresses.js';
import { parseRule } from './parse-rule.js';
import { DENSE_STATES, Prefilter, PREFILTER_PATTERN_BYTES } from './prefilter.js';
import type { Rule } from './rule.js';

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

function rule(options: string, sid: number): Rule {
  const r = parseRule(`alert tcp any any -> any any (msg:"t"; ${options} sid:${sid};)`, { vars: DEFAULT_VARS, classifications: new Classifications(), file: 't', line: 1 });
  if (!r.ok) throw new Error(r.reason);
  return r.rule;
}

const fold = (b: number): number => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
function occurs(text: Uint8Array, pat: Uint8Array): boolean {
  const p = pat.subarray(0, PREFILTER_PATTERN_BYTES);
  for (let i = 0; i + p.length <= text.length; i++) {
    let k = 0;
    while (k < p.length && fold(text[i + k]!) === fold(p[k]!)) k++;
    if (k === p.length) return true;
  }
  return false;
}

describe('prefilter', () => {
  it('names the rules whose pattern occurs, past the dense states too', () => {
    // "aAbB" only: patterns share prefixes and overlap each other, texts are made of their pieces
    const letter = fc.constantFrom(0x61, 0x41, 0x62, 0x42);
    const pattern = fc.uint8Array({ minLength: 40, maxLength: 90 }).chain((a) => fc.array(letter, { minLength: a.length, maxLength: a.length })).map((a) => Uint8Array.from(a));
    let hits = 0;
    fc.assert(fc.property(fc.array(pattern, { minLength: 150, maxLength: 250 }), fc.array(fc.tuple(fc.nat(), fc.nat(90), fc.nat(90)), { minLength: 1, maxLength: 12 }), (pats, pieces) => {
      const rules = pats.map((p, i) => rule(`content:"|${hex(p)}|"; nocase;`, i + 1));
      rules.push(rule('dsize:>0;', 9999));
      const pf = new Prefilter(rules.map((r, i) => [r, i]));
      // binary patterns share prefixes only near the root: thousands of states, most of them sparse
      expect(pf.states).toBeGreaterThan(2 * DENSE_STATES);
      // pieces of patterns, whole ones among them, and short random runs between
      const text = Uint8Array.from(pieces.flatMap(([which, from, len]) => [...pats[which % pats.length]!.subarray(from % 4 === 0 ? 0 : from, from % 4 === 0 ? undefined : from + len), ...pats[(which + 1) % pats.length]!.subarray(0, len % 5)]));
      const out: number[] = [];
      pf.candidates({ pkt: text }, new Uint8Array(rules.length), out, 6);
      const want = pats.flatMap((p, i) => (occurs(text, p) ? [i] : []));
      expect(out.sort((a, b) => a - b)).toEqual([...want, rules.length - 1]);
      hits += want.length;
    }), { numRuns: 60 });
    // whole patterns are in most texts: the comparison is not only about misses
    expect(hits).toBeGreaterThan(60);
  });
});
