// Syslog headers in their four forms, years of RFC 3164 lines, zones.
import { describe, expect, it } from 'vitest';
import { LogParser } from './parse-log.js';
import { SyslogParser, validZone, YearGuess, zonedToEpochUs } from './syslog.js';

const iso = (us: number | null): string | null => (us === null ? null : new Date(us / 1000).toISOString());

describe('syslog headers', () => {
  it('RFC 3164, RFC 3339 and RFC 5424 forms of one line give the same fields', () => {
    const p = new SyslogParser({ year: 2026 });
    const a = p.parse('Nov 22 06:11:29 mail sm-mta[4579]: 6AM6BTsh004579: from=<alice@acme.test>, size=329');
    const b = p.parse('2026-11-22T06:11:29.123456+00:00 mail sm-mta[4579]: 6AM6BTsh004579: from=<alice@acme.test>, size=329');
    const c = p.parse('<22>1 2026-11-22T06:11:29.123456+00:00 mail sm-mta 4579 - -  6AM6BTsh004579: from=<alice@acme.test>, size=329');
    for (const x of [a, b, c]) expect([x.host, x.program, x.pid, x.message]).toEqual(['mail', 'sm-mta', 4579, '6AM6BTsh004579: from=<alice@acme.test>, size=329']);
    expect([a.form, b.form, c.form]).toEqual(['rfc3164', 'rfc3339', 'rfc5424']);
    expect(iso(a.ts)).toBe('2026-11-22T06:11:29.000Z');
    expect(b.ts).toBe(c.ts);
    expect(b.ts! - a.ts!).toBe(123456);
    expect(c.pri).toBe(22);
    const d = p.parse('<22>1 2026-11-22T06:11:26.168165+00:00 mail dovecot - - [x@1 a="b\\"]"] master: Dovecot ready');
    expect([d.program, d.pid, d.message]).toEqual(['dovecot', null, 'master: Dovecot ready']);
  });

  it('TAI64N labels, lines without a tag, lines without a header', () => {
    const p = new SyslogParser();
    // 2^62 + 10 + 1700000000 seconds, 500 ms
    const label = `@${((1n << 62n) + 10n + 1700000000n).toString(16)}${(500_000_000).toString(16).padStart(8, '0')}`;
    const t = p.parse(`${label} dovecot: imap-login: Login: user=<x>`);
    expect([t.form, iso(t.ts), t.program, t.message]).toEqual(['tai64n', '2023-11-14T22:13:20.500Z', 'dovecot', 'imap-login: Login: user=<x>']);
    expect(p.parse('Nov  3 01:02:03 host just a message').message).toBe('just a message');
    expect(p.parse('no header at all')).toMatchObject({ form: 'none', ts: null, message: 'no header at all' });
  });

  it('infers the year: December then January with --year; before the file time without', () => {
    const g = new YearGuess(2005, 0, 'UTC');
    expect([g.yearOf(11, 31), g.yearOf(0, 1), g.yearOf(0, 2)]).toEqual([2005, 2006, 2006]);
    const ref = Date.UTC(2026, 0, 3);
    const h = new YearGuess(null, ref, 'UTC');
    expect([h.yearOf(11, 30), h.yearOf(0, 2), h.yearOf(0, 4), h.yearOf(0, 5)]).toEqual([2025, 2026, 2026, 2025]);
  });

  it('reads RFC 3164 times in the zone given, summer time included', () => {
    const p = new SyslogParser({ year: 2026, tz: 'Europe/Berlin' });
    expect(iso(p.parse('Jul  1 12:00:00 h x: y').ts)).toBe('2026-07-01T10:00:00.000Z');
    expect(iso(p.parse('Dec  1 12:00:00 h x: y').ts)).toBe('2026-12-01T11:00:00.000Z');
    expect(iso(zonedToEpochUs(2026, 0, 1, 0, 0, 0, 0, '-05:00'))).toBe('2026-01-01T05:00:00.000Z');
  });
});

