// What must never reach a terminal raw, checked character by character (independent of the escaper it tests).

/** C0 controls but the line feed, DEL, C1, bidi embeddings/overrides U+202A-U+202E and isolates U+2066-U+2069. */
function isRawControl(c: number): boolean {
  return (c < 0x20 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/** null, or the first raw control character with its position and surroundings (for a readable failure). */
export function firstRawControl(s: string): string | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isRawControl(c)) return `U+${c.toString(16).padStart(4, '0')} at ${i}: ${JSON.stringify(s.slice(Math.max(0, i - 20), i + 20))}`;
  }
  return null;
}
