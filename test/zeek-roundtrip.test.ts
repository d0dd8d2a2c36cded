// The Zeek writers and their inverse: a record written as a Zeek log (TSV and JSON), read back by the log's
// #types and through zeekToRecord, gives back every field Zeek carries (fast-check, every log); any string
// survives Zeek's TSV escaping; and the gen captures' real records make the same round trip.
import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZEEK_FTP_COMMANDS, ZEEK_UNKNOWN_USER } from '../src/formats/zeek/logs/ftp.js';
import { ZEEK_LOGS } from '../src/formats/zeek/zeek-logs.js';
import { jsonString, parseZeekField, parseZeekTime, zeekFieldText, zeekJsonSeconds, zeekJsonTime, zeekString, zeekTime } from '../src/formats/zeek/zeek-text.js';
import { zeekToRecord } from '../src/formats/zeek/zeek-to-record.js';
import type { Row, ZeekLog } from '../src/formats/zeek/zeek-types.js';
import { ZeekLogWriter } from '../src/formats/zeek/zeek-writer.js';
import type { FieldDef } from '../src/schema/schema.js';
import { GEN } from './helpers/run.js';
import { decodeZeekJson, decodeZeekTsv, tablesOf } from './helpers/zeek-export.js';

const RUNS = process.env.CI === 'true' ? 200 : 60;

function write(log: ZeekLog, rows: readonly Row[], json: boolean): string {
  let text = '';
  const w = new ZeekLogWriter(log, json, (s) => { text += s; }, 0);
  for (const r of rows) w.row(r);
  w.end();
  return text;
}

/** The fields a log carries back exactly. */
const carried = (log: ZeekLog): string[] => [...new Set(log.columns.flatMap((c) => c.carries ?? []))];

/** Our record -> Zeek text -> decoded row -> zeekToRecord, both forms; returns the records read back. */
function roundTrip(log: ZeekLog, r: Row): Row[] {
  const out: Row[] = [];
  for (const json of [false, true]) {
    const text = write(log, [r], json);
    const rows = json ? decodeZeekJson(log.path, text) : decodeZeekTsv(text);
    expect(rows.length).toBe(1);
    const back = zeekToRecord(log.path, rows[0]!);
    expect(back?.table).toBe(log.schema.name);
    for (const f of log.schema.fields) expect(back!.record, f.name).toHaveProperty(f.name);
    out.push(back!.record);
  }
  return out;
}

const text = fc.string({ unit: 'binary', maxLength: 24 });
const nonEmpty = fc.string({ unit: 'binary', minLength: 1, maxLength: 24 });
const word = fc.stringMatching(/^[A-Za-z0-9@._-]{1,16}$/);

function fieldArb(f: FieldDef): fc.Arbitrary<unknown> {
  let a: fc.Arbitrary<unknown>;
  switch (f.type) {
    case 'string': a = text; break;
    case 'int': a = fc.nat({ max: 2 ** 31 }); break;
    case 'float': a = fc.integer({ min: 0, max: 1e9 }).map((k) => k / 1e6); break;
    case 'bool': a = fc.boolean(); break;
    case 'timestamp': a = fc.integer({ min: 0, max: 4_000_000_000_000_000 }); break;
    case 'string[]': a = fc.array(nonEmpty, { maxLength: 4 }); break;
    case 'int[]': a = fc.array(fc.nat({ max: 1_000_000 }), { maxLength: 4 }); break;
    case 'json': return fc.constant(null);
  }
  return f.nullable ? fc.option(a, { nil: null }) : a;
}

const dn = fc.array(fc.tuple(fc.constantFrom('C', 'ST', 'L', 'O', 'OU', 'CN', 'Email'), fc.stringMatching(/^[A-Za-z0-9 .&-]{1,12}$/)), { minLength: 1, maxLength: 5 })
  .map((rdns) => rdns.map(([k, v]) => `${k}=${v}`).join(', '));

