// SHA-1 and base64 of the pure layers against node:crypto and Buffer on every length across block borders.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64, hex, sha1, sha1Base64Short, SHORT_MAX } from './sha1.js';

describe('sha1 / base64', () => {
  it('matches node:crypto and Buffer for lengths 0..300', () => {
    for (let n = 0; n <= 300; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 255);
      expect(hex(sha1(b)), `length ${n}`).toBe(createHash('sha1').update(b).digest('hex'));
      expect(base64(b)).toBe(Buffer.from(b).toString('base64'));
    }
  });

  it('FIPS 180 example "abc"', () => {
    expect(hex(sha1(new TextEncoder().encode('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('sha1Base64Short writes node:crypto\'s base64 digest for every short length, wherever asked', () => {
    const out = new Uint8Array(40);
    for (let n = 0; n <= SHORT_MAX; n++) {
      const b = Uint8Array.from({ length: n + 3 }, (_, i) => (i * 57 + n) & 255);
      out.fill(0);
      sha1Base64Short(b, n, out, 5);
      const want = createHash('sha1').update(b.subarray(0, n)).digest('base64');
      expect(String.fromCharCode(...out.subarray(5, 33)), `length ${n}`).toBe(want);
      expect([...out.subarray(0, 5), ...out.subarray(33)].every((x) => x === 0)).toBe(true);
    }
  });
});
