// JSON Web Tokens (JWS compact form: header.payload.signature, each base64url) whose header decodes to a JSON
// object with an "alg".
//
// Confidence: high when the header (with "alg") and the payload both decode to JSON objects; medium when only
// the header does (a JWE's second part is an encrypted key, and some JWS payloads are not JSON). A header that
// does not decode, or has no "alg", is not reported. The note gives alg and typ, and says "unsigned" for
// alg none. The jwt.io example token (sub 1234567890, name John Doe) is flagged testValue.
import type { Detector, Hit } from '../types.js';
import { bytesToLatin1, decodeBase64, jsonObject } from './secret-codec.js';
import { maskSecret } from './secret-mask.js';

/** a compact JWS over this length is not looked at (a JWT in a header or cookie is a few KiB at most) */
export const JWT_MAX_LENGTH = 16 * 1024;

// eyJ is base64url of '{"': every JSON header that starts with a member begins so
const TOKEN = /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,})\.([A-Za-z0-9_-]{2,})\.([A-Za-z0-9_-]*)(?:\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+))?(?![A-Za-z0-9_-])/g;

function decodePart(s: string): Record<string, unknown> | null {
  const b = decodeBase64(s, true);
  if (b === null) return null;
  // JSON in a JWT is UTF-8; the ASCII members we read decode the same from latin1
  return jsonObject(bytesToLatin1(b));
}

function detect(text: string): Hit[] {
  const hits: Hit[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    if (m[0].length > JWT_MAX_LENGTH) continue;
    const header = decodePart(m[1]!);
    if (header === null || typeof header.alg !== 'string') continue;
    const alg = header.alg;
    const jwe = m[4] !== undefined || typeof header.enc === 'string';
    const payload = jwe ? null : decodePart(m[2]!);
    const parts = [`alg ${alg.slice(0, 32)}`];
    if (typeof header.typ === 'string') parts.push(`typ ${header.typ.slice(0, 32)}`);
    if (jwe) parts.push('JWE');
    if (alg.toLowerCase() === 'none') parts.push('unsigned');
    else if (!jwe && m[3] === '') parts.push('no signature');
    const validations = ['base64url', 'header-json'];
    if (payload !== null) validations.push('payload-json');
    hits.push({
      detector: 'jwt',
      category: 'secret',
      confidence: payload !== null ? 'high' : 'medium',
      offset: m.index,
      length: m[0].length,
      value: m[0],
      masked: maskSecret(m[0], 3),
      validations,
      contextTerms: [],
      testValue: payload !== null && payload.sub === '1234567890' && payload.name === 'John Doe',
      note: parts.join(', '),
    });
  }
  return hits;
}

/** JSON Web Tokens with their header decoded (see the header for the confidence rule). */
export const jwt: Detector = {
  name: 'jwt',
  category: 'secret',
  keywords: ['eyJ'],
  detect,
};
