import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DetectContext } from '../types.js';
import { gcp } from './gcp.js';

const ctx: DetectContext = { appProto: 'http', isObject: true };
const run = (text: string) => gcp.detect(text, ctx);
const tail = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'), minLength: 35, maxLength: 35 });

describe('gcp_credential', () => {
  it('API keys: medium alone, high with a context word', () => {
    fc.assert(
      fc.property(tail, (t) => {
        const k = `AIza${t}`;
        expect(run(`value ${k} end`).map((h) => [h.offset, h.value, h.confidence])).toEqual([[6, k, 'medium']]);
        const hits = run(`GET /maps/api/geocode/json?address=x&key=${k} HTTP/1.1\r\nHost: maps.googleapis.com`);
        expect(hits.map((h) => h.confidence)).toEqual(['high']);
        expect(hits[0]!.contextTerms).toContain('key=');
      }),
    );
  });

  it('a service-account key file: high, with the project in the note', () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const file = JSON.stringify(
      {
        type: 'service_account',
        project_id: 'demo-project-123',
        private_key_id: 'a'.repeat(40),
        private_key: pem,
        client_email: 'svc@demo-project-123.iam.gserviceaccount.com',
      },
      null,
      2,
    );
    const hits = run(file);
    expect(hits.map((h) => [h.confidence, h.note])).toEqual([['high', 'service account key, project demo-project-123']]);
    const h = hits[0]!;
    // the hit covers the JSON string value of private_key
    expect(JSON.parse(`"${file.slice(h.offset, h.offset + h.length)}"`)).toBe(pem);
    expect(h.value).toBe(pem.replace(/-----[A-Z ]+-----|\n/g, ''));
  });

  it('stays silent on decoys', () => {
    expect(run('AIza' + 'x'.repeat(34))).toEqual([]);
    expect(run('AIza' + 'x'.repeat(36))).toEqual([]);
    expect(run('{"type": "service_account", "project_id": "p"}')).toEqual([]);
  });

  it('never throws', () => {
    const piece = fc.oneof(fc.constantFrom('AIza', '"type": "service_account"', '"private_key": "', '-----BEGIN PRIVATE KEY-----', '\\n', '"'), tail, fc.string({ maxLength: 10 }));
    fc.assert(fc.property(fc.array(piece, { maxLength: 20 }), (p) => void run(p.join(''))), { numRuns: 300 });
  });
});
