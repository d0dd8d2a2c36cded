import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DetectContext } from '../types.js';
import { AWS_PAIR_WINDOW, awsKeys } from './aws-keys.js';

const ctx: DetectContext = { appProto: null, isObject: false };
const run = (text: string) => awsKeys.detect(text, ctx);

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const id = fc.tuple(fc.constantFrom('AKIA', 'ASIA', 'ABIA', 'ACCA'), fc.string({ unit: fc.constantFrom(...B32), minLength: 16, maxLength: 16 })).map(([p, s]) => p + s);
const secret = fc
  .string({ unit: fc.constantFrom(...B64), minLength: 40, maxLength: 40 })
  .filter((s) => /[A-Za-z]/.test(s) && /[0-9]/.test(s) && new Set(s).size >= 16);

describe('aws_access_key', () => {
  it('an access key id alone is medium', () => {
    fc.assert(
      fc.property(id, (k) => {
        const text = `config: ${k}\n`;
        const hits = run(text);
        expect(hits.map((h) => [h.value, h.offset, h.confidence, h.testValue])).toEqual([[k, 8, 'medium', false]]);
        expect(hits[0]!.masked).toBe(`${k.slice(0, 4)}${'*'.repeat(12)}${k.slice(16)}`);
      }),
    );
  });

  it('an id with its secret near it is a pair: both high', () => {
    fc.assert(
      fc.property(id, secret, fc.boolean(), (k, s, secretFirst) => {
        const text = secretFirst ? `aws_secret_access_key = ${s}\naws_access_key_id = ${k}\n` : `aws_access_key_id=${k}\naws_secret_access_key=${s}\n`;
        const hits = run(text);
        expect(hits.map((h) => h.value).sort()).toEqual([k, s].sort());
        expect(hits.every((h) => h.confidence === 'high' && h.validations.includes('pair'))).toBe(true);
        expect(hits.find((h) => h.value === s)!.offset).toBe(text.indexOf(s));
        expect(hits[0]!.contextTerms).toContain('aws_access_key_id');
      }),
    );
  });

  it("flags AWS's documented example pair as a test value", () => {
    const hits = run('AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    expect(hits.map((h) => [h.confidence, h.testValue])).toEqual([
      ['high', true],
      ['high', true],
    ]);
  });

  it('stays silent on decoys and does not pair what is far, flat or embedded', () => {
    expect(run('AKIAIOSFODNN7EXAMPL')).toEqual([]); // 19 characters
    expect(run('XAKIAIOSFODNN7EXAMPLE')).toEqual([]); // inside a word
    expect(run('akiaiosfodnn7example')).toEqual([]); // lower case
    expect(run('AKIA0000000000000000')).toEqual([]); // 0 and 1 are not base32
    const k = 'AKIAZ2345QRSTUVWXYZA';
    expect(run(`${k} ${'A'.repeat(40)}`).map((h) => h.confidence)).toEqual(['medium']); // entropy 0
    const s = 'k9Tq2LmZ8xVb4Rn7Yc1Wd6Fg3Hj5Ks0Pa/+eQuIo';
    expect(run(`${k}${' '.repeat(AWS_PAIR_WINDOW + 1)}${s}`).map((h) => h.confidence)).toEqual(['medium']);
    expect(run(`${k} x${s}y1`).map((h) => h.confidence)).toEqual(['medium']); // the 40 are part of a longer run
  });

  it('finds nothing in random base64 and never throws', () => {
    fc.assert(
      fc.property(fc.base64String({ maxLength: 2000 }), (t) => {
        expect(run(t).filter((h) => h.confidence === 'high')).toEqual([]);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(id, secret, fc.string({ maxLength: 20 })), { maxLength: 20 }), (parts) => {
        const text = parts.join(' ');
        for (const h of run(text)) expect(text.slice(h.offset, h.offset + h.length)).toBe(h.value);
      }),
      { numRuns: 300 },
    );
  });
});
