// US SSNs: the SSA's area/group/serial rules, dashed or spaced forms, the bare form only with context,
// confidence from context, published numbers flagged, masks to the last 4.
import { describe, expect, it } from 'vitest';
import { covered, expectSilent, expectWellBehaved, scan } from './detector.case.js';
import { usSsn, validSsn } from './us-ssn.js';

describe('US SSN detector', () => {
  it('dashed or spaced: high with context, medium without; masked to the last 4', () => {
    const text = 'SSN: 536-22-8714 and 536 22 8715.';
    expect(scan(usSsn, text).map((h) => [covered(text, h), h.confidence, h.masked, h.value])).toEqual([
      ['536-22-8714', 'high', '***-**-8714', '536228714'],
      ['536 22 8715', 'high', '*** ** 8715', '536228715'],
    ]);
    expect(scan(usSsn, 'ref 536-22-8714 end').map((h) => [h.confidence, h.contextTerms])).toEqual([['medium', []]]);
  });

  it('nine digits in a row only next to a context word', () => {
    expect(scan(usSsn, 'id 536228714 end')).toEqual([]);
    const hits = scan(usSsn, 'Social Security Number 536228714');
    expect(hits.map((h) => [h.confidence, h.note, h.contextTerms])).toEqual([['medium', 'no separators', ['social security number']]]);
    expect(scan(usSsn, `ssn${' '.repeat(101)}536228714`)).toEqual([]);
  });

  it('applies the SSA rules', () => {
    expect(validSsn('001010001')).toBe(true);
    expect(validSsn('899999999')).toBe(true);
    for (const bad of ['000121234', '666121234', '900121234', '999121234', '123001234', '123450000']) expect(validSsn(bad)).toBe(false);
    expectSilent(usSsn, ['SSN 000-12-3456', 'SSN 666-12-3456', 'SSN 912-34-5678', 'SSN 123-00-4567', 'SSN 123-45-0000']);
  });

  it('flags the numbers the SSA lists as used in advertising or voided', () => {
    for (const n of ['078-05-1120', '219-09-9999', '123-45-6789']) expect(scan(usSsn, `SSN ${n}`).map((h) => h.testValue)).toEqual([true]);
    expect(scan(usSsn, 'SSN 536-22-8714')[0]!.testValue).toBe(false);
  });

  it('stays silent on decoys: phone numbers, ZIP+4, dates, longer dashed codes, card numbers', () => {
    expectSilent(usSsn, [
      '415-555-0132', '(415) 555-0132', '12345-6789', '2024-01-15', '536-22-8714-1', '1-536-22-8714', '536-22-87145',
      '4111 1111 1111 1111', '536228714', 'ID-536-22-8714', '536-22 8714', 'x536-22-8714',
    ]);
  });

  it('never throws, and each hit holds its digit trigger', () => {
    expectWellBehaved(usSsn, ['SSN ', '536-22-8714', '536 22 8714', '536228714', 'social security ', '-', ' ']);
  });
});
