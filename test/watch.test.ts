// serve --watch: files dropped into a directory are ingested once each, whole, whatever the way they arrive
// (written slowly by another process, renamed into place); temporary names and dotfiles wait; errors go on.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHaystackError } from '../src/core/errors.js';
import { ingestOne, type IngestOneSummary } from '../src/pipeline/ingest-one.js';
import { IGNORED_NAME, watchDirectory, type DirectoryWatch } from '../src/pipeline/watch.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/store.js';
import { scratchDir } from './helpers/cli.js';
import { GEN, readJson } from './helpers/run.js';

const dir = scratchDir('watch');
const POLL_MS = 50;
/** long enough that a loaded machine (2 cores, 4 test runs) keeps a writer's pauses well under it */
const STABLE_MS = 1500;
const MIXED = join(GEN, 'mixed-home.pcap');
const HTTP_PUT = join(GEN, 'http-put.pcap');
const packets = (f: string): number => Number(readJson<{ capinfos: Record<string, string> }>(join(GEN, 'expected', `${f}.json`)).capinfos['Number of packets']);

/** Copies `src` to `dst` from another process in `chunks` writes, `pauseMs` apart. */
function slowCopy(src: string, dst: string, chunks: number, pauseMs: number): Promise<number | null> {
  const script = `
    const fs = require('node:fs');
    const [src, dst, n, pause] = process.argv.slice(1);
    const b = fs.readFileSync(src);
    const fd = fs.openSync(dst, 'w');
    const step = Math.ceil(b.length / Number(n));
    let off = 0;
    const next = () => {
      fs.writeSync(fd, b, off, Math.min(step, b.length - off));
      off += step;
      if (off < b.length) setTimeout(next, Number(pause)); else fs.closeSync(fd);
    };
    next();`;
  const c = spawn(process.execPath, ['-e', script, src, dst, String(chunks), String(pauseMs)], { stdio: 'inherit' });
  return new Promise((resolve) => c.on('exit', resolve));
}

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}

