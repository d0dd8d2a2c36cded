// Payment cards: every network's ranges and lengths, separators and grouping, Luhn, context within 300
// characters, published test numbers; decoys stay silent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import table from '../data/card-issuers.json' with { type: 'json' };
import { luhn } from '../checksum.js';
import { covered, expectSilent, expectWellBehaved, scan } from './detector.case.js';
import { paymentCard } from './payment-card.js';

/** A Luhn-valid number: prefix, filler digits, then the check digit that makes it pass (by construction). */
function card(prefix: string, length: number, fill = 7): string {
  let body = prefix;
  let k = 0;
  while (body.length < length - 1) body += String((fill + k++ * 3) % 10);
  for (let d = 0; d <= 9; d++) if (luhn(body + d)) return body + d;
  throw new Error('unreachable');
}
const spaced = (n: string): string => n.replace(/(\d{4})(?=\d)/g, '$1 ');

describe('payment card detector', () => {
  it('finds each network at each of its lengths, with its IIN named', () => {
    const cases: [string, string, number][] = [
      ['visa', '4', 13], ['visa', '4', 16], ['visa', '4', 19], ['mastercard', '51', 16], ['mastercard', '55', 16],
      ['mastercard', '2221', 16], ['mastercard', '2720', 16], ['amex', '34', 15], ['amex', '37', 15],
      ['discover', '6011', 16], ['discover', '644', 16], ['discover', '65', 19], ['discover', '622126', 16], ['discover', '622925', 16],
      ['jcb', '3528', 16], ['jcb', '3589', 19], ['unionpay', '62', 16], ['unionpay', '6200', 19], ['diners', '300', 14],
      ['diners', '305', 14], ['diners', '36', 14], ['diners', '3095', 16], ['diners', '38', 16],
    ];
    for (const [network, prefix, len] of cases) {
      const n = card(prefix, len);
      const hits = scan(paymentCard, `pay ${n} now`);
      expect(hits.map((h) => [h.value === n, h.validations.join(',')])).toEqual([[true, `luhn,iin:${network}`]]);
    }
  });

  it('stays silent outside the ranges and lengths', () => {
    // 2721 and 2220 are not Mastercard; 3590 is not JCB; Amex is 15 digits only; Visa is not 14
    for (const [prefix, len] of [['2721', 16], ['2220', 16], ['3590', 16], ['34', 16], ['4', 14], ['1800', 15], ['50', 16], ['7', 16], ['9', 19]] as const) {
      expect(scan(paymentCard, `pay ${card(prefix, len)} now`)).toEqual([]);
    }
  });

  it('reads none, spaces or dashes, one kind per number, in printed groupings', () => {
    const n = card('4', 16);
    for (const raw of [n, spaced(n), spaced(n).replace(/ /g, '-')]) {
      const text = `x ${raw} y`;
      expect(scan(paymentCard, text).map((h) => covered(text, h))).toEqual([raw]);
    }
    const amex = '378282246310005';
    expect(scan(paymentCard, 'amex 3782 822463 10005 ok').map((h) => h.masked)).toEqual(['3782 ****** *0005']);
    expect(scan(paymentCard, `amex ${amex}`).map((h) => h.masked)).toEqual(['3782*******0005']);
    // mixed separators, odd groupings, double separators
    const g = spaced(n);
    for (const bad of [g.replace(' ', '-'), `${n.slice(0, 5)} ${n.slice(5, 10)} ${n.slice(10)}`, g.replace(/ /g, '  '), g.replace(/ /g, '.')]) {
      expect(scan(paymentCard, `x ${bad} y`)).toEqual([]);
    }
  });

  it('takes a number out of a space-separated row but not out of a longer token', () => {
    const n = '4111111111111111';
    const text = `ref ${spaced(n)} 2025 done`;
    expect(scan(paymentCard, text).map((h) => h.offset)).toEqual([4]);
    for (const glued of [`1${n}`, `${n}1`, `x${n}`, `${n}x`, `${spaced(n)}-2025`, `ID-${n}`, `3.${n}`, `${n}.5`, `${n}_a`]) {
      expect(scan(paymentCard, `v ${glued} w`)).toEqual([]);
    }
  });

  it('is high with a context word within 300 characters, medium without', () => {
    const n = '5555555555554444';
    const near = scan(paymentCard, `Card number:${' '.repeat(290)}${n}`);
    expect(near.map((h) => [h.confidence, h.contextTerms])).toEqual([['high', ['card number']]]);
    const far = scan(paymentCard, `Card number:${' '.repeat(301)}${n}`);
    expect(far.map((h) => [h.confidence, h.contextTerms])).toEqual([['medium', []]]);
    expect(scan(paymentCard, `${n} (expires 12/27, CVV on the back)`)[0]!.contextTerms).toEqual(['cvv', 'expires']);
  });

  it('flags every published test number and masks it to first 4 and last 4', () => {
    for (const n of table.testNumbers) {
      const hits = scan(paymentCard, `test ${n} ok`);
      expect(hits.map((h) => [h.testValue, h.masked])).toEqual([[true, `${n.slice(0, 4)}${'*'.repeat(n.length - 8)}${n.slice(-4)}`]]);
    }
    expect(scan(paymentCard, `x ${card('4', 16, 3)} y`)[0]!.testValue).toBe(false);
  });

  it('stays silent on decoys: Luhn failures, order numbers, UUIDs, timestamps, phone numbers, base64, hex hashes', () => {
    expectSilent(paymentCard, [
      '4111111111111112', '4111 1111 1111 1112', '5555-5555-5555-4445',
      'Order #1000234567891', 'ORD-2024-0000123456789', 'invoice 20240115000123',
      '123e4567-e89b-12d3-a456-426614174000', 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
      '1700000000000', '1700000000000000000', '2024-01-15T12:34:56.789Z', '20240115123456789',
      '+1 415 555 0132', '(415) 555-0132', '+44 20 7946 0958', '0049 30 1234567890',
      'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0MTExMTExMTExMTExMTEx', 'dGVzdDQxMTExMTExMTExMTExMTE=',
      '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ]);
  });

  it('never reports a Luhn failure, whatever the digits', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ' ', '-'), minLength: 13, maxLength: 40 }), (s) => {
      for (const h of scan(paymentCard, s)) expect(luhn(h.value)).toBe(true);
    }));
  });

  it('never throws, and each hit holds its digit trigger', () => {
    expectWellBehaved(paymentCard, ['4111 1111 1111 1111', '5555555555554444', '3782-822463-10005', '4111', ' 1111', '-1111', '6011000990139424', 'card ']);
  });
});
