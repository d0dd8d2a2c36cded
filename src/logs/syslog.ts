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
  /** RFC 5424 MSGID and STRUCTURED-DATA (as written), when not nil */
  msgid?: string;
  sd?: string;
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};
/** The same, by the name as RFC 3164 writes it ([A-Z][a-z]{2}: only the first letter differs from MONTHS') */
const MONTH_OF = new Map(Object.entries(MONTHS).map(([k, v]) => [k[0]!.toUpperCase() + k.slice(1), v]));

const FIXED_ZONE = /^(?:UTC|GMT|Z)?([+-])(\d{1,2}):?(\d{2})?$/;
const UTC_ZONE = /^(UTC|GMT|Z)$/i;

/** A zone's offset when it is fixed ("UTC", "+02:00"), in minutes east of UTC; null for a named zone. */
function fixedOffset(tz: string): number | null {
  const fixed = FIXED_ZONE.exec(tz);
  if (fixed !== null) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3] ?? 0));
  if (UTC_ZONE.test(tz)) return 0;
  return null;
}

/** Formatters by zone (making one costs far more than formatting with it). */
const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = FORMATTERS.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    if (FORMATTERS.size >= 64) FORMATTERS.clear();
    FORMATTERS.set(tz, f);
  }
  return f;
}

/** The offset of a time zone at a UTC instant, in minutes east of UTC ("UTC", "+02:00", or an IANA name). */
export function zoneOffsetMinutes(tz: string, utcMs: number): number {
  const fixed = fixedOffset(tz);
  if (fixed !== null) return fixed;
  const parts = formatter(tz).formatToParts(new Date(utcMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60000);
}

/** Is this a time zone Haystack can use? */
export function validZone(tz: string): boolean {
  try {
    // a fixed offset is one that exists: within ±18:00, minutes below 60
    const fixed = FIXED_ZONE.exec(tz);
    if (fixed !== null && (Number(fixed[2]) > 18 || Number(fixed[3] ?? 0) >= 60 || Math.abs(fixedOffset(tz)!) > 18 * 60)) return false;
    zoneOffsetMinutes(tz, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Date.UTC for a date as written: NaN when it does not exist (Feb 30, hour 25; a leap second :60 is allowed),
 * and years 0-99 as themselves (Date.UTC reads them as 1900-1999).
 */
export function wallMs(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  if (mo < 0 || mo > 11 || d < 1 || h > 23 || mi > 59 || s > 60) return NaN;
  const t = new Date(Date.UTC(2000, mo, d, h, mi, s));
  t.setUTCFullYear(y, mo, d);
  if (t.getUTCDate() !== d) return NaN;
  return t.getTime();
}

/** A wall-clock time in a zone to µs since the epoch (the offset of that moment, DST included). */
export function zonedToEpochUs(y: number, mo: number, d: number, h: number, mi: number, s: number, us: number, tz: string): number {
  const wall = wallMs(y, mo, d, h, mi, s);
  return Number.isNaN(wall) ? NaN : wallToUtcMs(wall, tz) * 1000 + us;
}

/** A wall-clock time (ms, read as if it were UTC) in a zone to the UTC instant, ms. */
function wallToUtcMs(wall: number, tz: string): number {
  // the offset at the wall time read as UTC, then corrected once for a DST change between the two
  let off = zoneOffsetMinutes(tz, wall);
  const off2 = zoneOffsetMinutes(tz, wall - off * 60000);
  if (off2 !== off) off = off2;
  return wall - off * 60000;
}

/**
 * Wall-clock times of one zone to instants, as zonedToEpochUs does: a fixed zone by its offset, a named zone
 * through Intl with the last results kept (lines come in order, many to a second).
 */
class ZoneClock {
  private readonly fixed: number | null;
  private readonly cache = new Map<number, number>();
  private lastWall = Number.NaN;
  private lastUtc = 0;

  constructor(private readonly tz: string) {
    this.fixed = fixedOffset(tz);
  }

  /** µs since the epoch of a wall-clock time (month 0-based) */
  toEpochUs(y: number, mo: number, d: number, h: number, mi: number, s: number, us: number): number {
    const wall = wallMs(y, mo, d, h, mi, s);
    if (Number.isNaN(wall)) return NaN;
    if (this.fixed !== null) return (wall - this.fixed * 60000) * 1000 + us;
    if (wall === this.lastWall) return this.lastUtc * 1000 + us;
    let utc = this.cache.get(wall);
    if (utc === undefined) {
      utc = wallToUtcMs(wall, this.tz);
      if (this.cache.size >= 4096) this.cache.clear();
      this.cache.set(wall, utc);
    }
    this.lastWall = wall;
    this.lastUtc = utc;
    return utc * 1000 + us;
  }
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
  /** without a given year: the year of each (month, day) seen, as month * 100 + day */
  private readonly byDay = new Map<number, number>();
  constructor(private readonly given: number | null, private readonly refMs: number, private readonly tz: string) {
    this.year = given ?? new Date(refMs).getUTCFullYear();
  }

  yearOf(month: number, day: number): number {
    if (this.given !== null) {
      // lines in file order: a month far before the last one is the new year's; far after it, a late line of
      // the year before (it does not move the running year back)
      if (this.lastMonth >= 0 && month - this.lastMonth <= -6) this.year++;
      else if (this.lastMonth >= 0 && month - this.lastMonth >= 6) return this.year - 1;
      this.lastMonth = month;
      return this.year;
    }
    const cacheable = Number.isInteger(month) && Number.isInteger(day) && month >= 0 && month < 12 && day >= 0 && day < 100;
    const key = month * 100 + day;
    let y = cacheable ? this.byDay.get(key) : undefined;
    if (y === undefined) {
      // the latest year in which the date is not more than a day after the reference time (in the zone)
      const refYear = zonedYear(this.refMs, this.tz);
      y = refYear - 1;
      for (const c of [refYear + 1, refYear]) {
        if (zonedToEpochUs(c, month, day, 0, 0, 0, 0, this.tz) / 1000 <= this.refMs + 86_400_000) {
          y = c;
          break;
        }
      }
      if (cacheable) this.byDay.set(key, y);
    }
    return y;
  }
}

/** The calendar year at a time (ms) in a zone. */
function zonedYear(ms: number, tz: string): number {
  return new Date(ms + zoneOffsetMinutes(tz, ms) * 60_000).getUTCFullYear();
}

export interface SyslogOptions {
  /** the year of RFC 3164 lines, else inferred from refMs */
  year?: number | null;
  /** the time the RFC 3164 lines are not later than (the file's modification time), ms */
  refMs?: number;
  /** the zone RFC 3164 (and zone-less ISO) times are in; default UTC */
  tz?: string;
}

/** 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z in µs: the times kept (microseconds exact from 1684 to 2255) */
const MIN_TS = -62_135_596_800_000_000;
const MAX_TS = 253_402_300_800_000_000;
const PRI = /^<(\d{1,3})>/;
const RFC5424 = /^(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) /;
const TAI64N = /^@(4[0-9a-f]{15})([0-9a-f]{8}) /;
/** the RFC 3339 stamp in parts (the groups of ISO_TIME) and the host */
const ISO_LINE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})? (\S+) /;
const BSD = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? (\S+) /;
// a parenthesised part may hold a colon: "audit(1131538222.234:0):", "ioctl32(fdisk:515):"
const TAG = /^([^\s:[\]()]+(?:\([^\s()]*\))?)(?:\[(\d+)\])?: ?/;
const DIGITS = /^\d+$/;

/** Parses syslog headers line by line (RFC 3164 years need the lines in order). */
export class SyslogParser {
  private readonly years: YearGuess;
  private readonly tz: string;
  private readonly clock: ZoneClock;

  constructor(o: SyslogOptions = {}) {
    this.tz = o.tz ?? 'UTC';
    this.years = new YearGuess(o.year ?? null, o.refMs ?? Date.now(), this.tz);
    this.clock = new ZoneClock(this.tz);
  }

  /** The header of a line; a time outside years 1 to 9999 or a pid that is not a safe integer is null. */
  parse(line: string): SyslogLine {
    const h = this.header(line);
    if (h.ts !== null && !(Number.isInteger(h.ts) && h.ts >= MIN_TS && h.ts < MAX_TS)) h.ts = null;
    if (h.pid !== null && !Number.isSafeInteger(h.pid)) h.pid = null;
    return h;
  }

  private header(line: string): SyslogLine {
    let rest = line;
    let pri: number | null = null;
    const c0 = line.charCodeAt(0);
    if (c0 === 0x3c /* < */) {
      const p = PRI.exec(rest);
      if (p !== null) {
        pri = Number(p[1]);
        rest = rest.slice(p[0].length);
      }
    }
    // RFC 5424: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]
    if (pri !== null) {
      const m = RFC5424.exec(rest);
      if (m !== null) {
        let after = rest.slice(m[0].length);
        const sd = structuredData(after);
        if (sd !== null) {
          const sdText = after.slice(0, sd);
          after = after.slice(sd);
          if (after.startsWith(' ')) after = after.slice(1);
          if (after.startsWith('\ufeff')) after = after.slice(1);
          // rsyslog's message property keeps the blank that followed "tag:" in the original line
          if (after.startsWith(' ')) after = after.slice(1);
          const nil = (v: string): string | null => (v === '-' ? null : v);
          const proc = nil(m[5]!);
          const out: SyslogLine = {
            ts: m[2] === '-' ? null : this.isoTime(m[2]!), host: nil(m[3]!), program: nil(m[4]!),
            pid: proc !== null && DIGITS.test(proc) ? Number(proc) : null, message: after, form: 'rfc5424', pri,
          };
          if (m[6] !== '-') out.msgid = m[6]!;
          if (sdText !== '-') out.sd = sdText;
          return out;
        }
      }
    }
    const c = rest.charCodeAt(0);
    // TAI64N: "@" + 24 hex digits (2^62 + 10 + seconds, then nanoseconds)
    if (c === 0x40 /* @ */) {
      const t = TAI64N.exec(rest);
      if (t !== null) {
        const secs = Number(BigInt(`0x${t[1]}`) - (1n << 62n) - 10n);
        const ts = secs * 1_000_000 + Math.floor(parseInt(t[2]!, 16) / 1000);
        return tagged(rest.slice(t[0].length), null, ts, 'tai64n', pri);
      }
    } else if (c >= 0x30 && c <= 0x39) {
      const iso = ISO_LINE.exec(rest);
      if (iso !== null) return hosted(rest.slice(iso[0].length), iso[9]!, this.isoParts(iso), 'rfc3339', pri);
    } else if (c >= 0x41 && c <= 0x5a) {
      const b = BSD.exec(rest);
      const mo = b === null ? undefined : MONTH_OF.get(b[1]!);
      if (b !== null && mo !== undefined) {
        const d = Number(b[2]);
        const year = this.years.yearOf(mo, d);
        const us = b[6] === undefined ? 0 : Number(b[6].padEnd(6, '0'));
        const ts = this.clock.toEpochUs(year, mo, d, Number(b[3]), Number(b[4]), Number(b[5]), us);
        return hosted(rest.slice(b[0].length), b[7]!, ts, 'rfc3164', pri);
      }
    }
    return { ts: null, host: null, program: null, pid: null, message: line, form: 'none', pri };
  }

  /** An ISO 8601 / RFC 3339 time to µs; without a zone it is in the parser's zone. */
  private isoTime(s: string): number | null {
    const m = ISO_TIME.exec(s);
    return m === null ? null : this.isoParts(m);
  }

  /** µs of a time split as ISO_TIME (or ISO_LINE) splits it */
  private isoParts(m: RegExpExecArray): number {
    const us = m[7] === undefined ? 0 : Number(m[7].slice(0, 6).padEnd(6, '0'));
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const h = Number(m[4]);
    const mi = Number(m[5]);
    const se = Number(m[6]);
    const z = m[8];
    if (z === undefined) return this.clock.toEpochUs(y, mo - 1, d, h, mi, se, us);
    const off = z === 'Z' ? 0 : (z[0] === '-' ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(-2)));
    return (wallMs(y, mo - 1, d, h, mi, se) - off * 60000) * 1000 + us;
  }
}

/** "tag[pid]: message" (or "tag: message") after the header; a line without a tag keeps all of it as the message. */
function tagged(s: string, host: string | null, ts: number | null, form: SyslogLine['form'], pri: number | null): SyslogLine {
  const m = TAG.exec(s);
  if (m === null) return { host, program: null, pid: null, message: s, ts, form, pri };
  return solarisId({ host, program: m[1]!, pid: m[2] === undefined ? null : Number(m[2]), message: s.slice(m[0].length), ts, form, pri });
}

/** FreeBSD syslogd -v writes "<facility.severity>" between the time and the host */
const FAC_SEV = /^<([a-z0-9]+)\.([a-z]+)>$/;
const NEXT_TOKEN = /^(\S+) /;
/** the tag of a line without a host: "sshd[8148]:", "pop3-login:", "auth-worker(123):"; "[sshd]:" or "[sshd]" */
const HOSTLESS_TAG = /^([^\s:[\]()<>]+(?:\([^\s()]*\))?)(?:\[(\d+)\])?: ?/;
const BRACKET_TAG = /^\[([^\s\]]+)\]:? ?/;
const IPV6_HOST = /^[0-9A-Fa-f:.]+$/;
/** Solaris: "[ID 800047 auth.info] " after the tag */
const SOLARIS_ID = /^\[ID \d+ ([a-z0-9]+)\.([a-z]+)\] /;

