// Options of the verbs that work on the store: --db, time windows (--since, --from/--to, --now), and query
// results written in the output formats.
import { HaystackError } from '../core/errors.js';
import { MAX_QUERY_TIME_US, MIN_QUERY_TIME_US, queryTime } from '../core/time.js';
import { field, type FieldDef } from '../schema/schema.js';
import type { QueryResult } from '../store/store.js';
import type { Window } from '../store/reports.js';
import { stringOption, type Options } from './args.js';
import { parseFormat, RowWriter } from './format/output.js';
import type { CliIo } from './io.js';

export const DB_OPTION: Options = { db: { type: 'string' } };
export const WINDOW_OPTIONS: Options = {
  since: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  now: { type: 'boolean' },
};

const UNITS: Record<string, number> = { s: 1e6, m: 60e6, h: 3600e6, d: 86400e6, w: 604800e6 };

/** "90s", "15m", "1h", "7d", "2w" (or a sum: "1h30m") as µs, at most the span of the query range. */
export function parseDuration(s: string, option: string): number {
  const parts = /^(?:\d+[smhdw])+$/.test(s) ? s.match(/\d+[smhdw]/g)! : null;
  if (parts === null) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `${option}: not a duration: "${s}" (e.g. 90s, 15m, 1h, 7d, 2w)`);
  const us = parts.reduce((a, p) => a + Number(p.slice(0, -1)) * UNITS[p.slice(-1)]!, 0);
  if (!(us <= MAX_QUERY_TIME_US)) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `${option}: "${s}" is longer than the ${Math.floor(MAX_QUERY_TIME_US / UNITS.w!)} weeks a query can span`);
  }
  return us;
}

/**
 * An ISO 8601 time (UTC unless it has an offset; a date alone is its midnight UTC) as µs; years 0001 to 9999,
 * taken into the query range (queryTime).
 */
export function parseTime(s: string, option: string): number {
  const iso = /^\d{4}-\d\d-\d\d$/.test(s) ? `${s}T00:00:00Z` : /T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(s) ? `${s}Z` : s;
  const ms = Date.parse(iso);
  if (!/^\d{4}-\d\d-\d\d/.test(s) || Number.isNaN(ms)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `${option}: not a time: "${s}" (ISO 8601, e.g. 2026-11-22T08:00:00Z)`);
  const frac = /\.(\d+)/.exec(s)?.[1] ?? '';
  return queryTime(ms * 1000 + (frac.length > 3 ? Number(frac.slice(3, 6).padEnd(3, '0')) : 0));
}

/**
 * The window the options ask for. `--since D` ends at the newest data (asked lazily) or, with --now, at the
 * wall clock; --from/--to are absolute. No option: everything.
 */
export async function windowOption(values: Record<string, unknown>, newest: () => Promise<number | null>): Promise<Window> {
  const since = stringOption(values.since);
  const from = stringOption(values.from);
  const to = stringOption(values.to);
  if (since !== undefined && (from !== undefined || to !== undefined)) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', '--since and --from/--to exclude each other');
  }
  if (since !== undefined) {
    const d = parseDuration(since, '--since');
    const end = values.now === true ? Date.now() * 1000 : await newest();
    if (end === null) return { from: null, to: null };
    return open({ from: queryTime(end - d), to: end });
  }
  const w = { from: from !== undefined ? parseTime(from, '--from') : null, to: to !== undefined ? parseTime(to, '--to') : null };
  if (w.from !== null && w.to !== null && w.from > w.to) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', '--from is after --to');
  return open(w);
}

/**
 * A bound at or past the end of the query range (--from 0001-01-01) holds for every record: the window is open
 * on that side (no condition, and counts fills buckets from the data, not from the year 1684).
 */
function open(w: Window): Window {
  return { from: w.from !== null && w.from <= MIN_QUERY_TIME_US ? null : w.from, to: w.to !== null && w.to >= MAX_QUERY_TIME_US ? null : w.to };
}

/** Writes a query result in the chosen format (columns typed from the store's result metadata). */
export function writeResult(r: QueryResult, values: Record<string, unknown>, io: CliIo): void {
  const format = parseFormat(stringOption(values.format), io.stdoutIsTty);
  const fields: FieldDef[] = r.columns.map((c) => {
    // integers past 2^53 arrive as text: print them as text rather than lose digits
    const big = c.type === 'int' && r.rows.some((x) => typeof x[c.name] === 'string');
    return field(c.name, big ? 'string' : c.type, true, '');
  });
  const out = new RowWriter(fields, format, io.stdout);
  for (const row of r.rows) out.row(row);
  out.end();
}
