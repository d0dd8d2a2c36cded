// Times as the console shows them: ISO 8601 from the API, displayed in the zone the user chose (UTC by
// default), with the microseconds the records carry.
import { signal } from '@preact/signals';

export const zone = signal<string>(localStorage.getItem('haystack.tz') ?? 'UTC');

export function setZone(tz: string): void {
  zone.value = tz;
  localStorage.setItem('haystack.tz', tz);
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** "2026-11-22 06:11:29.123456" in the chosen zone (µs from the ISO text). */
export function showTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  let f = formats.get(zone.value);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('sv-SE', { timeZone: zone.value, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formats.set(zone.value, f);
  }
  const frac = /\.(\d+)Z$/.exec(iso)?.[1] ?? '';
  return `${f.format(d)}${frac !== '' ? `.${frac}` : ''}`;
}
