// Telephone numbers: international (+CC ...), North American (NANP) and other grouped numbers next to a word
// such as "phone", "tel", "mobile" or "fax".
//
// Confidence rule: every hit is low. A phone number in a signature or a contact page is normal traffic; many
// distinct numbers in one scope are the finding, which the aggregator decides (BULK_DISTINCT in
// src/inspect/aggregate.ts). Reported shapes: '+' then 8-15 digits (E.164's maximum); a NANP number
// ((NXX) NXX-XXXX, NXX-NXX-XXXX, NXX.NXX.XXXX, optionally after 1 or 001) with N = 2-9 and separators; any
// other number of 7-15 digits in at least two groups, or ten digits in a row that make a NANP number, only with
// a phone word within 30 characters. A bare run of digits is never a phone number alone, nor is a date, a time
// or an IPv4 address.
// The NANP fictional range 555-0100..0199 is flagged testValue.

import { ContextTerms } from '../context.js';
import { maskDigitsLast } from '../mask.js';
import { isDigit, isWord, maxDigitRun, regionsNear } from '../text.js';
import type { Detector, Hit } from '../types.js';

export const PHONE = 'phone';

/** Digit run a reported number must hold (the engine triggers this detector on it). */
const PHONE_DIGITS = 6;
/** ITU-T E.164: at most 15 digits including the country code. */
const MAX_DIGITS = 15;
const MIN_DIGITS = 7;
/** Characters before its longest digit run a number may start at ("+358 (0)9 ", "001-(12) "). */
const MAX_PREFIX = 24;
/** Characters an extension adds after the number (" ext. 12345"). */
const MAX_EXTENSION = 12;

const CONTEXT = new ContextTerms([
  'phone', 'phones', 'telephone', 'tel', 'tel.', 'mobile', 'mob', 'cell', 'cellphone', 'fax', 'call', 'call me',
  'desk', 'office', 'home', 'work', 'contact', 'sms', 'text', 'whatsapp', 'dial', 'ph', 'mobile phone',
  'telefon', 'telefono', 'registered', 'answering', 'message', 'messages', 'voicemail', 'reach', 'reach me',
], 30);

/** Three, three and four digits split by one kind of separator: a NANP number written without parentheses. */
const NANP_SHAPE = /\d{3}([-. ])\d{3}\1\d{4}/;

