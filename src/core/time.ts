// Time as integer µs since the epoch; ISO 8601 UTC text with microseconds for JSON and tables.

let cachedSecond = Number.NaN;
let cachedPrefix = '';

export function isoMicros(us: number): string {
  const sec = Math.floor(us / 1_000_000);
  if (sec !== cachedSecond) {
    // records come in time order, so the date part of the previous call is usually still right
    cachedSecond = sec;
    cachedPrefix = new Date(sec * 1000).toISOString().slice(0, 19); // 2024-01-02T03:04:05
  }
  return `${cachedPrefix}.${String(us - sec * 1_000_000).padStart(6, '0')}Z`;
}
