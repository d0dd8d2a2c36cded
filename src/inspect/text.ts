// Character tests and token boundaries the content detectors share (text is one character per byte, latin1()).

export const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
export const isAlpha = (c: number): boolean => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
/** ASCII letter, digit or underscore: a character that makes a value part of a longer word or identifier */
export const isWord = (c: number): boolean => isDigit(c) || isAlpha(c) || c === 0x5f;

/**
 * Separators that keep a run of digits going for the engine's digit trigger (src/inspect/engine.ts): a single
 * space, dash or dot between two digits ("4111 1111", "123-45-6789", "555.123.4567").
 */
export const isRunSeparator = (c: number): boolean => c === 0x20 || c === 0x2d || c === 0x2e;

/**
 * The longest run of ASCII digits in text[start, end), a single run separator between two digits continuing
 * it: the engine's digit trigger counted the same way. A detector with `digits` reports only values whose own
 * run reaches it, so that whatever else a buffer holds, a value is found exactly when its bytes are scanned.
 */
export function maxDigitRun(text: string, start: number, end: number): number {
  let best = 0;
  let run = 0;
  let sep = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) {
      run++;
      sep = false;
      if (run > best) best = run;
    } else if (run > 0 && !sep && isRunSeparator(c)) {
      sep = true;
    } else {
      run = 0;
      sep = false;
    }
  }
  return best;
}

/**
 * Can a value start at `start`? Not when the character before it is a word character, nor when it is a dash
 * or dot joined to a word character before it ("ID-4111...", "3.4111...": the value is part of a longer token).
 */
export function startsToken(text: string, start: number): boolean {
  if (start === 0) return true;
  const c = text.charCodeAt(start - 1);
  if (isWord(c)) return false;
  if ((c === 0x2d || c === 0x2e) && start >= 2 && isWord(text.charCodeAt(start - 2))) return false;
  return true;
}

/** Can a value end at `end` (exclusive)? The mirror of startsToken ("4111...1111.5", "...-01" continue it). */
export function endsToken(text: string, end: number): boolean {
  if (end >= text.length) return true;
  const c = text.charCodeAt(end);
  if (isWord(c)) return false;
  if ((c === 0x2d || c === 0x2e) && end + 1 < text.length && isWord(text.charCodeAt(end + 1))) return false;
  return true;
}

/** The ASCII digits of s, in order. */
export function digitsOf(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) if (isDigit(s.charCodeAt(i))) out += s[i];
  return out;
}

/** Runs of digits as the engine counts them: [start, end) and the digits in it. */
export interface DigitRun {
  readonly start: number;
  readonly end: number;
  readonly digits: number;
}

/** Digits joined by single spaces, dashes or dots: one engine digit run (maximal). */
const RUN = /\d(?:[ .-]?\d)*/g;

/** Runs recorded by digitRuns(): no detector here triggers on fewer digits (the phone detector's 6). */
export const MIN_RECORDED_RUN = 6;

let memoText: string | null = null;
let memoRuns: readonly DigitRun[] = [];

/**
 * Every digit run of `text`, in order. The digit-triggered detectors look only near runs long enough for them
 * (a value holds a run of at least the detector's `digits`), instead of each scanning the whole text; the runs
 * of the last text asked for are kept, so the detectors the engine runs on one buffer share one pass.
 */
export function digitRuns(text: string): readonly DigitRun[] {
  if (text !== memoText) {
    memoRuns = computeDigitRuns(text);
    memoText = text;
  }
  return memoRuns;
}

/** The digit runs of `text` with at least MIN_RECORDED_RUN digits, found afresh. */
export function computeDigitRuns(text: string): DigitRun[] {
  const runs: DigitRun[] = [];
  RUN.lastIndex = 0;
  for (let m = RUN.exec(text); m !== null; m = RUN.exec(text)) {
    const s = m[0];
    if (s.length < MIN_RECORDED_RUN) continue;
    let digits = 0;
    for (let i = 0; i < s.length; i++) if (isDigit(s.charCodeAt(i))) digits++;
    if (digits >= MIN_RECORDED_RUN) runs.push({ start: m.index, end: m.index + s.length, digits });
  }
  return runs;
}

/** The engine found these runs while prefiltering `text`'s bytes: digitRuns(text) returns them. */
export function setDigitRuns(text: string, runs: readonly DigitRun[]): void {
  memoText = text;
  memoRuns = runs;
}

/**
 * The stretches of text a digit-triggered detector reads: around each run of at least `minDigits` digits
 * (minDigits >= MIN_RECORDED_RUN), `before` characters before it and `after` after, overlapping stretches merged.
 */
export function regionsNear(text: string, minDigits: number, before: number, after: number): [number, number][] {
  const out: [number, number][] = [];
  for (const r of digitRuns(text)) {
    if (r.digits < minDigits) continue;
    const from = Math.max(0, r.start - before);
    const to = Math.min(text.length, r.end + after);
    const last = out[out.length - 1];
    if (last !== undefined && from <= last[1]) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}
