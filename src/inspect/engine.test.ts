// The engine runs a detector exactly when one of its keywords occurs (any ASCII case) or a digit run reaches its
// threshold, counted as maxDigitRun counts; the text it hands over is latin1(); the digit runs it collects are
// the ones digitRuns() finds; hits come back sorted; bad detector sets are refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { latin1, latin1Bytes } from '../core/latin1.js';
import { compareHits, createInspector, latin1Text } from './engine.js';
import { allPiiDetectors } from './pii.js';
import { computeDigitRuns, digitRuns, maxDigitRun } from './text.js';
import type { DetectContext, Detector, Hit } from './types.js';

const CTX: DetectContext = { appProto: null, isObject: true };

function spy(name: string, keywords: string[], digits: number | undefined, calls: string[]): Detector {
  return {
    name,
    category: 'pii',
    keywords,
    ...(digits === undefined ? {} : { digits }),
    detect(text) {
      calls.push(name);
      return [{ detector: name, category: 'pii', confidence: 'low', offset: text.length > 0 ? text.length - 1 : 0, length: 0, value: name, masked: '*', validations: [], contextTerms: [], testValue: false }];
    },
  };
}

const naiveOccurs = (text: string, kw: string): boolean => text.toLowerCase().includes(kw.toLowerCase());

