// Times and durations as people write them in options and console URLs: ISO 8601 (UTC unless an offset is
// given) and "1h30m"-style durations, as µs within the query range. Pure: the clock is the caller's.
import { HaystackError } from '../core/errors.js';
import { MAX_QUERY_TIME_US, queryTime } from '../core/time.js';

export const UNITS: Record<string, number> = { s: 1e6, m: 60e6, h: 3600e6, d: 86400e6, w: 604800e6 };

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

