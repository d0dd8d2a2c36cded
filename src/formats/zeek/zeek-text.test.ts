import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { zeekJsonSeconds } from './zeek-text.js';

describe('zeekJsonSeconds', () => {
  it('is a JSON number for every finite double, 1e21 and up included, within a microsecond of it', () => {
    for (const s of [1e21, -1e21, 1.7976931348623157e308, 123456789e20]) expect(JSON.parse(zeekJsonSeconds(s))).toBe(s);
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (s) => {
      const v = JSON.parse(zeekJsonSeconds(s)) as number;
      expect(Math.abs(v - s)).toBeLessThanOrEqual(5e-7 + Math.abs(s) * 1e-15);
    }), { numRuns: 5000 });
  });
});
