// IBANs: every registry country's example, compact and printed; length and mod 97 per country; one case; context;
// registry examples flagged as test values; masks keep the country and the last 4.
import { describe, expect, it } from 'vitest';
import table from '../data/iban-countries.json' with { type: 'json' };
import { ibanMod97 } from '../checksum.js';
import { covered, expectSilent, expectWellBehaved, scan } from './detector.case.js';
import { iban } from './iban.js';

const printed = (c: string): string => c.replace(/(.{4})(?=.)/g, '$1 ');

/** An IBAN of a country with its check digits computed (by construction), from a BBAN. */
function make(country: string, bban: string): string {
  for (let k = 2; k <= 98; k++) {
    const cand = `${country}${String(k).padStart(2, '0')}${bban}`;
    if (ibanMod97(cand)) return cand;
  }
  throw new Error('unreachable');
}

describe('IBAN detector', () => {
  it('finds every registry example, compact and printed, as a test value', () => {
    let n = 0;
    for (const [cc, c] of Object.entries(table.countries) as [string, { length: number; example?: string }][]) {
      if (c.example === undefined) continue;
      n++;
      for (const raw of [c.example, printed(c.example)]) {
        const text = `pay to ${raw}.`;
        const hits = scan(iban, text);
        expect(hits.map((h) => [covered(text, h), h.value, h.testValue, h.validations.join(',')])).toEqual([[raw, c.example, true, `mod97,length:${cc}`]]);
      }
    }
    expect(n).toBeGreaterThan(80);
  });

  it('finds a made-up IBAN of a country without a listed example, as not a test value', () => {
    const ru = make('RU', '0445252250000000000000001'.padEnd(29, '7'));
    expect(ru).toHaveLength(33);
    expect(scan(iban, `RU ${ru}`).map((h) => [h.value, h.testValue])).toEqual([[ru, false]]);
  });

  it('masks to the country and the last 4; high with context within 300 characters', () => {
    const gb = make('GB', 'NWBK60161331926800');
    expect(scan(iban, `IBAN: ${printed(gb)}`).map((h) => [h.masked, h.confidence, h.contextTerms])).toEqual([[`GB** **** **** **** **${gb.slice(18, 20)} ${gb.slice(20)}`, 'high', ['iban']]]);
    expect(scan(iban, `x ${gb} y`).map((h) => [h.masked, h.confidence])).toEqual([[`GB${'*'.repeat(16)}${gb.slice(-4)}`, 'medium']]);
    expect(scan(iban, `${gb.toLowerCase()} wire`).map((h) => [h.value, h.confidence])).toEqual([[gb, 'high']]);
  });

  it('stays silent on wrong check digits, wrong lengths, unknown countries, mixed case, longer tokens and odd spacing', () => {
    const de = 'DE89370400440532013000';
    expectSilent(iban, [
      'DE88370400440532013000', `${de}1`, de.slice(0, -1), `XX89370400440532013000`, 'De89370400440532013000',
      `${de}ABC`, `A${de}`, 'DE89 3704 0044 0532 0130 0', 'DE89 37040044 0532 0130 00', 'DE89  3704 0044 0532 0130 00',
      'US89370400440532013000', '123e4567-e89b-12d3-a456-426614174000',
    ]);
  });

  it('never throws, and each hit holds its digit trigger', () => {
    expectWellBehaved(iban, ['GB29 NWBK 6016 1331 9268 19', 'DE89370400440532013000', 'NL91ABNA0417164300', 'GB29', ' NWBK', ' 6016', 'IBAN ']);
  });
});
