import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DetectContext } from '../types.js';
import { jwt } from './jwt.js';

const ctx: DetectContext = { appProto: 'http', isObject: false };
const run = (text: string) => jwt.detect(text, ctx);
const b64u = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

function token(header: object, payload: object | string, key = 'k'): string {
  const h = b64u(JSON.stringify(header));
  const p = b64u(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const alg = (header as { alg?: string }).alg;
  const sig = alg === 'none' ? '' : createHmac('sha256', key).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${sig}`;
}

describe('jwt', () => {
  it('decodes the header: high with a JSON payload, note gives alg and typ', () => {
    fc.assert(
      fc.property(fc.constantFrom('HS256', 'RS256', 'ES384', 'EdDSA'), fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 5 }), (alg, claims) => {
        const t = token({ alg, typ: 'JWT' }, claims);
        const text = `Authorization: Bearer ${t}\r\n`;
        const hits = run(text);
        expect(hits.map((h) => [h.offset, h.value, h.confidence, h.note])).toEqual([[22, t, 'high', `alg ${alg}, typ JWT`]]);
        expect(hits[0]!.masked.startsWith('eyJ')).toBe(true);
        expect(hits[0]!.masked).not.toContain(t.split('.')[1]!);
      }),
    );
  });

  it('notes an unsigned token (alg none)', () => {
    const t = token({ alg: 'none' }, { sub: 'x' });
    expect(run(`cookie=${t};`).map((h) => h.note)).toEqual(['alg none, unsigned']);
  });

  it('is medium when the payload is not JSON, and for a JWE', () => {
    expect(run(token({ alg: 'HS256' }, 'not json at all')).map((h) => h.confidence)).toEqual(['medium']);
    const jwe = [b64u(JSON.stringify({ alg: 'RSA-OAEP', enc: 'A256GCM' })), b64u(randomBytes(256)), b64u(randomBytes(12)), b64u(randomBytes(80)), b64u(randomBytes(16))].join('.');
    expect(run(jwe).map((h) => [h.confidence, h.note])).toEqual([['medium', 'alg RSA-OAEP, JWE']]);
  });

  it("flags jwt.io's example token as a test value", () => {
    const t = token({ alg: 'HS256', typ: 'JWT' }, { sub: '1234567890', name: 'John Doe', iat: 1516239022 });
    expect(run(t).map((h) => h.testValue)).toEqual([true]);
  });

  it('stays silent on decoys: no alg, header not JSON, one part, random base64url', () => {
    expect(run(token({ typ: 'JWT' }, { a: 1 }))).toEqual([]);
    expect(run(`eyJ${b64u('garbage').slice(0, 10)}.eyJhIjoxfQ.abc`)).toEqual([]);
    expect(run(b64u(JSON.stringify({ alg: 'HS256' })))).toEqual([]);
    fc.assert(
      fc.property(fc.array(fc.base64String({ minLength: 8, maxLength: 60 }), { minLength: 3, maxLength: 3 }), (parts) => {
        expect(run('eyJ' + parts.map((p) => p.replace(/[+/=]/g, '')).join('.'))).toEqual([]);
      }),
    );
  });

  it('never throws', () => {
    const piece = fc.oneof(fc.constantFrom('eyJ', '.', 'eyJhbGciOiJub25lIn0', '-', '_'), fc.base64String({ maxLength: 40 }), fc.string({ maxLength: 10 }));
    fc.assert(fc.property(fc.array(piece, { maxLength: 30 }), (parts) => void run(parts.join(''))), { numRuns: 500 });
  });
});
