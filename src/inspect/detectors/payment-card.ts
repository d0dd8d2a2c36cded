// Payment card numbers (PANs): 13-19 digits written whole or grouped by one kind of separator.
//
// Confidence rule: a number is reported only when it passes Luhn and an issuer's IIN range and length
// (data/card-issuers.json); then high when a card context word ("card", "visa", "cvv", "expiry", ...) stands
// within 300 characters (CARD_CONTEXT_CHARS), medium otherwise. Shape alone is never reported (about one random
// digit string in thirty passes both checks, so "low" would be noise). Published test numbers are flagged
// testValue. Grouping: none, or all spaces, or all dashes, in the shapes cards are printed in (groups of 4 with
// a shorter last group; 4-6-5 for Amex; 4-6-4 for 14-digit Diners).

import { issuerOf, isTestCard } from '../card-issuers.js';
import { luhn } from '../checksum.js';
import { CARD_CONTEXT_CHARS, ContextTerms } from '../context.js';
import { maskCard } from '../mask.js';
import { endsToken, regionsNear, startsToken } from '../text.js';
import type { Detector, Hit } from '../types.js';

export const PAYMENT_CARD = 'payment_card';

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;

const CONTEXT = new ContextTerms([
  'card', 'cards', 'card number', 'card no', 'credit', 'debit', 'cc', 'ccn', 'cc#', 'pan', 'visa', 'mastercard',
  'master card', 'amex', 'american express', 'discover', 'jcb', 'diners', 'unionpay', 'union pay', 'maestro',
  'cvv', 'cvv2', 'cvc', 'cvc2', 'cid', 'expiry', 'expires', 'expiration', 'exp', 'exp date', 'valid thru',
  'cardholder', 'card holder', 'payment', 'billing', 'atm',
], CARD_CONTEXT_CHARS);

/** A maximal sequence of digit groups joined by single spaces or dashes. */
const SEQUENCE = /\d+(?:[ -]\d+)*/g;

/** Is this the way cards are printed? lens: the digit groups' lengths, in order. */
function printedShape(lens: readonly number[]): boolean {
  if (lens.length === 1) return true;
  const key = lens.join('-');
  if (key === '4-6-5' || key === '4-6-4') return true;
  for (let i = 0; i < lens.length - 1; i++) if (lens[i] !== 4) return false;
  const last = lens[lens.length - 1]!;
  return last >= 1 && last <= 4;
}

interface Group {
  readonly start: number;
  readonly end: number;
}

/**
 * The card numbers in one digit sequence: for each start group, the longest valid run of groups from it,
 * reported unless a run from an earlier group contains it. The choice looks at most 19 groups back, never at
 * how the sequence was cut before that, so a number is judged the same in any window that holds it whole.
 */
function cardsIn(text: string, seq: string, at: number, out: Hit[]): void {
  const groups: Group[] = [];
  const seps: number[] = []; // seps[k]: the separator after groups[k]
  let g0 = 0;
  for (let i = 0; i <= seq.length; i++) {
    const c = i < seq.length ? seq.charCodeAt(i) : 0;
    if (c === 0x20 || c === 0x2d || i === seq.length) {
      groups.push({ start: at + g0, end: at + i });
      if (i < seq.length) seps.push(c);
      g0 = i + 1;
    }
  }
  const best: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    best.push(-1);
    let digits = 0;
    const lens: number[] = [];
    for (let j = i; j < groups.length; j++) {
      const len = groups[j]!.end - groups[j]!.start;
      digits += len;
      lens.push(len);
      if (digits > MAX_DIGITS) break;
      if (j > i && seps[j - 1] !== seps[i]) break; // one kind of separator within a number
      if (digits >= MIN_DIGITS && printedShape(lens) && isCard(text, groups, seps, i, j)) best[i] = j;
    }
    if (best[i]! < 0) continue;
    let inside = false;
    for (let k = Math.max(0, i - MAX_DIGITS); k < i && !inside; k++) inside = best[k]! >= best[i]!;
    if (!inside) out.push(hitFor(text, groups[i]!.start, groups[best[i]!]!.end));
  }
}

/** groups[i..j] as one number: free at both ends (a space may part it from the next number, a dash may not), Luhn, IIN. */
function isCard(text: string, groups: readonly Group[], seps: readonly number[], i: number, j: number): boolean {
  const start = groups[i]!.start;
  const end = groups[j]!.end;
  if (i === 0 ? !startsToken(text, start) : seps[i - 1] !== 0x20) return false;
  if (j === groups.length - 1 ? !endsToken(text, end) : seps[j] !== 0x20) return false;
  let digits = '';
  for (let k = i; k <= j; k++) digits += text.slice(groups[k]!.start, groups[k]!.end);
  return luhn(digits) && issuerOf(digits) !== null;
}

function hitFor(text: string, start: number, end: number): Hit {
  const raw = text.slice(start, end);
  const digits = raw.replace(/[ -]/g, '');
  const terms = CONTEXT.find(text, start, end);
  return {
    detector: PAYMENT_CARD,
    category: 'financial',
    confidence: terms.length > 0 ? 'high' : 'medium',
    offset: start,
    length: end - start,
    value: digits,
    masked: maskCard(raw),
    validations: ['luhn', `iin:${issuerOf(digits)!}`],
    contextTerms: terms,
    testValue: isTestCard(digits),
  };
}

/** Payment card numbers (see the file header for the confidence rule). */
export const paymentCard: Detector = {
  name: PAYMENT_CARD,
  category: 'financial',
  keywords: [],
  // the engine's digit run counts single spaces and dashes between digits, so a grouped number triggers too
  digits: MIN_DIGITS,
  detect(text: string): Hit[] {
    const out: Hit[] = [];
    // a number is one sequence inside one engine digit run (whose separators include these)
    for (const [from, to] of regionsNear(text, MIN_DIGITS, 0, 0)) {
      const part = text.slice(from, to);
      SEQUENCE.lastIndex = 0;
      for (let m = SEQUENCE.exec(part); m !== null; m = SEQUENCE.exec(part)) {
        const seq = m[0];
        // fewer than 13 characters hold fewer than 13 digits
        if (seq.length >= MIN_DIGITS) cardsIn(text, seq, from + m.index, out);
      }
    }
    return out;
  },
};