/** A candidate: '+', '(' or a digit where a number may start (not inside a word), then digits, groups and separators. */
const CANDIDATE = /(?<![\w+])\+?\(?\d[\d ().-]{5,30}\d(?:(?: ?(?:x|ext\.?) ?)\d{1,5})?/g;

interface Parsed {
  readonly end: number;
  readonly groups: readonly string[];
  readonly plus: boolean;
  /** characters between groups, e.g. ["-", "-"] or [") ", "-"] */
  readonly seps: readonly string[];
  readonly ext: boolean;
}

/** Groups of digits split by one separator (space, dash, dot) or parentheses around a group; null if malformed. */
function parse(text: string, start: number, limit: number): Parsed | null {
  let i = start;
  const plus = text.charCodeAt(i) === 0x2b;
  if (plus) i++;
  const groups: string[] = [];
  const seps: string[] = [];
  let sep = '';
  let digits = 0;
  for (;;) {
    let paren = false;
    if (text.charCodeAt(i) === 0x28) {
      paren = true;
      sep += '(';
      i++;
    }
    const g0 = i;
    while (i < limit && isDigit(text.charCodeAt(i))) i++;
    if (i === g0) return null;
    if (groups.length > 0) seps.push(sep);
    groups.push(text.slice(g0, i));
    digits += i - g0;
    if (digits > MAX_DIGITS) return null;
    sep = '';
    if (paren) {
      if (text.charCodeAt(i) !== 0x29) return null;
      sep = ')';
      i++;
    }
    const c = text.charCodeAt(i);
    if (i < limit && (c === 0x20 || c === 0x2d || c === 0x2e) && sep.length < 2) {
      const n = text.charCodeAt(i + 1);
      if (isDigit(n) || n === 0x28) {
        sep += text[i];
        i++;
        continue;
      }
    }
    if (sep === ')' && i < limit && (isDigit(c) || c === 0x28)) continue;
    if (sep !== '' && sep !== ')') return null;
    break;
  }
  if (sep === ')') {
    // "(0)" closing the number is not a number
    return null;
  }
  // an extension: x123, ext 123, ext. 123
  let ext = false;
  const m = /^ ?(?:x|ext\.?) ?\d{1,5}/.exec(text.slice(i, Math.min(limit, i + 12)));
  if (m !== null) {
    i += m[0].length;
    ext = true;
  }
  return { end: i, groups, plus, seps, ext };
}

/** A North American number: [1|001] NXX NXX XXXX with separators between the three parts. */
function nanp(p: Parsed): boolean {
  let g = p.groups;
  let s = p.seps;
  if (g.length === 4 && (g[0] === '1' || g[0] === '001')) {
    g = g.slice(1);
    s = s.slice(1);
  }
  if (g.length !== 3 || g[0]!.length !== 3 || g[1]!.length !== 3 || g[2]!.length !== 4) return false;
  if (g[0]![0]! < '2' || g[1]![0]! < '2') return false;
  // "(NXX) NXX-XXXX", "(NXX)NXX-XXXX" or one separator kind throughout
  if (s[0] === ') ' || s[0] === ')') return s[1] === '-' || s[1] === ' ' || s[1] === '.';
  return s[0] === s[1] && s[0]!.length === 1;
}

/** A date ("2015-12-22", "2015/12/22", "2015.12.22") at the start of the groups: not a phone number. */
function dated(p: Parsed): boolean {
  const [y, m, d] = p.groups;
  if (p.plus || y === undefined || m === undefined || d === undefined || y.length !== 4 || m.length !== 2 || d.length !== 2) return false;
  if (p.seps[0] !== p.seps[1] || !['-', '/', '.'].includes(p.seps[0]!)) return false;
  return Number(m) >= 1 && Number(m) <= 12 && Number(d) >= 1 && Number(d) <= 31;
}

/** An IPv4 address ("192.168.100.200"): four dotted groups of at most 255. */
function dottedQuad(p: Parsed): boolean {
  return p.groups.length === 4 && p.seps.every((s) => s === '.') && p.groups.every((g) => g.length <= 3 && Number(g) <= 255);
}

/** Ten digits in a row that make a NANP number (NXX NXX XXXX), optionally after a 1. */
function nanpRun(p: Parsed): boolean {
  if (p.groups.length !== 1) return false;
  let g = p.groups[0]!;
  if (g.length === 11 && g[0] === '1') g = g.slice(1);
  return g.length === 10 && g[0]! >= '2' && g[3]! >= '2';
}

/** Telephone numbers (see the file header for the confidence rule). */
export const phone: Detector = {
  name: PHONE,
  category: 'pii',
  keywords: [],
  digits: PHONE_DIGITS,
  detect(text: string): Hit[] {
    const out: Hit[] = [];
    let done = 0;
    // a number holds a run of 6+ digits; '+', a country code and "(0)" may stand before it
    for (const [from, to] of regionsNear(text, PHONE_DIGITS, MAX_PREFIX, MAX_EXTENSION)) {
      const part = text.slice(from, to);
      // without '+' or '(' only a NANP "NXX-NXX-XXXX" or a number next to a phone word can be reported here
      if (!part.includes('+') && !part.includes('(') && !NANP_SHAPE.test(part) && !CONTEXT.anyNear(text, from, to)) continue;
      CANDIDATE.lastIndex = Math.max(0, done - from);
      for (let m = CANDIDATE.exec(part); m !== null; m = CANDIDATE.exec(part)) {
        const start = from + m.index;
        const limit = start + m[0].length;
        // every start is tried (a rejected candidate may hold a number one group later), so what is found does not
        // depend on where an earlier candidate happened to end
        CANDIDATE.lastIndex = m.index + 1;
        const before = start > 0 ? text.charCodeAt(start - 1) : 0x20;
        // inside a longer token: a word, a decimal or a dashed/dotted code before the number
        if (isWord(before) || before === 0x2b || ((before === 0x2d || before === 0x2e || before === 0x2f) && start >= 2 && isWord(text.charCodeAt(start - 2)))) continue;
        const p = parse(text, start, limit);
        if (p === null) continue;
        const end = p.end;
        const after = end < text.length ? text.charCodeAt(end) : 0x20;
        // glued to a longer token, or a time ("04:34:22") or a fraction after it
        if (isWord(after) || ((after === 0x2d || after === 0x2e || after === 0x2f || after === 0x3a) && end + 1 < text.length && isDigit(text.charCodeAt(end + 1)))) continue;
        if (dated(p) || dottedQuad(p)) continue;
        const digits = p.groups.join('');
        if (digits.length < MIN_DIGITS) continue;
        if (maxDigitRun(text, start, end) < PHONE_DIGITS) continue;
        let kind: string | null = null;
        if (p.plus && digits.length >= 8) kind = 'e164';
        else if (nanp(p)) kind = 'nanp';
        else if (p.groups.length < 2 && !nanpRun(p)) continue;
        const terms = CONTEXT.find(text, start, end);
        if (kind === null) {
          if (terms.length === 0) continue;
          kind = 'context';
        }
        const raw = text.slice(start, end);
        const core = kind === 'nanp' ? digits.slice(-10) : digits;
        out.push({
          detector: PHONE,
          category: 'pii',
          confidence: 'low',
          offset: start,
          length: end - start,
          value: p.plus ? `+${digits}` : digits,
          masked: maskDigitsLast(raw, 2),
          validations: [kind],
          contextTerms: terms,
          testValue: kind === 'nanp' && core.slice(3, 6) === '555' && Number(core.slice(6)) >= 100 && Number(core.slice(6)) <= 199,
        });
        done = end;
        CANDIDATE.lastIndex = end - from;
      }
    }
    return out;
  },
};
