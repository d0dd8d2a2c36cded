// SHA-1 (FIPS 180-4) and base64 (RFC 4648) for the pure layers, which have no node:crypto.
// Used per session (Community ID), never per packet.
import { padMessage } from './md-padding.js';

/** message schedule, reused: sha1 is called once per session */
const W = new Int32Array(80);

/** padded-message scratch for short inputs (Community ID tuples are at most 40 bytes) */
const SCRATCH = new Uint8Array(128);

export function sha1(data: Uint8Array): Uint8Array {
  sha1Words(padMessage(data, false, SCRATCH));
  const out = new Uint8Array(20);
  for (let i = 0; i < 5; i++) {
    const h = H[i]!;
    out[i * 4] = h >>> 24;
    out[i * 4 + 1] = (h >>> 16) & 255;
    out[i * 4 + 2] = (h >>> 8) & 255;
    out[i * 4 + 3] = h & 255;
  }
  return out;
}

/** The five digest words of the last sha1Words call. */
const H = new Int32Array(5);

/**
 * The SHA-1 digest of a short message (at most SHORT_MAX bytes: data[0, len)) as the 28 character codes of
 * its base64 text, written to out[at, at + 28), with nothing allocated: for a Community ID per session (the
 * caller makes one flat string of the codes).
 */
export function sha1Base64Short(data: Uint8Array, len: number, out: Uint8Array, at: number): void {
  const size = ((len + 9 + 63) >> 6) << 6;
  const m = SCRATCH;
  m.fill(0, 0, size);
  for (let i = 0; i < len; i++) m[i] = data[i]!;
  m[len] = 0x80;
  // the bit length in the last 32 bits (short messages: the high word is zero)
  SCRATCH_VIEW.setUint32(size - 4, len * 8, false);
  sha1Words(SCRATCH_VIEW, size);
  const d = DIGEST;
  for (let i = 0; i < 5; i++) {
    const h = H[i]!;
    d[i * 4] = h >>> 24;
    d[i * 4 + 1] = (h >>> 16) & 255;
    d[i * 4 + 2] = (h >>> 8) & 255;
    d[i * 4 + 3] = h & 255;
  }
  let o = at;
  for (let i = 0; i < 18; i += 3) {
    const n = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
    out[o++] = B64_CODES[n >>> 18]!;
    out[o++] = B64_CODES[(n >>> 12) & 63]!;
    out[o++] = B64_CODES[(n >>> 6) & 63]!;
    out[o++] = B64_CODES[n & 63]!;
  }
  const n = (d[18]! << 16) | (d[19]! << 8);
  out[o++] = B64_CODES[n >>> 18]!;
  out[o++] = B64_CODES[(n >>> 12) & 63]!;
  out[o++] = B64_CODES[(n >>> 6) & 63]!;
  out[o] = 61;
}

/** Longest message sha1Base64Short takes: its padding must fit SCRATCH. */
export const SHORT_MAX = 119;
const SCRATCH_VIEW = new DataView(SCRATCH.buffer);
const DIGEST = new Uint8Array(20);

/** Runs the compression over the padded message's blocks (dv[0, withPad) or all of dv) into H. */
function sha1Words(dv: DataView, withPad = dv.byteLength): void {
  let h0 = 0x67452301;
  let h1 = 0xefcdab89;
  let h2 = 0x98badcfe;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0;
  const w = W;
  for (let blk = 0; blk < withPad; blk += 64) {
    for (let i = 0; i < 16; i++) w[i] = dv.getInt32(blk + i * 4, false);
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  H[0] = h0;
  H[1] = h1;
  H[2] = h2;
  H[3] = h3;
  H[4] = h4;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_CODES = Uint8Array.from(B64, (ch) => ch.charCodeAt(0));

export function base64(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64[n >>> 18]! + B64[(n >>> 12) & 63]! + B64[(n >>> 6) & 63]! + B64[n & 63]!;
  }
  const rest = b.length - i;
  if (rest === 1) {
    const n = b[i]! << 16;
    s += `${B64[n >>> 18]!}${B64[(n >>> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8);
    s += `${B64[n >>> 18]!}${B64[(n >>> 12) & 63]!}${B64[(n >>> 6) & 63]!}=`;
  }
  return s;
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