/** Values where our field has a form the Zeek column relies on (names from a list, one hop of a DN, ...). */
const CONSTRAINTS: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
  conn: {
    proto: fc.constantFrom('tcp', 'udp', 'icmp', 'icmpv6', 'sctp', 'gre', '99'),
    app_proto: fc.constantFrom(null, 'tls', 'http', 'dns', 'smtp', 'ssh', 'ftp-data', 'vxlan'),
    duration: fc.integer({ min: 1, max: 1e9 }).map((k) => k / 1e6),
    tunnel_parents: fc.option(fc.array(nonEmpty, { minLength: 1, maxLength: 3 }), { nil: null }),
  },
  ssl: { cipher: fc.option(fc.nat({ max: 65535 }), { nil: null }), cert_sha256: fc.option(nonEmpty, { nil: null }) },
  x509: { cert_sha256: nonEmpty, subject: fc.option(dn, { nil: null }), issuer: fc.option(dn, { nil: null }) },
  http: { version: fc.option(text.map((v) => `HTTP/${v}`), { nil: null }), status_msg: fc.option(text.filter((s) => s !== '<empty>'), { nil: null }) },
  files: { source: fc.constantFrom('smtp', 'http', 'ftp-data', 'pop3', 'imap') },
  // smtp.log has a line for a message sent over SMTP (one fetched over POP3/IMAP has none)
  smtp: { fetched_via: fc.constant(null), fetch_command: fc.constant(null) },
  dns: {
    qclass_name: fc.constantFrom(null, 'IN', 'CH', 'HS', 'ANY', 'NONE'),
    qtype_name: fc.constantFrom(null, 'A', 'AAAA', 'ANY', 'TYPE65534', 'TXT'),
    opcode_name: fc.constantFrom('query', 'iquery', 'status', 'notify', 'update', 'dso'),
  },
  // a line is written for the commands Zeek logs; '<unknown>' is Zeek's user before USER
  ftp: { command: fc.constantFrom(...ZEEK_FTP_COMMANDS), user: fc.option(text.filter((u) => u !== ZEEK_UNKNOWN_USER), { nil: null }) },
  ssh: Object.fromEntries(['cipher', 'mac', 'compression'].flatMap((k) => [`${k}_c2s`, `${k}_s2c`]).map((f) => [f, fc.option(word, { nil: null })])),
};

function recordArb(log: ZeekLog): fc.Arbitrary<Row> {
  const over = CONSTRAINTS[log.path] ?? {};
  const fields = Object.fromEntries(log.schema.fields.map((f) => [f.name, over[f.name] ?? fieldArb(f)]));
  return fc.record(fields).map((r) => {
    const o = r as Row;
    if (log.path === 'conn') o.end_time = (o.start_time as number) + Math.round((o.duration as number) * 1e6);
    // without a response the response flags are unknown (Zeek writes its defaults)
    if (log.path === 'dns') {
      if (o.rcode === null) [o.aa, o.tc, o.ra] = [null, null, null];
      else for (const f of ['aa', 'tc', 'ra']) o[f] ??= false;
    }
    // an algorithm is chosen for both directions from the two KEXINITs, or for neither
    // ACCT's argument is a credential: the record never has one (and an imported one is dropped)
    if (log.path === 'ftp' && o.command === 'ACCT') o.arg = null;
    if (log.path === 'ssh') for (const k of ['cipher', 'mac', 'compression']) if (o[`${k}_c2s`] === null || o[`${k}_s2c`] === null) [o[`${k}_c2s`], o[`${k}_s2c`]] = [null, null];
    return o;
  });
}

