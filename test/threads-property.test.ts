// Property: however the capture arrives (random chunk cuts) and however the reader cuts it into rounds (random
// round sizes), the shards (1-4, in this thread) give the one-thread records exactly; also with timeouts so short
// that the session table's sweeps end sessions all through the capture (their order is the merge's hardest part).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardPool } from '../src/pipeline/threaded.js';
import { GEN } from './helpers/run.js';
import { job, oneThread, threaded } from './helpers/threads.js';

function chunked(bytes: Uint8Array, cuts: number[]): () => AsyncIterable<Uint8Array> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  return async function* chunks(): AsyncGenerator<Uint8Array> {
    // one scratch buffer reused per chunk, as the file reader does: a view kept past its chunk would show
    const scratch = new Uint8Array(bytes.length);
    let pos = 0;
    for (const c of [...points, bytes.length]) {
      if (c <= pos) continue;
      scratch.set(bytes.subarray(pos, c));
      yield scratch.subarray(0, c - pos);
      scratch.fill(0xee);
      pos = c;
    }
  };
}

describe('threads: any chunking and any round size give the one-thread records', () => {
  for (const file of ['tls-clients.pcapng', 'tunnels.pcap', 'mixed-home.pcap']) {
    const bytes = readFileSync(join(GEN, file));
    for (const [verb, timeouts] of [['sessions', false], ['tls', false], ['sessions', true], ['tls', true]] as const) {
      it(`${file} ${verb}${timeouts ? ', timeouts of a few ms (sweeps end sessions all along)' : ''}`, async () => {
        const j = job(verb);
        if (timeouts) j.engine = { tcpTimeoutUs: 3_000, datagramTimeoutUs: 1_000, closeDelayUs: 500 };
        const want = await oneThread(j, [{ path: file, chunks: chunked(bytes, []) }]);
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.nat(bytes.length), { maxLength: 12 }),
            fc.integer({ min: 1, max: 4 }),
            fc.integer({ min: 1, max: 300 }),
            fc.integer({ min: 1, max: 200_000 }),
            async (cuts, shards, roundPackets, roundBytes) => {
              const pool = new ShardPool(shards, { inProcess: true, roundPackets, roundBytes });
              const got = await threaded(pool, j, [{ path: file, chunks: chunked(bytes, cuts) }]);
              expect(got.records).toEqual(want.records);
              expect(got.anomalies).toEqual(want.anomalies);
              expect(got.result).toEqual(want.result);
            },
          ),
          { numRuns: 12 },
        );
      }, 120_000);
    }
  }
});
