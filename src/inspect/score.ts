// Precision and recall of the detectors against labelled text (presidio-research's synthetic dataset: spans of
// CREDIT_CARD, US_SSN, IBAN_CODE, EMAIL_ADDRESS, PHONE_NUMBER, ...), by span overlap.

import { ibanMod97, luhn } from './checksum.js';
import type { Hit } from './types.js';

/** A labelled span; start/end are code point indices into the text (as Python counts them). */
export interface LabelledSpan {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

export interface LabelledText {
  readonly text: string;
  readonly spans: readonly LabelledSpan[];
}

/** The entity type each detector is scored against (presidio's names); a detector absent here has no labels. */
export const PRESIDIO_ENTITIES: Readonly<Record<string, string>> = {
  payment_card: 'CREDIT_CARD',
  us_ssn: 'US_SSN',
  iban: 'IBAN_CODE',
  email: 'EMAIL_ADDRESS',
  phone: 'PHONE_NUMBER',
};

/**
 * Checksums a labelled value must pass for a validating detector to be expected to find it: a span that fails
 * is scored apart (checksum_failed), not as a miss.
 */
export const LABEL_CHECKSUMS: Readonly<Record<string, (value: string) => boolean>> = {
  CREDIT_CARD: (v) => luhn(v.replace(/\D/g, '')),
  IBAN_CODE: (v) => ibanMod97(v.replace(/[\s-]/g, '')),
};

export interface DetectorScore {
  readonly detector: string;
  /** the entity type scored against; null: no labels (every hit is counted in `unlabelled`) */
  readonly entity: string | null;
  /** hits overlapping a span of the entity */
  readonly truePositives: number;
  /** hits overlapping none */
  readonly falsePositives: number;
  /** spans of the entity overlapped by a hit */
  readonly found: number;
  /** spans of the entity no hit overlaps (and whose value passes its checksum) */
  readonly missed: number;
  /** spans whose value fails its checksum, no hit overlapping them (scored apart) */
  readonly checksumFailed: number;
  /** hits of a detector without labels */
  readonly unlabelled: number;
  /** truePositives / (truePositives + falsePositives); null without hits or labels */
  readonly precision: number | null;
  /** found / (found + missed); null without spans */
  readonly recall: number | null;
  /** indices (record, span) of the missed spans, for the explanations (never their values) */
  readonly missedSpans: readonly (readonly [number, number])[];
}

/**
 * UTF-8 byte offset -> code point index for `text` (the inspector reports byte offsets of the UTF-8 encoding,
 * presidio code point indices).
 */
export function byteToCodePoint(text: string): Int32Array {
  const map: number[] = [];
  let cp = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    const bytes = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    for (let k = 0; k < bytes; k++) map.push(cp);
    cp++;
  }
  map.push(cp);
  return Int32Array.from(map);
}

const overlaps = (a0: number, a1: number, b0: number, b1: number): boolean => a0 < b1 && b0 < a1;

/**
 * Scores per detector. `hits[i]` are the hits on records[i].text, their offset/length in code points (see
 * byteToCodePoint). Pure: the same input gives the same scores.
 */
export function scoreHits(records: readonly LabelledText[], hits: readonly (readonly Hit[])[], detectors: readonly string[], entities = PRESIDIO_ENTITIES, checksums = LABEL_CHECKSUMS): DetectorScore[] {
  return detectors.map((detector) => {
    const entity = entities[detector] ?? null;
    let tp = 0;
    let fp = 0;
    let found = 0;
    let missed = 0;
    let failed = 0;
    let unlabelled = 0;
    const missedSpans: (readonly [number, number])[] = [];
    records.forEach((r, i) => {
      const mine = (hits[i] ?? []).filter((h) => h.detector === detector);
      if (entity === null) {
        unlabelled += mine.length;
        return;
      }
      const spans = r.spans.filter((s) => s.type === entity);
      for (const h of mine) {
        if (spans.some((s) => overlaps(h.offset, h.offset + h.length, s.start, s.end))) tp++;
        else fp++;
      }
      r.spans.forEach((s, j) => {
        if (s.type !== entity) return;
        if (mine.some((h) => overlaps(h.offset, h.offset + h.length, s.start, s.end))) found++;
        else if (checksums[entity] !== undefined && !checksums[entity](s.value)) failed++;
        else {
          missed++;
          missedSpans.push([i, j]);
        }
      });
    });
    return {
      detector,
      entity,
      truePositives: tp,
      falsePositives: fp,
      found,
      missed,
      checksumFailed: failed,
      unlabelled,
      precision: entity === null || tp + fp === 0 ? null : tp / (tp + fp),
      recall: entity === null || found + missed === 0 ? null : found / (found + missed),
      missedSpans,
    };
  });
}

/** Hits with byte offsets turned into code point offsets of `text`. */
export function toCodePoints(text: string, hits: readonly Hit[]): Hit[] {
  const map = byteToCodePoint(text);
  return hits.map((h) => {
    const start = map[h.offset]!;
    const end = map[Math.min(map.length - 1, h.offset + h.length)]!;
    return { ...h, offset: start, length: end - start };
  });
}
