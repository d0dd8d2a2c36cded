// Finding rows per detector per distinct value: counts, max confidence, unions, first occurrence; capped with a
// fold of the rest; e-mail and phone only in bulk; the same rows whatever else is in the scope.
import { describe, expect, it } from 'vitest';
import { aggregate, BULK_DISTINCT, MAX_VALUES_PER_DETECTOR } from './aggregate.js';
import type { ExcerptedHit } from './excerpt.js';
import type { Confidence } from './types.js';

let at = 0;
function h(detector: string, value: string, confidence: Confidence = 'medium', extra: Partial<ExcerptedHit> = {}): ExcerptedHit {
  at += 10;
  return { detector, category: detector === 'email' || detector === 'phone' ? 'pii' : 'financial', confidence, offset: at, length: 5, value, masked: `m(${value.length})`, validations: ['luhn'], contextTerms: [], testValue: false, excerpt: `e@${at}`, ...extra };
}

describe('aggregate', () => {
  it('one row per detector per value: counts, distinct, max confidence, unions, first occurrence', () => {
    at = 0;
    const hits = [
      h('payment_card', 'A', 'medium', { validations: ['luhn', 'iin:visa'] }),
      h('payment_card', 'B', 'medium'),
      h('payment_card', 'A', 'high', { contextTerms: ['card'], validations: ['luhn', 'expiry'] }),
      h('us_ssn', 'S', 'medium', { note: 'no separators', testValue: true }),
      h('payment_card', 'A', 'low', { contextTerms: ['cvv'] }),
    ];
    const rows = aggregate(hits);
    expect(rows.map((r) => [r.detector, r.value, r.count, r.distinct_count, r.confidence, r.offset])).toEqual([
      ['payment_card', 'A', 3, 2, 'high', 10],
      ['payment_card', 'B', 1, 2, 'medium', 20],
      ['us_ssn', 'S', 1, 1, 'medium', 40],
    ]);
    const a = rows[0]!;
    expect(a.validations).toEqual(['luhn', 'iin:visa', 'expiry']);
    expect(a.context_terms).toEqual(['card', 'cvv']);
    expect(a.excerpt_redacted).toBe('e@10');
    expect(a.masked).toBe('m(1)');
    expect(a.folded_values).toBe(0);
    expect(rows[2]!.note).toBe('no separators');
    expect(rows[2]!.test_value).toBe(true);
  });

  it(`keeps ${MAX_VALUES_PER_DETECTOR} values per detector, highest confidence first, and folds the rest into one row without a value`, () => {
    at = 0;
    const hits = Array.from({ length: MAX_VALUES_PER_DETECTOR + 30 }, (_, i) => h('payment_card', `v${i}`, i === MAX_VALUES_PER_DETECTOR + 20 ? 'high' : 'medium'));
    hits.push(h('payment_card', 'v0'));
    const rows = aggregate(hits);
    expect(rows).toHaveLength(MAX_VALUES_PER_DETECTOR + 1);
    const kept = rows.filter((r) => r.value !== null);
    expect(kept.map((r) => r.value)).toContain(`v${MAX_VALUES_PER_DETECTOR + 20}`);
    const fold = rows.find((r) => r.value === null)!;
    expect(fold.masked).toBeNull();
    expect(fold.folded_values).toBe(30);
    expect(fold.count).toBe(30);
    expect(fold.distinct_count).toBe(MAX_VALUES_PER_DETECTOR + 30);
    expect(fold.note).toBe('30 more distinct values');
    for (const r of rows) expect(r.distinct_count).toBe(MAX_VALUES_PER_DETECTOR + 30);
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(hits.length);
  });

  it(`reports e-mail and phone only with ${BULK_DISTINCT} distinct values in the scope, in one row without a value`, () => {
    at = 0;
    const few = Array.from({ length: BULK_DISTINCT - 1 }, (_, i) => h('email', `u${i}@x.com`, 'low'));
    expect(aggregate([...few, ...few])).toEqual([]);
    const many = [...few, h('email', 'last@x.com', 'low'), h('email', 'u0@x.com', 'low'), h('phone', '+15550100', 'low')];
    const rows = aggregate(many);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ detector: 'email', value: null, masked: null, count: BULK_DISTINCT + 1, distinct_count: BULK_DISTINCT, folded_values: BULK_DISTINCT, offset: 10 });
  });

  it('orders rows by first offset, then detector', () => {
    at = 0;
    const rows = aggregate([h('b', 'x'), h('a', 'y'), h('b', 'z')]);
    expect(rows.map((r) => `${r.detector}${r.value!}`)).toEqual(['bx', 'ay', 'bz']);
  });

  it('refuses a cap below one', () => {
    expect(() => aggregate([], { maxValuesPerDetector: 0 })).toThrow(RangeError);
  });
});
