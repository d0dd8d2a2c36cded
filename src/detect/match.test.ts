// Payload options as Snort evaluates them: positions (offset/depth from the buffer start, distance/within
// from the previous match), backtracking to a later occurrence, negation, nocase, pcre (relative), byte_test,
// byte_jump, isdataat, sizes, and a budget that stops pathological rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Classifications } from './classification.js';
import { DEFAULT_VARS } from './addresses.js';
import { find, matchRule } from './match.js';
import type { ContentMatch } from './rule.js';
import { parseRule } from './parse-rule.js';

const enc = new TextEncoder();
function rule(options: string) {
  const r = parseRule(`alert tcp any any -> any any (msg:"t"; ${options} sid:1;)`, { vars: DEFAULT_VARS, classifications: new Classifications(), file: 't', line: 1 });
  if (!r.ok) throw new Error(r.reason);
  return r.rule;
}
const on = (options: string, payload: string | Uint8Array): boolean =>
  matchRule(rule(options), { pkt: typeof payload === 'string' ? enc.encode(payload) : payload });

describe('payload options', () => {
  it('offset and depth count from the buffer start', () => {
    expect(on('content:"PUT "; depth:4;', 'PUT /x')).toBe(true);
    expect(on('content:"PUT "; depth:4;', 'XPUT /x')).toBe(false);
    expect(on('content:"b"; offset:1; depth:1;', 'abc')).toBe(true);
    expect(on('content:"b"; offset:2;', 'abc')).toBe(false);
  });

  it('distance and within count from the end of the previous match, and earlier contents backtrack', () => {
    expect(on('content:"a"; content:"b"; distance:1; within:1;', 'axb')).toBe(true);
    expect(on('content:"a"; content:"b"; distance:1; within:1;', 'ab')).toBe(false);
    // the first "a" is followed by "c", the second by "b": the engine tries the later "a"
    expect(on('content:"a"; content:"b"; within:1;', 'acab')).toBe(true);
    expect(on('content:"GET"; content:"passwd"; distance:0;', 'passwd GET /')).toBe(false);
  });

  it('negated content, nocase, startswith/endswith', () => {
    expect(on('content:"User-Agent"; nocase; content:!"curl";', 'user-agent: wget')).toBe(true);
    expect(on('content:"User-Agent"; nocase; content:!"curl";', 'user-agent: curl')).toBe(false);
    expect(on('content:"abc"; startswith;', 'abcd')).toBe(true);
    expect(on('content:"bcd"; startswith;', 'abcd')).toBe(false);
    expect(on('content:"cd"; endswith;', 'abcd')).toBe(true);
  });

  it('pcre, relative to the previous match with R', () => {
    expect(on('content:"id="; pcre:"/^\\d+$/R";', 'id=123')).toBe(true);
    expect(on('content:"id="; pcre:"/^\\d+$/R";', 'id=12a')).toBe(false);
    expect(on('pcre:!"/evil/i";', 'good')).toBe(true);
    expect(on('pcre:"/\\x00\\x01/";', Uint8Array.of(9, 0, 1))).toBe(true);
  });

  it('pcre sees bytes, 0x80-0x9F included, on every Node (a NOP sled, a C1 byte)', () => {
    expect(on('pcre:"/\\x90{4}/";', Uint8Array.of(0x41, 0x90, 0x90, 0x90, 0x90))).toBe(true);
    expect(on('pcre:"/\\x80\\x9f$/";', Uint8Array.of(0x41, 0x80, 0x9f))).toBe(true);
    expect(on('pcre:"/\\xac/";', Uint8Array.of(0x80))).toBe(false);
    expect(on('content:"A"; pcre:"/^\\x81/R";', Uint8Array.of(0x41, 0x81))).toBe(true);
  });

  it('byte_test, byte_jump and isdataat', () => {
    const b = Uint8Array.of(0x00, 0x10, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46);
    expect(on('byte_test:2,=,16,0;', b)).toBe(true);
    expect(on('byte_test:2,>,16,0;', b)).toBe(false);
    expect(on('byte_test:2,=,4096,0,little;', b)).toBe(true);
    expect(on('byte_test:3,=,123,1,string,dec;', 'x123y')).toBe(true);
    // read 1 byte at offset 0 (value 2), jump 2 past it: "D" is then next
    expect(on('byte_jump:1,0; content:"D"; within:1;', Uint8Array.of(2, 0x41, 0x42, 0x44))).toBe(true);
    expect(on('content:"A"; isdataat:3,relative;', b)).toBe(true);
    expect(on('content:"F"; isdataat:!1,relative;', b)).toBe(true);
    expect(on('dsize:<10;', 'short')).toBe(true);
  });

  it('stops a pathological rule within its budget', () => {
    // 5000^3 placements without the budget; with it, a bounded number of steps and the answer "no"
    expect(on('content:"a"; content:"a"; distance:0; content:"a"; distance:0; content:"b"; distance:0;', 'a'.repeat(5000))).toBe(false);
  });

  it('find is the naive search (every occurrence, case folded with nocase, ending by the bound), in one pass over the buffer', () => {
    const fold = (b: number): number => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
    const naive = (buf: Uint8Array, pat: Uint8Array, from: number, end: number, nocase: boolean): number => {
      for (let p = Math.max(0, from); p + pat.length <= Math.min(end, buf.length); p++) {
        let k = 0;
        while (k < pat.length && (nocase ? fold(buf[p + k]!) === fold(pat[k]!) : buf[p + k] === pat[k])) k++;
        if (k === pat.length) return p;
      }
      return -1;
    };
    // a small alphabet with both cases makes partial matches and borders common
    const bytes = (max: number) => fc.uint8Array({ minLength: 1, maxLength: max }).map((a) => a.map((b) => [0x61, 0x41, 0x62, 0x42, 0x00][b % 5]!));
    fc.assert(fc.property(bytes(40), bytes(6), fc.boolean(), fc.nat(45), fc.nat(45), (buf, pat, nocase, from, end) => {
      const m = rule(`content:"|${Buffer.from(pat).toString('hex')}|";${nocase ? ' nocase;' : ''}`).matches[0] as ContentMatch;
      expect(find(buf, m, from, end)).toBe(naive(buf, pat, from, end, nocase));
    }), { numRuns: 5000 });
  });

  it('a long content over a buffer of near misses costs the buffer, not buffer x content', { timeout: 20_000 }, () => {
    // 4 KiB of "a" then "b" against 16 MiB of "a": a naive search compares ~6.9e10 bytes; this one reads 16 MiB
    const m = rule(`content:"${'a'.repeat(4095)}b"; nocase;`).matches[0] as ContentMatch;
    const buf = new Uint8Array(16 << 20).fill(0x61);
    expect(find(buf, m, 0)).toBe(-1);
    buf[buf.length - 1] = 0x42;
    expect(find(buf, m, 0)).toBe(buf.length - 4096);
    expect(find(buf, { ...m, nocase: false }, 0)).toBe(-1);
  });

  it('a pcre named slow is not run: the evaluation answers null when it comes to it, and as usual when an option before it fails', () => {
    const r = rule('content:"GET"; content:"x"; distance:0; pcre:"/(?=(a+)+b)/";');
    const slow = new Set(r.matches.flatMap((m) => (m.kind === 'pcre' ? [m.re] : [])));
    const evil = enc.encode(`GET x${'a'.repeat(60)}`);
    // it would run for ages on 60 a's: null comes back at once, the expression never ran
    expect(matchRule(r, { pkt: evil }, slow)).toBe(null);
    // no "x" after GET: the answer comes from the contents, the pcre is not reached
    expect(matchRule(r, { pkt: enc.encode(`GET ${'a'.repeat(60)}`) }, slow)).toBe(false);
    // the same rule without a slow set runs its pcre (on a text where it is quick)
    expect(matchRule(r, { pkt: enc.encode('GET xaab') })).toBe(true);
    // a negated slow pcre is not run either (its "no match" would be a match)
    const neg = rule('content:"GET"; pcre:!"/(a+)+\\1b/";');
    expect(matchRule(neg, { pkt: evil }, new Set(neg.matches.flatMap((m) => (m.kind === 'pcre' ? [m.re] : []))))).toBe(null);
  });
});
