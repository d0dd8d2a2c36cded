// A server's DuckDB store queried while it ingests: queries see all of a capture or none of it, and a query that
// fails does not abort the ingest's transaction (reads have their own connection).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestOne, type IngestOneSummary } from '../src/pipeline/ingest-one.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/store.js';
import { scratchDir } from './helpers/cli.js';
import { GEN } from './helpers/run.js';

// small spool segments: rows reach the capture's open transaction while its packets are still read (read by
// duckdb-store.ts when it is first loaded, which openStore does on its first call, below)
process.env.HAYSTACK_SPOOL_SEGMENT_BYTES = '16384';

const dir = scratchDir('reads-during-ingest');

/** mixed-home 80 times over, each copy 10 s later (~40 MB): an ingest long enough to query during it */
function longCapture(): string {
  const src = readFileSync(join(GEN, 'mixed-home.pcap'));
  const body = src.subarray(24);
  const copies: Buffer[] = [src.subarray(0, 24)];
  for (let k = 0; k < 80; k++) {
    const c = Buffer.from(body);
    for (let p = 0; p + 16 <= c.length; p += 16 + c.readUInt32LE(p + 8)) c.writeUInt32LE(c.readUInt32LE(p) + 10 * k, p);
    copies.push(c);
  }
  const path = join(dir, 'long.pcap');
  writeFileSync(path, Buffer.concat(copies));
  return path;
}

/** The lowest number of a sessions segment waiting in the spool (-1: none). */
function lowestSegment(spool: string): number {
  let names: string[];
  try {
    names = readdirSync(spool);
  } catch {
    return -1;
  }
  const nums = names.map((n) => /^sessions-(\d+)\.jsonl$/.exec(n)?.[1]).filter((x): x is string => x !== undefined).map(Number);
  return nums.length === 0 ? -1 : Math.min(...nums);
}

/** Ingests the long capture into a fresh store while `query` runs again and again; what each saw. */
async function ingestWhileQuerying(name: string, cap: string, query: (store: Store) => Promise<void>): Promise<{ summary: IngestOneSummary; duringLoads: number; sessions: number }> {
  const db = join(dir, `${name}.duckdb`);
  const store = await openStore(db);
  try {
    await store.init();
    const spool = `${db}.spool`;
    let done = false;
    const run = ingestOne(store, cap).finally(() => (done = true));
    let duringLoads = 0;
    while (!done) {
      // segments of sessions were loaded into the open transaction (each is deleted once loaded): the lowest
      // segment still waiting is past the first
      if (lowestSegment(spool) >= 1) duringLoads++;
      await query(store);
      await sleep(2);
    }
    const summary = await run;
    const r = await store.select('SELECT count(*) AS n FROM sessions');
    return { summary, duringLoads, sessions: Number(r.rows[0]!.n) };
  } finally {
    await store.close();
  }
}

describe('queries during an ingest (DuckDB)', () => {
  const cap = longCapture();
  let want: IngestOneSummary;
  beforeAll(async () => {
    const ref = await openStore(join(dir, 'ref.duckdb'));
    want = await ingestOne(ref, cap);
    await ref.close();
    expect(want.status).toBe('ingested');
  });

  it('see none of the capture until it commits, then all of it', async () => {
    const seen = new Set<number>();
    const got = await ingestWhileQuerying('visible', cap, async (store) => {
      const r = await store.select('SELECT count(*) AS n FROM sessions');
      seen.add(Number(r.rows[0]!.n));
    });
    expect(got.duringLoads).toBeGreaterThan(0);
    expect([...seen].filter((n) => n !== 0 && n !== want.records.sessions)).toEqual([]);
    expect(got.summary).toMatchObject({ status: 'ingested', records: want.records });
    expect(got.sessions).toBe(want.records.sessions);
  });

  it('that fail leave the ingest whole', async () => {
    let failed = 0;
    // fails as it runs (not when it is parsed): on the ingest's connection it would abort its transaction
    const got = await ingestWhileQuerying('failing', cap, (store) => store.query("SELECT CAST('not a number' AS INTEGER)").then(() => undefined, () => void failed++));
    expect(got.duringLoads).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
    expect(got.summary).toMatchObject({ status: 'ingested', error: null, records: want.records });
    expect(got.sessions).toBe(want.records.sessions);
  });
});
