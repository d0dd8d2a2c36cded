// Masks for display: a detected value with all but a few characters at its ends replaced by '*', separators
// kept where they stood ("4111 **** **** 1111", "***-**-6789", "GB** **** **** **** **68 19").

import { isAlpha, isDigit } from './text.js';

const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c);

/**
 * `raw` with every significant character (alphanumeric unless told) replaced by '*' except the first
 * `keepStart` and the last `keepEnd` of them; other characters (spaces, dashes, parentheses) stay. At least
 * half of the significant characters are always hidden: the ends kept shrink (the start first) when the value
 * is too short for them.
 */
export function maskKeepEnds(raw: string, keepStart: number, keepEnd: number, significant: (c: number) => boolean = isAlnum): string {
  const n = count(raw, significant);
  const maxShown = Math.floor(n / 2);
  const end = Math.max(0, Math.min(keepEnd, maxShown));
  const start = Math.max(0, Math.min(keepStart, maxShown - end));
  return shown(raw, start, n - end, significant);
}

function count(raw: string, significant: (c: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) if (significant(raw.charCodeAt(i))) n++;
  return n;
}

/** raw with the significant characters numbered [start, end) replaced by '*'. */
function shown(raw: string, start: number, end: number, significant: (c: number) => boolean): string {
  let k = 0;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (!significant(c)) {
      out += raw[i];
      continue;
    }
    out += k < start || k >= end ? raw[i] : '*';
    k++;
  }
  return out;
}

/**
 * A card number as written, its first 4 and last 4 digits shown and the separators' grouping kept:
 * "4111 1111 1111 1111" -> "4111 **** **** 1111", "4111111111111111" -> "4111********1111" (PCI DSS allows
 * at most the first 6 and last 4).
 */
export function maskCard(raw: string): string {
  const n = count(raw, isDigit);
  // a card has 13-19 digits: 4 + 4 shown leave at least 5 hidden; anything shorter falls back to half hidden
  return n >= 13 ? shown(raw, 4, n - 4, isDigit) : maskKeepEnds(raw, 4, 4, isDigit);
}

/** Digits only, the last `keep` shown: SSNs ("***-**-6789"), routing numbers, phone numbers. */
export function maskDigitsLast(raw: string, keep: number): string {
  return maskKeepEnds(raw, 0, keep, isDigit);
}
