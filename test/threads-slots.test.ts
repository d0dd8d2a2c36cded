// --threads over inputs of several shared 4 MiB chunks: packets across chunk ends, chunks used again, inputs
// copied in (gzip, odd chunkings) and several inputs in one run, all give the one-thread records.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as source from '../src/pipeline/threaded.js';
import { CHUNK_SIZE } from '../src/pipeline/source.js';
import { GEN, ROOT } from './helpers/run.js';
import { job, oneThread, threaded } from './helpers/threads.js';

/** Worker threads from the build when there is one (as test/threads-corpus.test.ts), else the shards in process. */
const DIST = join(ROOT, 'dist/pipeline/threaded.js');
if (!existsSync(DIST) && (process.env.CI === 'true' || process.env.CI === '1')) throw new Error('the threads tests run the build (dist/): build first');
const { ShardPool } = existsSync(DIST) ? (await import(DIST) as typeof source) : source;
const pool = new ShardPool(2, { inProcess: !existsSync(DIST) });
const dir = mkdtempSync(join(tmpdir(), 'haystack-threads-slots-'));
afterAll(async () => {
  await pool.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A microsecond little-endian pcap repeated `copies` times, each copy `shiftS` seconds after the one before. */
function repeated(pcap: Uint8Array, copies: number, shiftS: number): Uint8Array {
  const v = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength);
  if (v.getUint32(0, true) !== 0xa1b2c3d4) throw new Error('fixture: not a little-endian microsecond pcap');
  const body = pcap.subarray(24);
  const out = new Uint8Array(24 + body.length * copies);
  out.set(pcap.subarray(0, 24));
  const ov = new DataView(out.buffer);
  for (let k = 0; k < copies; k++) {
    const base = 24 + k * body.length;
    out.set(body, base);
    for (let p = base; p < base + body.length;) {
      ov.setUint32(p, ov.getUint32(p, true) + k * shiftS, true);
      p += 16 + ov.getUint32(p + 8, true);
    }
  }
  return out;
}

const big = repeated(readFileSync(join(GEN, 'mixed-home.pcap')), 48, 100_000);
const bigPath = join(dir, 'mixed-home-x24.pcap');
writeFileSync(bigPath, big);
const gzPath = join(dir, 'mixed-home-x24.pcap.gz');
writeFileSync(gzPath, gzipSync(big));

describe('threads: inputs over several shared chunks give the one-thread records', () => {
  it('the input spans several chunks', () => expect(big.length).toBeGreaterThan(2 * CHUNK_SIZE));

  for (const verb of ['sessions', 'tls'] as const) {
    it(`${verb}: a file read straight into the chunks, and the same file gzipped (copied in)`, async () => {
      const want = await oneThread(job(verb), [{ path: bigPath }]);
      expect(want.records.length).toBeGreaterThan(0);
      expect(await threaded(pool, job(verb), [{ path: bigPath }])).toEqual(want);
      expect(await threaded(pool, job(verb), [{ path: gzPath }])).toEqual(await oneThread(job(verb), [{ path: gzPath }]));
    });
  }

  it('sessions: chunks larger than a shared chunk, and tiny ones, in one input', async () => {
    const cuts = [3, CHUNK_SIZE + 5, CHUNK_SIZE + 6, CHUNK_SIZE + 17, 2 * CHUNK_SIZE + CHUNK_SIZE / 2];
    const chunks = async function* (): AsyncGenerator<Uint8Array> {
      let pos = 0;
      for (const c of [...cuts, big.length]) {
        // a fresh copy each time, overwritten after use: a chunk kept past its turn would show
        const piece = big.slice(pos, c);
        yield piece;
        piece.fill(0xee);
        pos = c;
      }
    };
    const want = await oneThread(job('sessions'), [{ path: bigPath, chunks }]);
    expect(want.records.length).toBeGreaterThan(0);
    expect(await threaded(pool, job('sessions'), [{ path: bigPath, chunks }])).toEqual(want);
  });

  // in time order: inputs that go back in time are one of the documented inexact cases (docs/DESIGN-NOTES.md
  // "Issue 19: threads", "Where it is not exact"); tunnels.pcap lies inside the repeated capture's span
  it('sessions and tls: several inputs in one run (sessions go on across them)', async () => {
    const inputs = [{ path: join(GEN, 'tls-clients.pcapng') }, { path: bigPath }];
    for (const verb of ['sessions', 'tls'] as const) {
      const want = await oneThread(job(verb), inputs);
      expect(want.records.length).toBeGreaterThan(0);
      expect(await threaded(pool, job(verb), inputs)).toEqual(want);
    }
  });

  it('sessions: many inputs in one run reuse the same chunks (none is kept by the read that finds an end)', async () => {
    const one = readFileSync(join(GEN, 'mixed-home.pcap'));
    // each input k shifted k * 100,000 s: in time order, as one thread reads them
    const inputs = Array.from({ length: 30 }, (_, k) => {
      const path = join(dir, `mixed-home-${k}.pcap`);
      writeFileSync(path, shifted(one, k * 100_000));
      return { path };
    });
    const want = await oneThread(job('sessions'), inputs);
    expect(want.records.length).toBeGreaterThan(0);
    expect(await threaded(pool, job('sessions'), inputs)).toEqual(want);
    // chunks are bounded by the rounds in flight (~12 here), not the inputs: a chunk kept by each input's last read
    // made one more per input (33 for these 30)
    if (existsSync(DIST)) expect(pool.chunksMade).toBeLessThan(20);
  });
});

/** A little-endian microsecond pcap with every packet moved `s` seconds later. */
function shifted(pcap: Uint8Array, s: number): Uint8Array {
  const out = Uint8Array.from(pcap);
  const v = new DataView(out.buffer);
  for (let p = 24; p < out.length;) {
    v.setUint32(p, v.getUint32(p, true) + s, true);
    p += 16 + v.getUint32(p + 8, true);
  }
  return out;
}
