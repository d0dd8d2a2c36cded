// Phone numbers: international and North American shapes alone, other groupings only next to a phone word;
// dates, times, addresses, versions and bare digit runs stay silent.
import { describe, expect, it } from 'vitest';
import { covered, expectSilent, expectWellBehaved, scan } from './detector.case.js';
import { phone } from './phone.js';

describe('phone detector', () => {
  it('finds international and NANP numbers without context, low confidence, masked to the last 2', () => {
    const text = 'Call +44 20 7946 0958 or (212) 736-5000, 212.736.5000, 1-212-736-5000, +1-903-140-4508x769.';
    const hits = scan(phone, text);
    expect(hits.map((h) => [covered(text, h), h.validations[0], h.confidence])).toEqual([
      ['+44 20 7946 0958', 'e164', 'low'],
      ['(212) 736-5000', 'nanp', 'low'],
      ['212.736.5000', 'nanp', 'low'],
      ['1-212-736-5000', 'nanp', 'low'],
      ['+1-903-140-4508x769', 'e164', 'low'],
    ]);
    expect(hits.map((h) => h.masked)).toEqual(['+** ** **** **58', '(***) ***-**00', '***.***.**00', '*-***-***-**00', '+*-***-***-****x*69']);
    expect(hits[0]!.value).toBe('+442079460958');
  });

  it('takes other groupings only with a phone word within 30 characters', () => {
    expect(scan(phone, 'Phone: 0490 75 40 81').map((h) => [h.validations[0], h.contextTerms])).toEqual([['context', ['phone']]]);
    expect(scan(phone, 'code 0490 75 40 81')).toEqual([]);
    expect(scan(phone, `tel${' '.repeat(31)}0490 75 40 81`)).toEqual([]);
    expect(scan(phone, 'Fax: 9498777106').map((h) => h.validations[0])).toEqual(['context']);
  });

  it('flags the NANP fictional 555-0100..0199 numbers', () => {
    expect(scan(phone, '(415) 555-0132').map((h) => h.testValue)).toEqual([true]);
    expect(scan(phone, '(415) 555-0232').map((h) => h.testValue)).toEqual([false]);
  });

  it('stays silent on dates, times, IP addresses, versions, card numbers, bare runs and short codes', () => {
    expectSilent(phone, [
      'tel 2024-01-15 10:30', '2015-12-22 04:34:22 phone', 'phone 192.168.100.200', '1.2.3.4567890', '4111 1111 1111 1111',
      '5105105105105100', '2127365000', '(112) 736-5000', '212-136-5000', '+1 234', 'v10.15.7', 'x212-736-5000',
      '123e4567-e89b-12d3-a456-426614174000', '12/25/2024', '1700000000000',
    ]);
  });

  it('never throws, and each hit holds its digit trigger', () => {
    expectWellBehaved(phone, ['+44 20 7946 0958', '(212) 736-5000', 'Phone: ', '0490 75 40 81', '+', '(', ')', ' ', '-', 'x12']);
  });
});
