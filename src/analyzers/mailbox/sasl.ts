// SASL responses as POP3 (RFC 5034), IMAP (RFC 9051 §6.2.2) and SMTP carry them: base64 lines. Only the
// authentication identity is ever taken out (PLAIN's authcid, LOGIN's first response); the password part of
// a response is decoded into nothing that outlives the call.

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

const utf8 = new TextDecoder('utf-8');

/**
 * The user a SASL response names: PLAIN's authcid (else authzid) from `authzid\0authcid\0password`, LOGIN's
 * first response. null for other mechanisms and steps, or when the response is not what the mechanism sends.
 */
export function saslUser(mechanism: string, step: number, response: string): string | null {
  const b = base64Bytes(response);
  if (b === null) return null;
  if (mechanism === 'PLAIN' && step === 0) {
    const first = b.indexOf(0);
    const second = first < 0 ? -1 : b.indexOf(0, first + 1);
    if (second < 0) return null;
    const authcid = utf8.decode(b.subarray(first + 1, second));
    return authcid !== '' ? authcid : utf8.decode(b.subarray(0, first));
  }
  if (mechanism === 'LOGIN' && step === 0) return utf8.decode(b);
  return null;
}
