// A store made before the carve fields existed (sessions without pcap_start/pcap_end, captures without mtime
// and header_blocks) gets them at init, on DuckDB and on a ClickHouse server: old rows read null, new
// captures fill them, and a session of an old capture is HAYSTACK_GONE to carve (no range), not a wrong file.
// A store made before the dns table existed gets the table at init, and the next ingest fills it.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isHaystackError } from '../src/core/errors.js';
import { carveSession } from '../src/pipeline/carve.js';
import { ingest } from '../src/pipeline/ingest.js';
import { openStore } from '../src/store/open.js';
import { tableNamer } from '../src/store/reports.js';
import type { Store } from '../src/store/store.js';
import { clickhouseBinary, startClickHouse, type ClickHouseServer } from './helpers/clickhouse-server.mjs';
import { scratchDir } from './helpers/cli.js';
import { GEN } from './helpers/run.js';

const scratch = scratchDir('migrate');
const bin = clickhouseBinary();
const ADDED = { sessions: ['pcap_start', 'pcap_end', 'tunnel_parents', 'encap', 'proxy'], captures: ['mtime', 'header_blocks'], http: ['info_code', 'info_msg'] };
let server: ClickHouseServer | null = null;
afterAll(async () => server?.stop());

async function exec(store: Store, sql: string): Promise<void> {
  await (store as unknown as { exec(sql: string): Promise<void> }).exec(sql);
}

async function check(url: string): Promise<void> {
  const old = join(scratch, `old-${Math.random().toString(36).slice(2)}.pcap`);
  copyFileSync(join(GEN, 'http-put.pcap'), old);
  let store = await openStore(url);
  const t = tableNamer(store);
  try {
    // the store as the previous version left it: a capture ingested, the new columns not there
    await ingest(store, [old]);
    for (const [table, cols] of Object.entries(ADDED)) {
      for (const c of cols) await exec(store, `ALTER TABLE ${t(table)} DROP COLUMN ${c}`);
    }
    await exec(store, `DROP TABLE ${t('dns')}`);
    const before = await store.select(`SELECT * FROM ${t('sessions')} LIMIT 1`);
    expect(before.columns.map((c) => c.name)).not.toContain('pcap_start');
  } finally {
    await store.close();
  }
  store = await openStore(url);
  try {
    await store.init();
    const cols = (await store.select(`SELECT * FROM ${t('captures')} LIMIT 1`)).columns.map((c) => c.name);
    expect(cols).toEqual(expect.arrayContaining(ADDED.captures));
    const sessionCols = (await store.select(`SELECT * FROM ${t('sessions')} LIMIT 1`)).columns.map((c) => c.name);
    expect(sessionCols).toEqual(expect.arrayContaining(ADDED.sessions));
    const httpCols = (await store.select(`SELECT * FROM ${t('http')} LIMIT 1`)).columns.map((c) => c.name);
    expect(httpCols).toEqual(expect.arrayContaining(ADDED.http));
    const old_ = await store.select(`SELECT count(*) AS n, count(pcap_start) AS placed FROM ${t('sessions')}`);
    expect(Number(old_.rows[0]!.n)).toBeGreaterThan(0);
    expect(Number(old_.rows[0]!.placed)).toBe(0);
    expect(Number((await store.select(`SELECT count(*) AS n FROM ${t('dns')}`)).rows[0]!.n)).toBe(0);
    // a new capture fills them
    await ingest(store, [join(GEN, 'smtp-attachments.pcap'), join(GEN, 'mixed-home.pcap')]);
    expect(Number((await store.select(`SELECT count(*) AS n FROM ${t('dns')}`)).rows[0]!.n)).toBe(3);
    const now = await store.select(`SELECT count(*) AS n, count(pcap_start) AS placed FROM ${t('sessions')}`);
    expect(Number(now.rows[0]!.placed)).toBeGreaterThan(0);
    expect(Number(now.rows[0]!.placed)).toBeLessThan(Number(now.rows[0]!.n));
    // a session of the old capture has no range: GONE, with the reason
    const uid = String((await store.select(`SELECT uid FROM ${t('sessions')} WHERE pcap_start IS NULL LIMIT 1`)).rows[0]!.uid);
    const err = await carveSession(store, uid, join(scratch, 'x.pcap')).then(() => null, (e: unknown) => e);
    expect(isHaystackError(err, 'HAYSTACK_GONE')).toBe(true);
    expect((err as Error).message).toMatch(/no byte range/);
  } finally {
    await store.close();
  }
}

describe('store init adds the fields a newer schema has', () => {
  it('DuckDB', async () => {
    await check(join(scratch, 'm.duckdb'));
  });

  it.skipIf(bin === null)('ClickHouse (one server)', async () => {
    server = await startClickHouse(bin!);
    await check(server.url('hs'));
  }, 120_000);
});
