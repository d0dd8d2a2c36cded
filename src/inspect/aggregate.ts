// Finding summaries of one scope (a file or part, or one direction of a stream): the hits grouped per detector
// per distinct value, capped per detector, with e-mail and phone numbers reported only in bulk.

import { EMAIL } from './detectors/email.js';
import { PHONE } from './detectors/phone.js';
import type { ExcerptedHit } from './excerpt.js';
import type { Category, Confidence } from './types.js';

/**
 * Rows kept per detector per scope, each one distinct value (the highest confidence first, then the earliest):
 * a file of 4,000 card numbers gives this many rows and one more folding the rest, so that the findings of
 * one file stay readable and the store is not flooded by one table dump.
 */
export const MAX_VALUES_PER_DETECTOR = 50;

/**
 * Distinct values tracked per detector per scope: past this many, further new values are counted as
 * occurrences of the folded row and distinct_count stops growing (it is then a lower bound, said in the note).
 * Bounds the aggregator's memory (one first hit, ~300 bytes, per value: 3 MB) on a hostile stream of unique
 * values, while a dump of 4,000 card numbers is still counted exactly.
 */
export const MAX_DISTINCT_TRACKED = 10_000;

/**
 * Distinct e-mail addresses or phone numbers one scope must hold to be a finding: more than the headers of a
 * message or the contact block of a page carry (a To/Cc list rarely holds 20), fewer than any list worth calling
 * a leak. Below it e-mail and phone hits are normal traffic and not reported.
 */
export const BULK_DISTINCT = 20;

/** Detectors reported only in bulk, with their threshold of distinct values per scope. */
export const BULK_DETECTORS: ReadonlyMap<string, number> = new Map([[EMAIL, BULK_DISTINCT], [PHONE, BULK_DISTINCT]]);

/** One finding row: a detector and one of its values in a scope (or the fold of the rest, or a bulk summary). */
export interface FindingSummary {
  readonly detector: string;
  readonly category: Category;
  /** the highest confidence among the occurrences */
  readonly confidence: Confidence;
  /** occurrences of this value (of the folded values, of every value for a bulk row) */
  readonly count: number;
  /** distinct values of this detector in the scope (a lower bound past MAX_DISTINCT_TRACKED) */
  readonly distinct_count: number;
  /** distinct values folded into this row (0 for a row of one value) */
  readonly folded_values: number;
  /** offset of the first occurrence */
  readonly offset: number;
  /** the first occurrence's mask; null for a folded or bulk row */
  readonly masked: string | null;
  /** union of the validations passed, in order of first appearance */
  readonly validations: readonly string[];
  /** union of the context terms found, sorted */
  readonly context_terms: readonly string[];
  /** every value of the row is a published test value */
  readonly test_value: boolean;
  readonly note: string | null;
  /** the plaintext value, for the caller to key-hash (value_hmac) and drop; null for a folded or bulk row */
  readonly value: string | null;
  /** the first occurrence's redacted excerpt */
  readonly excerpt_redacted: string;
}

export interface AggregateOptions {
  readonly maxValuesPerDetector?: number;
  /** detector -> distinct values needed to report it, in one row without a value (default BULK_DETECTORS) */
  readonly bulk?: ReadonlyMap<string, number>;
}

const RANK: Record<Confidence, number> = { low: 0, medium: 1, high: 2 };

interface Entry {
  readonly first: ExcerptedHit;
  confidence: Confidence;
  count: number;
  readonly validations: string[];
  readonly terms: Set<string>;
  test: boolean;
}

interface PerDetector {
  readonly category: Category;
  readonly values: Map<string, Entry>;
  /** occurrences of values past MAX_DISTINCT_TRACKED */
  overflow: Entry | null;
  occurrences: number;
}

function entryOf(h: ExcerptedHit): Entry {
  return { first: h, confidence: h.confidence, count: 0, validations: [], terms: new Set(), test: true };
}

function absorb(e: Entry, h: ExcerptedHit): void {
  e.count++;
  if (RANK[h.confidence] > RANK[e.confidence]) e.confidence = h.confidence;
  for (const v of h.validations) if (!e.validations.includes(v)) e.validations.push(v);
  for (const t of h.contextTerms) e.terms.add(t);
  e.test &&= h.testValue;
}

