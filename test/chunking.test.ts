// Splitting the input into arbitrary chunks never changes any record: sessions, anomalies and stream bytes
// are identical however the capture arrives (the carry path of the reader and every view lifetime).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnomalyEvent } from '../src/core/anomaly.js';
import { Engine } from '../src/pipeline/engine.js';
import type { SessionRecord } from '../src/schema/sessions.js';
import { GEN, sha256 } from './helpers/run.js';

interface Out {
  sessions: SessionRecord[];
  anomalies: AnomalyEvent[];
  streams: string[];
}

async function run(bytes: Uint8Array, cuts: number[]): Promise<Out> {
  const out: Out = { sessions: [], anomalies: [], streams: [] };
  const engine = new Engine(
    { session: (r) => out.sessions.push(r), anomaly: (a) => out.anomalies.push(a) },
    {
      streams: (s) => {
        const parts: Uint8Array[][] = [[], []];
        let ended = 0;
        return {
          deliver: (d, data) => void parts[d]!.push(data.slice()),
          gap: (d, len) => void parts[d]!.push(new Uint8Array(len)),
          end: () => {
            if (++ended < 2) return;
            for (const d of [0, 1] as const) {
              const all = Buffer.concat(parts[d]!);
              out.streams.push(`${s.uid}/${d}:${all.length}:${sha256(all)}`);
            }
          },
        };
      },
    },
  );
  // a reused scratch buffer per chunk, as the file reader does: any view kept past its chunk would break
  const scratch = new Uint8Array(bytes.length);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let pos = 0;
    for (const c of [...cuts.filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b), bytes.length]) {
      if (c <= pos) continue;
      scratch.set(bytes.subarray(pos, c));
      const view = scratch.subarray(0, c - pos);
      pos = c;
      yield view;
      scratch.fill(0xee, 0, view.length);
    }
  }
  await engine.inputFrom('mem', chunks());
  engine.flows.flush();
  return out;
}

describe('chunking invariance', () => {
  for (const file of ['http-put.pcap', 'tls-clients.pcapng']) {
    it(`${file}: any split gives the same sessions, anomalies and streams`, async () => {
      const bytes = new Uint8Array(readFileSync(join(GEN, file)));
      const whole = await run(bytes, []);
      expect(whole.sessions.length).toBeGreaterThan(10);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { minLength: 1, maxLength: 200 }), async (cuts) => {
          const split = await run(bytes, cuts);
          expect(split).toEqual(whole);
        }),
        { numRuns: 25 },
      );
    });
  }
});