/**
 * The host field of an RFC 3164 or RFC 3339 line, then the tag. Some writers put "<facility.severity>" before
 * the host (FreeBSD syslogd -v); some write no host at all (local files, dovecot's own log files): the token
 * after the time is then the tag itself ("sshd[8148]:", "[sshd]", "imap-login:"), never an IPv6 address.
 */
function hosted(s: string, host: string, ts: number | null, form: SyslogLine['form'], pri: number | null): SyslogLine {
  const fs = host.charCodeAt(0) === 0x3c /* < */ ? FAC_SEV.exec(host) : null;
  if (fs !== null) {
    const h = NEXT_TOKEN.exec(s);
    if (h !== null) {
      pri = priOf(fs[1]!, fs[2]!) ?? pri;
      host = h[1]!;
      s = s.slice(h[0].length);
    }
  }
  const last = host.charCodeAt(host.length - 1);
  if (host.charCodeAt(0) === 0x5b /* [ */ && (last === 0x5d /* ] */ || last === 0x3a /* : */)) {
    const b = BRACKET_TAG.exec(`${host} ${s}`);
    if (b !== null) return solarisId({ host: null, program: b[1]!, pid: null, message: `${host} ${s}`.slice(b[0].length), ts, form, pri });
  }
  if (last === 0x3a /* : */ && !(IPV6_HOST.test(host) && host.includes('::'))) {
    const line = `${host} ${s}`;
    const m = HOSTLESS_TAG.exec(line);
    if (m === null) return { host: null, program: null, pid: null, message: line, ts, form, pri };
    return solarisId({ host: null, program: m[1]!, pid: m[2] === undefined ? null : Number(m[2]), message: line.slice(m[0].length), ts, form, pri });
  }
  return tagged(s, host, ts, form, pri);
}

function solarisId(l: SyslogLine): SyslogLine {
  if (l.message.charCodeAt(0) !== 0x5b /* [ */) return l;
  const m = SOLARIS_ID.exec(l.message);
  if (m === null) return l;
  return { ...l, message: l.message.slice(m[0].length), pri: l.pri ?? priOf(m[1]!, m[2]!) };
}

const FACILITIES: Readonly<Record<string, number>> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11, ntp: 12, security: 13, console: 14,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};
const SEVERITIES: Readonly<Record<string, number>> = {
  emerg: 0, panic: 0, alert: 1, crit: 2, err: 3, error: 3, warning: 4, warn: 4, notice: 5, info: 6, debug: 7,
};

/** <PRI> of facility and severity names ("mail", "notice"), or null for a name we do not know */
function priOf(facility: string, severity: string): number | null {
  const f = FACILITIES[facility];
  const v = SEVERITIES[severity];
  return f === undefined || v === undefined ? null : f * 8 + v;
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

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})?$/;
