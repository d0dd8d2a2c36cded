// The byte serializer writes exactly the UTF-8 of compileJsonRow's text, for any value in any field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileJsonRow, type JsonField } from './json-row.js';
import { compileJsonRowBytes } from './json-row-bytes.js';
import { SESSIONS } from './sessions.js';

const TYPES = ['timestamp', 'int', 'float', 'bool', 'string', 'string[]', 'int[]', 'json'] as const;

/** Any value a row might hold, whatever its field's type says (the text serializer takes them all). */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, true, false, 0, -0, Number.NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 1e21, 8.64e18, -8.64e18, 8.64e18 + 2048, 4429498083788999700, 2 ** 53 + 2),
  fc.integer(),
  fc.integer({ min: -4_000_000_000_000_000, max: 4_000_000_000_000_000 }),
  fc.double(),
  fc.maxSafeNat(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\ud800', '\udc00', 'é', '€', '😀', 'a') }),
  fc.array(fc.string({ unit: 'binary' }), { maxLength: 4 }),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.dictionary(fc.string({ unit: 'binary', maxLength: 5 }), fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.boolean())),
);

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

function bytesOf(fields: readonly JsonField[], r: Record<string, unknown>, size: number, at: number): Uint8Array | null {
  const out = new Uint8Array(size);
  const end = compileJsonRowBytes(fields)(r, out, at);
  if (end < 0) return null;
  expect(end).toBeLessThanOrEqual(size);
  return out.subarray(at, end);
}

describe('compileJsonRowBytes', () => {
  it('writes the UTF-8 of compileJsonRow for the sessions fields and typical values', () => {
    const value = (t: string): fc.Arbitrary<unknown> =>
      t === 'timestamp' ? fc.integer({ min: -4_000_000_000_000_000, max: 4_000_000_000_000_000 })
        : t === 'int' ? fc.oneof(fc.maxSafeNat(), fc.integer())
          : t === 'float' ? fc.double()
            : t === 'bool' ? fc.boolean()
              : fc.string({ unit: 'binary' });
    const row = fc.record(Object.fromEntries(SESSIONS.fields.map((f) => [f.name, fc.option(value(f.type), { nil: null })])));
    const text = compileJsonRow(SESSIONS.fields);
    fc.assert(
      fc.property(row, (r) => {
        expect(bytesOf(SESSIONS.fields, r, 1 << 16, 3)).toEqual(utf8(text(r)));
      }),
      { numRuns: 500 },
    );
  });

  it('writes the UTF-8 of compileJsonRow for any value in a field of any type', () => {
    const fieldsArb = fc.uniqueArray(fc.record({ name: fc.string({ unit: 'binary', maxLength: 8 }), type: fc.constantFrom(...TYPES) }), { minLength: 0, maxLength: 6, selector: (f) => f.name });
    fc.assert(
      fc.property(fieldsArb, fc.array(anyValue, { minLength: 6, maxLength: 6 }), (fields, vals) => {
        const r = Object.fromEntries(fields.map((f, i) => [f.name, vals[i]]));
        let want: Uint8Array;
        try {
          want = utf8(compileJsonRow(fields)(r));
        } catch (e) {
          // a value the text serializer cannot convert (an object without a prototype as a time) throws here too
          expect(() => bytesOf(fields, r, 1 << 16, 0)).toThrow((e as Error).constructor as ErrorConstructor);
          return;
        }
        expect(bytesOf(fields, r, 1 << 16, 0)).toEqual(want);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives -1 rather than write past the buffer, and the same bytes wherever it fits', () => {
    const fields: JsonField[] = [{ name: 'a', type: 'string' }, { name: 't', type: 'timestamp' }, { name: 'n', type: 'int' }];
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 0, max: 2000 }), (a, size) => {
        const r = { a, t: 1_700_000_000_123_456, n: 42 };
        const want = utf8(compileJsonRow(fields)(r));
        const got = bytesOf(fields, r, size, 0);
        // the string's check comes after its key (5 bytes): then room for the keys (15 bytes), 64 per value,
        // the braces' 2 and 6 per UTF-16 unit of the string
        const bound = 5 + 15 + 3 * 64 + 2 + a.length * 6;
        if (got !== null) expect(got).toEqual(want);
        else expect(size).toBeLessThan(bound); // refused only when the bound says it might not fit
        expect(bytesOf(fields, r, bound, 0)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
