import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DetectContext } from '../types.js';
import { stripe, STRIPE_MIN_RANDOM } from './stripe.js';

const ctx: DetectContext = { appProto: 'http', isObject: false };
const run = (text: string) => stripe.detect(text, ctx);
const rand = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'), minLength: STRIPE_MIN_RANDOM, maxLength: 99 });

describe('stripe_key', () => {
  it('live secret and restricted keys are high; test keys medium and flagged', () => {
    fc.assert(
      fc.property(fc.constantFrom('sk', 'rk'), fc.constantFrom('live', 'test'), rand, (kind, mode, r) => {
        const key = `${kind}_${mode}_${r}`;
        const text = `Authorization: Bearer ${key}\r\n`;
        const hits = run(text);
        expect(hits.map((h) => [h.offset, h.value, h.confidence, h.testValue])).toEqual([[22, key, mode === 'live' ? 'high' : 'medium', mode === 'test']]);
        expect(hits[0]!.masked.startsWith(`${kind}_${mode}_`)).toBe(true);
        expect(hits[0]!.masked).not.toContain(r.slice(0, r.length - 4));
      }),
    );
  });

  it('stays silent on decoys: short, publishable, inside a word', () => {
    expect(run('sk_live_example')).toEqual([]);
    expect(run('pk_live_51HabcdefghijklmnopqrstuvwxABCD')).toEqual([]);
    expect(run('ask_live_51HabcdefghijklmnopqrstuvwxABCD')).toEqual([]);
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom('sk_live_', 'rk_test_', '_'), rand, fc.string({ maxLength: 8 })), { maxLength: 20 }), (p) => void run(p.join(''))), { numRuns: 300 });
  });
});
