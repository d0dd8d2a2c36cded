// One suite, three stores: the embedded DuckDB file, a ClickHouse server, and a two-shard ClickHouse cluster
// (ingest through one node, queries through the other). Same captures in, same answers out: the home-net
// byte totals of mixed-home.pcap that tshark's per-packet sums give, idempotent re-ingest, an interrupted
// ingest redone, read-only SQL, zero-filled counts, and the filter language meaning the same in SQL as in
// memory.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/pipeline/api.js';
import { ingest } from '../src/pipeline/ingest.js';
import { ingestLog } from '../src/pipeline/logs.js';
import { LOGS } from '../src/schema/logs.js';
import { compileFilter, MAX_FILTER_TERMS, parseFilter } from '../src/query/filter.js';
import { SESSIONS, type SessionRecord } from '../src/schema/sessions.js';
import { TLS, type TlsRecord } from '../src/schema/tls.js';
import { openStore } from '../src/store/open.js';
import { counts, newest, tableNamer, top } from '../src/store/reports.js';
import { inSubquery, quoteString, timeAsMicros, whereSql } from '../src/store/sql.js';
import type { Store } from '../src/store/store.js';
import { readyCluster } from './helpers/cluster.js';
import { clickhouseBinary, startClickHouse, type ClickHouseServer } from './helpers/clickhouse-server.mjs';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN, readJson } from './helpers/run.js';

const MIXED = join(GEN, 'mixed-home.pcap');
const TLS_PCAP = join(GEN, 'tls-clients.pcapng');
const HOME = ['127.0.0.0/24'];
const expected = readJson<{ home_bytes_in: number; home_bytes_out: number }>(join(GEN, 'expected/mixed-home.pcap.json'));
const scratch = scratchDir('store');

/** A log written by hand; what each line must give, by construction (UTC, year 2026). */
const LOG_LINES = [
  'Nov 22 06:11:29 mail sm-mta[4579]: 6AM6BTsh004579: from=<alice@acme.test>, size=329, class=0, nrcpts=1, msgid=<m1@acme.test>, proto=ESMTP, daemon=MTA-v4, relay=ws-alice.acme.test [127.0.1.11]',
  'Nov 22 06:11:30 mail postfix/smtpd[4591]: connect from mail.acme.test[127.0.0.10]:47911',
  'Nov 22 06:11:31 mail dovecot: imap-login: Login: user=<alice>, method=PLAIN, rip=127.0.1.11, lip=127.0.0.10, mpid=4636, session=<0PX0WddgWcx/AAEL>',
  'Nov 22 06:11:32 mail sshd[100]: Failed password for invalid user admin from 192.0.2.7 port 2222 ssh2',
  'this line has no syslog header',
  'Nov 22 06:11:33 mail kernel: eth0: link up',
];
const at = (s: number): number => Date.UTC(2026, 10, 22, 6, 11, s) * 1000;
const LOG_EXPECTED = [
  [1, at(29), 'mail', 'sm-mta', 4579, 'sendmail_from', true],
  [2, at(30), 'mail', 'postfix/smtpd', 4591, 'postfix_connect', true],
  [3, at(31), 'mail', 'dovecot', null, 'dovecot_login', true],
  [4, at(32), 'mail', 'sshd', 100, 'sshd_failed', true],
  [5, null, null, null, null, null, false],
  [6, at(33), 'mail', 'kernel', null, null, false],
];
const bin = clickhouseBinary();

interface Backend {
  name: string;
  /** [write URL, read URL] */
  setup(): Promise<[string, string]>;
  teardown(): Promise<void>;
}

const servers: ClickHouseServer[] = [];
const stopAll = async (): Promise<void> => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
};

const BACKENDS: Backend[] = [
  { name: 'duckdb', setup: async () => [join(scratch, 'a.duckdb'), join(scratch, 'a.duckdb')], teardown: async () => undefined },
  {
    name: 'clickhouse (one server)',
    setup: async () => {
      const s = await startClickHouse(bin!);
      servers.push(s);
      return [s.url('hs'), s.url('hs')];
    },
    teardown: stopAll,
  },
  {
    name: 'clickhouse (two shards)',
    setup: async () => {
      return readyCluster(bin!, servers);
    },
    teardown: stopAll,
  },
];

