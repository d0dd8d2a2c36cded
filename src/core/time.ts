// Time as integer µs since the epoch; ISO 8601 UTC text with microseconds for JSON and tables.

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** Date's range is ±8.64e15 ms; µs beyond it cannot be written as a date and are written as the number. */
const MAX_DATE_US = 8.64e18;

export function isoMicros(us: number): string {
  if (!(Math.abs(us) <= MAX_DATE_US)) return String(us);
  const sec = Math.floor(us / 1_000_000);
  if (sec !== cachedSecond) {
    // records come in time order, so the date part of the previous call is usually still right
    cachedSecond = sec;
    cachedPrefix = new Date(sec * 1000).toISOString().slice(0, 19); // 2024-01-02T03:04:05
  }
  return `${cachedPrefix}.${String(us - sec * 1_000_000).padStart(6, '0')}Z`;
}

/**
 * The times a query can name: ±9e15 µs since the epoch (1684-10-24T08:00:00Z to 2255-03-14T16:00:00Z). µs
 * must be integers a double holds exactly (under 2^53, about ±285 years); the margin under 2^53 keeps a time
 * aligned to its hour, day or week exact too. Records from captures and logs lie far inside it.
 */
export const MIN_QUERY_TIME_US = -9e15;
export const MAX_QUERY_TIME_US = 9e15;

/**
 * A time asked for in a query (--from, --to, --since, a filter: year 1 to 9999 is accepted) as whole µs
 * within the query range: a time before or after it is taken as the range's bound, which compares with every
 * record's time as the time itself would.
 */
export function queryTime(us: number): number {
  return Math.min(MAX_QUERY_TIME_US, Math.max(MIN_QUERY_TIME_US, Math.round(us)));
}
