// Bytes <-> strings of one character per byte (ISO-8859-1 proper). TextDecoder's "latin1" differs between
// Node versions: Node 20 decodes ISO-8859-1, Node 24 the WHATWG windows-1252 (0x80 -> U+20AC, 0x9F ->
// U+0178, ...), so a pcre /\x80/, a quoted-printable body or a byte-exact HTTP buffer built from its output
// would depend on the Node that runs Haystack.

const win1252 = new TextDecoder('latin1');

/** Does b[start, end) hold a byte that windows-1252 maps to another code point (0x80-0x9F)? */
function hasC1(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((b[i]! & 0xe0) === 0x80) return true;
  return false;
}

/** The bytes as a string, character code = byte value. */
export function latin1(b: Uint8Array, start = 0, end = b.length): string {
  if (end > b.length) end = b.length;
  // outside 0x80-0x9F both decoders agree, and the native one is much faster
  if (!hasC1(b, start, end)) return win1252.decode(start === 0 && end === b.length ? b : b.subarray(start, end));
  let s = '';
  for (let i = start; i < end; i += 8192) {
    s += String.fromCharCode.apply(null, b.subarray(i, Math.min(end, i + 8192)) as unknown as number[]);
  }
  return s;
}

/** A string of character codes <= 0xFF back to its bytes (higher codes keep their low byte). */
export function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
