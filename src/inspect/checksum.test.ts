// Check digits against published values: ISO/IEC 7812 test card numbers, the IBAN registry's examples, and
// routing numbers printed on US banks' sites; and one changed digit always fails.
import { describe, expect, it } from 'vitest';
import { abaChecksum, ibanMod97, luhn } from './checksum.js';

describe('checksums', () => {
  it('Luhn', () => {
    for (const n of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '79927398713']) expect(luhn(n)).toBe(true);
    for (const n of ['4111111111111112', '79927398710', '1', '', '41111a1111111111']) expect(luhn(n)).toBe(false);
  });

  it('Luhn catches every single-digit change', () => {
    const n = '4012888888881881';
    for (let i = 0; i < n.length; i++) for (let d = 0; d <= 9; d++) {
      const m = n.slice(0, i) + String(d) + n.slice(i + 1);
      expect(luhn(m)).toBe(m === n);
    }
  });

  it('ISO 13616 mod 97', () => {
    for (const n of ['GB29NWBK60161331926819', 'DE89370400440532013000', 'gb29nwbk60161331926819', 'NO9386011117947', 'LC55HEMM000100010012001200023015']) expect(ibanMod97(n)).toBe(true);
    for (const n of ['GB28NWBK60161331926819', 'DE89370400440532013001', 'GB29', 'GB29NWBK6016133192681!']) expect(ibanMod97(n)).toBe(false);
  });

  it('ABA 3-7-1', () => {
    // JPMorgan Chase NY, Federal Reserve Bank of Boston, Bank of America, Wells Fargo CA
    for (const n of ['021000021', '011000015', '026009593', '121000248']) expect(abaChecksum(n)).toBe(true);
    for (const n of ['021000022', '12345678', '0210000211', '02100002a']) expect(abaChecksum(n)).toBe(false);
  });
});
