// A stream fed in any chunks gives the hits (stream offsets, excerpts) that one scan of the whole stream gives,
// each once, whether a value lies inside a window, across two, or in their overlap; the inspection bound and gaps
// cut where they say.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { latin1Bytes } from '../core/latin1.js';
import { createInspector } from './engine.js';
import { withExcerpts, type ExcerptedHit } from './excerpt.js';
import { allPiiDetectors } from './pii.js';
import { INSPECT_OVERLAP_BYTES, StreamScanner } from './stream-scan.js';
import type { DetectContext } from './types.js';

const CTX: DetectContext = { appProto: 'http', isObject: false };
const inspector = createInspector(allPiiDetectors());
/** small windows: many window edges and overlaps in a few kilobytes */
const WINDOW = INSPECT_OVERLAP_BYTES + 700;

const VALUES = [
  'card 4111 1111 1111 1111', '5555-5555-5555-4444', '378282246310005', 'SSN: 123-45-6789', '078 05 1120',
  'IBAN GB29 NWBK 6016 1331 9268 19', 'DE89370400440532013000', 'routing 021000021', 'alice@example.com',
  'bob.smith@mail.co.uk', '(415) 555-0132', '+44 20 7946 0958', '%B4111111111111111^DOE/JOHN^2512101000?',
  ';5555555555554444=25121010000000?', 'phone: 0490 75 40 81',
];

/** Filler text, binary and planted values at random places (many near window edges in small windows). */
const content = fc.array(fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...VALUES).map((v) => latin1Bytes(` ${v} `)) },
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '1', '2', '-', '.', '@', 'x', '(', ')'), maxLength: 400 }).map(latin1Bytes) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 600 }) },
  { weight: 1, arbitrary: fc.nat(2000).map((n) => new Uint8Array(n).fill(0x20)) },
), { minLength: 10, maxLength: 80 }).map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));

/** Cut points: chunk lengths drawn at random, cycled. */
function chunks(b: Uint8Array, lens: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let k = 0;
  for (let i = 0; i < b.length; k++) {
    const n = Math.max(1, lens[k % lens.length]!);
    out.push(b.subarray(i, i + n));
    i += n;
  }
  return out;
}

function streamHits(b: Uint8Array, lens: readonly number[], window = WINDOW): ExcerptedHit[] {
  const s = new StreamScanner(inspector, CTX, { windowBytes: window });
  const out: ExcerptedHit[] = [];
  for (const c of chunks(b, lens)) {
    // the caller may reuse its chunk buffer after push: the scanner must have copied it
    const copy = c.slice();
    out.push(...s.push(copy));
    copy.fill(0x41);
  }
  out.push(...s.end());
  return out;
}

describe('stream scanner', () => {
  it('gives the hits and excerpts of one scan of the whole stream, however it is chunked', () => {
    let found = 0;
    fc.assert(fc.property(content, fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 8 }), (b, lens) => {
      const whole = withExcerpts(b, inspector.scan(b, CTX));
      const streamed = streamHits(b, lens);
      expect(streamed).toEqual(whole);
      found += whole.length;
    }), { numRuns: 200 });
    expect(found).toBeGreaterThan(600);
  });

  it('gives the same hits for any two chunkings, with full-size windows too', () => {
    fc.assert(fc.property(content, fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 5 }), (b, a, c) => {
      expect(streamHits(b, a, 64 * 1024)).toEqual(streamHits(b, c, 64 * 1024));
    }), { numRuns: 60 });
  });

  it('reports a value lying in the overlap of two windows once, at its stream offset', () => {
    const step = WINDOW - INSPECT_OVERLAP_BYTES;
    for (const at of [step - 30, step, step + INSPECT_OVERLAP_BYTES - 10, WINDOW - 8, WINDOW + 3, 2 * step + 100]) {
      const b = new Uint8Array(3 * WINDOW).fill(0x20);
      b.set(latin1Bytes('4111-1111-1111-1111'), at);
      const hits = streamHits(b, [1460]);
      expect(hits.map((h) => [h.detector, h.offset])).toEqual([['payment_card', at]]);
      expect(hits[0]!.excerpt).toContain('4111-****-****-1111');
    }
  });

  it('inspects at most maxBytes and says so', () => {
    const b = new Uint8Array(40_000).fill(0x20);
    b.set(latin1Bytes('4111 1111 1111 1111'), 1000);
    b.set(latin1Bytes('5555 5555 5555 4444'), 30_000);
    const s = new StreamScanner(inspector, CTX, { windowBytes: WINDOW, maxBytes: 20_000 });
    const hits = [...s.push(b.subarray(0, 15_000)), ...s.push(b.subarray(15_000)), ...s.push(b), ...s.end()];
    expect(hits.map((h) => h.offset)).toEqual([1000]);
    expect(s.truncated).toBe(true);
    expect(s.inspectedBytes).toBe(20_000);
    // a stream under the bound is not truncated
    const t = new StreamScanner(inspector, CTX, { maxBytes: 20_000 });
    t.push(b.subarray(0, 20_000));
    t.end();
    expect(t.truncated).toBe(false);
  });

  it('finds nothing across a gap, and counts the gap in later offsets', () => {
    const s = new StreamScanner(inspector, CTX, { windowBytes: WINDOW });
    const hits = [
      ...s.push(latin1Bytes('x 4111 1111 ')),
      ...s.gap(100),
      ...s.push(latin1Bytes('1111 1111 y 5555 5555 5555 4444 z')),
      ...s.end(),
    ];
    expect(hits.map((h) => [h.detector, h.offset])).toEqual([['payment_card', 12 + 100 + 12]]);
  });

  it('refuses a window no larger than the overlap', () => {
    expect(() => new StreamScanner(inspector, CTX, { windowBytes: INSPECT_OVERLAP_BYTES })).toThrow(RangeError);
  });
});
