// A time limit on reads (what `haystack serve` opens its store with): a query past it is stopped, not waited
// for, with HAYSTACK_TIMEOUT (the server answers 503 with the message), and the store answers the next query;
// on DuckDB (interrupt) and on a ClickHouse server (max_execution_time). Without a limit (the CLI) nothing stops.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { httpFailure } from '../src/server/errors.js';
import { openStore } from '../src/store/open.js';
import { clickhouseBinary, startClickHouse, type ClickHouseServer } from './helpers/clickhouse-server.mjs';
import { scratchDir } from './helpers/cli.js';

const dir = scratchDir('timeout');
const bin = clickhouseBinary();
const servers: ClickHouseServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

/** work that takes many seconds on either store */
const SLOW = {
  duckdb: 'SELECT count(*) AS n FROM range(100000000) a, range(100) b WHERE (a.range * b.range) % 7 = 3',
  clickhouse: 'SELECT count() AS n FROM numbers(100000000000) WHERE (number * 7919) % 13 = 3',
};

describe('a time limit on reads', () => {
  it('DuckDB: a slow query is interrupted at the limit and the store goes on answering', async () => {
    const path = join(dir, 't.duckdb');
    await (await openStore(path)).close();
    const store = await openStore(path, { queryTimeoutMs: 300 });
    try {
      await store.init();
      const t0 = Date.now();
      const err = await store.select(SLOW.duckdb).then(() => null, (e: unknown) => e);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(err).toMatchObject({ code: 'HAYSTACK_TIMEOUT' });
      expect(httpFailure(err)).toMatchObject({ status: 503, message: expect.stringMatching(/longer than 0.3 s and was stopped/) });
      for (let i = 0; i < 5; i++) expect((await store.select('SELECT 42 AS x')).rows).toEqual([{ x: 42 }]);
    } finally {
      await store.close();
    }
  });

  it.skipIf(bin === null && process.env.CI !== 'true')('ClickHouse: max_execution_time stops it on the server', async () => {
    if (bin === null) throw new Error('clickhouse-server is missing');
    const s = await startClickHouse(bin);
    servers.push(s);
    const store = await openStore(s.url('t'), { queryTimeoutMs: 1000 });
    try {
      const t0 = Date.now();
      const err = await store.select(SLOW.clickhouse).then(() => null, (e: unknown) => e);
      expect(Date.now() - t0).toBeLessThan(8000);
      expect(err).toMatchObject({ code: 'HAYSTACK_TIMEOUT' });
      expect((await store.select('SELECT 42 AS x')).rows).toEqual([{ x: 42 }]);
    } finally {
      await store.close();
    }
  });
});
