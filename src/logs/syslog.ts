// Syslog headers: RFC 3164 ("Nov 22 06:11:26 host tag[pid]: msg", an optional <PRI> first; the year is not
// in the line), RFC 3339 / ISO 8601 stamps as rsyslog's file format writes them, RFC 5424 frames
// ("<PRI>1 TS HOST APP PROCID MSGID SD MSG", "-" for nil), and daemontools' TAI64N labels ("@4000..."). The
// header is split into time, host, program, pid and the message. Pure: time zones go through Intl.

export interface SyslogLine {
  /** µs since the epoch; null when the line has no time we can read */
  ts: number | null;
  host: string | null;
  program: string | null;
  pid: number | null;
  /** the message after the header (the whole line when there is no header) */
  message: string;
  /** which header form the line has */
  form: 'rfc3164' | 'rfc3339' | 'rfc5424' | 'tai64n' | 'none';
  /** facility and severity from <PRI>, when given */
  pri: number | null;
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};

/** The offset of a time zone at a UTC instant, in minutes east of UTC ("UTC", "+02:00", or an IANA name). */
export function zoneOffsetMinutes(tz: string, utcMs: number): number {
  const fixed = /^(?:UTC|GMT|Z)?([+-])(\d{1,2}):?(\d{2})?$/.exec(tz);
  if (fixed !== null) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3] ?? 0));
  if (/^(UTC|GMT|Z)$/i.test(tz)) return 0;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(new Date(utcMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60000);
}

/** Is this a time zone Haystack can use? */
export function validZone(tz: string): boolean {
  try {
    zoneOffsetMinutes(tz, 0);
    return true;
  } catch {
    return false;
  }
}

/** A wall-clock time in a zone to µs since the epoch (the offset of that moment, DST included). */
export function zonedToEpochUs(y: number, mo: number, d: number, h: number, mi: number, s: number, us: number, tz: string): number {
  const wall = Date.UTC(y, mo, d, h, mi, s);
  // the offset at the wall time read as UTC, then corrected once for a DST change between the two
  let off = zoneOffsetMinutes(tz, wall);
  const off2 = zoneOffsetMinutes(tz, wall - off * 60000);
  if (off2 !== off) off = off2;
  return (wall - off * 60000) * 1000 + us;
}

/**
 * The year of RFC 3164 lines, which do not carry it. With a year given, it is the first line's, and a month
 * that goes back (December -> January) starts the next one. Without, the reference time (the file's
 * modification time) is the latest a line can be: a date that would fall more than a day after it is in the
 * year before.
 */
export class YearGuess {
  private year: number;
  private lastMonth = -1;
  constructor(private readonly given: number | null, private readonly refMs: number, private readonly tz: string) {
    this.year = given ?? new Date(refMs).getUTCFullYear();
  }

  yearOf(month: number, day: number): number {
    if (this.given !== null) {
      if (this.lastMonth >= 0 && month < this.lastMonth && this.lastMonth - month >= 6) this.year++;
      this.lastMonth = month;
      return this.year;
    }
    const refYear = new Date(this.refMs).getUTCFullYear();
    const candidate = zonedToEpochUs(refYear, month, day, 0, 0, 0, 0, this.tz) / 1000;
    return candidate > this.refMs + 86_400_000 ? refYear - 1 : refYear;
  }
}

export interface SyslogOptions {
  /** the year of RFC 3164 lines, else inferred from refMs */
  year?: number | null;
  /** the time the RFC 3164 lines are not later than (the file's modification time), ms */
  refMs?: number;
  /** the zone RFC 3164 (and zone-less ISO) times are in; default UTC */
  tz?: string;
}

/** Parses syslog headers line by line (RFC 3164 years need the lines in order). */
export class SyslogParser {
  private readonly years: YearGuess;
  private readonly tz: string;

  constructor(o: SyslogOptions = {}) {
    this.tz = o.tz ?? 'UTC';
    this.years = new YearGuess(o.year ?? null, o.refMs ?? Date.now(), this.tz);
  }

