// `haystack import zeek|eve` end to end into DuckDB and a ClickHouse server, with a small test-only mapping
// (conn.log -> sessions, EVE flow -> sessions, EVE alert -> alerts): rows with the log's uids, origin, sensor
// and extra; bad lines as anomalies naming file and line; the same files twice = nothing written; an
// interrupted import leaves nothing visible and is redone whole; a store made before origin/extra gets them.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runWith } from '../src/cli/commands/import.js';
import { HaystackError } from '../src/core/errors.js';
import { commandIo } from '../src/cli/io.js';
import type { ImportMapper, MappedRecord, ZeekRow } from '../src/formats/import/mapper.js';
import { importFile, importFiles, type ImportOutcome } from '../src/pipeline/import.js';
import { parseFilter } from '../src/query/filter.js';
import { SESSIONS } from '../src/schema/sessions.js';
import { RECORD_SCHEMAS } from '../src/schema/registry.js';
import { openStore } from '../src/store/open.js';
import { committed, tableNamer } from '../src/store/reports.js';
import { records } from '../src/store/search.js';
import type { CaptureWriter, Store } from '../src/store/store.js';
import { clickhouseBinary, startClickHouse, type ClickHouseServer } from './helpers/clickhouse-server.mjs';
import { cli, scratchDir } from './helpers/cli.js';
import { ROOT } from './helpers/run.js';

const scratch = scratchDir('import');
const bin = clickhouseBinary();
let server: ClickHouseServer | null = null;
afterAll(async () => server?.stop());

