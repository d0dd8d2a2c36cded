// The engine's fast trigger pass (keywords by AhoCorasick.occurring, digit runs probed every stride-th byte) with
// every built-in detector: it runs the detectors a plain byte-by-byte automaton walk and a byte-by-byte digit-run
// count name, so its hits are those of running exactly those detectors; and a stream fed in random chunks, with
// keywords and values straddling the chunk and window edges, gives the hits of one scan of the whole stream.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AhoCorasick } from '../core/aho-corasick.js';
import { latin1 } from '../core/latin1.js';
import { builtinDetectors } from './builtin.js';
import { compareHits, createInspector, MAX_KEYWORD_BYTES } from './engine.js';
import { withExcerpts, type ExcerptedHit } from './excerpt.js';
import { INSPECT_OVERLAP_BYTES, StreamScanner } from './stream-scan.js';
import { maxDigitRun } from './text.js';
import type { DetectContext, Detector, Hit } from './types.js';

const CTX: DetectContext = { appProto: 'http', isObject: false };
const DETECTORS = builtinDetectors();
const KEYWORDS = [...new Set(DETECTORS.flatMap((d) => d.keywords.map((k) => k.toLowerCase())))];
const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** The detectors a byte-by-byte reading triggers: an automaton stepped on every byte, maxDigitRun over the text. */
function walkTriggered(buf: Uint8Array): Set<string> {
  const ac = new AhoCorasick(MAX_KEYWORD_BYTES);
  KEYWORDS.forEach((k, id) => ac.add(bytesOf(k), id));
  ac.build();
  const seen = new Set<string>();
  let s = 0;
  for (const b of buf) {
    s = ac.next(s, b);
    if (ac.isFinal(s)) ac.matches(s, (id) => seen.add(KEYWORDS[id]!));
  }
  const text = latin1(buf);
  const run = maxDigitRun(text, 0, text.length);
  return new Set(DETECTORS.filter((d) => d.keywords.some((k) => seen.has(k.toLowerCase())) || (d.digits !== undefined && run >= d.digits)).map((d) => d.name));
}

/** The hits of running exactly the detectors a byte-by-byte reading triggers, over latin1 text, sorted. */
function reference(buf: Uint8Array): Hit[] {
  const on = walkTriggered(buf);
  const text = latin1(buf);
  return DETECTORS.filter((d) => on.has(d.name)).flatMap((d) => d.detect(text, CTX)).sort(compareHits);
}

// values of every built-in detector (published examples and synthetic ones; tests may hold planted values)
const VALUES = [
  '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', 'AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'xoxa-2-1234567890-abcdefabcdefabcdefabcdef', 'https://hooks.slack.com/workflows/T01ABCDEF/A01ABCDEF/123456789/abcdefabcdef',
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  `-----BEGIN RSA PRIVATE KEY-----\n${randomBytes(300).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END RSA PRIVATE KEY-----`,
  'card 4111 1111 1111 1111', '5555-5555-5555-4444', 'SSN: 123-45-6789', 'IBAN GB29 NWBK 6016 1331 9268 19',
  'routing 021000021', 'alice@example.com', '(415) 555-0132', ';5555555555554444=25121010000000?',
];
/** a hit without its value (masks only), so that a failure prints no value */
const shape = (hs: readonly Hit[]): string[] => hs.map((h) => JSON.stringify({ ...h, value: h.value.length }));

/** a keyword in a random case, so that the automaton's case folding is exercised */
const keyword = fc.tuple(fc.constantFrom(...DETECTORS.flatMap((d) => d.keywords)), fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }))
  .map(([k, flips]) => bytesOf([...k].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c.toLowerCase())).join('')));
const content = fc.array(fc.oneof(
  { weight: 3, arbitrary: keyword },
  { weight: 2, arbitrary: fc.constantFrom(...VALUES).map((v) => bytesOf(` ${v} `)) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 500 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom('a', 'k', 'i', 's', 'e', 'y', 'j', ' ', '1', '2', '-', '_', '.', 'x', 'o', '@'), maxLength: 300 }).map(bytesOf) },
), { minLength: 1, maxLength: 40 }).map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));

describe('inspect engine, fast trigger pass with every built-in detector', () => {
  it('runs the detectors a byte-by-byte reading triggers, and so gives the same hits, at any alignment', () => {
    let hits = 0;
    let triggered = 0;
    const inspector = createInspector(DETECTORS);
    const calls: string[] = [];
    const spies = createInspector(DETECTORS.map((d): Detector => ({ name: d.name, category: d.category, keywords: d.keywords, ...(d.digits === undefined ? {} : { digits: d.digits }), detect: () => {
      calls.push(d.name);
      return [];
    } })));
    fc.assert(fc.property(content, fc.integer({ min: 0, max: 7 }), (bytes, offset) => {
      // the buffer at each offset of a larger one: the four-byte reads meet every alignment
      const big = new Uint8Array(bytes.length + offset);
      big.set(bytes, offset);
      const buf = big.subarray(offset);
      const want = walkTriggered(buf);
      calls.length = 0;
      spies.scan(buf, CTX);
      expect(calls).toEqual(DETECTORS.filter((d) => want.has(d.name)).map((d) => d.name));
      const got = inspector.scan(buf, CTX);
      const ref = reference(buf);
      expect(shape(got)).toEqual(shape(ref));
      expect(got.every((h, i) => h.value === ref[i]!.value)).toBe(true);
      hits += got.length;
      triggered += want.size;
    }), { numRuns: 300 });
    expect(hits).toBeGreaterThan(300);
    expect(triggered).toBeGreaterThan(1000);
  });

  it('a stream in random chunks gives the hits of one scan, with keywords and values straddling chunk and window edges', () => {
    const inspector = createInspector(DETECTORS);
    const window = INSPECT_OVERLAP_BYTES + 500;
    let found = 0;
    fc.assert(fc.property(content, fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }), (b, lens) => {
      const s = new StreamScanner(inspector, CTX, { windowBytes: window });
      const streamed: ExcerptedHit[] = [];
      let k = 0;
      for (let i = 0; i < b.length; k++) {
        const n = lens[k % lens.length]!;
        streamed.push(...s.push(b.subarray(i, i + n)));
        i += n;
      }
      streamed.push(...s.end());
      const whole = withExcerpts(b, inspector.scan(b, CTX));
      expect(shape(streamed)).toEqual(shape(whole));
      expect(streamed.every((h, i) => h.value === whole[i]!.value && h.excerpt === whole[i]!.excerpt)).toBe(true);
      found += whole.length;
    }), { numRuns: 150 });
    expect(found).toBeGreaterThan(150);
  });
});
