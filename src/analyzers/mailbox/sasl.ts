// SASL responses as POP3 (RFC 5034), IMAP (RFC 9051 §6.2.2) and SMTP carry them: base64 lines. Only the
// authentication identity is ever taken out (PLAIN's authcid, LOGIN's first response); the password part of
// a response is decoded into nothing that outlives the call.

import { base64Bytes } from '../../core/base64.js';

export { base64Bytes };

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
