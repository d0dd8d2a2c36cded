// The store verbs end to end on the default (DuckDB) store: ingest, sql, top, counts; their errors; a second
// writer; and an ingest killed with SIGKILL midway, then rerun.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/store/open.js';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN, ROOT, readJson } from './helpers/run.js';

const MIXED = join(GEN, 'mixed-home.pcap');
const expected = readJson<{ home_bytes_in: number; home_bytes_out: number; sessions: unknown[] }>(join(GEN, 'expected/mixed-home.pcap.json'));
const dir = scratchDir('cli-store');

function csv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const names = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i]!, v])));
}

/**
 * Runs an ingest with small spool segments (rows reach the capture's open DuckDB transaction while input is
 * read) and kills it with SIGKILL once DuckDB has loaded the first segment of `table` (a loaded segment is
 * deleted); returns the signal it died of.
 */
async function killOnceLoaded(args: string[], spool: string, table: string): Promise<NodeJS.Signals | null> {
  const run = node(args, { HAYSTACK_SPOOL_SEGMENT_BYTES: '16384' });
  const loaded = (): boolean => existsSync(join(spool, `${table}-1.jsonl`)) && !existsSync(join(spool, `${table}-0.jsonl`));
  const deadline = Date.now() + 60_000;
  while (!loaded() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  expect(loaded()).toBe(true);
  run.kill();
  return (await run).signal;
}

function node(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }> & { kill(): void } {
  const child = spawn(process.execPath, [join(ROOT, 'bin/haystack.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
  const p = new Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, err }));
  });
  return Object.assign(p, { kill: () => void child.kill('SIGKILL') });
}

