// The one escaper of human-readable output: text from captures, logs, rules or arguments never reaches a
// terminal as control characters (ESC sequences, OSC titles, carriage returns, bidi overrides).

/**
 * What a terminal would act on or reorder: C0 controls, DEL, C1 controls (0x9b is a one-byte CSI), the bidi
 * embeddings and overrides U+202A-U+202E and the isolates U+2066-U+2069 (they make text read in another order
 * than it is stored: "Trojan Source").
 */
// eslint-disable-next-line no-control-regex -- finding control characters is what this module is for
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** The same without the line feed, for blocks of lines. */
// eslint-disable-next-line no-control-regex -- as above
const UNSAFE_IN_LINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** Whether a string has any of them (no /g: test() on a global pattern keeps state). */
// eslint-disable-next-line no-control-regex -- as above
const HAS_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/**
 * One value on one line (a table cell, a subject, a file name): every control character escaped, line breaks
 * included (`\x1b`, `\r`, `\n`, `\u202e`). Backslashes are left as they are: this is for reading, the exact
 * value is in jsonl.
 */
export function escapeControls(s: string): string {
  return HAS_UNSAFE.test(s) ? s.replace(UNSAFE, escapeOne) : s;
}

/** A block of lines (a MIME skeleton, a report, a message): as escapeControls, but line feeds stay. */
export function escapeText(s: string): string {
  return HAS_UNSAFE.test(s) ? s.replace(UNSAFE_IN_LINES, escapeOne) : s;
}

/** Whether escapeControls would change the string (CSV quotes such a field). */
export function hasControls(s: string): boolean {
  return HAS_UNSAFE.test(s);
}