describe('inspect engine', () => {
  // keywords without digits or separators take the engine's tight digit-run loop, the others its general one
  // (and with thresholds of 6 or more, the runs are probed every 6th byte once the keywords are settled)
  for (const [path, chars, minDigits] of [['tight run loop', ['a', 'B', 'c', '@', '_'], 1], ['probing every 6th byte', ['a', 'B', 'c', '@', '_'], 6], ['general loop', ['a', 'B', 'c', '@', '-', '1', ' '], 1]] as const) {
    it(`runs a detector exactly when a keyword occurs or a digit run reaches its threshold (${path})`, () => {
      // small alphabets so that keywords and runs actually occur
      const keyword = fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: 4 }).map((a) => a.join(''));
      const textChar = fc.constantFrom('a', 'A', 'b', 'B', 'c', '@', '_', '-', ' ', '.', '1', '2', '9', '0', 'x', '\x80', '\xff');
      // stretches of digits and separators, so that runs of every length occur
      const digitish = fc.array(fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ' ', '-', '.'), { minLength: 3, maxLength: 18 }).map((a) => a.join(''));
      let triggered = 0;
      let byRun = 0;
      let silent = 0;
      fc.assert(fc.property(
        fc.array(fc.record({ keywords: fc.array(keyword, { maxLength: 3 }), digits: fc.option(fc.integer({ min: minDigits, max: 12 }), { nil: undefined }) }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.oneof({ weight: 8, arbitrary: textChar }, { weight: 1, arbitrary: digitish }), { maxLength: 200 }).map((a) => a.join('')),
        (specs, text) => {
          const calls: string[] = [];
          const dets = specs.map((s, i) => spy(`d${i}`, s.keywords, s.digits, calls));
          createInspector(dets).scan(latin1Bytes(text), CTX);
          const run = maxDigitRun(text, 0, text.length);
          const want = specs.flatMap((s, i) => ((s.keywords.some((k) => naiveOccurs(text, k)) || (s.digits !== undefined && run >= s.digits)) ? [`d${i}`] : []));
          expect(calls).toEqual(want);
          triggered += want.length;
          byRun += specs.filter((s) => !s.keywords.some((k) => naiveOccurs(text, k)) && s.digits !== undefined && run >= s.digits).length;
          silent += specs.length - want.length;
        },
      ), { numRuns: 400 });
      // both outcomes are common: the comparison is not about one of them only
      expect(triggered).toBeGreaterThan(40);
      expect(byRun).toBeGreaterThan(20);
      expect(silent).toBeGreaterThan(40);
    });
  }

  it('hands detectors the text latin1() makes, and the digit runs digitRuns() finds', () => {
    // thresholds of 6 and more make the engine probe every 6th byte for runs once keywords are settled
    const planted = fc.array(fc.constantFrom('4111 1111 1111 1111', '123-45-6789', '12.34.56', '1 2 3 4 5 6 7', '0000000', '1 -2 3', '12  34', '9.9.9.9.9.9', '-5-', '@'), { maxLength: 8 });
    fc.assert(fc.property(fc.boolean(), fc.integer({ min: 1, max: 14 }), fc.uint8Array({ maxLength: 3000 }), planted, (general, digits, noise, planted) => {
      const bytes = Uint8Array.from([...noise, ...planted.flatMap((p) => [...latin1Bytes(` ${p} `)])]);
      let seen: string | null = null;
      let runs: unknown = null;
      const d: Detector = { name: 'probe', category: 'pii', keywords: general ? ['x-1'] : [], digits, detect(text) {
        seen = text;
        runs = digitRuns(text);
        return [];
      } };
      createInspector([d]).scan(bytes, CTX);
      const text = latin1(bytes);
      if (maxDigitRun(text, 0, text.length) < digits && !(general && text.toLowerCase().includes('x-1'))) {
        expect(seen).toBeNull();
        return;
      }
      expect(seen === text).toBe(true);
      expect(runs).toEqual(computeDigitRuns(text));
    }), { numRuns: 200 });
  });

  it('latin1Text is latin1, for every byte value and length', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 70_000 }), (b) => {
      expect(latin1Text(b) === latin1(b)).toBe(true);
    }), { numRuns: 60 });
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(latin1Text(all) === latin1(all)).toBe(true);
  });

  it('sorts hits by offset, then detector, length and value', () => {
    const h = (detector: string, offset: number, length: number, value: string): Hit => ({ detector, category: 'pii', confidence: 'low', offset, length, value, masked: '*', validations: [], contextTerms: [], testValue: false });
    const mk = (hits: Hit[]): Detector => ({ name: hits[0]!.detector, category: 'pii', keywords: ['x'], detect: () => hits });
    const ins = createInspector([mk([h('b', 5, 1, 'z'), h('b', 1, 2, 'y')]), mk([h('a', 5, 1, 'q'), h('a', 5, 1, 'p'), h('a', 0, 9, 'o')])]);
    const out = ins.scan(latin1Bytes('x'), CTX);
    expect(out.map((x) => `${x.offset}${x.detector}${x.value}`)).toEqual(['0ao', '1by', '5ap', '5aq', '5bz']);
    expect([...out].sort(compareHits)).toEqual(out);
  });

  it('uses detectBytes only when every triggered detector has one', () => {
    const calls: string[] = [];
    const bytesToo: Detector = { ...spy('e', ['@'], undefined, calls), detectBytes: () => {
      calls.push('e/bytes');
      return [];
    } };
    const digits = spy('n', [], 3, calls);
    const ins = createInspector([bytesToo, digits]);
    ins.scan(latin1Bytes('a@b'), CTX);
    expect(calls).toEqual(['e/bytes']);
    calls.length = 0;
    ins.scan(latin1Bytes('a@b 123'), CTX);
    expect(calls).toEqual(['e', 'n']);
  });

  it('refuses two detectors of one name, non-ASCII or empty keywords and a bad digit threshold', () => {
    const calls: string[] = [];
    expect(() => createInspector([spy('a', [], 1, calls), spy('a', [], 2, calls)])).toThrow(/two detectors/);
    expect(() => createInspector([spy('a', ['é'], undefined, calls)])).toThrow(/not ASCII/);
    expect(() => createInspector([spy('a', [''], undefined, calls)])).toThrow(/empty keyword/);
    expect(() => createInspector([spy('a', [], 0, calls)])).toThrow(/positive integer/);
    expect(() => createInspector([spy('a', [], 2.5, calls)])).toThrow(/positive integer/);
    // a detector with no trigger never runs
    expect(createInspector([spy('a', [], undefined, calls)]).scan(latin1Bytes('anything 123456'), CTX)).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('never throws on random bytes with every PII detector, and returns sorted hits', () => {
    const ins = createInspector(allPiiDetectors());
    const piece = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom('4111 1111 1111 1111', '%B4111111111111111^DOE/J^2512101?', ';4111111111111111=2512101?', 'a@b.com', '+1 415 555 0100', 'GB29 NWBK 6016 1331 9268 19', 'SSN 123-45-6789', 'routing 021000021', '(', ')', '+', '@', '-', ' ', '.').map((s) => latin1Bytes(s)),
    );
    fc.assert(fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
      const bytes = Uint8Array.from(pieces.flatMap((p) => [...p]));
      const hits = ins.scan(bytes, CTX);
      expect([...hits].sort(compareHits)).toEqual(hits);
      for (const h of hits) {
        expect(h.offset).toBeGreaterThanOrEqual(0);
        expect(h.offset + h.length).toBeLessThanOrEqual(bytes.length);
      }
    }), { numRuns: 300 });
  });
});