/**
 * Accumulates the hits of one scope, fed in offset order (as the inspector and the stream scanner give them),
 * and summarises them at the end. Pure: the same hits in the same order give the same rows.
 */
export class ScopeAggregator {
  private readonly detectors = new Map<string, PerDetector>();
  private readonly maxValues: number;
  private readonly bulk: ReadonlyMap<string, number>;

  constructor(opts: AggregateOptions = {}) {
    this.maxValues = opts.maxValuesPerDetector ?? MAX_VALUES_PER_DETECTOR;
    if (!Number.isInteger(this.maxValues) || this.maxValues < 1) throw new RangeError('maxValuesPerDetector must be a positive integer');
    this.bulk = opts.bulk ?? BULK_DETECTORS;
  }

  add(h: ExcerptedHit): void {
    let d = this.detectors.get(h.detector);
    if (d === undefined) this.detectors.set(h.detector, (d = { category: h.category, values: new Map(), overflow: null, occurrences: 0 }));
    d.occurrences++;
    let e = d.values.get(h.value);
    if (e === undefined) {
      if (d.values.size >= MAX_DISTINCT_TRACKED) {
        d.overflow ??= entryOf(h);
        absorb(d.overflow, h);
        return;
      }
      d.values.set(h.value, (e = entryOf(h)));
    }
    absorb(e, h);
  }

  /** The finding rows, ordered by first offset, then detector. */
  finish(): FindingSummary[] {
    const rows: FindingSummary[] = [];
    for (const [name, d] of this.detectors) {
      const distinct = d.values.size;
      const capped = d.overflow !== null;
      const threshold = this.bulk.get(name);
      const entries = [...d.values.values()];
      if (threshold !== undefined) {
        if (distinct < threshold) continue;
        const all = fold(entries, d.overflow);
        rows.push(row(name, d.category, all, distinct, distinct, null, null, `${distinct}${capped ? '+' : ''} distinct values in bulk`));
        continue;
      }
      entries.sort((a, b) => RANK[b.confidence] - RANK[a.confidence] || a.first.offset - b.first.offset);
      for (const e of entries.slice(0, this.maxValues)) {
        rows.push(row(name, d.category, e, distinct, 0, e.first.masked, e.first.value, e.first.note ?? null));
      }
      const rest = entries.slice(this.maxValues);
      if (rest.length > 0 || capped) {
        const f = fold(rest, d.overflow);
        rows.push(row(name, d.category, f, distinct, rest.length, null, null, `${rest.length}${capped ? '+' : ''} more distinct values`));
      }
    }
    return rows.sort((a, b) => a.offset - b.offset || (a.detector < b.detector ? -1 : a.detector > b.detector ? 1 : 0));
  }
}

/** Several entries as one: the earliest first occurrence, the highest confidence, counts summed, unions. */
function fold(entries: readonly Entry[], overflow: Entry | null): Entry {
  const all = overflow === null ? entries : [...entries, overflow];
  let first = all[0]!;
  for (const e of all) if (e.first.offset < first.first.offset) first = e;
  const out: Entry = { first: first.first, confidence: 'low', count: 0, validations: [], terms: new Set(), test: true };
  for (const e of all) {
    out.count += e.count;
    if (RANK[e.confidence] > RANK[out.confidence]) out.confidence = e.confidence;
    for (const v of e.validations) if (!out.validations.includes(v)) out.validations.push(v);
    for (const t of e.terms) out.terms.add(t);
    out.test &&= e.test;
  }
  return out;
}

function row(detector: string, category: Category, e: Entry, distinct: number, folded: number, masked: string | null, value: string | null, note: string | null): FindingSummary {
  return {
    detector,
    category,
    confidence: e.confidence,
    count: e.count,
    distinct_count: distinct,
    folded_values: folded,
    offset: e.first.offset,
    masked,
    validations: e.validations,
    context_terms: [...e.terms].sort(),
    test_value: e.test,
    note,
    value,
    excerpt_redacted: e.first.excerpt,
  };
}

/** The finding rows of one scope's hits (sorted by offset, with their excerpts). */
export function aggregate(hits: readonly ExcerptedHit[], opts: AggregateOptions = {}): FindingSummary[] {
  const a = new ScopeAggregator(opts);
  for (const h of hits) a.add(h);
  return a.finish();
}
