// Options of the verbs that work on the store: --db, time windows (--since, --from/--to, --now), and query
// results written in the output formats.
import { HaystackError } from '../core/errors.js';
import { MAX_QUERY_TIME_US, MIN_QUERY_TIME_US, queryTime } from '../core/time.js';
import { parseDuration, parseTime } from '../query/time-text.js';
import type { QueryResult } from '../store/store.js';
import { resultRows } from '../store/report-rows.js';
import type { Window } from '../store/reports.js';
import { stringOption, type Options } from './args.js';
import { parseFormat, RowWriter } from './format/output.js';
import type { CliIo } from './io.js';

export { parseDuration, parseTime };

export const DB_OPTION: Options = { db: { type: 'string' } };
export const WINDOW_OPTIONS: Options = {
  since: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  now: { type: 'boolean' },
};

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
  const { fields } = resultRows(r);
  const out = new RowWriter(fields, format, io.stdout, io.stdoutBytes !== undefined ? { writeBytes: io.stdoutBytes } : {});
  for (const row of r.rows) out.row(row);
  out.end();
}
