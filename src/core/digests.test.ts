// MD5 and SHA-256 of the pure layers against node:crypto on every length across block borders.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { md5 } from './md5.js';
import { sha256 } from './sha256.js';
import { hex } from './sha1.js';

describe('md5 / sha256', () => {
  it('match node:crypto for lengths 0..300', () => {
    for (let n = 0; n <= 300; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n * 7) & 255);
      expect(hex(md5(b)), `md5 ${n}`).toBe(createHash('md5').update(b).digest('hex'));
      expect(hex(sha256(b)), `sha256 ${n}`).toBe(createHash('sha256').update(b).digest('hex'));
    }
  });
});