/** Inbound/outbound byte sums per dst_port from the session records themselves (no SQL). */
function byPortInMemory(sessions: SessionRecord[]): Map<number, [number, number]> {
  const m = new Map<number, [number, number]>();
  for (const s of sessions) {
    const cur = m.get(s.dst_port) ?? [0, 0];
    if (s.direction === 'inbound') m.set(s.dst_port, [cur[0] + s.src_frame_bytes, cur[1] + s.dst_frame_bytes]);
    else if (s.direction === 'outbound') m.set(s.dst_port, [cur[0] + s.dst_frame_bytes, cur[1] + s.src_frame_bytes]);
  }
  return m;
}

async function records(file: string): Promise<{ sessions: SessionRecord[]; tls: TlsRecord[] }> {
  const sessions: SessionRecord[] = [];
  const tls: TlsRecord[] = [];
  for await (const r of analyze(file, { homeNet: HOME })) {
    if (r.type === 'session') sessions.push(r.record);
    else if (r.type === 'tls') tls.push(r.record);
  }
  return { sessions, tls };
}

const NASTY = ["it's", 'back\\slash', "\\'", "'; DROP TABLE sessions; --", 'tab\tnew\nline\rcr', 'ünïcödé ✓', '%_*?', '"quoted"', '\x01\x7f'];

const FILTERS = [
  'sni ~ "EXAMPLE"', 'sni = null', 'not sni', 'sni', 'alpn = "h2"', 'alpn ~ "HTTP"', 'alpn != "h2"', 'alpn = null',
  'cipher_suites = 4865', 'cipher_suites < 100', 'dst_port != 443', 'dst_port >= 8000 and not (sni ~ "odd")',
  'ts > "2026-11-22T00:00:00"', 'ts < "2000-01-01"', 'version = "TLSv13" or dst_port = 25', 'supported_versions = null',
  'sni != "www.example.com"', 'hello_retry', 'not hello_retry', 'ja3 ~ "a"', 'record_version = "TLSv10"', 'subject ~ "CN="',
];

