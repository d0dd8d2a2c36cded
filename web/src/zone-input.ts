// Absolute times as the user types them, in the display zone (UTC by default), to the UTC ISO text the API
// takes; relative ones (now-1h, latest-7d) and times with an offset pass through.
import { showTime, zone } from './time.js';

const RELATIVE = /^(now|latest)(-\d+[smhdw])?$/;
const WALL = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?)?$/;

/** The zone's offset from UTC (ms) at a UTC instant. */
function offsetAt(utcMs: number, tz: string): number {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(new Date(utcMs))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** "2026-11-22 06:00" in `tz` as "2026-11-22T05:00:00Z"; throws on text that is no time. */
export function toUtc(text: string, tz: string = zone.value): string {
  const s = text.trim();
  if (s === '' || RELATIVE.test(s)) return s;
  const m = WALL.exec(s);
  if (m === null) {
    if (!/(Z|[+-]\d\d:?\d\d)$/.test(s) || Number.isNaN(Date.parse(s))) throw new Error(`not a time: ${s} (YYYY-MM-DD HH:MM:SS in ${tz}, an ISO time with an offset, now-1h or latest-7d)`);
    return new Date(Date.parse(s)).toISOString().replace('.000Z', 'Z');
  }
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  // the offset at the wall time read as UTC, then again at the instant found (a DST change in between)
  const utc = wall - offsetAt(wall - offsetAt(wall, tz), tz);
  const iso = new Date(utc).toISOString().slice(0, 19);
  return `${iso}${m[7] !== undefined ? `.${m[7]}` : ''}Z`;
}

/** A range end from the URL as the input shows it: UTC ISO in the display zone, relative ones as they are. */
export function fromUtc(v: string): string {
  return v === '' || RELATIVE.test(v) ? v : showTime(v);
}

/** A UTC instant in ms as the API's ISO text (whole ms). */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
