// The API over the three stores: DuckDB, one ClickHouse server and a two-shard cluster (ingest through one
// node, the server over the other), the same captures in; every answer of a fixed set of requests must be the
// same on all three (capture ids compared by the hash part ClickHouse keeps, cursors followed, not compared).
// On ClickHouse the accounts are the store's own table.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/pipeline/ingest.js';
import { addAccount } from '../../src/server/accounts.js';
import { TableUserStore } from '../../src/server/table-user-store.js';
import { openStore } from '../../src/store/open.js';
import { clickhouseBinary, startClickHouse, type ClickHouseServer } from '../helpers/clickhouse-server.mjs';
import { readyCluster } from '../helpers/cluster.js';
import { cli, scratchDir } from '../helpers/cli.js';
import { GEN } from '../helpers/run.js';
import { PASSWORDS, startTestServer, type Client, type TestServer } from '../helpers/server.js';

const CAPTURES = ['mixed-home.pcap', 'tls-clients.pcapng', 'smtp-attachments.pcap', 'http-put.pcap'].map((f) => join(GEN, f));
const bin = clickhouseBinary();
const servers: ClickHouseServer[] = [];
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** The requests compared; each a path the console would ask. */
const REQUESTS = [
  '/api/records/sessions?order=asc&limit=5',
  '/api/records/sessions?order=desc&limit=3&sort=src_ip_bytes',
  `/api/records/tls?q=${encodeURIComponent('sni ~ "example"')}&limit=4`,
  '/api/records/http?limit=50',
  '/api/records/smtp?limit=50&fields=uid,mail_from,rcpt_to,subject',
  '/api/records/files?limit=50&fields=fuid,uid,filename,mime_type,size,sha256',
  '/api/summary/sessions',
  `/api/summary/sessions?q=${encodeURIComponent('proto = "udp" or dst_port = 25')}`,
  '/api/summary/files',
  '/api/histogram/sessions?buckets=30&split=app_proto',
  '/api/values/sessions/dst_port?limit=20',
  '/api/values/tls/cipher_suites?limit=5',
  '/api/reports/top?by=dst_port&limit=20',
  '/api/reports/top?by=sni',
  '/api/reports/top?by=app_proto&bytes=payload',
  '/api/reports/counts/sessions?by=hour',
  '/api/reports/counts/sessions?by=hour&split=app_proto',
  '/api/reports/counts/sessions?by=day&split=dst_port&limit=3',
  `/api/pivot/sni?value=${encodeURIComponent('www.example.com')}`,
];

/** Stable text of an answer: capture ids cut to the hash part; cursors dropped (they hold the capture id). */
function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'next') continue;
      o[k] = k === 'capture_id' && typeof x === 'string' ? x.slice(0, 16) : canon(x);
    }
    return o;
  }
  return v;
}

async function answers(c: Client): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const r of REQUESTS) {
    const res = await c.get(r);
    expect(res.status, `${r}: ${res.text.slice(0, 300)}`).toBe(200);
    out[r] = canon(res.json);
    // every page of a paged request, followed to the end
    let next = res.json.next as string | null | undefined;
    const pages: unknown[] = [];
    while (typeof next === 'string') {
      const p = await c.get(`${r}&after=${encodeURIComponent(next)}`);
      expect(p.status).toBe(200);
      pages.push(canon(p.json.rows));
      next = p.json.next;
    }
    if (pages.length > 0) out[`${r} (pages)`] = pages;
  }
  const files = (await c.get('/api/records/files?q=' + encodeURIComponent('filename = "invoice.exe"'))).json.rows;
  out.uid = canon((await c.get(`/api/uid/${files[0].uid}`)).json);
  // with the time of the row the console pivots from (the file's): the same answer
  const hinted = await c.get(`/api/uid/${files[0].uid}?t=${encodeURIComponent(files[0].ts)}`);
  expect(hinted.status).toBe(200);
  expect(canon(hinted.json)).toEqual(out.uid);
  return out;
}

