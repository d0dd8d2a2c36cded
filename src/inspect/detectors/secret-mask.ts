// Masks for secrets: a short known prefix and the last 4 at most, never more than a quarter of the value each.

/** stars shown for a long value: enough to read as masked, short enough for a table cell */
export const MASK_MAX_STARS = 24;
/** below this length no trailing characters are kept (4 of 11 would be too much of a short secret) */
const MASK_TAIL_MIN_LENGTH = 12;

/**
 * `value` masked for display. `prefix` is how many leading characters are a public marker of the format
 * ("ghp_", "AKIA", "sk_live_"): they are kept when they are at most a quarter of the value; the last 4
 * characters are kept when the value is at least 12 long (and 4 is at most a quarter of it). Stars stand for the
 * rest, at most MASK_MAX_STARS of them.
 */
export function maskSecret(value: string, prefix = 0): string {
  const n = value.length;
  const quarter = Math.floor(n / 4);
  const head = Math.min(prefix, quarter);
  const tail = n >= MASK_TAIL_MIN_LENGTH ? Math.min(4, quarter) : 0;
  const stars = Math.max(1, Math.min(MASK_MAX_STARS, n - head - tail));
  return value.slice(0, head) + '*'.repeat(stars) + value.slice(n - tail);
}

/**
 * The text within `window` characters either side of [start, end), the value itself left out (a context word
 * must not be found inside the secret): where context words are looked for.
 */
export function around(text: string, start: number, end: number, window: number): string {
  return `${text.slice(Math.max(0, start - window), start)}\n${text.slice(end, Math.min(text.length, end + window))}`;
}

/** Which of `terms` (lower case) occur in `s`, case-insensitively (ASCII). */
export function termsIn(s: string, terms: readonly string[]): string[] {
  const lower = s.toLowerCase();
  return terms.filter((t) => lower.includes(t));
}
