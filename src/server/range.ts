// The time range of an API request: `from` and `to` as ISO 8601 times, `now`, `now-DUR`, `latest` or `latest-DUR`
// (relative to the newest record of the table, for captures recorded long ago), or absent (open); and `tz`, an
// IANA time zone the console displays in (checked, echoed, never used in a query: stored times are UTC).
import { HaystackError } from '../core/errors.js';
import { MAX_QUERY_TIME_US, MIN_QUERY_TIME_US, queryTime } from '../core/time.js';
import { parseDuration, parseTime } from '../query/time-text.js';
import type { Window } from '../store/reports.js';

export interface RangeInput {
  from: string | undefined;
  to: string | undefined;
  tz: string | undefined;
}

export interface Range extends Window {
  tz: string;
}

const ZONES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('timeZone'));

/** An IANA zone name (or UTC); anything else is refused. */
export function checkZone(tz: string | undefined): string {
  if (tz === undefined || tz === '' || tz === 'UTC') return 'UTC';
  if (!ZONES.has(tz)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `tz: not a time zone: ${JSON.stringify(tz.slice(0, 64))} (an IANA name such as Europe/Berlin)`);
  return tz;
}

function point(s: string, name: string, nowUs: number, latest: () => Promise<number | null>): Promise<number | null> | number | null {
  const m = /^(now|latest)(?:-([0-9smhdw]+))?$/.exec(s);
  if (m === null) return parseTime(s, name);
  const back = m[2] === undefined ? 0 : parseDuration(m[2], name);
  if (m[1] === 'now') return queryTime(nowUs - back);
  return (async () => {
    const l = await latest();
    return l === null ? null : queryTime(l - back);
  })();
}

/** The window asked for; `latest` is looked up only when used. A range whose end is before its start is refused. */
export async function parseRange(r: RangeInput, nowUs: number, latest: () => Promise<number | null>): Promise<Range> {
  const tz = checkZone(r.tz);
  const from = r.from === undefined || r.from === '' ? null : await point(r.from, 'from', nowUs, latest);
  const to = r.to === undefined || r.to === '' ? null : await point(r.to, 'to', nowUs, latest);
  if (from !== null && to !== null && from > to) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'from is after to');
  return {
    from: from !== null && from <= MIN_QUERY_TIME_US ? null : from,
    to: to !== null && to >= MAX_QUERY_TIME_US ? null : to,
    tz,
  };
}