for (const backend of BACKENDS) {
  const ch = backend.name.startsWith('clickhouse');
  describe.skipIf(ch && bin === null)(`store: ${backend.name}`, () => {
    let writeUrl = '';
    let readUrl = '';
    let reader: Store;
    /** A read-only store opened now (a DuckDB reader sees the file as it was when it was opened). */
    const reopen = async (): Promise<void> => {
      await reader.close();
      reader = await openStore(readUrl, { readOnly: true });
    };
    let mixed: { sessions: SessionRecord[]; tls: TlsRecord[] };
    let tlsRecs: { sessions: SessionRecord[]; tls: TlsRecord[] };

    beforeAll(async () => {
      [writeUrl, readUrl] = await backend.setup();
      mixed = await records(MIXED);
      tlsRecs = await records(TLS_PCAP);
      const store = await openStore(writeUrl);
      try {
        const s = await ingest(store, [MIXED, TLS_PCAP], { homeNet: HOME });
        expect(s.files.map((f) => f.status)).toEqual(['ingested', 'ingested']);
      } finally {
        await store.close();
      }
      reader = await openStore(readUrl, { readOnly: true });
    }, 120_000);

    afterAll(async () => {
      await reader?.close();
      await backend.teardown();
    }, 60_000);

    it('top --by dst_port: bytes into and out of the home net equal tshark\'s frame sums and the records\' own', async () => {
      const r = await top(reader, { by: 'dst_port', bytes: 'frame', limit: 100, window: { from: null, to: null }, homeNet: null });
      const into = r.rows.reduce((a, x) => a + Number(x.bytes_to_mynet), 0);
      const out = r.rows.reduce((a, x) => a + Number(x.bytes_from_mynet), 0);
      // tls-clients.pcapng is all 127.0.0.x: internal, so only mixed-home counts
      expect([into, out]).toEqual([expected.home_bytes_in, expected.home_bytes_out]);
      const mem = byPortInMemory(mixed.sessions);
      expect(new Map(r.rows.map((x) => [Number(x.dst_port), [Number(x.bytes_to_mynet), Number(x.bytes_from_mynet)]]))).toEqual(mem);
      expect(r.rows.map((x) => Number(x.total_bytes))).toEqual([...r.rows.map((x) => Number(x.total_bytes))].sort((a, b) => b - a));
      // the same with the home net given at query time instead of the one stored at ingest
      const q = await top(reader, { by: 'dst_port', bytes: 'frame', limit: 100, window: { from: null, to: null }, homeNet: HOME });
      expect(q.rows).toEqual(r.rows);
    });

    it('top --since is relative to the newest session; a window before the data is empty', async () => {
      const end = await newest(reader, SESSIONS);
      expect(end).toBe(Math.max(...[...mixed.sessions, ...tlsRecs.sessions].map((s) => s.start_time)));
      const all = await top(reader, { by: 'src_ip', bytes: 'ip', limit: 3, window: { from: end! - 3600e6, to: end }, homeNet: null });
      expect(all.rows.length).toBe(3);
      const none = await top(reader, { by: 'src_ip', bytes: 'ip', limit: 3, window: { from: 0, to: 1e12 }, homeNet: null });
      expect(none.rows).toEqual([]);
    });

    it('ingesting the same captures again changes nothing and says so', async () => {
      const before = await reader.select(`SELECT count(*) AS n FROM ${tableNamer(reader)('sessions')}`);
      const store = await openStore(writeUrl);
      try {
        const s = await ingest(store, [MIXED, TLS_PCAP], { homeNet: HOME });
        expect(s.files.map((f) => f.status)).toEqual(['already', 'already']);
      } finally {
        await store.close();
      }
      await reopen();
      const after = await reader.select(`SELECT count(*) AS n FROM ${tableNamer(reader)('sessions')}`);
      expect(after.rows).toEqual(before.rows);
      expect(Number(after.rows[0]!.n)).toBe(mixed.sessions.length + tlsRecs.sessions.length);
    });

    it('sql is read-only', async () => {
      for (const q of [
        'DELETE FROM sessions', 'DROP TABLE sessions', 'INSERT INTO captures SELECT * FROM captures', 'SELECT 1; DROP TABLE sessions',
        "EXPLAIN ANALYZE SET memory_limit = '3GB'", "SET max_threads = 1", "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM file('x.tsv', 'TSV', 's String')", "SELECT * FROM url('http://127.0.0.1:9/', 'TSV', 's String')",
        "SELECT 1 SETTINGS readonly = 0", "COPY (SELECT 1) TO '/tmp/haystack-copy.csv'",
      ]) {
        await expect(reader.query(q)).rejects.toMatchObject({ code: 'HAYSTACK_STORE' });
      }
      const r = await reader.query('SELECT count(*) AS n FROM tls');
      expect(Number(r.rows[0]!.n)).toBe(mixed.tls.length + tlsRecs.tls.length);
    });

    it('counts per hour cover every session, and a window fills empty buckets with 0', async () => {
      const total = mixed.sessions.length + tlsRecs.sessions.length;
      const c = await counts(reader, { schema: SESSIONS, by: 'hour', field: 'start_time', where: null, window: { from: null, to: null } });
      expect(c.reduce((a, x) => a + x.count, 0)).toBe(total);
      const first = Math.min(...c.map((x) => x.bucket));
      const w = await counts(reader, { schema: SESSIONS, by: 'day', field: 'start_time', where: null, window: { from: first - 2 * 86400e6, to: first + 86400e6 } });
      expect(w.map((x) => x.count)).toEqual([0, 0, total, 0]);
      const f = await counts(reader, { schema: TLS, by: 'week', field: 'ts', where: parseFilter('sni ~ "example"', TLS), window: { from: null, to: null } });
      expect(f.reduce((a, x) => a + x.count, 0)).toBe([...mixed.tls, ...tlsRecs.tls].filter((r) => r.sni?.toLowerCase().includes('example')).length);
      expect(new Date(f[0]!.bucket / 1000).getUTCDay()).toBe(1); // weeks start on Monday
    });

    it('filters select in SQL exactly what they select in memory', async () => {
      const all = [...mixed.tls, ...tlsRecs.tls];
      const key = (r: Record<string, unknown>): string => `${String(r.uid)}/${String(r.hello_index)}`;
      for (const text of FILTERS) {
        const e = parseFilter(text, TLS);
        const want = all.filter(compileFilter(e)).map(key).sort();
        const got = await reader.select(`SELECT uid, hello_index FROM ${tableNamer(reader)('tls')} WHERE ${whereSql(e, reader.dialect)}`);
        expect({ text, rows: got.rows.map(key).sort() }).toEqual({ text, rows: want });
      }
    });

    it('a chain of MAX_FILTER_TERMS comparisons selects in SQL what it selects in memory', async () => {
      const all = [...mixed.sessions, ...tlsRecs.sessions];
      for (const text of [
        Array.from({ length: MAX_FILTER_TERMS }, (_, i) => `dst_port = ${i + 1}`).join(' or '),
        Array.from({ length: MAX_FILTER_TERMS }, (_, i) => `src_port != ${i + 1}`).join(' and '),
        Array.from({ length: MAX_FILTER_TERMS / 2 }, (_, i) => `(app_proto ~ "H${i}" or not dst_port < ${i})`).join(' and '),
      ]) {
        const e = parseFilter(text, SESSIONS);
        const want = all.filter(compileFilter(e)).map((r) => r.uid).sort();
        const got = await reader.select(`SELECT uid FROM ${tableNamer(reader)('sessions')} WHERE ${whereSql(e, reader.dialect)}`);
        expect(got.rows.map((r) => String(r.uid)).sort()).toEqual(want);
        expect(want.length).toBeGreaterThan(0);
      }
    });

    it('export: the rows a filter keeps, as JSON lines; Parquet only from DuckDB', async () => {
      const file = join(scratch, `${backend.name.replace(/\W+/g, '-')}.jsonl`);
      const r = await cli('export', 'tls', '--format', 'jsonl', '-o', file, '--where', 'alpn = "h2"', '--db', readUrl);
      expect(r.code).toBe(0);
      const got = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TlsRecord);
      const want = [...mixed.tls, ...tlsRecs.tls].filter((t) => t.alpn.includes('h2'));
      const norm = (x: TlsRecord): string => `${x.uid}/${x.hello_index}/${x.ja4}/${x.hello_retry}/${x.sni}`;
      expect(got.map(norm).sort()).toEqual(want.map(norm).sort());
      const pq = await cli('export', 'sessions', '--format', 'parquet', '-o', join(scratch, 'x.parquet'), '--db', readUrl);
      expect(pq.code).toBe(ch ? 2 : 0);
      if (ch) expect(pq.err).toMatch(/Parquet export needs the DuckDB store/);
    });

    if (backend.name === 'clickhouse (one server)') {
      it('a read-only ClickHouse user can run the reports and SQL, and ingest says why it cannot', async () => {
        const url = servers[0]!.url('hs', 'reader');
        const ro = await openStore(url, { readOnly: true });
        try {
          const r = await top(ro, { by: 'dst_port', bytes: 'frame', limit: 100, window: { from: null, to: null }, homeNet: null });
          expect(r.rows.reduce((a, x) => a + Number(x.bytes_to_mynet), 0)).toBe(expected.home_bytes_in);
          expect(Number((await ro.query('SELECT count() AS n FROM captures')).rows[0]!.n)).toBeGreaterThan(0);
        } finally {
          await ro.close();
        }
        const w = await cli('ingest', join(GEN, 'smtp-attachments.pcap'), '--db', url);
        expect(w.code).toBe(1);
        expect(w.err).toMatch(/readonly|read-only/i);
      });
    }

    it('text literals survive the escaping', async () => {
      for (const s of NASTY) {
        const r = await reader.select(`SELECT ${quoteString(s, reader.dialect)} AS s`);
        expect(r.rows[0]!.s).toBe(s);
      }
    });

    it('an ingest interrupted before its end leaves nothing visible, and the rerun gives the clean totals', async () => {
      const file = join(GEN, 'http-put.pcap');
      const { sessions } = await records(file);
      const store = await openStore(writeUrl);
      const w = await store.begin('feedfacecafebeef');
      // more rows than one batch, so that some reach the store before the "crash"
      for (let i = 0; i < 25_000; i += sessions.length) for (const s of sessions) w.append(SESSIONS, s);
      await w.flush();
      // the process dies here: no commit, no abort (DuckDB: the open transaction dies with the connection)
      if (store.dialect === 'duckdb') await store.close();
      await reopen();
      const visible = await top(reader, { by: 'dst_port', bytes: 'frame', limit: 100, window: { from: null, to: null }, homeNet: null });
      expect(visible.rows.reduce((a, x) => a + Number(x.bytes_to_mynet), 0)).toBe(expected.home_bytes_in);
      const again = store.dialect === 'duckdb' ? await openStore(writeUrl) : store;
      try {
        const s = await ingest(again, [file], { homeNet: HOME });
        expect(s.files[0]!.status).toBe('ingested');
      } finally {
        await again.close();
      }
      await reopen();
      const t = tableNamer(reader);
      const n = await reader.select(`SELECT count(*) AS n FROM ${t('sessions')} WHERE capture_id ${inSubquery(reader.dialect)} (SELECT capture_id FROM ${t('captures')} WHERE path = ${quoteString(file, reader.dialect)})`);
      expect(Number(n.rows[0]!.n)).toBe(sessions.length);
      // the rerun stored its HTTP transactions and bodies too: as tshark sees them, in either store
      const mine = `capture_id ${inSubquery(reader.dialect)} (SELECT capture_id FROM ${t('captures')} WHERE path = ${quoteString(file, reader.dialect)})`;
      const http = await reader.select(`SELECT count(*) AS n FROM ${t('http')} WHERE ${mine}`);
      const bodies = await reader.select(`SELECT sha256 FROM ${t('files')} WHERE ${mine} AND source = 'http'`);
      const tshark = readJson<{ http_requests: unknown[]; tshark_export_objects_http: { sha256: string }[] }>(join(GEN, 'expected/http-put.pcap.json'));
      expect(Number(http.rows[0]!.n)).toBe(tshark.http_requests.length);
      expect(bodies.rows.map((r) => String(r.sha256)).sort()).toEqual(tshark.tshark_export_objects_http.map((o) => o.sha256).sort());
    });

    it('logs: lines stored typed, unparsed lines kept; re-ingest changes nothing; an interrupted log ingest redone gives the clean rows', async () => {
      const file = join(scratch, 'mail.log');
      writeFileSync(file, LOG_LINES.join('\n') + '\n');
      const t = tableNamer(reader);
      const mine = `capture_id ${inSubquery(reader.dialect)} (SELECT capture_id FROM ${t('captures')} WHERE path = ${quoteString(file, reader.dialect)})`;
      const rows = async (): Promise<Record<string, unknown>[]> => {
        await reopen();
        return (await reader.select(`SELECT line_no, ${timeAsMicros('ts', reader.dialect)} AS ts, host, program, pid, type, parse_ok, fields, message FROM ${t('logs')} WHERE ${mine} ORDER BY line_no`)).rows;
      };
      // an attempt that dies after some rows reached the store (no commit): nothing of it is visible
      const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
      const store = await openStore(writeUrl);
      await store.init();
      const w = await store.begin(sha.slice(0, 16));
      for (let i = 0; i < 20_000; i++) w.append(LOGS, { ts: null, host: 'x', program: 'x', pid: null, type: null, message: 'partial', pattern: null, fields: null, source: file, line_no: i + 1, parse_ok: false });
      await w.flush();
      if (store.dialect === 'duckdb') await store.close();
      expect(await rows()).toEqual([]);
      const again = store.dialect === 'duckdb' ? await openStore(writeUrl) : store;
      try {
        const r = await ingestLog(again, file, { year: 2026 });
        expect(r.status).toBe('ingested');
        expect((await ingestLog(again, file, { year: 2026 })).status).toBe('already');
      } finally {
        await again.close();
      }
      const got = await rows();
      expect(got.map((r) => [Number(r.line_no), r.ts === null ? null : Number(r.ts), r.host, r.program, r.pid === null ? null : Number(r.pid), r.type, r.parse_ok === true || r.parse_ok === 1])).toEqual(LOG_EXPECTED);
      // fields keep their types through the store: sizes and ports are numbers
      const f = got.map((r) => (r.fields === null ? null : JSON.parse(String(r.fields)) as Record<string, unknown>));
      expect([f[0]!.size, f[0]!.nrcpts, f[0]!.relay_ip, f[1]!.client_port, f[2]!.user, f[3]!.client_ip, f[3]!.client_port]).toEqual([329, 1, '127.0.1.11', 47911, 'alice', '192.0.2.7', 2222]);
      expect([f[4], got[4]!.message, f[5]]).toEqual([null, 'this line has no syslog header', null]);
    });

    it('~ means the same in SQL as in memory on letters whose lower case engines disagree on (İ, ı, ß, ẞ, final sigma, Ü)', async () => {
      const words = ['İstanbul', 'istanbul', 'ıSTANBUL', 'ISTANBUL', 'Straße', 'STRASSE', 'GROẞ', 'ΟΔΟΣ', 'οδος', 'οδοσ', 'MÜLLER', 'müller', 'ǅ ǆ Ǆ', 'Ⅻ ⅻ', 'K k'];
      const file = join(scratch, 'unicode.log');
      writeFileSync(file, words.map((w, i) => `line ${i + 1}: ${w}`).join('\n') + '\n');
      const store = await openStore(writeUrl);
      try {
        expect((await ingestLog(store, file, { recipes: [] })).status).toBe('ingested');
      } finally {
        await store.close();
      }
      await reopen();
      const t = tableNamer(reader);
      const mine = `capture_id ${inSubquery(reader.dialect)} (SELECT capture_id FROM ${t('captures')} WHERE path = ${quoteString(file, reader.dialect)})`;
      const stored = (await reader.select(`SELECT line_no, message FROM ${t('logs')} WHERE ${mine}`)).rows.map((r) => ({ line_no: Number(r.line_no), message: String(r.message) }));
      expect(stored.map((r) => r.message).sort()).toEqual(words.map((w, i) => `line ${i + 1}: ${w}`).sort());
      const lines = (src: string): number[] => words.flatMap((w, i) => (w.includes(src) ? [i + 1] : []));
      for (const [text, want] of [
        ['message ~ "İ"', lines('İ')], ['message ~ "i̇"', []], ['message ~ "ı"', lines('ı')], ['message ~ "ß"', lines('ß')], ['message ~ "ẞ"', lines('ẞ')],
        ['message ~ "ς"', lines('ς')], ['message ~ "Σ"', lines('Σ')], ['message ~ "σ"', lines('σ')], ['message ~ "ü"', lines('ü')], ['message ~ "Ü"', lines('Ü')],
        ['message ~ "ǅ"', [13]], ['message ~ "ⅻ"', [14]], ['message ~ "K"', [15]], ['message ~ "stanbul"', [1, 2, 3, 4]], ['message ~ "ISTAN"', [2, 4]],
        ['message ~ "ss"', [6]], ['message !~ "İ"', words.flatMap((w, i) => (w.includes('İ') ? [] : [i + 1]))],
      ] as const) {
        const e = parseFilter(text, LOGS);
        const inMemory = stored.filter(compileFilter(e)).map((r) => r.line_no).sort((a, b) => a - b);
        const got = await reader.select(`SELECT line_no FROM ${t('logs')} WHERE ${mine} AND ${whereSql(e, reader.dialect)}`);
        expect({ text, sql: got.rows.map((r) => Number(r.line_no)).sort((a, b) => a - b), inMemory }).toEqual({ text, sql: want, inMemory: want });
      }
    });

    if (backend.name.includes('shards')) it('spreads rows over both shards', async () => {
      const parts: number[] = [];
      for (const s of servers) {
        const st = await openStore(s.url('hs').replace(/\?cluster=.*/, ''), { readOnly: true });
        parts.push(Number((await st.select('SELECT count() AS n FROM hs.sessions_local')).rows[0]!.n));
        await st.close();
      }
      expect(parts.every((n) => n > 0)).toBe(true);
      const total = Number((await reader.select('SELECT count() AS n FROM hs.sessions')).rows[0]!.n);
      expect(parts[0]! + parts[1]!).toBe(total);
    });
  });
}
