// SkippedSpans: which stream offsets lie in the spans an analyzer reported, as the raw scan asks in order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SkippedSpans } from './skipped-spans.js';

describe('SkippedSpans', () => {
  it('covers [start, end) of each span, an open span to the end; nothing past the limit', () => {
    const s = new SkippedSpans(1000);
    s.open(10);
    s.close(20);
    s.open(30);
    expect([9, 10, 19, 20, 29, 30, 999_999].map((o) => s.covers(o))).toEqual([false, true, true, false, false, true, true]);
    s.close(40);
    s.open(1000);
    expect([39, 40, 1000].map((o) => s.covers(o))).toEqual([true, false, false]);
  });

  it('dropping the passed spans changes no answer about later offsets (any spans, any order of passing)', () => {
    const spanList = fc.array(fc.tuple(fc.nat(50), fc.nat(50)), { maxLength: 30 });
    fc.assert(fc.property(spanList, fc.array(fc.nat(2000), { maxLength: 40 }), fc.boolean(), (gaps, queries, lastOpen) => {
      const s = new SkippedSpans(Infinity);
      const kept: [number, number][] = [];
      let at = 0;
      gaps.forEach(([before, len], i) => {
        const start = at + before;
        s.open(start);
        const open = lastOpen && i === gaps.length - 1;
        if (!open) s.close(start + len);
        kept.push([start, open ? Infinity : start + len]);
        at = start + len;
      });
      const sorted = [...queries].sort((a, b) => a - b);
      for (const q of sorted) {
        expect(s.covers(q), String(q)).toBe(kept.some(([a, b]) => q >= a && q < b));
        s.passed(q);
      }
    }));
  });
});