async function run(name: string, writeUrl: string, readUrl: string, inStoreAccounts: boolean): Promise<Record<string, unknown>> {
  const w = await openStore(writeUrl);
  await w.init();
  const s = await ingest(w, CAPTURES, { homeNet: ['127.0.0.0/24'] });
  expect(s.files.every((f) => f.status === 'ingested')).toBe(true);
  if (writeUrl !== readUrl) await w.close();
  const store = writeUrl === readUrl ? w : await openStore(readUrl);
  await store.init();
  let users;
  if (inStoreAccounts) {
    users = new TableUserStore(store);
    await addAccount(users, { name: 'admin', role: 'admin', password: PASSWORDS.admin, restrict: null }, Date.now() * 1000 - 1000);
    await addAccount(users, { name: 'viewer', role: 'viewer', password: PASSWORDS.viewer, restrict: null }, Date.now() * 1000 - 1000);
  }
  let srv: TestServer | null = null;
  let out: Record<string, unknown>;
  try {
    srv = await startTestServer(scratchDir(`api-${name}`), { store, ...(users !== undefined ? { users, roles: [] } : {}) });
    out = await answers(await srv.as('viewer'));
  } finally {
    await srv?.stop();
    await store.close();
  }
  // the reports are what the CLI prints: the same rows as `--format jsonl` (run once the server let go of the store)
  for (const [api, argv] of CLI_REPORTS) {
    const r = await cli(...argv, '--db', readUrl, '--format', 'jsonl');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
    expect(lines.length).toBeGreaterThan(0);
    expect((out[api] as { rows: unknown[] }).rows, `${name}: ${argv.join(' ')}`).toEqual(lines);
  }
  return out;
}

/** API report requests and the CLI verbs that print the same report. */
const CLI_REPORTS: [string, string[]][] = [
  ['/api/reports/top?by=dst_port&limit=20', ['top', '--by', 'dst_port', '--limit', '20']],
  ['/api/reports/top?by=app_proto&bytes=payload', ['top', '--by', 'app_proto', '--bytes', 'payload']],
  ['/api/reports/counts/sessions?by=hour', ['counts', 'sessions', '--by', 'hour']],
  ['/api/reports/counts/sessions?by=hour&split=app_proto', ['counts', 'sessions', '--by', 'hour', '--split', 'app_proto']],
  ['/api/reports/counts/sessions?by=day&split=dst_port&limit=3', ['counts', 'sessions', '--by', 'day', '--split', 'dst_port', '--limit', '3']],
];

describe.skipIf(bin === null && process.env.CI !== 'true')('the API on every store', () => {
  const results: Record<string, Record<string, unknown>> = {};

  it('DuckDB', async () => {
    const p = join(scratchDir('api-duck'), 's.duckdb');
    results.duckdb = await run('duckdb', p, p, false);
  });

  it('one ClickHouse server (accounts in its table)', async () => {
    if (bin === null) throw new Error('clickhouse-server is missing (apt install clickhouse-server)');
    const s = await startClickHouse(bin);
    servers.push(s);
    results.clickhouse = await run('ch', s.url('hs'), s.url('hs'), true);
  });

  it('a two-shard cluster', async () => {
    if (bin === null) throw new Error('clickhouse-server is missing');
    const [a, b] = await readyCluster(bin, servers);
    results.cluster = await run('cluster', a, b, true);
  });

  it('gives the same answers on all three', () => {
    expect(Object.keys(results)).toEqual(['duckdb', 'clickhouse', 'cluster']);
    for (const r of REQUESTS) {
      expect(results.clickhouse![r], `ClickHouse: ${r}`).toEqual(results.duckdb![r]);
      expect(results.cluster![r], `cluster: ${r}`).toEqual(results.duckdb![r]);
    }
    expect(results.clickhouse!.uid).toEqual(results.duckdb!.uid);
    expect(results.cluster!.uid).toEqual(results.duckdb!.uid);
    // and the answers hold something: not three equal empty lists
    expect((results.duckdb!['/api/summary/sessions'] as { count: number }).count).toBeGreaterThan(20);
  });
});
