import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, shannonEntropy } from './secret-codec.js';
import { MASK_MAX_STARS, maskSecret } from './secret-mask.js';

describe('maskSecret', () => {
  it('keeps at most a quarter of the value at each end, never the value', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abcXYZ0189+/_- .'), minLength: 1, maxLength: 200 }), fc.integer({ min: 0, max: 20 }), (v, p) => {
        const m = maskSecret(v, p);
        expect(m).toContain('*');
        expect(m.length - (m.match(/\*+/)?.[0].length ?? 0)).toBeLessThanOrEqual(Math.floor(v.length / 2));
        expect(m.match(/\*+/)![0].length).toBeLessThanOrEqual(MASK_MAX_STARS);
        expect(m).not.toBe(v);
      }),
    );
    expect(maskSecret('AKIAIOSFODNN7EXAMPLE', 4)).toBe('AKIA************MPLE');
    expect(maskSecret('short', 4)).toBe('s****');
  });
});

describe('secret codecs', () => {
  it('decodeBase64 agrees with Buffer on valid input and refuses what Buffer would have to guess at', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.boolean(), (b, url) => {
        const enc = Buffer.from(b).toString(url ? 'base64url' : 'base64');
        expect(Buffer.from(decodeBase64(enc, url)!)).toEqual(Buffer.from(b));
      }),
    );
    expect(decodeBase64('abc!')).toBeNull();
    expect(decodeBase64('a')).toBeNull();
    expect(decodeBase64('ab=c')).toBeNull();
    expect(decodeBase64('ab c', false, true)).toEqual(new Uint8Array([0x69, 0xb7]));
  });

  it('shannonEntropy: 0 for one symbol, log2(n) for n distinct equally often', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(shannonEntropy('0123456789abcdef'.repeat(3))).toBeCloseTo(4, 12);
  });
});