describe('record -> Zeek row -> zeekToRecord', () => {
  for (const log of ZEEK_LOGS) {
    const fields = carried(log);
    it(`${log.path} (${log.schema.name}): ${fields.length} fields come back, TSV and JSON`, () => {
      expect(fields.length).toBeGreaterThan(log.path === 'weird' ? 3 : 4);
      fc.assert(fc.property(recordArb(log), (r) => {
        for (const back of roundTrip(log, r)) for (const f of fields) expect(back[f], f).toEqual(r[f]);
      }), { numRuns: RUNS });
    });
  }

  it('the columns with no field of ours go to extra, and unknown columns too', () => {
    const back = zeekToRecord('conn', { ts: 1_000_000, uid: 'Cx', history: 'ShADadFf', vlan: 7, proto: 'tcp', ip_proto: 6 });
    expect(back!.extra).toEqual({ history: 'ShADadFf', vlan: 7 });
    expect(back!.record.proto).toBe('tcp');
    expect(back!.record.start_time).toBe(1_000_000);
    expect(zeekToRecord('known_hosts', { ts: 1 })).toBeNull();
    // a conn.log without ip_proto (Zeek before 6.1): ICMP over IPv6 by its address
    expect(zeekToRecord('conn', { 'id.orig_h': 'fe80::1', proto: 'icmp' })!.record.proto).toBe('icmpv6');
    expect(zeekToRecord('conn', { 'id.orig_h': '10.0.0.1', proto: 'icmp' })!.record.proto).toBe('icmp');
  });

  it('notice rows go to findings when the note is Haystack::Finding, else to alerts', () => {
    expect(zeekToRecord('notice', { note: 'Haystack::Finding', msg: 'iban' })!.table).toBe('findings');
    const other = zeekToRecord('notice', { note: 'SSL::Invalid_Server_Cert', msg: 'bad cert', sub: 'x' })!;
    expect(other.table).toBe('alerts');
    expect(other.record).toMatchObject({ msg: 'bad cert', classtype: 'SSL::Invalid_Server_Cert', sid: null });
  });

  it('x509 rows are certificate fields to merge into the tls row of the same cert_sha256', () => {
    const back = zeekToRecord('x509', { fingerprint: 'ab', 'certificate.subject': 'CN=x,O=y', 'san.dns': ['a.example', 'b.example'], 'san.ip': ['192.0.2.1'] })!;
    expect(back).toMatchObject({ table: 'tls', mergeOn: 'cert_sha256' });
    expect(back.record).toMatchObject({ cert_sha256: 'ab', subject: 'O=y, CN=x', san: ['DNS:a.example', 'DNS:b.example', 'IP Address:192.0.2.1'] });
  });
});

