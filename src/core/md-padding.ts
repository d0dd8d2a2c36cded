// Merkle-Damgard message padding shared by MD5, SHA-1 and SHA-256 (RFC 1321 §3.1-3.2, FIPS 180-4 §5.1.1):
// the message, a 1 bit, zeros to 56 mod 64 bytes, then the bit length in 64 bits.

/**
 * The padded message as a DataView over whole 64-byte blocks.
 * @param littleEndian MD5 writes the length little-endian, the SHA family big-endian
 * @param scratch reused for short messages when given (its contents are overwritten)
 */
export function padMessage(data: Uint8Array, littleEndian: boolean, scratch?: Uint8Array): DataView {
  const ml = data.length;
  const size = ((ml + 9 + 63) >> 6) << 6;
  const m = scratch !== undefined && size <= scratch.length ? scratch.subarray(0, size) : new Uint8Array(size);
  m.fill(0);
  m.set(data);
  m[ml] = 0x80;
  const dv = new DataView(m.buffer, m.byteOffset, size);
  const lo = (ml * 8) >>> 0;
  const hi = Math.floor((ml * 8) / 4294967296);
  dv.setUint32(size - 8, littleEndian ? lo : hi, littleEndian);
  dv.setUint32(size - 4, littleEndian ? hi : lo, littleEndian);
  return dv;
}
