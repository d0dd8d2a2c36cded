// Shared checks for the detector tests: run one detector as the engine would, and the properties every detector
// keeps (never throws; each hit holds its own trigger, so the engine finds it whatever else the buffer holds).
import fc from 'fast-check';
import { expect } from 'vitest';
import { latin1, latin1Bytes } from '../../core/latin1.js';
import { createInspector } from '../engine.js';
import { maxDigitRun } from '../text.js';
import type { Detector, Hit } from '../types.js';

const CTX = { appProto: null, isObject: true } as const;

/** The detector's hits on `text`, through the engine (prefilter included). */
export function scan(d: Detector, text: string): Hit[] {
  return createInspector([d]).scan(latin1Bytes(text), CTX);
}

/** The text a hit covers. */
export const covered = (text: string, h: Hit): string => text.slice(h.offset, h.offset + h.length);

/** Each decoy, alone and inside a sentence, gives no hit. */
export function expectSilent(d: Detector, decoys: readonly string[]): void {
  for (const decoy of decoys) {
    for (const text of [decoy, `value: ${decoy}.`, `${decoy}\n`]) {
      const hits = scan(d, text);
      expect(hits.map((h) => `${covered(text, h)} in ${JSON.stringify(text)}`)).toEqual([]);
    }
  }
}

/**
 * Random text built from `pieces` and noise: the detector never throws, its hits lie in the buffer and each
 * holds its trigger (a keyword, or a digit run of at least `digits`).
 */
export function expectWellBehaved(d: Detector, pieces: readonly string[], runs = 300): void {
  const noise = fc.oneof(fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 40 }).map((b) => latin1(b)), fc.constantFrom(' ', '-', '.', '(', ')', '+', '@', '=', '^', '%', ';', '?', '\n'));
  let hits = 0;
  fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom(...pieces), noise), { maxLength: 30 }), (parts) => {
    const text = parts.join('');
    for (const h of d.detect(text, CTX)) {
      hits++;
      expect(h.offset).toBeGreaterThanOrEqual(0);
      expect(h.offset + h.length).toBeLessThanOrEqual(text.length);
      expect(h.detector).toBe(d.name);
      expect(h.masked).not.toBe(covered(text, h));
      const span = covered(text, h).toLowerCase();
      const byKeyword = d.keywords.some((k) => span.includes(k.toLowerCase()));
      const byDigits = d.digits !== undefined && maxDigitRun(text, h.offset, h.offset + h.length) >= d.digits;
      expect(byKeyword || byDigits).toBe(true);
    }
    // the engine finds what the detector finds on the whole text
    expect(scan(d, text).length).toBe(d.detect(text, CTX).length);
  }), { numRuns: runs });
  // the pieces do produce hits: the checks above are not vacuous
  expect(hits).toBeGreaterThan(runs / 10);
}
