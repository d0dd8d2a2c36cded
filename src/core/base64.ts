// Base64 (RFC 4648 §4) text to bytes, strict: the alphabet, padding only at the end; anything else is null.

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 text to bytes, or null when it is not base64. */
export function base64Bytes(s: string): Uint8Array | null {
  const t = s.trim();
  if (!B64.test(t) || t.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((t.replace(/=+$/, '').length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < t.length && t[i] !== '='; i++) {
    acc = ((acc << 6) | ALPHABET.indexOf(t[i]!)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}