describe('Zeek TSV values', () => {
  it('any string survives escaping, alone and as a set element (non-empty: Zeek writes an empty element as (empty))', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.array(fc.string({ unit: 'binary', minLength: 1 }), { minLength: 1, maxLength: 5 }), (s, set) => {
      const t = zeekString(s);
      expect(t).not.toMatch(/[\t\n\r]|^-$/);
      expect(parseZeekField(t, 'string')).toBe(s);
      const f = zeekFieldText(set, 'set[string]');
      expect(f.includes('\t') || f.includes('\n')).toBe(false);
      expect(parseZeekField(f, 'set[string]')).toEqual(set);
    }), { numRuns: RUNS * 5 });
  });

  it('escapes as Zeek: control bytes, the backslash and (in sets) the comma as \\xHH; - and (empty) reserved', () => {
    expect(zeekString('a\tb\\c\x7f')).toBe('a\\x09b\\x5cc\\x7f');
    expect(zeekString('a,b')).toBe('a,b');
    expect(zeekFieldText(['a,b', 'c'], 'set[string]')).toBe('a\\x2cb,c');
    expect(zeekString('-')).toBe('\\x2d');
    expect(zeekString('(empty)')).toBe('\\x28empty)');
    expect(zeekString('')).toBe('(empty)');
    expect(zeekString('grüße')).toBe('grüße');
    expect(zeekFieldText([], 'vector[string]')).toBe('(empty)');
    expect(zeekFieldText(null, 'count')).toBe('-');
    expect(zeekFieldText([1.5, 2], 'vector[interval]')).toBe('1.500000,2.000000');
  });

  it('times: epoch seconds with exactly 6 decimals, read back to the µs', () => {
    expect(zeekTime(1_300_475_167_096_535)).toBe('1300475167.096535');
    expect(zeekTime(5)).toBe('0.000005');
    fc.assert(fc.property(fc.integer({ min: -4e15, max: 4e15 }), (us) => {
      expect(parseZeekTime(zeekTime(us))).toBe(us);
    }), { numRuns: RUNS * 5 });
  });

  it('the JSON fast paths: strings as JSON.stringify writes them, times and seconds as numbers of at most 6 decimals', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }), (a, b) => {
      expect(jsonString(a)).toBe(JSON.stringify(a));
      expect(jsonString(b)).toBe(JSON.stringify(b));
    }), { numRuns: RUNS * 5 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 4e15 }), (us) => {
      const t = zeekJsonTime(us);
      expect(t).toMatch(/^\d+\.\d{1,6}$/);
      expect(Math.round(Number(t) * 1e6)).toBe(us);
      expect(zeekJsonSeconds(us / 1e6)).toBe(t);
    }), { numRuns: RUNS * 5 });
  });

  it('Zeek JSON: one object per line, times as epoch seconds, unset fields left out, sets as arrays', () => {
    const conn = ZEEK_LOGS.find((l) => l.path === 'conn')!;
    const r: Row = Object.fromEntries(conn.schema.fields.map((f) => [f.name, null]));
    Object.assign(r, { uid: 'C1', start_time: 1_300_475_167_096_535, end_time: 1_300_475_167_096_535, duration: 0, proto: 'udp', src_ip: '10.0.0.1', src_port: 53, dst_ip: '10.0.0.2', dst_port: 5353, src_pkts: 1, dst_pkts: 0, src_bytes: 20, dst_bytes: 0, src_ip_bytes: 48, dst_ip_bytes: 0, state: 'S0', missed_bytes: 0, tunnel_parents: ['C0'] });
    const line = write(conn, [r], true).trimEnd();
    expect(line.split('\n').length).toBe(1);
    expect(JSON.parse(line)).toEqual({
      ts: 1300475167.096535, uid: 'C1', 'id.orig_h': '10.0.0.1', 'id.orig_p': 53, 'id.resp_h': '10.0.0.2', 'id.resp_p': 5353, proto: 'udp',
      conn_state: 'S0', missed_bytes: 0, orig_pkts: 1, orig_ip_bytes: 48, resp_pkts: 0, resp_ip_bytes: 0, tunnel_parents: ['C0'], ip_proto: 17,
    });
  });
});

describe('the gen captures\' records make the round trip', () => {
  for (const cap of ['mixed-home.pcap', 'http-put.pcap', 'smtp-attachments.pcap', 'tls-clients.pcapng', 'tunnels.pcap']) {
    it(cap, async () => {
      const tables = await tablesOf(join(GEN, cap));
      let n = 0;
      for (const log of ZEEK_LOGS) {
        const rows = (tables[log.schema.name] ?? []).filter((r) => log.keep?.(r) ?? true);
        const fields = carried(log).filter((f) => !(log.path === 'conn' && ['duration', 'src_bytes', 'dst_bytes', 'end_time'].includes(f)));
        for (const r of rows) {
          // a session Zeek gives no duration to (one instant) has no byte counts in conn.log
          const lasted = log.path !== 'conn' || (r.duration as number) > 0;
          for (const back of roundTrip(log, r)) {
            for (const f of fields) expect(back[f], `${log.path} ${f}`).toEqual(r[f]);
            if (lasted && log.path === 'conn') for (const f of ['duration', 'src_bytes', 'dst_bytes', 'end_time']) expect(back[f], f).toEqual(r[f]);
          }
          n++;
        }
      }
      expect(n).toBeGreaterThan(0);
    });
  }
});
