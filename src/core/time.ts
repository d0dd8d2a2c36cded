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
