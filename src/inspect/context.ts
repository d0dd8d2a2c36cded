// Context words near a value (DLP's "supporting evidence within N characters"): a detector raises its confidence
// when one of its terms stands within its window of the value.

/**
 * The farthest any detector looks from its value, for context words and token boundaries: the 300 characters
 * issue 17 sets for cards plus the longest term. The stream scanner keeps this much on each side of a value
 * (src/inspect/stream-scan.ts), so a value near a window's edge is judged as it would be in one buffer.
 */
export const MAX_CONTEXT_CHARS = 512;

/** Issue 17: context words within 300 characters of a card number raise its confidence. */
export const CARD_CONTEXT_CHARS = 300;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A compiled list of context terms and the window they are looked for in. */
export class ContextTerms {
  private readonly re: RegExp;
  private readonly longest: number;

  /**
   * @param terms lower-case ASCII words or phrases, matched case-insensitively as whole words (not inside a
   *   longer word: "cc" is not found in "account")
   * @param window the most characters between a term and the value (window + longest term <= MAX_CONTEXT_CHARS)
   */
  constructor(terms: readonly string[], readonly window: number) {
    if (window < 0 || window > MAX_CONTEXT_CHARS) throw new RangeError(`context window ${window} outside 0..${MAX_CONTEXT_CHARS}`);
    const longest = Math.max(0, ...terms.map((t) => t.length));
    this.longest = longest;
    if (window + longest > MAX_CONTEXT_CHARS) throw new RangeError(`context window ${window} + term ${longest} > ${MAX_CONTEXT_CHARS}`);
    const sorted = [...new Set(terms.map((t) => t.toLowerCase()))].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    this.re = new RegExp(`(?<![a-z0-9])(?:${sorted.map(escape).join('|')})(?![a-z0-9])`, 'gi');
  }

  /** Might a term stand near text[start, end)? (any term within the window, the span itself included: a cheap superset) */
  anyNear(text: string, start: number, end: number): boolean {
    const part = text.slice(Math.max(0, start - this.window - this.longest), Math.min(text.length, end + this.window + this.longest));
    this.re.lastIndex = 0;
    return this.re.test(part);
  }

  /**
   * The distinct terms found near text[start, end), lower case, sorted: a term counts when at most `window`
   * characters separate it from the value, on either side.
   */
  find(text: string, start: number, end: number): string[] {
    const from = Math.max(0, start - this.window - this.longest);
    const part = text.slice(from, Math.min(text.length, end + this.window + this.longest));
    const found = new Set<string>();
    this.re.lastIndex = 0;
    for (let m = this.re.exec(part); m !== null; m = this.re.exec(part)) {
      const at = from + m.index;
      const after = at + m[0].length;
      // the value itself is not context, nor is a term that straddles it
      if (at < end && after > start) continue;
      if (after <= start ? start - after > this.window : at - end > this.window) continue;
      found.add(m[0].toLowerCase());
    }
    return found.size === 0 ? [] : [...found].sort();
  }
}
