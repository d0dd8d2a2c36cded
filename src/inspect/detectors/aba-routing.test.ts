// ABA routing numbers: 3-7-1 checksum, Federal Reserve prefixes, high only with context.
import { describe, expect, it } from 'vitest';
import { abaChecksum } from '../checksum.js';
import { abaPrefixOk, abaRouting } from './aba-routing.js';
import { expectSilent, expectWellBehaved, scan } from './detector.case.js';

/** A routing number with a prefix, by construction: the last digit that makes the checksum hold. */
function make(first8: string): string {
  for (let d = 0; d <= 9; d++) if (abaChecksum(first8 + d)) return first8 + d;
  throw new Error('unreachable');
}

describe('ABA routing detector', () => {
  it('high with a context word, low without; masked to the last 4', () => {
    expect(scan(abaRouting, 'Routing number: 021000021').map((h) => [h.confidence, h.masked, h.contextTerms])).toEqual([['high', '*****0021', ['routing number']]]);
    expect(scan(abaRouting, 'ref 121000248 x').map((h) => [h.confidence, h.value])).toEqual([['low', '121000248']]);
  });

  it('takes the Federal Reserve prefixes only', () => {
    for (const p of ['00', '12', '21', '32', '61', '72', '80']) expect(abaPrefixOk(`${p}0000000`)).toBe(true);
    for (const p of ['13', '20', '33', '60', '73', '79', '81', '99']) {
      expect(abaPrefixOk(`${p}0000000`)).toBe(false);
      expect(scan(abaRouting, `ABA ${make(`${p}100001`)}`)).toEqual([]);
    }
  });

  it('stays silent on checksum failures, repeated digits and longer numbers', () => {
    expectSilent(abaRouting, ['ABA 021000022', 'ABA 000000000', 'ABA 0210000210', 'ABA 1021000021', 'ABA 021-000-021', 'ABA x021000021', 'ABA 0210000.21']);
  });

  it('never throws, and each hit holds its digit trigger', () => {
    expectWellBehaved(abaRouting, ['021000021', '011000015', 'routing ', '0210', '00021']);
  });
});
