// Magnetic-stripe track 1 and 2: sentinels, Luhn, expiry month, service code; masks never show the name or
// more of the PAN than a card mask.
import { describe, expect, it } from 'vitest';
import { covered, expectSilent, expectWellBehaved, scan } from './detector.case.js';
import { trackData } from './track-data.js';

const T1 = '%B4111111111111111^DOE/JOHN Q^25121010000000000000?';
const T2 = ';4111111111111111=25121010000000000000?';

describe('track data detector', () => {
  it('finds track 1 and track 2 with their sentinels: high', () => {
    const text = `swipe ${T1}${T2} done`;
    const hits = scan(trackData, text);
    expect(hits.map((h) => [covered(text, h), h.confidence, h.note, h.masked])).toEqual([
      [T1, 'high', 'track 1', '%B4111********1111^***^****'],
      [T2, 'high', 'track 2', ';4111********1111=****'],
    ]);
    expect(hits[0]!.validations).toEqual(['luhn', 'expiry', 'service_code', 'iin:visa', 'sentinel']);
    expect(hits.every((h) => h.testValue)).toBe(true);
    expect(hits.every((h) => !h.masked.includes('DOE'))).toBe(true);
  });

  it('without sentinels, or with a PAN outside the issuer ranges: medium', () => {
    expect(scan(trackData, 'B4111111111111111^DOE/JOHN^2512101?').map((h) => h.confidence)).toEqual(['medium']);
    expect(scan(trackData, 'x 4111111111111111=2512101000 y').map((h) => h.confidence)).toEqual(['medium']);
    // 9999 9999 9999 9995 passes Luhn but no network issues it
    expect(scan(trackData, ';9999999999999995=2512101?').map((h) => [h.confidence, h.validations.includes('sentinel')])).toEqual([['medium', true]]);
  });

  it('stays silent on a Luhn failure, a month out of range, a missing service code, a PAN glued to a word', () => {
    expectSilent(trackData, [
      ';4111111111111112=25121010000?', '%B4111111111111112^DOE/JOHN^2512101?',
      ';4111111111111111=25131010000?', '%B4111111111111111^DOE/JOHN^2500101?',
      ';4111111111111111=2512?', 'abc4111111111111111=2512101000', 'AB4111111111111111^DOE/JOHN^2512101?',
      '4111111111111111=2512101000000000000000000000000', 'key=4111111111111111', '4111111111111111^name',
    ]);
  });

  it('never throws, and each hit holds its digit trigger', () => {
    expectWellBehaved(trackData, [T1, T2, '%B', ';', '4111111111111111', '=2512101', '^DOE/JOHN^', '?']);
  });
});
