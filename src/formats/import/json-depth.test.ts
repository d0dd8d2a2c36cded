import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDeeperThan } from './json-depth.js';

/** The nesting of a value by walking it: arrays and objects count one level each. */
function depth(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depth));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depth));
  return 0;
}

describe('jsonDeeperThan', () => {
  it('agrees with a walk of the parsed value, brackets inside strings not counted', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 0, max: 12 }), (v, max) => {
        const text = JSON.stringify(v);
        expect(jsonDeeperThan(text, max)).toBe(depth(v) > max);
      }),
      { numRuns: 2000 },
    );
  });

  it('strings full of brackets and escaped quotes are not nesting', () => {
    const s = JSON.stringify({ a: '[[[[{{{{\\"[[[['.repeat(50) });
    expect(jsonDeeperThan(s, 1)).toBe(false);
    expect(jsonDeeperThan(`${'['.repeat(70)}${']'.repeat(70)}`, 64)).toBe(true);
  });
});
