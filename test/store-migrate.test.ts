// A store made before the carve fields existed (sessions without pcap_start/pcap_end, captures without mtime
// and header_blocks) gets them at init, on DuckDB and on a ClickHouse server: old rows read null, new
// captures fill them, and a session of an old capture is HAYSTACK_GONE to carve (no range), not a wrong file.
// A store made before the dns and ssh tables existed gets them at init, and the next ingest fills them; the same for
// ftp, pop3 and imap and the sessions' control_uid (the FTP data channel's link), and for the provenance of
// imported records (origin, extra; test/import.test.ts drops and regains them on every record table).
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
import { GEN, ROOT } from './helpers/run.js';

const scratch = scratchDir('migrate');
const MAILFTP = join(ROOT, 'test/fixtures/mailftp/mailftp-gen.pcap');
const bin = clickhouseBinary();
const ADDED = { smtp: ['fetched_via', 'fetch_command'], sessions: ['pcap_start', 'pcap_end', 'tunnel_parents', 'encap', 'control_uid', 'proxy', 'origin', 'extra'], captures: ['mtime', 'header_blocks'], http: ['info_code', 'info_msg', 'origin', 'extra', 'ja4h'] };
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
    for (const table of ['ftp', 'pop3', 'imap']) await exec(store, `DROP TABLE ${t(table)}`);
    const before = await store.select(`SELECT * FROM ${t('sessions')} LIMIT 1`);
    expect(before.columns.map((c) => c.name)).not.toContain('pcap_start');
    // a store made before the ssh record had no ssh table
    await exec(store, `DROP TABLE ${t('ssh')}`);
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
    for (const table of ['ftp', 'pop3', 'imap']) expect(Number((await store.select(`SELECT count(*) AS n FROM ${t(table)}`)).rows[0]!.n)).toBe(0);
    // a new capture fills them
    await ingest(store, [join(GEN, 'smtp-attachments.pcap'), join(GEN, 'mixed-home.pcap'), MAILFTP]);
    // the FTP gen capture: its rows, and each data session points to its control session
    const linked = await store.select(`SELECT count(*) AS n FROM ${t('ftp')} f JOIN ${t('sessions')} s ON s.uid = f.data_uid WHERE s.control_uid = f.uid`);
    expect(Number(linked.rows[0]!.n)).toBe(4);
    expect(Number((await store.select(`SELECT count(*) AS n FROM ${t('files')} WHERE source = 'ftp'`)).rows[0]!.n)).toBe(4);
    expect(Number((await store.select(`SELECT count(*) AS n FROM ${t('pop3')}`)).rows[0]!.n)).toBeGreaterThan(0);
    expect(Number((await store.select(`SELECT count(*) AS n FROM ${t('imap')}`)).rows[0]!.n)).toBeGreaterThan(0);
    expect(Number((await store.select(`SELECT count(*) AS n FROM ${t('dns')}`)).rows[0]!.n)).toBe(3);
    // the ssh table is back (mixed-home.pcap has two SSH sessions), and a capture with SSH logins fills it
    const sshBefore = await store.select(`SELECT uid FROM ${t('ssh')}`);
    expect(sshBefore.rows).toHaveLength(2);
    await ingest(store, [join(ROOT, 'test/fixtures/ssh/ssh-logins.pcap')]);
    const seen = new Set(sshBefore.rows.map((r) => r.uid));
    const ssh = (await store.select(`SELECT uid, hassh, auth_success FROM ${t('ssh')} ORDER BY ts`)).rows.filter((r) => !seen.has(r.uid));
    expect(ssh.map((r) => [r.hassh, Number(r.auth_success)])).toEqual([['472b5de333ad665af5cbf10ff892c4df', 1], ['472b5de333ad665af5cbf10ff892c4df', 0]]);
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

  it('DuckDB: a read-only open (export, reports) of an earlier version\'s store adds what it lacks first', async () => {
    const url = join(scratch, 'ro.duckdb');
    let store = await openStore(url);
    try {
      await ingest(store, [join(GEN, 'http-put.pcap')]);
      for (const c of ADDED.http) await exec(store, `ALTER TABLE http DROP COLUMN ${c}`);
      await exec(store, 'DROP TABLE ssh');
    } finally {
      await store.close();
    }
    store = await openStore(url, { readOnly: true });
    try {
      const cols = (await store.select('SELECT * FROM http LIMIT 1')).columns.map((c) => c.name);
      expect(cols).toEqual(expect.arrayContaining(ADDED.http));
      // the old rows are there, and read null in the column added (ja4h was computed by no earlier version)
      const old = (await store.select('SELECT count(*) AS n, count(ja4h) AS j FROM http')).rows[0]!;
      expect([Number(old.n) > 0, Number(old.j)]).toEqual([true, 0]);
      expect(Number((await store.select('SELECT count(*) AS n FROM ssh')).rows[0]!.n)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it.skipIf(bin === null)('ClickHouse (one server)', async () => {
    server = await startClickHouse(bin!);
    await check(server.url('hs'));
  }, 120_000);
});
