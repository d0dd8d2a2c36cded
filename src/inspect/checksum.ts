// The check-digit algorithms the financial detectors validate with: Luhn (ISO/IEC 7812-1 annex B), ISO 7064
// MOD 97-10 (IBAN, ISO 13616) and the ABA routing number's 3-7-1 weights.

/** Luhn: from the rightmost digit, double every second one (minus 9 past 9); the sum is 0 mod 10. */
export function luhn(digits: string): boolean {
  if (digits.length < 2) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * ISO 13616 check: the first four characters moved to the end, letters as 10..35, the number mod 97 is 1.
 * `iban` is compact (no spaces), letters in either case.
 */
export function ibanMod97(iban: string): boolean {
  if (iban.length < 5) return false;
  const s = iban.slice(4) + iban.slice(0, 4);
  let r = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | (s.charCodeAt(i) >= 0x41 ? 0x20 : 0);
    if (c >= 0x30 && c <= 0x39) r = (r * 10 + (c - 0x30)) % 97;
    else if (c >= 0x61 && c <= 0x7a) r = (r * 100 + (c - 0x61 + 10)) % 97;
    else return false;
  }
  return r === 1;
}

/** ABA routing number: 3, 7, 1 weights over the nine digits; the sum is 0 mod 10. */
export function abaChecksum(digits: string): boolean {
  if (digits.length !== 9) return false;
  const w = [3, 7, 1];
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    const d = digits.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return false;
    sum += d * w[i % 3]!;
  }
  return sum % 10 === 0;
}
