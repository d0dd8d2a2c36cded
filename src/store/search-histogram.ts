// Counts per time bucket under a filter and range, the bucket size picked from the range off a ladder of round
// sizes, every bucket present (zero-filled); optionally split by one field's top values, the rest as "other".
import { HaystackError } from '../core/errors.js';
import { checkLimit, fieldOf, fromWhere, isScalar, scopeConditions, searchSchema, timeMicros, typedValue, type SearchScope } from './search-common.js';
import { fieldValues, type FieldValueCount } from './search-values.js';
import { keyLiteral } from './search-keys.js';
import { ident, numberLiteral } from './sql.js';
import type { Store } from './store.js';

const S = 1_000_000;
/** Bucket sizes (µs) a histogram uses: round to a reader (1s ... 1y); past a year, whole years. */
export const BUCKET_LADDER: readonly number[] = [
  S, 5 * S, 10 * S, 30 * S, 60 * S, 300 * S, 600 * S, 1800 * S, 3600 * S, 3 * 3600 * S, 12 * 3600 * S, 86400 * S, 7 * 86400 * S,
  30 * 86400 * S, 365 * 86400 * S,
];
/** Buckets asked for when the caller names no number: a chart a few hundred pixels wide. */
export const DEFAULT_BUCKETS = 60;
/** Buckets at most: a chart's width in pixels, and a bounded answer. */
export const MAX_BUCKETS = 1000;
/** Values a split shows (the console's legend); the rest is "other". */
export const SPLIT_VALUES = 5;

export interface HistogramOptions extends SearchScope {
  /** buckets wanted (the ladder size giving at most this many), 1 to MAX_BUCKETS; default DEFAULT_BUCKETS */
  buckets?: number;
  /** a single-valued field whose top SPLIT_VALUES values get series of their own */
  split?: string;
}

export interface Histogram {
  /** bucket width, µs */
  bucket_us: number;
  /** start of the first bucket (µs, a multiple of bucket_us since the epoch); bucket i starts at start + i * bucket_us */
  start: number;
  /** rows per bucket (all of them, split or not) */
  counts: number[];
  split: {
    field: string;
    values: FieldValueCount['value'][];
    /** per value (same order), rows per bucket */
    series: number[][];
    /** rows per bucket with any other value */
    other: number[];
  } | null;
}

/** The ladder's smallest size that covers `span` µs in at most `target` buckets. */
export function bucketSize(span: number, target: number): number {
  const want = Math.max(1, Math.ceil(span / target));
  for (const s of BUCKET_LADDER) if (s >= want) return s;
  const year = BUCKET_LADDER[BUCKET_LADDER.length - 1]!;
  return Math.ceil(want / year) * year;
}

/** Start of the bucket holding `us` (floor, also before 1970). */
export function alignTo(us: number, size: number): number {
  return us - (((us % size) + size) % size);
}

export async function histogram(store: Store, o: HistogramOptions): Promise<Histogram> {
  const schema = searchSchema(o.table);
  const target = checkLimit(o.buckets ?? DEFAULT_BUCKETS, MAX_BUCKETS, 'buckets');
  const splitField = o.split === undefined ? null : fieldOf(schema, o.split, 'split');
  if (splitField !== null && !isScalar(splitField)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `split: ${schema.name}.${splitField.name} is a ${splitField.type}; split by a single-valued field`);
  const d = store.dialect;
  const conds = scopeConditions(store, schema, o);
  conds.push(`${ident(schema.timeField)} IS NOT NULL`);
  const from = fromWhere(store, schema, conds);
  const t = timeMicros(schema, d);
  let lo = o.from;
  let hi = o.to;
  if (lo === null || hi === null) {
    const r = await store.select(`SELECT min(${t}) AS ${ident('lo')}, max(${t}) AS ${ident('hi')}, count(*) AS ${ident('n')} ${from}`);
    const row = r.rows[0]!;
    // nothing to show and no range given to fill with zeros
    if (Number(row.n) === 0) return { bucket_us: bucketSize(0, target), start: 0, counts: [], split: null };
    lo ??= Number(row.lo);
    hi ??= Number(row.hi) + 1;
  }
  if (hi <= lo) hi = lo + 1;
  const size = bucketSize(hi - lo, target);
  const start = alignTo(lo, size);
  const n = Math.floor((alignTo(hi - 1, size) - start) / size) + 1;
  // the bucket's number from the first: every row counted is at or after `start` (the range's start, or the
  // oldest row, aligned down), so an integer division does; a third of the time of aligning each row's time
  const offset = `${t} - ${numberLiteral(start)}`;
  const bucket = d === 'duckdb' ? `((${offset}) // ${numberLiteral(size)})` : `intDiv(${offset}, ${numberLiteral(size)})`;
  const counts = new Array<number>(n).fill(0);
  const index = (b: unknown): number => Number(b);
  if (splitField === null) {
    const r = await store.select(`SELECT ${bucket} AS ${ident('b')}, count(*) AS ${ident('n')} ${from} GROUP BY ${ident('b')}`);
    for (const row of r.rows) counts[index(row.b)]! += Number(row.n);
    return { bucket_us: size, start, counts, split: null };
  }
  const top = await fieldValues(store, { ...o, field: splitField.name, limit: SPLIT_VALUES, from: lo, to: hi });
  const values = top.values.map((v) => v.value);
  // series number per row: 1..k for the top values, 0 for any other
  const c = ident(splitField.name);
  const arms = values.map((v, i) => `WHEN ${v === null ? `${c} IS NULL` : `${c} = ${keyLiteral(splitField, v, d)}`} THEN ${i + 1}`);
  const which = arms.length === 0 ? '0' : `CASE ${arms.join(' ')} ELSE 0 END`;
  const r = await store.select(`SELECT ${bucket} AS ${ident('b')}, ${which} AS ${ident('k')}, count(*) AS ${ident('n')} ${from} GROUP BY ${ident('b')}, ${ident('k')}`);
  const series = values.map(() => new Array<number>(n).fill(0));
  const other = new Array<number>(n).fill(0);
  for (const row of r.rows) {
    const i = index(row.b);
    const k = Number(row.k);
    counts[i]! += Number(row.n);
    if (k === 0) other[i]! += Number(row.n);
    else series[k - 1]![i]! += Number(row.n);
  }
  return { bucket_us: size, start, counts, split: { field: splitField.name, values: values.map((v) => typedValue(splitField, v) as FieldValueCount['value']), series, other } };
}