  parse(line: string): SyslogLine {
    let rest = line;
    let pri: number | null = null;
    const p = /^<(\d{1,3})>/.exec(rest);
    if (p !== null) {
      pri = Number(p[1]);
      rest = rest.slice(p[0].length);
    }
    // RFC 5424: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]
    if (pri !== null) {
      const m = /^(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(rest);
      if (m !== null) {
        let after = rest.slice(m[0].length);
        const sd = structuredData(after);
        if (sd !== null) {
          after = after.slice(sd);
          if (after.startsWith(' ')) after = after.slice(1);
          if (after.startsWith('\ufeff')) after = after.slice(1);
          // rsyslog's message property keeps the blank that followed "tag:" in the original line
          if (after.startsWith(' ')) after = after.slice(1);
          const nil = (v: string): string | null => (v === '-' ? null : v);
          const proc = nil(m[5]!);
          return {
            ts: m[2] === '-' ? null : isoTime(m[2]!, this.tz), host: nil(m[3]!), program: nil(m[4]!),
            pid: proc !== null && /^\d+$/.test(proc) ? Number(proc) : null, message: after, form: 'rfc5424', pri,
          };
        }
      }
    }
    // TAI64N: "@" + 24 hex digits (2^62 + 10 + seconds, then nanoseconds)
    const t = /^@(4[0-9a-f]{15})([0-9a-f]{8}) /.exec(rest);
    if (t !== null) {
      const secs = Number(BigInt(`0x${t[1]}`) - (1n << 62n) - 10n);
      const ts = secs * 1_000_000 + Math.floor(parseInt(t[2]!, 16) / 1000);
      return { ...this.tag(rest.slice(t[0].length), null), ts, form: 'tai64n', pri };
    }
    const iso = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?) (\S+) /.exec(rest);
    if (iso !== null) {
      return { ...this.tag(rest.slice(iso[0].length), iso[2]!), ts: isoTime(iso[1]!, this.tz), form: 'rfc3339', pri };
    }
    const b = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? (\S+) /.exec(rest);
    if (b !== null && MONTHS[b[1]!.toLowerCase()] !== undefined) {
      const mo = MONTHS[b[1]!.toLowerCase()]!;
      const d = Number(b[2]);
      const year = this.years.yearOf(mo, d);
      const us = b[6] === undefined ? 0 : Number(b[6].padEnd(6, '0'));
      const ts = zonedToEpochUs(year, mo, d, Number(b[3]), Number(b[4]), Number(b[5]), us, this.tz);
      return { ...this.tag(rest.slice(b[0].length), b[7]!), ts, form: 'rfc3164', pri };
    }
    return { ts: null, host: null, program: null, pid: null, message: line, form: 'none', pri };
  }

  /** "tag[pid]: message" (or "tag: message"); a line without a tag keeps all of it as the message. */
  private tag(s: string, host: string | null): Omit<SyslogLine, 'ts' | 'form' | 'pri'> {
    const m = /^([^\s:[\]]+)(?:\[(\d+)\])?: ?/.exec(s);
    if (m === null) return { host, program: null, pid: null, message: s };
    return { host, program: m[1]!, pid: m[2] === undefined ? null : Number(m[2]), message: s.slice(m[0].length) };
  }
}

/** Length of the STRUCTURED-DATA at the start ("-" or one or more [id param="v"...]), or null if malformed. */
function structuredData(s: string): number | null {
  if (s.startsWith('-')) return 1;
  let p = 0;
  if (s[0] !== '[') return null;
  while (s[p] === '[') {
    p++;
    let quoted = false;
    for (; p < s.length; p++) {
      const c = s[p];
      if (quoted) {
        if (c === '\\') p++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === ']') break;
    }
    if (p >= s.length) return null;
    p++;
  }
  return p;
}

/** An ISO 8601 / RFC 3339 time to µs; without a zone it is in `tz`. */
function isoTime(s: string, tz: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (m === null) return null;
  const us = m[7] === undefined ? 0 : Number(m[7].slice(0, 6).padEnd(6, '0'));
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (m[8] === undefined) return zonedToEpochUs(y, mo - 1, d, h, mi, se, us, tz);
  const off = m[8] === 'Z' ? 0 : (m[8][0] === '-' ? -1 : 1) * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(-2)));
  return (Date.UTC(y, mo - 1, d, h, mi, se) - off * 60000) * 1000 + us;
}
