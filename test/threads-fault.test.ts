// A shard that throws on a packet (the HAYSTACK_TEST_SHARD_FAULT hook): the run names the file and the packet's
// byte offset, keeps every record the one-thread run gives before that packet, and exits 3 as a damaged capture
// does, without hanging.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../src/capture/capture-reader.js';
import { tlsAnalysis } from '../src/pipeline/analyzers.js';
import { Engine } from '../src/pipeline/engine.js';
import { GEN, ROOT } from './helpers/run.js';

const CAPTURE = join(GEN, 'tls-clients.pcapng');
const built = existsSync(join(ROOT, 'dist/pipeline/shard-worker.js'));
if (!built && (process.env.CI === 'true' || process.env.CI === '1')) throw new Error('the threads tests run the build (dist/): build first');

/** Byte offset of packet `k` (0-based) by walking the pcapng blocks: [type u32][total length u32] ... */
function packetOffset(bytes: Uint8Array, k: number): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let off = 0; off < bytes.length;) {
    const type = v.getUint32(off, true);
    if (type === 6 || type === 3 || type === 2) {
      if (n === k) return off;
      n++;
    }
    off += v.getUint32(off + 4, true);
  }
  throw new Error(`no packet ${k}`);
}

/** How many tls records the one-thread engine gave before it was handed packet `k`. */
function recordsBefore(bytes: Uint8Array, k: number): number {
  let records = 0;
  let before = -1;
  const tls = tlsAnalysis(() => void records++, () => engine);
  const engine: Engine = new Engine(tls.handlers, tls.options);
  const feed = engine.packetPath(1);
  let i = 0;
  const reader = new CaptureReader({
    packet: (rec) => {
      if (i++ === k) before = records;
      feed(rec);
    },
    anomaly: () => undefined,
    structure: () => undefined,
  }, { file: CAPTURE });
  reader.push(bytes);
  reader.end();
  return before;
}

function haystack(args: string[], env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/haystack.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!built)('threads: a worker that throws', () => {
  const bytes = readFileSync(CAPTURE);
  const whole = haystack(['tls', CAPTURE, '--format', 'jsonl', '--threads', '1']);
  const lines = whole.out.split('\n').filter((l) => l !== '');

  it('the capture has tls records on both sides of the faults', () => {
    expect(whole.code).toBe(0);
    expect(recordsBefore(bytes, 40)).toBeGreaterThan(0);
    expect(recordsBefore(bytes, 500)).toBeLessThan(lines.length);
  });

  for (const k of [0, 40, 300, 500]) {
    it(`packet ${k}: reported with file and byte offset, the records before it kept, exit 3`, () => {
      for (const threads of ['2', '3']) {
        const r = haystack(['tls', CAPTURE, '--format', 'jsonl', '--threads', threads], { HAYSTACK_TEST_SHARD_FAULT: String(k) });
        expect(r.code).toBe(3);
        expect(r.err).toContain(CAPTURE);
        expect(r.err).toContain(`byte offset ${packetOffset(bytes, k)}:`);
        expect(r.err).toContain(`${k} packets before it were processed`);
        expect(r.out.split('\n').filter((l) => l !== '')).toEqual(lines.slice(0, recordsBefore(bytes, k)));
      }
    }, 60_000);
  }
});

describe.skipIf(!built)('threads: several workers that throw', () => {
  const bytes = readFileSync(CAPTURE);
  const lines = haystack(['tls', CAPTURE, '--format', 'jsonl', '--threads', '1']).out.split('\n').filter((l) => l !== '');

  // packets 300-340 belong to several flows, so with 2 or 3 shards more than one shard throws, on rounds already
  // sent, and their faults may arrive in any order: the run still ends (no shard is waited for after its fault)
  // and reports the first faulting packet, with the records before it
  it('faults on packets 300-340: the first one reported, the records before it kept, exit 3, no hang', () => {
    const run = Array.from({ length: 41 }, (_v, i) => 300 + i).join(',');
    for (const threads of ['2', '3']) {
      const r = haystack(['tls', CAPTURE, '--format', 'jsonl', '--threads', threads], { HAYSTACK_TEST_SHARD_FAULT: run });
      expect(r.code).toBe(3);
      expect(r.err).toContain(`byte offset ${packetOffset(bytes, 300)}:`);
      expect(r.out.split('\n').filter((l) => l !== '')).toEqual(lines.slice(0, recordsBefore(bytes, 300)));
    }
  }, 120_000);
});

describe('threads: the option', () => {
  it('one thread unless asked: --threads N, or auto (a shard per core but the reader\'s, for 16 MiB of input or more)', async () => {
    const { threadsOption } = await import('../src/cli/threads.js');
    const { defaultThreads, THREADS_MIN_BYTES } = await import('../src/pipeline/threaded.js');
    expect(threadsOption(undefined, [CAPTURE])).toBe(1);
    expect(threadsOption('auto', [CAPTURE])).toBe(1);
    expect(threadsOption('3', ['-'])).toBe(1);
    expect(defaultThreads(THREADS_MIN_BYTES - 1, 8)).toBe(1);
    expect(defaultThreads(THREADS_MIN_BYTES, 8)).toBe(7);
    expect(defaultThreads(THREADS_MIN_BYTES, 2)).toBe(1);
  });

  it('--threads takes a whole number from 1: 0 and words are usage errors (exit 2)', async () => {
    const { cli } = await import('./helpers/cli.js');
    for (const bad of ['0', 'two', '65']) {
      const r = await cli('sessions', CAPTURE, '--threads', bad);
      expect(r.code).toBe(2);
      expect(r.err).toContain('--threads must be a whole number from 1 to 64');
    }
  });
});
