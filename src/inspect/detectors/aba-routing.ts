// ABA routing transit numbers (US bank identifiers on checks and ACH transfers): nine digits in a row.
//
// Validity: the 3-7-1 checksum, and the first two digits in a range the Federal Reserve assigns (00-12 banks,
// 21-32 thrifts, 61-72 electronic, 80 traveler's checks). Confidence rule: high with a context word
// ("routing", "aba", "rtn", "ach", ...) within 100 characters; low without one (one 9-digit number in about
// twenty-five passes both checks by chance). A number of one repeated digit is not reported.

import { abaChecksum } from '../checksum.js';
import { ContextTerms } from '../context.js';
import { maskDigitsLast } from '../mask.js';
import { endsToken, regionsNear, startsToken } from '../text.js';
import type { Detector, Hit } from '../types.js';

export const ABA_ROUTING = 'aba_routing';

const CONTEXT = new ContextTerms([
  'routing', 'routing number', 'routing no', 'aba', 'aba#', 'abartn', 'rtn', 'routing transit', 'transit number',
  'ach', 'wire', 'bank', 'checking', 'savings', 'account',
], 100);

const NINE = /\d+/g;

/** The first two digits of a routing number (Federal Reserve routing symbol ranges). */
export function abaPrefixOk(digits: string): boolean {
  const p = Number(digits.slice(0, 2));
  return p <= 12 || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) || p === 80;
}

/** ABA routing numbers (see the file header for the confidence rule). */
export const abaRouting: Detector = {
  name: ABA_ROUTING,
  category: 'financial',
  keywords: [],
  digits: 9,
  detect(text: string): Hit[] {
    const out: Hit[] = [];
    for (const [from, to] of regionsNear(text, 9, 0, 0)) {
      const part = text.slice(from, to);
      NINE.lastIndex = 0;
      for (let m = NINE.exec(part); m !== null; m = NINE.exec(part)) {
        const d = m[0];
        if (d.length !== 9) continue;
        const start = from + m.index;
        const end = start + 9;
        if (!startsToken(text, start) || !endsToken(text, end)) continue;
        if (!abaPrefixOk(d) || !abaChecksum(d) || /^(\d)\1{8}$/.test(d)) continue;
        const terms = CONTEXT.find(text, start, end);
        out.push({
          detector: ABA_ROUTING,
          category: 'financial',
          confidence: terms.length > 0 ? 'high' : 'low',
          offset: start,
          length: 9,
          value: d,
          masked: maskDigitsLast(d, 4),
          validations: ['aba_checksum', 'aba_prefix'],
          contextTerms: terms,
          testValue: false,
        });
      }
    }
    return out;
  },
};
