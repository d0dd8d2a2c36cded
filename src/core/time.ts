// Time as integer µs since the epoch; ISO 8601 UTC text with microseconds for JSON and tables.

export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const d = new Date(ms);
  const base = d.toISOString(); // 2024-01-02T03:04:05.678Z
  const micro = String(((us % 1000) + 1000) % 1000).padStart(3, '0');
  return `${base.slice(0, 23)}${micro}Z`;
}
