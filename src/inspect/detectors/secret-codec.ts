// Small pure codecs the secret detectors share: base64 (standard and url alphabets), CRC32, base62 and Shannon
// entropy. No Buffer, no atob: L3 runs without Node's globals.

const B64_STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function table(alphabet: string): Int8Array {
  const t = new Int8Array(256).fill(-1);
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
}
const STD = table(B64_STD);
const URL = table(B64_URL);

/**
 * Decodes base64 (`url`: the base64url alphabet). Padding is optional but must be right when present; ASCII
 * whitespace is skipped when `skipSpace`. Returns null on any other character or an impossible length.
 */
export function decodeBase64(s: string, url = false, skipSpace = false): Uint8Array | null {
  const t = url ? URL : STD;
  const out = new Uint8Array(Math.floor((s.length * 3) / 4) + 3);
  let n = 0;
  let acc = 0;
  let bits = 0;
  let chars = 0;
  let pad = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (skipSpace && (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d)) continue;
    if (c === 0x3d) {
      pad++;
      continue;
    }
    if (pad > 0 || c > 0xff) return null;
    const v = t[c]!;
    if (v < 0) return null;
    chars++;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  const rem = chars % 4;
  if (rem === 1) return null;
  if (pad > 0 && (pad > 2 || (chars + pad) % 4 !== 0)) return null;
  return out.subarray(0, n);
}

/** The bytes as a string of one character per byte. */
export function bytesToLatin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 8192)));
  return s;
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, the zlib one) of a string's character codes (each taken as one byte). */
export function crc32(s: string): number {
  if (crcTable === null) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < s.length; i++) crc = crcTable[(crc ^ s.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `n` (an unsigned integer) in base62, digits 0-9A-Za-z, left-padded with '0' to `width`. */
export function base62(n: number, width: number): string {
  let s = '';
  while (n > 0) {
    s = BASE62[n % 62]! + s;
    n = Math.floor(n / 62);
  }
  return s.padStart(width, '0');
}

/** Shannon entropy in bits per character of `s` (0 for the empty string), as gitleaks computes it. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const k of counts.values()) {
    const p = k / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Parses `s` as JSON and returns it when it is an object (not an array), else null. Never throws. */
export function jsonObject(s: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
