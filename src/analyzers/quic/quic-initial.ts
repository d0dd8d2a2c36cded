// QUIC Initial packets (RFC 9000 §17.2.2, RFC 9001 §5, RFC 9369 for v2): remove header protection, decrypt
// with the Initial secrets derived from the client's first Destination Connection ID, and collect CRYPTO
// frames into the TLS handshake stream (a ClientHello may span several packets, frames in any order).
// Pure: the cryptographic primitives are handed in.

export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;

/** The primitives Initial protection needs (node:crypto at the edge). */
export interface QuicCrypto {
  hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** AES-128-ECB of one 16-byte block (header protection mask) */
  aesEcb(key: Uint8Array, block: Uint8Array): Uint8Array;
  /** AES-128-GCM open; null when authentication fails */
  aesGcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
}

const SALT_V1 = hexBytes('38762cf7f55934b34d179ae6a4c80cadccbb7f0a');
const SALT_V2 = hexBytes('0dede3def700a6db819381be6e269dcbf9bd2ed9');
const enc = new TextEncoder();

function hexBytes(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export interface InitialKeys {
  key: Uint8Array;
  iv: Uint8Array;
  hp: Uint8Array;
}

/** HKDF-Expand-Label (RFC 8446 §7.1) with an empty context. */
function expandLabel(c: QuicCrypto, secret: Uint8Array, label: string, length: number): Uint8Array {
  const full = enc.encode(`tls13 ${label}`);
  const info = new Uint8Array(2 + 1 + full.length + 1);
  info[0] = length >> 8;
  info[1] = length & 255;
  info[2] = full.length;
  info.set(full, 3);
  return c.hkdfExpand(secret, info, length);
}

/** Client and server Initial keys for a version and the client's original Destination Connection ID. */
export function initialKeys(c: QuicCrypto, version: number, dcid: Uint8Array): { client: InitialKeys; server: InitialKeys } | null {
  if (version !== QUIC_V1 && version !== QUIC_V2) return null;
  const v2 = version === QUIC_V2;
  const initial = c.hkdfExtract(v2 ? SALT_V2 : SALT_V1, dcid);
  const keys = (label: string): InitialKeys => {
    const secret = expandLabel(c, initial, label, 32);
    return {
      key: expandLabel(c, secret, v2 ? 'quicv2 key' : 'quic key', 16),
      iv: expandLabel(c, secret, v2 ? 'quicv2 iv' : 'quic iv', 12),
      hp: expandLabel(c, secret, v2 ? 'quicv2 hp' : 'quic hp', 16),
    };
  };
  return { client: keys('client in'), server: keys('server in') };
}

/** A variable-length integer (RFC 9000 §16) at p; [value, next position] or null past end. */
export function varint(b: Uint8Array, p: number, end: number): [number, number] | null {
  if (p >= end) return null;
  const len = 1 << (b[p]! >> 6);
  if (p + len > end) return null;
  let v = b[p]! & 0x3f;
  for (let i = 1; i < len; i++) v = v * 256 + b[p + i]!;
  return [v, p + len];
}

export interface LongHeader {
  version: number;
  /** packet type: 0 Initial, 1 0-RTT, 2 Handshake, 3 Retry (v1 numbering, v2 mapped onto it) */
  type: number;
  dcid: Uint8Array;
  scid: Uint8Array;
  /** offset of the (protected) packet number */
  pnOffset: number;
  /** end of this packet within the datagram (Length field) */
  end: number;
}

/** Parses a long header at p; null for anything else (short header, unknown version, malformed). */
export function longHeader(b: Uint8Array, p: number, end: number): LongHeader | null {
  if (end - p < 7 || (b[p]! & 0xc0) !== 0xc0) return null;
  const version = ((b[p + 1]! << 24) | (b[p + 2]! << 16) | (b[p + 3]! << 8) | b[p + 4]!) >>> 0;
  if (version !== QUIC_V1 && version !== QUIC_V2) return null;
  const raw = (b[p]! >> 4) & 3;
  // v2 (RFC 9369 §3.2) renumbers: Initial 1, 0-RTT 2, Handshake 3, Retry 0
  const type = version === QUIC_V2 ? (raw + 3) & 3 : raw;
  let q = p + 5;
  const dl = b[q++]!;
  if (dl > 20 || q + dl + 1 > end) return null;
  const dcid = b.slice(q, q + dl);
  q += dl;
  const sl = b[q++]!;
  if (sl > 20 || q + sl > end) return null;
  const scid = b.slice(q, q + sl);
  q += sl;
  if (type === 3) return { version, type, dcid, scid, pnOffset: q, end };
  if (type === 0) {
    const tok = varint(b, q, end);
    if (tok === null) return null;
    q = tok[1] + tok[0];
  }
  const len = varint(b, q, end);
  if (len === null || len[1] + len[0] > end) return null;
  return { version, type, dcid, scid, pnOffset: len[1], end: len[1] + len[0] };
}

/**
 * Removes header protection and decrypts one Initial packet; returns its plaintext frames or null.
 * @param b the datagram (not modified; the header is unprotected in a copy)
 */
export function openInitial(c: QuicCrypto, keys: InitialKeys, b: Uint8Array, start: number, h: LongHeader): Uint8Array | null {
  const sampleAt = h.pnOffset + 4;
  if (sampleAt + 16 > h.end) return null;
  const mask = c.aesEcb(keys.hp, b.subarray(sampleAt, sampleAt + 16));
  const first = b[start]! ^ (mask[0]! & 0x0f);
  const pnLen = (first & 3) + 1;
  const header = b.slice(start, h.pnOffset + pnLen);
  header[0] = first;
  let pn = 0;
  for (let i = 0; i < pnLen; i++) {
    const x = b[h.pnOffset + i]! ^ mask[1 + i]!;
    header[h.pnOffset - start + i] = x;
    pn = pn * 256 + x;
  }
  const nonce = keys.iv.slice();
  for (let i = 0; i < 8; i++) nonce[11 - i]! ^= Math.floor(pn / 2 ** (8 * i)) & 255;
  return c.aesGcmOpen(keys.key, nonce, header, b.subarray(h.pnOffset + pnLen, h.end));
}

/**
 * Limits on one direction's CRYPTO stream: a ClientHello, post-quantum key shares included, is a few KB; and
 * the pieces it may come in (Chrome splits a hello into a handful of frames).
 */
export const MAX_CRYPTO_BYTES = 16 * 1024;
export const MAX_CRYPTO_RANGES = 64;

/** Reassembles CRYPTO frame data by offset (frames come split and out of order, Chrome shuffles them). */
export class CryptoStream {
  private buf = new Uint8Array(0);
  /** received ranges, sorted and disjoint, as [start, end) pairs */
  private ranges: number[] = [];

  /** Adds the CRYPTO frames of a decrypted payload; false when the frames are malformed or too scattered. */
  addFrames(p: Uint8Array): boolean {
    let q = 0;
    while (q < p.length) {
      const t = p[q]!;
      if (t === 0x00 || t === 0x01) {
        q++; // PADDING, PING
      } else if (t === 0x02 || t === 0x03) {
        // ACK (RFC 9000 §19.3): largest, delay, range count, first range, (gap, length) * count, [3 ECN counts]
        let pos = q + 1;
        let count = 0;
        for (let i = 0; i < 4; i++) {
          const r = varint(p, pos, p.length);
          if (r === null) return false;
          if (i === 2) count = r[0];
          pos = r[1];
        }
        for (let i = 0; i < count * 2 + (t === 0x03 ? 3 : 0); i++) {
          const r = varint(p, pos, p.length);
          if (r === null) return false;
          pos = r[1];
        }
        q = pos;
      } else if (t === 0x06) {
        const off = varint(p, q + 1, p.length);
        const len = off === null ? null : varint(p, off[1], p.length);
        if (off === null || len === null || len[1] + len[0] > p.length) return false;
        if (!this.add(off[0], p.subarray(len[1], len[1] + len[0]))) return false;
        q = len[1] + len[0];
      } else if (t === 0x1c || t === 0x1d) {
        return true; // CONNECTION_CLOSE: nothing more of interest
      } else {
        return false; // not allowed in Initial packets (RFC 9000 §12.4)
      }
    }
    return true;
  }

  /** Contiguous bytes from offset 0. */
  contiguous(): Uint8Array {
    return this.ranges.length > 0 && this.ranges[0] === 0 ? this.buf.subarray(0, this.ranges[1]) : new Uint8Array(0);
  }

  private add(off: number, data: Uint8Array): boolean {
    const end = off + data.length;
    if (data.length === 0) return true;
    if (end > MAX_CRYPTO_BYTES) return false;
    if (end > this.buf.length) {
      const next = new Uint8Array(Math.min(MAX_CRYPTO_BYTES, Math.max(end, this.buf.length * 2, 2048)));
      next.set(this.buf);
      this.buf = next;
    }
    this.buf.set(data, off);
    // insert [off, end) into the sorted ranges, merging with the neighbours it touches
    const r = this.ranges;
    let i = 0;
    while (i < r.length && r[i + 1]! < off) i += 2;
    let j = i;
    let s = off;
    let e = end;
    while (j < r.length && r[j]! <= e) {
      s = Math.min(s, r[j]!);
      e = Math.max(e, r[j + 1]!);
      j += 2;
    }
    r.splice(i, j - i, s, e);
    return r.length <= 2 * MAX_CRYPTO_RANGES;
  }
}
