// Every capture in the shared corpus reads without an exception, and every pcapng-test-generator file has
// the block structure its generator states.
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, corpusDir, readJson, walkFiles } from './helpers/run.js';

const corpus = corpusDir();

interface Entry {
  file: string | string[];
  kind: string;
  expect: Record<string, unknown>;
}

describe.skipIf(corpus === null)('shared corpus', () => {
  const dir = corpus!;
  const captures = walkFiles(`${dir}/pcap`).filter((f) => /\.(pcap|pcapng|cap|pcap\.gz|pcapng\.gz|trace|dump)$/i.test(f));

  it('has captures to walk', () => expect(captures.length).toBeGreaterThan(200));

  it('reads every capture without an exception', async () => {
    const damaged: string[] = [];
    for (const f of captures) {
      const { result } = await collect([f]);
      const r = result.inputs[0]!;
      if (r.error !== null) {
        // damage is reported with the file and the byte offset, never thrown
        expect(r.error.message).toContain(f);
        expect(r.error.message).toMatch(/byte offset \d+/);
        damaged.push(`${relative(dir, f)}: ${r.error.message}`);
      }
    }
    // every capture in the corpus is whole: damage reported for one is a reader bug
    expect(damaged).toEqual([]);
  }, 300_000);

  const entries = readJson<{ entries: Entry[] }>(`${dir}/expected.json`).entries.filter((e) => e.kind === 'pcapng_structure');
  it('has the pcapng structure expectations', () => expect(entries.length).toBe(48));

  for (const e of entries) {
    const file = e.file as string;
    it(`${file}: ${String(e.expect.description)}`, async () => {
      const { result } = await collect([`${dir}/${file}`], { keepBlockSequence: true });
      const r = result.inputs[0]!;
      const counts = e.expect.block_counts as Record<string, number>;
      expect(Object.fromEntries(r.blockCounts)).toEqual(counts);
      expect(r.blockSequence).toEqual(e.expect.block_sequence);
      expect(r.error).toBeNull();
    });
  }
});
