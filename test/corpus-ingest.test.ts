// Ingest of the whole third-party capture tree (plus a truncated capture and a non-capture named on the
// command line): every capture is kept, each problem is reported against its file, and the store's counts
// are what the engine reads from the same files.
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureFiles, ingest } from '../src/pipeline/ingest.js';
import { openStore } from '../src/store/open.js';
import { scratchDir } from './helpers/cli.js';
import { collect, corpusDir, GEN } from './helpers/run.js';

const corpus = corpusDir();

describe.skipIf(corpus === null)('ingest: the corpus capture tree', () => {
  it('keeps every good capture and reports each bad file by name', async () => {
    const dir = scratchDir('corpus-ingest');
    const extra = join(dir, 'extra');
    mkdirSync(extra);
    // a capture cut in the middle of a record: what comes before the cut is kept
    const whole = readFileSync(join(GEN, 'mixed-home.pcap'));
    writeFileSync(join(extra, 'cut.pcap'), whole.subarray(0, 200_003));
    copyFileSync(join(GEN, 'http-put.pcap'), join(extra, 'copy-of-http-put.pcap'));
    const notCapture = join(dir, 'notes.pcap');
    writeFileSync(notCapture, 'this is not a capture\n');
    const tree = join(corpus!, 'pcap');
    const found = await captureFiles([tree]);
    expect(found.files.length).toBeGreaterThan(150);
    expect(found.skipped.length).toBeGreaterThan(0); // expected.json, yaml, logs beside the captures

    const store = await openStore(join(dir, 'c.duckdb'));
    try {
      const s = await ingest(store, [tree, extra, notCapture]);
      const by = (st: string): typeof s.files => s.files.filter((f) => f.status === st);
      // the explicitly named non-capture fails with its name; nothing else does
      expect(by('failed').map((f) => (f.status === 'failed' ? f.error.message : ''))).toEqual([expect.stringMatching(/notes\.pcap: not a pcap or pcapng file/)]);
      const cut = s.files.find((f) => f.path.endsWith('cut.pcap'))!;
      expect(cut.status).toBe('ingested');
      expect(cut.status === 'ingested' ? cut.damaged?.message : '').toMatch(/cut\.pcap.*truncated/);
      // identical files in the tree are stored once
      const shas = new Set(s.files.flatMap((f) => (f.status === 'failed' ? [] : [f.capture.sha256])));
      expect(by('ingested').length).toBe(shas.size);
      expect(by('ingested').length + by('already').length).toBe(found.files.length + 2);
      const caps = await store.select('SELECT count(*) AS n, sum(packets) AS p FROM captures');
      expect(Number(caps.rows[0]!.n)).toBe(shas.size);
      // sessions in the store = what the engine finds in the ingested files, one file at a time
      let sessions = 0;
      for (const f of by('ingested')) sessions += (await collect([f.path])).sessions.length;
      const n = await store.select('SELECT count(*) AS n FROM sessions');
      expect(Number(n.rows[0]!.n)).toBe(sessions);
      expect(statSync(join(dir, 'c.duckdb')).size).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  }, 120_000);
});
