// Excerpts show the bytes around a value with every detected value in them masked (even one cut by the edge of
// the excerpt), escape what is not printable ASCII, and mark where bytes were left out.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { latin1Bytes } from '../core/latin1.js';
import { createInspector } from './engine.js';
import { EXCERPT_RADIUS, redactedExcerpt, withExcerpts } from './excerpt.js';
import { allPiiDetectors } from './pii.js';
import type { Hit } from './types.js';

const hit = (offset: number, length: number, masked: string, detector = 'x'): Hit => ({ detector, category: 'pii', confidence: 'low', offset, length, value: 'v', masked, validations: [], contextTerms: [], testValue: false });

describe('redacted excerpts', () => {
  it('masks the value and its neighbours, escapes the rest', () => {
    const text = 'a\tb\\c 1234 x\x00\xff 5678 end';
    const b = latin1Bytes(text);
    const h1 = hit(text.indexOf('1234'), 4, '**34');
    const h2 = hit(text.indexOf('5678'), 4, '**78');
    expect(redactedExcerpt(b, 0, [h1, h2], h1)).toBe('a\\tb\\\\c **34 x\\x00\\xff **78 end');
  });

  it('shows EXCERPT_RADIUS bytes each side, with … where it cut', () => {
    const text = `${'L'.repeat(100)}SECRET${'R'.repeat(100)}`;
    const h = hit(100, 6, '******');
    expect(redactedExcerpt(latin1Bytes(text), 0, [h], h)).toBe(`…${'L'.repeat(EXCERPT_RADIUS)}******${'R'.repeat(EXCERPT_RADIUS)}…`);
  });

  it('masks a neighbour cut by the excerpt edge whole, and overlapping hits as the longest one', () => {
    const text = `${'.'.repeat(40)}AAAAAAAAAA${'.'.repeat(25)}TARGET${'.'.repeat(25)}BBBBBBBBBB`;
    const a = hit(40, 10, '[a]');
    const t = hit(75, 6, '[t]');
    const tIn = hit(76, 3, '[inner]');
    const bb = hit(106, 10, '[b]');
    expect(redactedExcerpt(latin1Bytes(text), 0, [a, t, tIn, bb], t)).toBe(`…[a]${'.'.repeat(25)}[t]${'.'.repeat(25)}[b]`);
  });

  it('never shows a detected value in clear', () => {
    const ins = createInspector(allPiiDetectors());
    const values = ['4111 1111 1111 1111', '123-45-6789', 'GB29 NWBK 6016 1331 9268 19', 'bob@mail.example.com', '+44 20 7946 0958'];
    const words = fc.string({ unit: fc.constantFrom('a', 'b', 'Z', ' ', '.'), maxLength: 40 });
    let checked = 0;
    fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom(...values), words), { maxLength: 30 }), (parts) => {
      // values on lines of their own are all found, so no clear copy of one may remain in any excerpt
      const b = latin1Bytes(parts.join('\n'));
      const hits = withExcerpts(b, ins.scan(b, { appProto: null, isObject: true }));
      expect(hits).toHaveLength(parts.filter((p) => values.includes(p)).length);
      for (const h of hits) for (const v of values) expect(h.excerpt.includes(v)).toBe(false);
      checked += hits.length;
    }), { numRuns: 200 });
    expect(checked).toBeGreaterThan(300);
  });
});