// --- the test-only mapping ---------------------------------------------------------------------------------
const CONN_MAPPED = new Set(['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'duration', 'orig_bytes', 'resp_bytes', 'conn_state']);

function session(uid: string, start: number, duration: number, p: { proto: string; src: string; sport: number; dst: string; dport: number; ob: number; rb: number; state: string }): Record<string, unknown> {
  return {
    uid, community_id: null, start_time: start, end_time: start + Math.round(duration * 1e6), duration, proto: p.proto,
    src_ip: p.src, src_port: p.sport, dst_ip: p.dst, dst_port: p.dport, src_pkts: 0, dst_pkts: 0, src_bytes: p.ob, dst_bytes: p.rb,
    src_ip_bytes: 0, dst_ip_bytes: 0, src_frame_bytes: 0, dst_frame_bytes: 0, state: p.state, missed_bytes: 0,
  };
}

const MAPPER: ImportMapper = {
  zeek(log: string, row: ZeekRow): MappedRecord | null {
    if (log === 'ssl') {
      const fps = row.cert_chain_fps as string[] | null | undefined;
      return {
        table: 'tls',
        record: { uid: row.uid, ts: row.ts, src_ip: row['id.orig_h'], src_port: row['id.orig_p'], dst_ip: row['id.resp_h'], dst_port: row['id.resp_p'], transport: 'tcp', sni: row.server_name ?? null, cert_sha256: fps?.[0] ?? null },
        extra: null,
      };
    }
    if (log === 'x509') {
      return {
        table: 'tls', mergeOn: 'cert_sha256',
        record: { cert_sha256: row.fingerprint, subject: row['certificate.subject'], issuer: row['certificate.issuer'], not_after: row['certificate.not_valid_after'] },
        extra: { 'certificate.key_type': row['certificate.key_type'] },
      };
    }
    if (log !== 'conn') return null;
    if (row.uid === 'CThrow') throw new HaystackError('HAYSTACK_LOG_FORMAT', 'conn: a row the mapping cannot read');
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) if (!CONN_MAPPED.has(k) && v !== null && v !== undefined) extra[k] = v;
    return {
      table: 'sessions',
      record: session(row.uid as string, row.ts as number, (row.duration ?? 0) as number, {
        proto: row.proto as string, src: row['id.orig_h'] as string, sport: row['id.orig_p'] as number, dst: row['id.resp_h'] as string,
        dport: row['id.resp_p'] as number, ob: (row.orig_bytes ?? 0) as number, rb: (row.resp_bytes ?? 0) as number, state: (row.conn_state ?? 'OTH') as string,
      }),
      extra,
    };
  },
  eve(e: Record<string, unknown>): MappedRecord[] {
    const ts = Date.parse(String(e.timestamp).replace(/(\.\d{3})\d*/, '$1')) * 1000;
    const uid = e.flow_id === undefined ? null : String(e.flow_id as number);
    const ends = { proto: String(e.proto).toLowerCase(), src: e.src_ip as string, sport: e.src_port as number, dst: e.dest_ip as string, dport: e.dest_port as number };
    if (e.event_type === 'flow') {
      const f = e.flow as Record<string, unknown>;
      return [{ table: 'sessions', record: session(uid!, ts, 1, { ...ends, ob: f.bytes_toserver as number, rb: f.bytes_toclient as number, state: 'SF' }), extra: { app_proto: e.app_proto } }];
    }
    if (e.event_type === 'alert') {
      const a = e.alert as Record<string, unknown>;
      return [{
        table: 'alerts',
        record: { ts, uid, community_id: null, src_ip: ends.src, src_port: ends.sport, dst_ip: ends.dst, dst_port: ends.dport, proto: ends.proto, app_proto: null, gid: a.gid, sid: a.signature_id, rev: a.rev, msg: a.signature, classtype: a.category, priority: a.severity, action: a.action, payload_excerpt: null },
        extra: null,
      }];
    }
    return [];
  },
};

// --- the inputs --------------------------------------------------------------------------------------------
const T0 = 1_796_637_600; // 2026-12-07T10:00:00Z
const HEADER = ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn', '#open\t2026-12-07-10-00-00'];

/** conn.log in TSV with its columns in an unusual order, and a dns block (not mapped) after it. */
function connTsv(uids: string[], t: number): string {
  return [
    ...HEADER,
    '#fields\tuid\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\thistory\ttunnel_parents',
    '#types\tstring\ttime\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tstring\tset[string]',
    ...uids.map((u, i) => `${u}\t${t + i}.000001\t10.0.0.${i + 1}\t${40000 + i}\t192.0.2.1\t443\ttcp\tssl\t1.5\t${100 + i}\t2000\tSF\tShADadFf\t(empty)`),
    '#close\t2026-12-07-11-00-00',
  ].join('\n') + '\n';
}

function writeZeekDir(dir: string): { tsv: string; json: string; dns: string } {
  const tsv = join(dir, 'conn.log');
  writeFileSync(tsv, connTsv(['CTsv1', 'CTsv2', 'CTsv3'], T0) +
    // line 13: too few columns; line 14: a count that is not one
    'CBad1\t1.0\n' + `CBad2\t${T0}.5\t10.0.0.9\t1\t192.0.2.1\t443\ttcp\t-\t1.0\tmany\t0\tSF\tS\t(empty)\n` +
    ['#separator \\x09', '#path\tdns', '#fields\tts\tuid\tquery', '#types\ttime\tstring\tstring', `${T0}.0\tCdns\texample.com`].join('\n') + '\n');
  // Zeek JSON, gzip-rotated: unset fields left out, a bad line between good ones
  const json = join(dir, 'conn.2026-12-07-10-00-00.log.gz');
  writeFileSync(json, gzipSync([
    JSON.stringify({ ts: T0 + 10.25, uid: 'CJson1', 'id.orig_h': '10.1.0.1', 'id.orig_p': 5353, 'id.resp_h': '224.0.0.251', 'id.resp_p': 5353, proto: 'udp', conn_state: 'S0', local_orig: true }),
    '{"ts":1796637611.0,"uid":"CJsonBad"',
    JSON.stringify({ _path: 'conn', ts: T0 + 12, uid: 'CJson2', 'id.orig_h': '10.1.0.2', 'id.orig_p': 1, 'id.resp_h': '10.1.0.3', 'id.resp_p': 2, proto: 'tcp', duration: 0.5, orig_bytes: 7, resp_bytes: 8, conn_state: 'SF', history: 'Dd' }),
  ].join('\n') + '\n'));
  const dns = join(dir, 'dns.log');
  writeFileSync(dns, ['#separator \\x09', '#fields\tts\tuid\tquery', '#types\ttime\tstring\tstring', `${T0}.0\tCdns2\texample.org`].join('\n') + '\n');
  // not a log: not picked from the directory
  writeFileSync(join(dir, 'notes.txt'), 'hello\n');
  return { tsv, json, dns };
}

function writeEve(path: string): void {
  const base = { timestamp: '2026-12-07T10:00:05.123456+0000', src_ip: '10.0.0.5', src_port: 51000, dest_ip: '198.51.100.7', dest_port: 80, proto: 'TCP' };
  writeFileSync(path, [
    JSON.stringify({ ...base, flow_id: 1234567890123456, event_type: 'flow', app_proto: 'http', flow: { pkts_toserver: 5, pkts_toclient: 4, bytes_toserver: 500, bytes_toclient: 4000 } }),
    JSON.stringify({ ...base, flow_id: 1234567890123456, event_type: 'alert', alert: { action: 'allowed', gid: 1, signature_id: 2100498, rev: 7, signature: 'GPL ATTACK_RESPONSE id check returned root', category: 'Potentially Bad Traffic', severity: 2 } }),
    JSON.stringify({ ...base, flow_id: 1234567890123456, event_type: 'dns', dns: { type: 'query', rrname: 'example.com' } }),
    '{"event_type": "alert", "flow_id": ',
    JSON.stringify({ ...base, flow_id: 77, event_type: 'stats' }).replace('"event_type":"stats"', '"event":"stats"'),
  ].join('\n') + '\n');
}

// --- helpers -----------------------------------------------------------------------------------------------
async function count(store: Store, table: string, where = '1 = 1'): Promise<number> {
  const t = tableNamer(store);
  const r = await store.select(`SELECT count(*) AS n FROM ${t(table)} WHERE ${committed(t, store.dialect)} AND ${where}`);
  return Number(r.rows[0]!.n);
}

async function runCli(argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const io = commandIo({ stdout: () => undefined, stderr: (s) => void (err += s), stdoutIsTty: false, stderrIsTty: false });
  const code = await runWith(argv, io, MAPPER);
  return { code, err };
}

const statuses = (rs: ImportOutcome[]): string[] => rs.map((r) => `${r.path.slice(r.path.lastIndexOf('/') + 1)} ${r.status}`);

async function check(url: string, dir: string): Promise<void> {
  const files = writeZeekDir(dir);
  const evePath = join(fresh('eve'), 'eve.json');
  writeEve(evePath);
  // through the command: a directory of Zeek logs, with a sensor name
  const first = await runCli(['zeek', dir, '--db', url, '--sensor', 'edge-1']);
  expect(first.err).toMatch(/conn\.log: 19 lines into .* sessions 3, anomalies 2; 2 lines could not be read .*; not mapped: dns 1/);
  expect(first.code).toBe(0);
  const store = await openStore(url);
  try {
    expect(await count(store, 'sessions')).toBe(5);
    expect(await count(store, 'captures')).toBe(3);
    // the rows through the console's query, by the provenance filter
    const page = await records(store, { table: 'sessions', where: [parseFilter('origin = "zeek" and sensor = "edge-1"', SESSIONS)], from: null, to: null, order: 'asc', limit: 100 });
    expect(page.rows.map((r) => r.uid)).toEqual(['CTsv1', 'CTsv2', 'CTsv3', 'CJson1', 'CJson2']);
    const r1 = page.rows[0]!;
    expect(r1).toMatchObject({ start_time: T0 * 1e6 + 1, end_time: T0 * 1e6 + 1 + 1_500_000, duration: 1.5, src_ip: '10.0.0.1', src_port: 40000, dst_ip: '192.0.2.1', dst_port: 443, src_bytes: 100, dst_bytes: 2000, state: 'SF', origin: 'zeek', sensor: 'edge-1' });
    expect(JSON.parse(r1.extra as string)).toEqual({ service: 'ssl', history: 'ShADadFf', tunnel_parents: [] });
    expect(page.rows[3]).toMatchObject({ start_time: (T0 + 10.25) * 1e6, duration: 0, proto: 'udp', state: 'S0' });
    expect(JSON.parse(page.rows[3]!.extra as string)).toEqual({ local_orig: true });
    expect(JSON.parse(page.rows[4]!.extra as string)).toEqual({ history: 'Dd' });
    // the bad lines, each an anomaly naming its file and line
    const t = tableNamer(store);
    const an = await store.select(`SELECT name, detail, origin FROM ${t('anomalies')} WHERE ${committed(t, store.dialect)} ORDER BY detail`);
    expect(an.rows).toEqual([
      { name: 'import_bad_line', detail: expect.stringMatching(/conn\.2026-12-07-10-00-00\.log\.gz line 2: not JSON/) as unknown, origin: null },
      { name: 'import_bad_line', detail: `${files.tsv} line 13: 2 columns, the #fields header names 14`, origin: null },
      { name: 'import_bad_line', detail: `${files.tsv} line 14: column orig_bytes: "many" is not a count`, origin: null },
    ]);
    // the captures rows: one per file, its form and counts
    const caps = await store.select(`SELECT path, format, packets, stats FROM ${t('captures')} ORDER BY path`);
    expect(caps.rows.map((r) => [String(r.path).slice(dir.length + 1), r.format, Number(r.packets)])).toEqual([
      ['conn.2026-12-07-10-00-00.log.gz', 'zeek-json', 3], ['conn.log', 'zeek', 19], ['dns.log', 'zeek', 4],
    ]);
    expect(JSON.parse(caps.rows[1]!.stats as string)).toMatchObject({ records: { sessions: 3, anomalies: 2 }, bad_lines: 2, unmapped: { dns: 1 }, sensor: 'edge-1' });

    // the same files again: nothing written
    const again = await importFiles(store, 'zeek', [dir], { mapper: MAPPER });
    expect(statuses(again)).toEqual(['conn.2026-12-07-10-00-00.log.gz already', 'conn.log already', 'dns.log already']);
    // the gzip file's text under another name, uncompressed: the same log, already there
    const plain = join(scratch, `conn-plain-${Math.random().toString(36).slice(2)}.log`);
    writeFileSync(plain, gunzipSync(readFileSync(files.json)));
    expect((await importFile(store, 'zeek', plain, { mapper: MAPPER })).status).toBe('already');
    expect(await count(store, 'sessions')).toBe(5);
    expect(await count(store, 'anomalies')).toBe(3);

    // a second file adds its rows
    const second = join(dir, 'conn.2026-12-07-11-00-00.log');
    writeFileSync(second, connTsv(['CNext1', 'CNext2'], T0 + 3600));
    expect(statuses(await importFiles(store, 'zeek', [second], { mapper: MAPPER }))).toEqual(['conn.2026-12-07-11-00-00.log imported']);
    expect(await count(store, 'sessions', "origin = 'zeek'")).toBe(7);

    // EVE: flow -> sessions with flow_id as uid, alert -> alerts, dns not mapped, two bad lines
    const eve = await importFiles(store, 'eve', [evePath], { mapper: MAPPER, sensor: 'ids-2' });
    expect(eve[0]).toMatchObject({ status: 'imported', lines: 5, bad: 2, records: { sessions: 1, alerts: 1, anomalies: 2 }, unmapped: { dns: 1 } });
    const flow = await store.select(`SELECT uid, origin, sensor, extra, src_bytes FROM ${t('sessions')} WHERE origin = 'suricata'`);
    expect(flow.rows).toEqual([{ uid: '1234567890123456', origin: 'suricata', sensor: 'ids-2', extra: '{"app_proto":"http"}', src_bytes: 500 }]);
    const alert = await store.select(`SELECT uid, sid, msg, origin, extra FROM ${t('alerts')}`);
    expect(alert.rows).toEqual([{ uid: '1234567890123456', sid: 2100498, msg: 'GPL ATTACK_RESPONSE id check returned root', origin: 'suricata', extra: null }]);
    expect((await store.select(`SELECT detail FROM ${t('anomalies')} WHERE detail LIKE '%eve.json%' ORDER BY detail`)).rows.map((r) => r.detail)).toEqual([
      expect.stringMatching(/eve\.json line 4: not JSON/) as unknown, `${evePath} line 5: no event_type`,
    ]);
    expect((await importFiles(store, 'eve', [evePath], { mapper: MAPPER }))[0]!.status).toBe('already');
    expect(await count(store, 'alerts')).toBe(1);
    // the directory: eve.json (there already) and a gzip rotation of it with one more flow
    const eveDir = evePath.slice(0, evePath.lastIndexOf('/'));
    const flow2 = JSON.stringify({ timestamp: '2026-12-07T10:00:06.000000+0000', flow_id: 99, event_type: 'flow', src_ip: '10.0.0.6', src_port: 1, dest_ip: '10.0.0.7', dest_port: 2, proto: 'UDP', flow: { bytes_toserver: 1, bytes_toclient: 2 } });
    writeFileSync(join(eveDir, 'eve.json.1.gz'), gzipSync(`${flow2}\n`));
    writeFileSync(join(eveDir, 'stats.txt'), 'not picked\n');
    expect(statuses(await importFiles(store, 'eve', [eveDir], { mapper: MAPPER }))).toEqual(['eve.json already', 'eve.json.1.gz imported']);
    expect((await store.select(`SELECT uid, proto FROM ${t('sessions')} WHERE ${committed(t, store.dialect)} AND origin = 'suricata' ORDER BY uid`)).rows).toEqual([
      { uid: '1234567890123456', proto: 'tcp' }, { uid: '99', proto: 'udp' },
    ]);

    // not a Zeek log, not an EVE file: an error naming the file, nothing written
    const notLog = join(scratch, 'syslog.txt');
    writeFileSync(notLog, 'Dec  7 10:00:00 host sshd[1]: hello\n');
    const bad = await importFile(store, 'zeek', notLog, { mapper: MAPPER });
    expect(bad).toMatchObject({ status: 'failed', error: { code: 'HAYSTACK_LOG_FORMAT', message: `${notLog}: not a Zeek log (neither a TSV log beginning with #separator nor JSON objects)` } });
    const zeekLog = join(scratch, 'other-conn.log');
    writeFileSync(zeekLog, connTsv(['COther'], T0));
    const notEve = await importFile(store, 'eve', zeekLog, { mapper: MAPPER });
    expect(notEve).toMatchObject({ status: 'failed', error: { message: `${zeekLog}: not a Suricata EVE file (its first line is not a JSON object with an event_type)` } });
    expect(await count(store, 'captures')).toBe(6);
  } finally {
    await store.close();
  }
}

/**
 * An import stopped after `after` rows: by a failure of the store (the writer's append throws, and the writer
 * aborts) or as if killed (the append throws and no abort runs at all). A mapping's own failure is a line's
 * anomaly, not a stop (see the hostile-input tests).
 */
async function interrupted(store: Store, path: string, after: number, killed: boolean): Promise<void> {
  let n = 0;
  const target = new Proxy(store, {
    get(s, k) {
      if (k !== 'begin') return Reflect.get(s, k) as unknown;
      return async (id: string | null): Promise<CaptureWriter> => {
        const w = await s.begin(id);
        return new Proxy(w, {
          get: (x, p) => {
            // the process died: nothing is cleaned up
            if (p === 'abort' && killed) return async () => undefined;
            if (p !== 'append') return Reflect.get(x, p) as unknown;
            const append = Reflect.get(x, p) as (...a: unknown[]) => unknown;
            return (...a: unknown[]) => {
              if (++n > after) throw new Error('stopped');
              return append.apply(x, a);
            };
          },
        });
      };
    },
  });
  await expect(importFile(target, 'zeek', path, { mapper: MAPPER })).rejects.toThrow('stopped');
}

async function checkInterrupted(url: string, killed: boolean): Promise<void> {
  const big = join(scratch, `conn-big-${Math.random().toString(36).slice(2)}.log`);
  // past 20,000 rows (ClickHouse's insert batch): rows of the stopped import have been sent
  const uids = Array.from({ length: 25000 }, (_, i) => `CBig${i}`);
  writeFileSync(big, connTsv(uids, T0));
  const store = await openStore(url);
  try {
    await store.init();
    await interrupted(store, big, 21000, killed);
    const t = tableNamer(store);
    if (killed) {
      // rows of the stopped import reached the table, and none of them is visible
      // (the INSERT in flight when it stopped lands a moment later)
      const landed = async (): Promise<number> => Number((await store.select(`SELECT count(*) AS n FROM ${t('sessions')}`)).rows[0]!.n);
      for (let i = 0; i < 50 && (await landed()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await landed()).toBeGreaterThan(0);
    }
    expect(await count(store, 'sessions')).toBe(0);
    expect((await records(store, { table: 'sessions', where: [], from: null, to: null, order: 'asc', limit: 10 })).rows).toEqual([]);
    expect(await count(store, 'captures')).toBe(0);
    // the next import writes it whole, once
    const r = await importFile(store, 'zeek', big, { mapper: MAPPER });
    expect(r.status).toBe('imported');
    expect(await count(store, 'sessions')).toBe(25000);
    expect(Number((await store.select(`SELECT count(DISTINCT uid) AS n FROM ${t('sessions')} WHERE ${committed(t, store.dialect)}`)).rows[0]!.n)).toBe(25000);
  } finally {
    await store.close();
  }
}

/** A store made before origin and extra existed gets them at init; old rows read null, imports fill them. */
async function checkMigration(url: string, dir: string): Promise<void> {
  let store = await openStore(url);
  const t = tableNamer(store);
  const exec = (sql: string): Promise<void> => (store as unknown as { exec(sql: string): Promise<void> }).exec(sql);
  try {
    await store.init();
    const old = join(dir, 'conn.log');
    writeFileSync(old, connTsv(['COld1'], T0));
    await importFile(store, 'zeek', old, { mapper: MAPPER });
    for (const s of RECORD_SCHEMAS) if (s.name !== 'captures') for (const c of ['origin', 'extra']) await exec(`ALTER TABLE ${t(s.name)} DROP COLUMN ${c}`);
    expect((await store.select(`SELECT * FROM ${t('sessions')} LIMIT 1`)).columns.map((c) => c.name)).not.toContain('origin');
  } finally {
    await store.close();
  }
  store = await openStore(url);
  try {
    await store.init();
    for (const s of RECORD_SCHEMAS) {
      if (s.name === 'captures') continue;
      const cols = (await store.select(`SELECT * FROM ${t(s.name)} LIMIT 1`)).columns.map((c) => c.name);
      expect(cols.slice(-2), s.name).toEqual(['origin', 'extra']);
    }
    const next = join(dir, 'conn.2026-12-07-12-00-00.log');
    writeFileSync(next, connTsv(['CNew1'], T0 + 7200));
    expect((await importFile(store, 'zeek', next, { mapper: MAPPER })).status).toBe('imported');
    const rows = await store.select(`SELECT uid, origin, extra FROM ${t('sessions')} ORDER BY uid`);
    expect(rows.rows).toEqual([{ uid: 'CNew1', origin: 'zeek', extra: '{"service":"ssl","history":"ShADadFf","tunnel_parents":[]}' }, { uid: 'COld1', origin: null, extra: null }]);
  } finally {
    await store.close();
  }
}

/** A new folder for one test's files. */
function fresh(name: string): string {
  const d = join(scratch, `${name}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(d);
  return d;
}

describe('haystack import (the verb as main() runs it, built-in mappings)', () => {
  it('prints its usage, refuses other kinds, and reads a directory', async () => {
    const help = await cli('import', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^haystack import zeek <dir\|file\.\.\.\|-> \[--db URL\] \[--sensor NAME\]/);
    const wrong = await cli('import', 'pcap', 'x');
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/unknown kind "pcap" \(zeek, eve\)/);
    expect((await cli('import', 'zeek')).code).toBe(2);
    const dir = fresh('verb');
    writeZeekDir(dir);
    const db = join(scratch, 'verb.duckdb');
    const r = await cli('import', 'zeek', dir, '--db', db);
    // whatever the built-in mappings keep, every file is read and its bad lines are anomalies
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/conn\.log: 19 lines into .*; 2 lines could not be read/);
    const none = await cli('import', 'zeek', join(dir, 'missing.log'), '--db', db);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/missing\.log: cannot read \(ENOENT\)/);
  }, 30_000);
});

/**
 * The import of `file` into the DuckDB file `db` in another process (dist/, with a conn -> sessions mapping of
 * its own), killed with SIGKILL once DuckDB has loaded its first segment of sessions rows into the file's open
 * transaction (small segments; a loaded segment's spool file is deleted). Returns the signal it died of.
 */
async function killedImport(db: string, file: string): Promise<NodeJS.Signals | null> {
  const script = `
    const { importFile } = await import(${JSON.stringify(join(ROOT, 'dist/pipeline/import.js'))});
    const { openStore } = await import(${JSON.stringify(join(ROOT, 'dist/store/open.js'))});
    const s = (r) => ({ uid: r.uid, community_id: '', start_time: r.ts, end_time: r.ts, duration: 0, proto: r.proto, src_ip: r['id.orig_h'], src_port: r['id.orig_p'],
      dst_ip: r['id.resp_h'], dst_port: r['id.resp_p'], src_pkts: 0, dst_pkts: 0, src_bytes: 0, dst_bytes: 0, src_ip_bytes: 0, dst_ip_bytes: 0, src_frame_bytes: 0, dst_frame_bytes: 0, state: 'SF', missed_bytes: 0 });
    const store = await openStore(process.argv[1]);
    await importFile(store, 'zeek', process.argv[2], { mapper: { zeek: (log, r) => ({ table: 'sessions', record: s(r), extra: null }), eve: () => [] } });
    await store.close();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, db, file], { stdio: 'ignore', env: { ...process.env, HAYSTACK_SPOOL_SEGMENT_BYTES: '16384' } });
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
  const spool = `${db}.spool`;
  const loaded = (): boolean => existsSync(join(spool, 'sessions-1.jsonl')) && !existsSync(join(spool, 'sessions-0.jsonl'));
  const deadline = Date.now() + 60_000;
  while (!loaded() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  expect(loaded()).toBe(true);
  child.kill('SIGKILL');
  return exited;
}

describe('import into DuckDB', () => {
  it('an import killed with SIGKILL midway leaves nothing visible; the next one writes it whole', async () => {
    const db = join(scratch, 'killed.duckdb');
    const store0 = await openStore(db);
    await store0.init();
    await store0.close();
    const big = join(scratch, 'conn-killed.log');
    writeFileSync(big, connTsv(Array.from({ length: 50_000 }, (_, i) => `CKill${i}`), T0));
    expect(await killedImport(db, big)).toBe('SIGKILL');
    const store = await openStore(db);
    try {
      expect(await count(store, 'sessions')).toBe(0);
      expect(Number((await store.select('SELECT count(*) AS n FROM sessions')).rows[0]!.n)).toBe(0);
      expect(await count(store, 'captures')).toBe(0);
      expect((await importFile(store, 'zeek', big, { mapper: MAPPER })).status).toBe('imported');
      expect(existsSync(`${db}.spool`)).toBe(false);
      const r = await store.select('SELECT count(*) AS n, count(DISTINCT uid) AS d FROM sessions');
      expect([Number(r.rows[0]!.n), Number(r.rows[0]!.d)]).toEqual([50_000, 50_000]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('zeek and eve: rows, provenance, anomalies, idempotency, a second file, files that are neither', async () => {
    await check(join(scratch, 'a.duckdb'), fresh('zeek-a'));
  }, 30_000);

  it('an import that fails midway leaves nothing visible; the next one writes it whole', async () => {
    await checkInterrupted(join(scratch, 'b.duckdb'), false);
  }, 30_000);

  it('a store made before origin and extra gets them', async () => {
    await checkMigration(join(scratch, 'c.duckdb'), fresh('zeek-c'));
  }, 30_000);
});

describe('import completes rows', () => {
  it('x509 certificates fill the tls rows of the run, required fields are filled, a mapping\'s refusal is a bad line', async () => {
    const dir = fresh('merge');
    const ssl = ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tssl',
      '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tserver_name\tcert_chain_fps',
      '#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tvector[string]',
      `${T0}.5\tCSsl1\t10.0.0.1\t50000\t192.0.2.9\t443\ta.example\t${'ab'.repeat(32)},${'cd'.repeat(32)}`,
      `${T0}.6\tCSsl2\t10.0.0.1\t50001\t192.0.2.9\t443\tb.example\t-`];
    writeFileSync(join(dir, 'ssl.log'), `${ssl.join('\n')}\n`);
    const x509 = ['#separator \\x09', '#path\tx509', '#fields\tts\tfingerprint\tcertificate.subject\tcertificate.issuer\tcertificate.not_valid_after\tcertificate.key_type',
      '#types\ttime\tstring\tstring\tstring\ttime\tstring', `${T0}.5\t${'ab'.repeat(32)}\tCN=a.example\tCN=Test CA\t1830000000.000000\trsa`];
    writeFileSync(join(dir, 'x509.log'), `${x509.join('\n')}\n`);
    // the Community ID spec's own example tuple and its ID (seed 0; github.com/corelight/community-id-spec)
    const conn = [...HEADER, '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto',
      '#types\ttime\tstring\taddr\tport\taddr\tport\tenum', `${T0}.1\tCCid\t128.232.110.120\t34855\t66.35.250.204\t80\ttcp`, `${T0}.2\tCThrow\t10.0.0.1\t1\t10.0.0.2\t2\ttcp`];
    writeFileSync(join(dir, 'conn.log'), `${conn.join('\n')}\n`);
    const store = await openStore(join(scratch, 'merge.duckdb'));
    try {
      const out = await importFiles(store, 'zeek', [dir], { mapper: MAPPER });
      // x509 first, whatever the names' order
      expect(statuses(out)).toEqual(['x509.log imported', 'conn.log imported', 'ssl.log imported']);
      expect(out[0]).toMatchObject({ held: 1, records: {} });
      expect(out[2]).toMatchObject({ merged: 1, records: { tls: 2 }, filled: { 'tls.client_version': 2, 'tls.supported_versions': 2, 'tls.ja3': 2 } });
      const tls = (await store.select('SELECT uid, sni, subject, issuer, not_after, extra, client_version, cipher_suites, origin FROM tls ORDER BY uid')).rows;
      expect(tls).toEqual([
        { uid: 'CSsl1', sni: 'a.example', subject: 'CN=a.example', issuer: 'CN=Test CA', not_after: 1830000000_000000, extra: '{"certificate.key_type":"rsa"}', client_version: '', cipher_suites: [], origin: 'zeek' },
        { uid: 'CSsl2', sni: 'b.example', subject: null, issuer: null, not_after: null, extra: null, client_version: '', cipher_suites: [], origin: 'zeek' },
      ]);
      const sessions = (await store.select('SELECT uid, community_id, end_time, src_pkts FROM sessions')).rows;
      expect(sessions).toEqual([{ uid: 'CCid', community_id: '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', end_time: (T0 + 0.1) * 1e6, src_pkts: 0 }]);
      expect(out[1]).toMatchObject({ bad: 1, records: { sessions: 1, anomalies: 1 } });
      expect((await store.select('SELECT detail FROM anomalies')).rows).toEqual([{ detail: `${join(dir, 'conn.log')} line 10: conn: a row the mapping cannot read` }]);
    } finally {
      await store.close();
    }
  }, 30_000);
});

describe('import limits', () => {
  it('cuts a hostile uid, drops an extra past its bound, and refuses a line past the line limit, each an anomaly', async () => {
    const f = join(scratch, 'conn-hostile.log');
    const fields = '#fields\tuid\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice';
    const types = '#types\tstring\ttime\taddr\tport\taddr\tport\tenum\tstring';
    // 60,000 control bytes: 240,000 characters escaped in the line; in extra's JSON text each is \u0001, and that
    // text as a JSON string value weighs 7 bytes per byte (\\u0001) + 20 ({\"service\":\"\"} and the quotes)
    const service = '\\x01'.repeat(60_000);
    writeFileSync(f, [...HEADER, fields, types,
      `${'U'.repeat(1000)}\t${T0}.0\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\tdns`,
      `CBigExtra\t${T0}.0\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t${service}`,
      `CTooLong\t${T0}.0\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t${'a'.repeat(300_000)}`,
      `COk\t${T0}.0\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\tdns`].join('\n') + '\n');
    const store = await openStore(join(scratch, 'limits.duckdb'));
    try {
      await store.init();
      const r = await importFile(store, 'zeek', f, { mapper: MAPPER });
      expect(r).toMatchObject({ status: 'imported', bad: 1, records: { sessions: 3 } });
      const rows = (await store.select('SELECT uid, extra FROM sessions ORDER BY start_time, uid')).rows;
      expect(rows.map((x) => [String(x.uid).slice(0, 8), String(x.uid).length, x.extra])).toEqual([
        ['CBigExtr', 9, null], ['COk', 3, '{"service":"dns"}'], ['UUUUUUUU', 128, '{"service":"dns"}'],
      ]);
      const an = (await store.select('SELECT name, detail FROM anomalies ORDER BY name')).rows;
      expect(an).toEqual([
        { name: 'import_extra_too_large', detail: `${f} line 10: sessions.extra: ${60_000 * 7 + 20} bytes of JSON, dropped (at most 262144 bytes)` },
        // CTooLong, the time, two addresses, two ports, tcp and seven tabs before the 300,000 characters
        { name: 'import_line_too_long', detail: `${f} line 11: ${8 + 12 + 8 + 8 + 1 + 1 + 3 + 7 + 300_000} characters (at most 262144)` },
        { name: 'import_value_truncated', detail: `${f} line 9: sessions.uid: cut to 130 bytes of JSON` },
      ]);
    } finally {
      await store.close();
    }
  }, 30_000);
});

describe.skipIf(bin === null)('import into ClickHouse', () => {
  it('zeek and eve: rows, provenance, anomalies, idempotency, a second file, files that are neither', async () => {
    server = await startClickHouse(bin!);
    await check(server.url('imp'), fresh('zeek-ch'));
  }, 60_000);

  it('an import killed midway leaves nothing visible; the next one writes it whole', async () => {
    await checkInterrupted(server!.url('imp2'), true);
  }, 60_000);

  it('a store made before origin and extra gets them', async () => {
    await checkMigration(server!.url('imp3'), fresh('zeek-ch3'));
  }, 60_000);
});
