// International Bank Account Numbers (ISO 13616): country code, 2 check digits, the national BBAN; written
// compact ("DE89370400440532013000") or in the print format, groups of four split by single spaces.
//
// Confidence rule: reported only when the country is in the registry (data/iban-countries.json), the length is
// that country's and ISO 7064 MOD 97-10 gives 1; high with a context word ("iban", "account", "transfer",
// "swift", ...) within 300 characters, medium without. The registry's own example of each country is
// flagged testValue.

import table from '../data/iban-countries.json' with { type: 'json' };
import { ibanMod97 } from '../checksum.js';
import { ContextTerms } from '../context.js';
import { maskKeepEnds } from '../mask.js';
import { endsToken, isAlpha, isDigit, maxDigitRun, regionsNear, startsToken } from '../text.js';
import type { Detector, Hit } from '../types.js';

export const IBAN = 'iban';

/** Digit run an IBAN triggers the engine with: every registry format holds 8 digits in a row (spaces allowed). */
const IBAN_DIGITS = 8;
/** The longest IBAN in print format: 34 characters and a space every four. */
const MAX_PRINTED = 34 + 8;

const countries = new Map<string, { readonly length: number; readonly example?: string }>(Object.entries(table.countries));
const examples = new Set([...countries.values()].flatMap((c) => (c.example === undefined ? [] : [c.example])));

const CONTEXT = new ContextTerms([
  'iban', 'bic', 'swift', 'sepa', 'account', 'account number', 'bank account', 'bank', 'transfer', 'wire',
  'beneficiary', 'payee', 'remittance', 'kontonummer', 'konto', 'rib', 'cuenta', 'conto',
], 300);

/** Where an IBAN may start: two letters and two check digits. */
const ANCHOR = /[A-Za-z]{2}\d{2}/g;

const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c);

/**
 * The IBAN starting at `start` (its country and check digits already matched), as [end, compact] or null:
 * exactly the country's length in characters, either with no spaces or with one space before every group of
 * four after the first.
 */
function read(text: string, start: number, length: number): [number, string] | null {
  let compact = text.slice(start, start + 4);
  let i = start + 4;
  const spaced = text.charCodeAt(i) === 0x20;
  while (compact.length < length) {
    if (compact.length % 4 === 0 && spaced) {
      if (text.charCodeAt(i) !== 0x20) return null;
      i++;
    }
    const c = text.charCodeAt(i);
    if (!isAlnum(c)) return null;
    compact += text[i];
    i++;
  }
  return [i, compact.toUpperCase()];
}

/** The IBAN whose country code and check digits (`anchor`) start at `start`, or null. */
function ibanAt(text: string, start: number, anchor: string): Hit | null {
  const country = countries.get(anchor.slice(0, 2).toUpperCase());
  if (country === undefined || !startsToken(text, start)) return null;
  const r = read(text, start, country.length);
  if (r === null) return null;
  const [end, compact] = r;
  const raw = text.slice(start, end);
  // one case throughout: "gb42nawi..." or "GB42NAWI...", not a word that happens to follow a code
  if (raw !== raw.toUpperCase() && raw !== raw.toLowerCase()) return null;
  if (!endsToken(text, end) || !ibanMod97(compact)) return null;
  if (maxDigitRun(text, start, end) < IBAN_DIGITS) return null;
  const terms = CONTEXT.find(text, start, end);
  return {
    detector: IBAN,
    category: 'financial',
    confidence: terms.length > 0 ? 'high' : 'medium',
    offset: start,
    length: end - start,
    value: compact,
    masked: maskKeepEnds(raw.toUpperCase(), 2, 4),
    validations: ['mod97', `length:${compact.slice(0, 2)}`],
    contextTerms: terms,
    testValue: examples.has(compact),
  };
}

/** IBANs (see the file header for the confidence rule). */
export const iban: Detector = {
  name: IBAN,
  category: 'financial',
  keywords: [],
  digits: IBAN_DIGITS,
  detect(text: string): Hit[] {
    const out: Hit[] = [];
    let done = 0;
    // an IBAN holds a run of 8+ digits and starts at most MAX_PRINTED characters before it
    for (const [from, to] of regionsNear(text, IBAN_DIGITS, MAX_PRINTED, 0)) {
      // the anchor's check digits stand before or at the start of the run: it ends inside the region
      const part = text.slice(from, to);
      ANCHOR.lastIndex = Math.max(0, done - from);
      for (let m = ANCHOR.exec(part); m !== null; m = ANCHOR.exec(part)) {
        const start = from + m.index;
        // the next anchor may start inside this one ("XDE89..."): look again from the next character
        ANCHOR.lastIndex = m.index + 1;
        const h = ibanAt(text, start, m[0]);
        if (h === null) continue;
        out.push(h);
        done = start + h.length;
        ANCHOR.lastIndex = done - from;
      }
    }
    return out;
  },
};
