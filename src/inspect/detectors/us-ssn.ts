// US Social Security numbers: AAA-GG-SSSS (or spaced), and the bare 9-digit form next to a context word.
//
// Validity (SSA, since the 2011 randomization): area 001-899 except 666, group 01-99, serial 0001-9999.
// Confidence rule: dashed or spaced with a context word ("ssn", "social security", ...) within 100
// characters: high; dashed or spaced without one: medium; 9 digits in a row: reported only with a context
// word, medium (a bare 9-digit number is any identifier). Numbers the SSA says were used in advertising or
// voided after misuse (078-05-1120, 219-09-9999) and the textbook 123-45-6789 are flagged testValue.

import { ContextTerms } from '../context.js';
import { maskDigitsLast } from '../mask.js';
import { endsToken, regionsNear, startsToken } from '../text.js';
import type { Detector, Hit } from '../types.js';

export const US_SSN = 'us_ssn';

/** Context words are looked for this far from the number: the label of a form field or a sentence around it. */
export const SSN_CONTEXT_CHARS = 100;

const CONTEXT = new ContextTerms([
  'ssn', 'ssns', 'ssn#', 'ss#', 'ss #', 'social security', 'social security number', 'social security no',
  'social sec', 'soc sec', 'soc. sec', 'ssa', 'taxpayer id', 'tax id', 'tin',
], SSN_CONTEXT_CHARS);

/** The dashed or spaced form (one kind of separator), or nine digits in a row. */
const SSN = /(\d{3})([- ])(\d{2})\2(\d{4})|\d{9}/g;

const PUBLISHED = new Set(['078051120', '219099999', '123456789']);

/** SSA rules: area 001-899 except 666, group not 00, serial not 0000. */
export function validSsn(digits: string): boolean {
  const area = Number(digits.slice(0, 3));
  const group = Number(digits.slice(3, 5));
  const serial = Number(digits.slice(5, 9));
  return area >= 1 && area <= 899 && area !== 666 && group >= 1 && serial >= 1;
}

/** US Social Security numbers (see the file header for the confidence rule). */
export const usSsn: Detector = {
  name: US_SSN,
  category: 'pii',
  keywords: [],
  digits: 9,
  detect(text: string): Hit[] {
    const out: Hit[] = [];
    for (const [from, to] of regionsNear(text, 9, 0, 0)) {
      const part = text.slice(from, to);
      SSN.lastIndex = 0;
      for (let m = SSN.exec(part); m !== null; m = SSN.exec(part)) {
        const start = from + m.index;
        const end = start + m[0].length;
        if (!startsToken(text, start) || !endsToken(text, end)) continue;
        // a dashed number continued by another dash group ("123-45-6789-0") or spaced inside a longer digit row
        if (m[2] !== undefined && end + 1 < text.length && text.charCodeAt(end) === m[2].charCodeAt(0) && /\d/.test(text[end + 1]!)) continue;
        if (m[2] !== undefined && start >= 2 && text.charCodeAt(start - 1) === m[2].charCodeAt(0) && /\d/.test(text[start - 2]!)) continue;
        const digits = m[2] !== undefined ? m[1]! + m[3]! + m[4]! : m[0];
        if (!validSsn(digits)) continue;
        const terms = CONTEXT.find(text, start, end);
        const dashed = m[2] !== undefined;
        if (!dashed && terms.length === 0) continue;
        const h: Hit = {
          detector: US_SSN,
          category: 'pii',
          confidence: dashed && terms.length > 0 ? 'high' : 'medium',
          offset: start,
          length: end - start,
          value: digits,
          masked: maskDigitsLast(m[0], 4),
          validations: ['ssa_ranges'],
          contextTerms: terms,
          testValue: PUBLISHED.has(digits),
        };
        out.push(dashed ? h : { ...h, note: 'no separators' });
      }
    }
    return out;
  },
};