describe('haystack ingest / top / counts / sql (DuckDB)', () => {
  const db = join(dir, 'h.duckdb');

  it('ingests, then says the capture is already there', async () => {
    const a = await cli('ingest', MIXED, '--db', db, '--home-net', '127.0.0.0/24', '--sensor', 'lab');
    expect(a.code).toBe(0);
    expect(a.err).toMatch(/1 capture ingested into .*h\.duckdb: 589 packets, 13 sessions/);
    const b = await cli('ingest', MIXED, '--db', db);
    expect(b.code).toBe(0);
    expect(b.err).toMatch(/already in the store \(capture b32617ae31b43d2e/);
  });

  it('top --by dst_port gives the bytes into and out of the home net that tshark sums', async () => {
    const r = await cli('top', '--db', db, '--format', 'csv', '--limit', '100');
    expect(r.code).toBe(0);
    const rows = csv(r.out);
    expect(Object.keys(rows[0]!)).toEqual(['dst_port', 'bytes_to_mynet', 'bytes_from_mynet', 'total_bytes']);
    expect(rows.reduce((a, x) => a + Number(x.bytes_to_mynet), 0)).toBe(expected.home_bytes_in);
    expect(rows.reduce((a, x) => a + Number(x.bytes_from_mynet), 0)).toBe(expected.home_bytes_out);
    expect(rows[0]).toEqual({ dst_port: '80', bytes_to_mynet: '211406', bytes_from_mynet: '110820', total_bytes: '322226' });
    const since = await cli('top', '--db', db, '--format', 'csv', '--since', '1h', '--by', 'src_ip', '--limit', '2');
    expect(csv(since.out).map((x) => x.src_ip)).toEqual(['127.0.0.1', '127.0.0.2']);
    const wall = await cli('top', '--db', db, '--format', 'csv', '--since', '1h', '--now', '--from', '2026-01-01');
    expect(wall.code).toBe(2);
  });

  it('counts sessions per hour and per day with a filter', async () => {
    const r = await cli('counts', 'sessions', '--by', 'hour', '--db', db, '--format', 'jsonl');
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as { bucket: string; count: number });
    expect(rows.reduce((a, x) => a + x.count, 0)).toBe(expected.sessions.length);
    expect(rows[0]!.bucket).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000000Z$/);
    const udp = await cli('counts', 'sessions', '--by', 'day', '--where', 'proto = "udp" and dst_port = 53', '--db', db, '--format', 'csv');
    expect(csv(udp.out).map((x) => Number(x.count))).toEqual([3]);
  });

  it('sql answers SELECTs and refuses writes', async () => {
    const r = await cli('sql', 'SELECT sensor, count(*) AS n FROM sessions GROUP BY sensor', '--db', db, '--format', 'csv');
    expect(r.out).toBe('sensor,n\nlab,13\n');
    const w = await cli('sql', 'DELETE FROM sessions', '--db', db);
    expect(w.code).toBe(1);
    expect(w.err).toMatch(/read-only/);
    const f = await cli('sql', "SELECT * FROM read_csv('/etc/passwd')", '--db', db);
    expect(f.code).toBe(1);
  });

  it('exports a filtered table to Parquet that DuckDB reads back, and creates tables with init', async () => {
    const pq = join(dir, 'out.parquet');
    const r = await cli('export', 'sessions', '--format', 'parquet', '-o', pq, '--where', 'direction = "outbound"', '--db', db);
    expect(r.code).toBe(0);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    const rows = (await conn.runAndReadAll(`SELECT count(*) AS n, sum(src_frame_bytes) AS b FROM read_parquet('${pq}')`)).getRowObjectsJson();
    conn.closeSync();
    inst.closeSync();
    expect(rows).toEqual([{ n: '7', b: '116836' }]); // expected/mixed-home.pcap.json: 7 outbound sessions, 116,836 bytes out
    const fresh = join(dir, 'fresh.duckdb');
    expect((await cli('init', '--db', fresh)).code).toBe(0);
    expect((await cli('sql', 'SELECT count(*) AS n FROM http', '--db', fresh, '--format', 'csv')).out).toBe('n\n0\n');
    expect((await cli('export', 'sessions', '--format', 'xml', '-o', pq, '--db', db)).code).toBe(2);
  });

  it('names the problem: bad arguments, a missing database, an unknown table', async () => {
    expect((await cli('top', '--db', db, '--by', 'color')).code).toBe(2);
    expect((await cli('top', '--db', db, '--since', '1x')).err).toMatch(/not a duration: "1x"/);
    expect((await cli('counts', 'nope', '--by', 'day', '--db', db)).err).toMatch(/unknown table "nope"/);
    expect((await cli('counts', 'sessions', '--by', 'day', '--field', 'uid', '--db', db)).code).toBe(2);
    const missing = await cli('sql', 'SELECT 1', '--db', join(dir, 'absent.duckdb'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/absent\.duckdb/);
    expect((await cli('ingest', '--db', db)).code).toBe(2);
    expect((await cli('top', '--db', 'postgres://x/y')).err).toMatch(/unknown store URL scheme/);
  });

  it('a second writer gets an error naming the file, not a stack trace', async () => {
    const holder = await openStore(db);
    try {
      const r = await node(['ingest', join(GEN, 'http-put.pcap'), '--db', db]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/h\.duckdb: the database is in use by another process .*one writer per file/);
      expect(r.err).not.toMatch(/\n\s+at /);
    } finally {
      await holder.close();
    }
  });

  it('an ingest killed midway and rerun gives the same totals as one clean run', async () => {
    // a longer capture: mixed-home 200 times over, each copy 10 s later (~100 MB)
    const src = readFileSync(MIXED);
    const body = src.subarray(24);
    const copies: Buffer[] = [src.subarray(0, 24)];
    for (let k = 0; k < 200; k++) {
      const c = Buffer.from(body);
      for (let p = 0; p + 16 <= c.length; p += 16 + c.readUInt32LE(p + 8)) c.writeUInt32LE(c.readUInt32LE(p) + 10 * k, p);
      copies.push(c);
    }
    const big = join(dir, 'long.pcap');
    writeFileSync(big, Buffer.concat(copies));
    const clean = join(dir, 'clean.duckdb');
    expect((await cli('ingest', big, '--db', clean)).code).toBe(0);
    const killed = join(dir, 'killed.duckdb');
    expect((await cli('ingest', MIXED, '--db', killed)).code).toBe(0); // tables exist, WAL checkpointed away
    const spool = `${killed}.spool`;
    expect(await killOnceLoaded(['ingest', big, '--db', killed], spool, 'sessions')).toBe('SIGKILL');
    const q = 'SELECT count(*) AS n, sum(src_frame_bytes) AS b FROM sessions WHERE capture_id <> \'b32617ae31b43d2e\'';
    expect((await cli('sql', q, '--db', killed, '--format', 'csv')).out).toBe('n,b\n0,\n');
    const again = await cli('ingest', big, '--db', killed);
    expect(again.code).toBe(0);
    expect(existsSync(spool)).toBe(false); // the interrupted ingest's spool is gone with it
    const want = await cli('sql', q, '--db', clean, '--format', 'csv');
    expect((await cli('sql', q, '--db', killed, '--format', 'csv')).out).toBe(want.out);
    expect(Number(csv(want.out)[0]!.n)).toBeGreaterThan(1000); // copies 10 s apart continue each other's sessions
  }, 120_000);
  it('a log ingest killed midway and rerun gives the same rows as one clean run', async () => {
    // 200,000 lines of three daemons, a second apart
    const lines: string[] = [];
    for (let k = 0; k < 200_000; k++) {
      const t = new Date(Date.UTC(2026, 10, 22, 0, 0, 0) + k * 1000).toISOString();
      lines.push(k % 3 === 0 ? `${t} mx postfix/smtpd[${k}]: connect from c${k}.test[192.0.2.${k % 250}]:${1024 + (k % 60000)}`
        : k % 3 === 1 ? `${t} mx sshd[${k}]: Failed password for invalid user u${k} from 198.51.100.${k % 250} port ${1024 + k % 60000} ssh2`
          : `${t} mx app[${k}]: free text ${k}`);
    }
    const log = join(dir, 'long.log');
    writeFileSync(log, `${lines.join('\n')}\n`);
    const q = 'SELECT count(*) AS n, count(DISTINCT line_no) AS d, sum(CASE WHEN parse_ok THEN 1 ELSE 0 END) AS ok, max(line_no) AS m FROM logs';
    const clean = join(dir, 'clean-logs.duckdb');
    expect((await cli('logs', 'ingest', log, '--db', clean)).code).toBe(0);
    const killed = join(dir, 'killed-logs.duckdb');
    expect((await cli('init', '--db', killed)).code).toBe(0);
    const spool = `${killed}.spool`;
    expect(await killOnceLoaded(['logs', 'ingest', log, '--db', killed], spool, 'logs')).toBe('SIGKILL');
    expect((await cli('sql', q, '--db', killed, '--format', 'csv')).out).toBe('n,d,ok,m\n0,0,,\n');
    const again = await cli('logs', 'ingest', log, '--db', killed);
    expect(again.code).toBe(0);
    expect(existsSync(spool)).toBe(false);
    const want = await cli('sql', q, '--db', clean, '--format', 'csv');
    expect(want.out).toBe('n,d,ok,m\n200000,200000,133334,200000\n');
    expect((await cli('sql', q, '--db', killed, '--format', 'csv')).out).toBe(want.out);
  }, 120_000);
});
