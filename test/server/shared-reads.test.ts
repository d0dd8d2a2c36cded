// The server's shared reads and batched audit rows, on a real DuckDB store of a generated capture: identical
// queries in flight run once and every caller gets its own copy of the answer, nothing is kept afterwards,
// different queries are not shared; audit events of concurrent requests are all stored, in fewer writes, and a
// failed write fails every request that waited on it.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/pipeline/ingest.js';
import { storeAudit } from '../../src/server/audit-sink.js';
import type { AuditEvent } from '../../src/server/audit.js';
import { sharedReads } from '../../src/server/shared-reads.js';
import { listAudit } from '../../src/store/app-tables.js';
import { openStore } from '../../src/store/open.js';
import type { QueryResult, Row, Store } from '../../src/store/store.js';
import { scratchDir } from '../helpers/cli.js';
import { GEN, readJson } from '../helpers/run.js';

const dir = scratchDir('shared-reads');
const mixed = readJson<{ sessions: unknown[] }>(join(GEN, 'expected/mixed-home.pcap.json'));
let store: Store;
/** the SQL texts the store was asked to run, in order */
const ran: string[] = [];
let appends = 0;
let failAppends = false;

/** The real store, counting its selects and app-table writes (and failing the writes when told to). */
function counting(s: Store): Store {
  return new Proxy(s, {
    get(target, name, receiver) {
      if (name === 'select') return (sql: string) => (ran.push(sql), target.select(sql));
      if (name === 'appendApp') {
        return (schema: Parameters<Store['appendApp']>[0], rows: readonly Row[]) => {
          appends++;
          return failAppends ? Promise.reject(new Error('disk full')) : target.appendApp(schema, rows);
        };
      }
      const v = Reflect.get(target, name, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

beforeAll(async () => {
  store = await openStore(join(dir, 'store.duckdb'));
  await store.init();
  const s = await ingest(store, [join(GEN, 'mixed-home.pcap')], { homeNet: ['127.0.0.0/24'] });
  expect(s.files[0]!.status).toBe('ingested');
});
afterAll(async () => {
  await store?.close();
});

describe('shared reads', () => {
  const SQL = 'SELECT src_ip, dst_port, count(*) AS n FROM sessions GROUP BY ALL ORDER BY n DESC, src_ip, dst_port';

  it('runs identical queries in flight once; each caller gets the same rows as its own copy', async () => {
    ran.length = 0;
    const shared = sharedReads(counting(store));
    const answers = await Promise.all([shared.select(SQL), shared.select(SQL), shared.select(SQL)]);
    expect(ran).toEqual([SQL]);
    const total = answers[0]!.rows.reduce((a, r) => a + Number(r.n), 0);
    expect(total).toBe(mixed.sessions.length);
    for (const a of answers.slice(1)) {
      expect(a).toEqual(answers[0]);
      expect(a.rows).not.toBe(answers[0]!.rows);
      expect(a.rows[0]).not.toBe(answers[0]!.rows[0]);
    }
    // one caller changing its rows changes nobody else's
    (answers[1] as QueryResult).rows[0]!.n = -1;
    expect(answers[2]!.rows[0]!.n).not.toBe(-1);
  });

  it('keeps nothing once a query is answered, and does not share different queries', async () => {
    ran.length = 0;
    const shared = sharedReads(counting(store));
    await shared.select(SQL);
    await shared.select(SQL);
    const other = `${SQL} LIMIT 1`;
    const [a, b] = await Promise.all([shared.select(SQL), shared.select(other)]);
    expect(ran).toEqual([SQL, SQL, SQL, other]);
    expect(b.rows).toEqual(a.rows.slice(0, 1));
  });

  it('gives every caller the failure of a shared query', async () => {
    const shared = sharedReads(store);
    const bad = 'SELECT no_such_column FROM sessions';
    const r = await Promise.allSettled([shared.select(bad), shared.select(bad)]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected']);
  });
});

describe('batched audit rows', () => {
  const event = (i: number): AuditEvent => ({ ts: Date.UTC(2031, 0, 1) + i, user: 'alice', role: 'viewer', ip: '127.0.0.1', action: 'query', route: 'GET /api/records/:table', filter: `dst_port = ${i}`, rows: i, target: 'sessions', outcome: 'ok' });

  it('stores every event of concurrent requests, in fewer writes than events', async () => {
    appends = 0;
    const sink = storeAudit(counting(store));
    await Promise.all(Array.from({ length: 40 }, (_, i) => sink(event(i))));
    expect(appends).toBeGreaterThanOrEqual(1);
    expect(appends).toBeLessThan(40);
    const from = Date.UTC(2031, 0, 1) * 1000;
    const rows = (await listAudit(store, { from, to: from + 1_000_000, limit: 1000 })).rows;
    expect(rows.map((r) => r.filter).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `dst_port = ${i}`).sort());
  });

  it('fails every request whose row was not written', async () => {
    failAppends = true;
    try {
      const sink = storeAudit(counting(store));
      const r = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => sink(event(100 + i))));
      expect(r.map((x) => x.status)).toEqual(Array(5).fill('rejected'));
    } finally {
      failAppends = false;
    }
    // the sink writes again once the store does
    const sink = storeAudit(store);
    await sink(event(200));
  });
});
