// Masks keep the separators where they stood and show no more than the ends they promise: a card's first 4 and
// last 4 digits, an SSN's last 4, an IBAN's country and last 4, and never half of a short value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskCard, maskDigitsLast, maskKeepEnds } from './mask.js';

describe('masks', () => {
  it('cards: first 4 and last 4 digits, grouping kept', () => {
    expect(maskCard('4111 1111 1111 1111')).toBe('4111 **** **** 1111');
    expect(maskCard('4111-1111-1111-1111')).toBe('4111-****-****-1111');
    expect(maskCard('4111111111111111')).toBe('4111********1111');
    expect(maskCard('3782 822463 10005')).toBe('3782 ****** *0005');
    expect(maskCard('4222222222222')).toBe('4222*****2222');
    expect(maskCard('6205500000000000004')).toBe('6205***********0004');
  });

  it('cards of any length and grouping show at most 8 digits, the first 4 and the last 4', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }), fc.constantFrom(' ', '-', ''), fc.integer({ min: 0, max: 9 }), (groups, sep, d) => {
      const digits = groups.reduce((a, b) => a + b, 0);
      fc.pre(digits >= 13 && digits <= 19);
      let k = 0;
      const raw = groups.map((g) => Array.from({ length: g }, () => String((d + k++) % 10)).join('')).join(sep);
      const m = maskCard(raw);
      expect(m.length).toBe(raw.length);
      const shown = [...m].filter((c) => c >= '0' && c <= '9').length;
      expect(shown).toBe(8);
      for (let i = 0; i < raw.length; i++) if (m[i] !== '*') expect(m[i]).toBe(raw[i]);
      expect(m.replace(/[^*]/g, '').length).toBe(digits - 8);
    }));
  });

  it('SSN last 4, IBAN country and last 4', () => {
    expect(maskDigitsLast('123-45-6789', 4)).toBe('***-**-6789');
    expect(maskDigitsLast('123 45 6789', 4)).toBe('*** ** 6789');
    expect(maskKeepEnds('GB29 NWBK 6016 1331 9268 19', 2, 4)).toBe('GB** **** **** **** **68 19');
    expect(maskKeepEnds('DE89370400440532013000', 2, 4)).toBe('DE****************3000');
  });

  it('never shows half of the significant characters or more', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), fc.nat(10), fc.nat(10), (s, a, b) => {
      const m = maskKeepEnds(s, a, b);
      expect(m.length).toBe(s.length);
      const sig = [...s].filter((c) => /[0-9a-z]/i.test(c)).length;
      const kept = [...m].filter((c, i) => /[0-9a-z]/i.test(c) && c === s[i]).length;
      expect(kept).toBeLessThanOrEqual(Math.floor(sig / 2));
    }));
    expect(maskKeepEnds('1234', 4, 4)).toBe('**34');
    expect(maskKeepEnds('ab', 1, 1)).toBe('*b');
  });
});
