// QUIC Initial protection primitives from node:crypto (HKDF-SHA256, AES-128-ECB, AES-128-GCM).
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import type { QuicCrypto } from '../analyzers/quic/quic-initial.js';

export const nodeQuicCrypto: QuicCrypto = {
  hkdfExtract: (salt, ikm) => createHmac('sha256', salt).update(ikm).digest(),
  hkdfExpand: (prk, info, length) => {
    // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) | info | i)
    const out = new Uint8Array(length);
    let t = new Uint8Array(0);
    for (let i = 1, done = 0; done < length; i++) {
      t = createHmac('sha256', prk).update(t).update(info).update(Uint8Array.of(i)).digest();
      out.set(t.subarray(0, Math.min(t.length, length - done)), done);
      done += t.length;
    }
    return out;
  },
  aesEcb: (key, block) => {
    const c = createCipheriv('aes-128-ecb', key, null);
    c.setAutoPadding(false);
    return c.update(block);
  },
  aesGcmOpen: (key, iv, aad, data) => {
    if (data.length < 16) return null;
    const d = createDecipheriv('aes-128-gcm', key, iv);
    d.setAAD(aad);
    d.setAuthTag(data.subarray(data.length - 16));
    try {
      const a = d.update(data.subarray(0, data.length - 16));
      const b = d.final();
      return b.length === 0 ? a : Buffer.concat([a, b]);
    } catch {
      return null; // not an Initial for these keys, or damaged
    }
  },
};
