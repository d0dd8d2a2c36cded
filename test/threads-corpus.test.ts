// --threads N gives the one-thread records exactly, for every capture of the corpus and the gen set: sessions
// (every column, app_proto probes on), tls records and anomalies, in order, and the run's totals; 2 shards on
// worker threads, 4 shards in this thread.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import * as source from '../src/pipeline/threaded.js';
import { corpusDir, ROOT, walkFiles } from './helpers/run.js';
import { job, oneThread, threaded, type Records } from './helpers/threads.js';

const corpus = corpusDir();
const CAPTURE = /\.(pcap|pcapng|cap|pcap\.gz|pcapng\.gz|pcap\.zst|trace|dump)$/i;

/** Captures per test: one vitest test per group keeps the report short and the pools busy. */
const GROUP = 40;

function captures(): string[] {
  const dirs = [join(ROOT, 'test/fixtures')];
  if (corpus !== null) dirs.push(join(corpus, 'pcap'), join(corpus, 'gen'));
  return [...new Set(dirs.flatMap((d) => walkFiles(d)).filter((f) => CAPTURE.test(f)))];
}

/**
 * Real worker threads from the build (dist/: CI builds before the tests; the worker runs compiled JavaScript),
 * else the same shards in this thread from the sources (outside CI without a build).
 */
const DIST = join(ROOT, 'dist/pipeline/threaded.js');
if (!existsSync(DIST) && (process.env.CI === 'true' || process.env.CI === '1')) throw new Error('the threads tests run the build (dist/): build first');
const { ShardPool } = existsSync(DIST) ? (await import(DIST) as typeof source) : source;
const inProcess = !existsSync(DIST);
/**
 * 2 shards on real worker threads (the transport: shared chunks, rounds, answers), 4 shards in this thread (the same
 * shard and merge code, without 4 threads' wake-ups on CI's 2 cores: the file's time was mostly system time); the
 * 4-worker transport has its own tests (threads-uids, threads-slots, threads-fault).
 */
const pools = new Map<number, source.ShardPool>();
function pool(n: number): source.ShardPool {
  let p = pools.get(n);
  if (p === undefined) {
    p = new ShardPool(n, { inProcess: inProcess || n > 2 });
    pools.set(n, p);
  }
  return p;
}
afterAll(async () => {
  for (const p of pools.values()) await p.close();
});

/** What differs, briefly: the first differing record. */
function diff(a: Records, b: Records): string | null {
  for (const k of ['records', 'anomalies'] as const) {
    const n = Math.max(a[k].length, b[k].length);
    for (let i = 0; i < n; i++) if (a[k][i] !== b[k][i]) return `${k}[${i}] of ${a[k].length}/${b[k].length}: ${a[k][i]} != ${b[k][i]}`;
  }
  return JSON.stringify(a.result) === JSON.stringify(b.result) ? null : `result: ${JSON.stringify(a.result)} != ${JSON.stringify(b.result)}`;
}

describe('threads: the records of every capture equal the one-thread records', () => {
  const all = captures();
  it('has the captures', () => expect(all.length).toBeGreaterThan(corpus === null ? 5 : 300));
  for (let g = 0; g < all.length; g += GROUP) {
    const group = all.slice(g, g + GROUP);
    it(`captures ${g + 1}-${g + group.length} (sessions, tls; 2 worker threads, 4 shards)`, async () => {
      const bad: string[] = [];
      for (const f of group) {
        for (const verb of ['sessions', 'tls'] as const) {
          const j = job(verb);
          const one = await oneThread(j, [{ path: f }]);
          for (const n of [2, 4]) {
            const d = diff(one, await threaded(pool(n), j, [{ path: f }]));
            if (d !== null) bad.push(`${f} ${verb} x${n}: ${d.slice(0, 600)}`);
          }
        }
      }
      expect(bad).toEqual([]);
    }, 600_000);
  }
});
