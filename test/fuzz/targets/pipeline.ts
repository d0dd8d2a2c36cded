// The library API end to end: a mutated capture (pcap or pcapng of real and synthetic HTTP, SMTP, TLS and
// DNS traffic), plain or gzip-compressed (whole or cut short), written to a scratch file and read through
// analyze() (every analyzer, MIME, content decoding, file typing) and readPackets(). Contract: analyze()
// never throws on a capture's bytes (damage is a partial result and an anomaly); readPackets() ends a
// damaged capture with a HaystackError and nothing else.
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isHaystackError } from '../../../src/core/errors.js';
import { analyze, readPackets } from '../../../src/pipeline/api.js';
import { ContractError, mustNotReject, mutatedBytes, type FuzzTarget } from '../target.js';
import { seeds } from './capture.js';

type Wrap = 'none' | 'gzip' | 'gzip-cut';

interface Input {
  bytes: Uint8Array;
  wrap: Wrap;
}

const dir = join(tmpdir(), `haystack-fuzz-${process.pid}`);

function file(input: Input): string {
  mkdirSync(dir, { recursive: true });
  const f = join(dir, 'input.cap');
  const gz = input.wrap === 'none' ? input.bytes : gzipSync(input.bytes, { level: 1 });
  writeFileSync(f, input.wrap === 'gzip-cut' ? gz.subarray(0, Math.max(2, gz.length >> 1)) : gz);
  return f;
}

export function make(): FuzzTarget<Input> {
  return {
    name: 'pipeline',
    about: 'analyze() and readPackets() on mutated captures (plain, gzip, cut gzip) from a scratch file: no throw but HaystackError from readPackets',
    arbitrary: fc.record({ bytes: mutatedBytes(seeds(), { hot: [16, 20, 24, 32, 36] }), wrap: fc.constantFrom<Wrap>('none', 'none', 'none', 'gzip', 'gzip-cut') }),
    check: async (input) => {
      const f = file(input);
      await mustNotReject('analyze()', async () => {
        for await (const r of analyze(f)) void r;
      });
      try {
        for await (const p of readPackets(f)) void p;
      } catch (e) {
        if (!isHaystackError(e)) throw new ContractError(`readPackets() threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
      }
    },
    encode: (i) => ({ bin: i.bytes, extra: { wrap: i.wrap } }),
    decode: (e) => ({ bytes: e.bin, wrap: ((e.extra ?? {}) as { wrap?: Wrap }).wrap ?? 'none' }),
  };
}