describe('watchDirectory + ingestOne', () => {
  const drop = join(dir, 'drop');
  mkdirSync(drop);
  let store: Store;
  let direct: Store;
  let watch: DirectoryWatch;
  const ready: string[] = [];
  const summaries = new Map<string, IngestOneSummary[]>();
  const errors: { path: string; error: unknown }[] = [];

  beforeAll(async () => {
    store = await openStore(join(dir, 'served.duckdb'));
    direct = await openStore(join(dir, 'direct.duckdb'));
    watch = await watchDirectory(drop, {
      pollMs: POLL_MS,
      stableMs: STABLE_MS,
      onReady: async (path) => {
        ready.push(path);
        if (path.endsWith('poison.pcap')) throw new Error('the callback failed');
        const s = await ingestOne(store, path);
        summaries.set(path, [...(summaries.get(path) ?? []), s]);
      },
      onError: (path, error) => errors.push({ path, error }),
    });
  });
  afterAll(async () => {
    await watch.stop();
    await store.close();
    await direct.close();
  });

  it('a capture written slowly by another process (pauses over the poll, under the stable time) is ingested once, whole', async () => {
    const dst = join(drop, 'slow.pcap');
    // 8 writes 300 ms apart: 6 polls see each partial file, none is quiet for STABLE_MS
    expect(await slowCopy(MIXED, dst, 8, 300)).toBe(0);
    await until(() => summaries.has(dst));
    await sleep(STABLE_MS + 10 * POLL_MS);
    expect(ready.filter((p) => p === dst)).toEqual([dst]);
    const [s] = summaries.get(dst)!;
    const ref = await ingestOne(direct, MIXED);
    expect(s).toMatchObject({ status: 'ingested', kind: 'capture', damaged: null, error: null, sha256: ref.sha256, packets: packets('mixed-home.pcap') });
    expect(s!.records).toEqual(ref.records);
    expect(s!.records.sessions).toBe(readJson<{ sessions: unknown[] }>(join(GEN, 'expected/mixed-home.pcap.json')).sessions.length);
  });

  it('temporary names and dotfiles are ignored; the file renamed into place is ingested once', async () => {
    const part = join(drop, 'put.pcap.part');
    copyFileSync(HTTP_PUT, part);
    copyFileSync(HTTP_PUT, join(drop, '.put.pcap'));
    copyFileSync(HTTP_PUT, join(drop, 'put.pcap.tmp'));
    copyFileSync(HTTP_PUT, join(drop, 'put.pcap~'));
    await sleep(2 * STABLE_MS);
    expect(ready.filter((p) => p.includes('put.pcap'))).toEqual([]);
    const dst = join(drop, 'put.pcap');
    renameSync(part, dst);
    await until(() => summaries.has(dst));
    await sleep(STABLE_MS + 10 * POLL_MS);
    expect(ready.filter((p) => p.includes('put.pcap'))).toEqual([dst]);
    const ref = await ingestOne(direct, HTTP_PUT);
    expect(summaries.get(dst)).toMatchObject([{ status: 'ingested', sha256: ref.sha256, records: ref.records, packets: packets('http-put.pcap') }]);
  });

  it('a failing callback is reported and the watcher goes on; bad and truncated captures are summaries, and nothing stored is lost', async () => {
    writeFileSync(join(drop, 'poison.pcap'), 'x');
    writeFileSync(join(drop, 'junk.pcap'), 'not a capture at all\n');
    const bytes = (await import('node:fs')).readFileSync(join(GEN, 'smtp-attachments.pcap'));
    writeFileSync(join(drop, 'cut.pcap'), bytes.subarray(0, 30_000));
    copyFileSync(join(GEN, 'tls-clients.pcapng'), join(drop, 'tls.pcapng'));
    const tls = join(drop, 'tls.pcapng');
    await until(() => summaries.has(tls) && summaries.has(join(drop, 'cut.pcap')) && summaries.has(join(drop, 'junk.pcap')));
    expect(errors.map((e) => e.path)).toEqual([join(drop, 'poison.pcap')]);
    expect(summaries.get(join(drop, 'junk.pcap'))).toMatchObject([{ status: 'failed', error: { code: 'HAYSTACK_CAPTURE_FORMAT', offset: 0 } }]);
    expect(summaries.get(join(drop, 'junk.pcap'))![0]!.error!.message).toContain(join(drop, 'junk.pcap'));
    // cut mid-record: what comes before the cut is kept, and the summary says where
    const [cut] = summaries.get(join(drop, 'cut.pcap'))!;
    expect(cut).toMatchObject({ status: 'ingested', damaged: { code: 'HAYSTACK_CAPTURE_TRUNCATED' } });
    expect(cut!.damaged!.offset).toBeGreaterThan(0);
    expect(cut!.damaged!.offset).toBeLessThanOrEqual(30_000);
    expect(summaries.get(tls)).toMatchObject([{ status: 'ingested', packets: packets('tls-clients.pcapng') }]);
    const r = await store.select('SELECT count(*) AS n FROM captures');
    // slow.pcap, put.pcap, cut.pcap, tls.pcapng
    expect(Number(r.rows[0]!.n)).toBe(4);
  });

  it('a file that changes after it was ingested is offered again once stable (same bytes: nothing new stored)', async () => {
    const dst = join(drop, 'put.pcap');
    const n = ready.length;
    // same bytes, new mtime: offered again, and the store knows it by its sha256
    const t = new Date(Date.now() + 5000);
    (await import('node:fs')).utimesSync(dst, t, t);
    await until(() => summaries.get(dst)!.length === 2);
    expect(summaries.get(dst)![1]).toMatchObject({ status: 'already', records: {} });
    expect(ready.length).toBe(n + 1);
  });
});

describe('watchDirectory options', () => {
  it('refuses a directory that is not there, and a stable time under the poll interval', async () => {
    const opts = { onReady: async () => undefined, onError: () => undefined };
    const e = await watchDirectory(join(dir, 'nope'), opts).catch((x: unknown) => x);
    expect(isHaystackError(e, 'HAYSTACK_IO') && e.message).toMatch(/nope: cannot watch \(ENOENT\)/);
    const o = await watchDirectory(dir, { ...opts, pollMs: 1000, stableMs: 500 }).catch((x: unknown) => x);
    expect(isHaystackError(o, 'HAYSTACK_BAD_OPTION')).toBe(true);
  });

  it('stops on its signal', async () => {
    const ac = new AbortController();
    const w = await watchDirectory(dir, { onReady: async () => undefined, onError: () => undefined, pollMs: 10_000, signal: ac.signal });
    ac.abort();
    await w.stopped;
  });

  it('ignores temporary and hidden names only', () => {
    for (const n of ['.x.pcap', 'x.pcap.part', 'x.PART', 'x.tmp', 'x.pcap~', '#x#', 'x.crdownload', 'x.filepart', 'x.partial']) expect(IGNORED_NAME.test(n), n).toBe(true);
    for (const n of ['x.pcap', 'maillog', 'maillog.1', 'cap.pcapng.gz', 'part.pcap', 'tmp.log', 'x.parts']) expect(IGNORED_NAME.test(n), n).toBe(false);
  });
});