describe('syslog header variants seen in the wild', () => {
  it('FreeBSD <facility.severity> before the host, no host at all, Solaris [ID n facility.severity]', () => {
    const p = new SyslogParser({ year: 2026 });
    // mail = 2, notice = 5: PRI 2 * 8 + 5; auth = 4, info = 6: 38
    expect(p.parse('Mar  7 10:00:00 <mail.notice> mx sendmail[12]: msg here')).toMatchObject({ host: 'mx', program: 'sendmail', pid: 12, message: 'msg here', pri: 21 });
    expect(p.parse('Jul 14 10:00:00 sshd[8148]: Failed password for x')).toMatchObject({ host: null, program: 'sshd', pid: 8148, message: 'Failed password for x' });
    expect(p.parse('Mar  7 10:00:00 host sshd[123]: [ID 800047 auth.info] Failed password for y')).toMatchObject({ host: 'host', program: 'sshd', pid: 123, message: 'Failed password for y', pri: 38 });
    expect(p.parse('Mar  7 10:00:00 host kernel: audit(1234.5:0): x')).toMatchObject({ program: 'kernel', message: 'audit(1234.5:0): x' });
  });
});

describe('years, zones and values out of range', () => {
  it('--year: a late line of the old year after the new year has begun stays in the old year and does not move the new one', () => {
    const p = new SyslogParser({ year: 2023 });
    const got = ['Dec 31 23:59:58 h a: x', 'Jan  1 00:00:01 h a: x', 'Dec 31 23:59:59 h a: x', 'Jan  1 00:00:02 h a: x'].map((l) => iso(p.parse(l).ts));
    expect(got).toEqual(['2023-12-31T23:59:58.000Z', '2024-01-01T00:00:01.000Z', '2023-12-31T23:59:59.000Z', '2024-01-01T00:00:02.000Z']);
  });

  it('the year from the file time is taken in the zone of the lines', () => {
    // written 2024-01-01 05:00 in Tokyo (2023-12-31 20:00 UTC): "Jan  1 04:59" is 2024-01-01 in Tokyo
    const p = new SyslogParser({ refMs: Date.UTC(2023, 11, 31, 20, 0, 0), tz: 'Asia/Tokyo' });
    expect(iso(p.parse('Jan  1 04:59:00 h a: x').ts)).toBe('2023-12-31T19:59:00.000Z');
  });

  it('a pid or a time that cannot be stored is null, the line is kept; impossible fixed offsets are refused', () => {
    const p = new SyslogParser({ year: 2026 });
    expect(p.parse('Nov 22 06:11:26 host prog[99999999999999999999]: x')).toMatchObject({ program: 'prog', pid: null, message: 'x' });
    expect(p.parse('@4fffffffffffffff00000000 prog: x')).toMatchObject({ form: 'tai64n', ts: null, program: 'prog', message: 'x' });
    expect([validZone('+25:00'), validZone('+05:30'), validZone('-12:00'), validZone('+05:75')]).toEqual([false, true, true, false]);
    // dates that do not exist are no time; years below 100 are themselves
    expect(p.parse('Feb 30 10:00:00 h a: x')).toMatchObject({ ts: null, program: 'a', message: 'x' });
    expect(p.parse('2026-11-22T25:61:61Z h a: x').ts).toBe(null);
    expect(iso(p.parse('0099-03-01T00:00:00Z h a: x').ts)).toBe('0099-03-01T00:00:00.000Z');
  });
});

describe('RFC 5424 MSGID and STRUCTURED-DATA', () => {
  it('are kept (the RFC\'s own example), and a parsed line carries them in its fields', () => {
    const line = '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \ufeffAn application event log entry';
    const h = new SyslogParser().parse(line);
    expect(h).toMatchObject({ form: 'rfc5424', host: 'mymachine.example.com', program: 'evntslog', pid: null, msgid: 'ID47', sd: '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]', message: 'An application event log entry' });
    expect(iso(h.ts)).toBe('2003-10-11T22:14:15.003Z');
    expect(new LogParser().parse(line)).toMatchObject({ parse_ok: false, fields: { syslog_msgid: 'ID47', syslog_sd: '[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"]' } });
  });
});
