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
import { writePcap, type WritePacket } from '../src/capture/pcap-writer.js';
import { ShardPool, type ThreadedSource } from '../src/pipeline/threaded.js';
import { tcpConversation } from './helpers/conversation.js';
import { ethernet, ipv4Packet } from './helpers/frames.js';
import { GEN, ROOT } from './helpers/run.js';
import { job, oneThread, oneThreadBefore, threaded } from './helpers/threads.js';

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

/**
 * A capture by construction for the totals: TCP conversations between many host pairs (with timeouts of a few ms
 * the sweeps end them all along) and, after each, four UDP datagrams too short for their header (an anomaly each,
 * 1,600 in all: past the record cap of 1,000 per name; they never reach the session table, so no sweep happens at
 * them and "before that packet" is the same point in both runs). Returns the packets and the global numbers of
 * the short datagrams.
 */
function totalsTraffic(conversations: number): { packets: WritePacket[]; short: number[] } {
  const t0 = Date.UTC(2026, 0, 12, 10, 0, 0) * 1000;
  const packets: (WritePacket & { short?: true })[] = [];
  for (let i = 0; i < conversations; i++) {
    const start = t0 + i * 50_000;
    packets.push(...tcpConversation({ client: `10.3.${i >> 8}.${i & 255}`, server: '10.4.0.1', sport: 40000 + i, dport: 8080, start }, [
      { from: 'client', data: 'hello\r\n' },
      { from: 'server', data: 'welcome\r\n' },
    ]));
    for (let d = 0; d < 4; d++) {
      packets.push({ ts: start + 20_000 + d, data: ethernet(ipv4Packet(`10.5.0.${d}`, `10.6.${i & 255}.1`, 17, new Uint8Array(4))), short: true });
    }
  }
  packets.sort((a, b) => a.ts - b.ts);
  return { packets, short: packets.flatMap((p, g) => (p.short === true ? [g] : [])) };
}

describe('threads: the totals after a fault are those of the records handed on', () => {
  const { packets, short } = totalsTraffic(400);
  const j = job('sessions');
  j.engine = { tcpTimeoutUs: 3_000, datagramTimeoutUs: 1_000, closeDelayUs: 500 };
  const whole = writePcap(packets, { linktype: 1 });
  // two inputs: the first 2,000 packets, the rest (sessions go on across inputs)
  const halves = [writePcap(packets.slice(0, 2000), { linktype: 1 }), writePcap(packets.slice(2000), { linktype: 1 })];
  const source = (name: string, bytes: Uint8Array): ThreadedSource => ({ path: name, chunks: async function* chunks() { yield bytes; } });
  /** the first `n` packets of an input as one thread reads them: pcap header (24 bytes) and 16 bytes per record */
  const prefix = (ps: readonly WritePacket[], n: number): { bytes: number; packetBytes: number; firstTs: number | null; lastTs: number | null } => ({
    bytes: 24 + ps.slice(0, n).reduce((a, p) => a + 16 + p.data.length, 0),
    packetBytes: ps.slice(0, n).reduce((a, p) => a + p.data.length, 0),
    firstTs: n > 0 ? ps[0]!.ts : null,
    lastTs: n > 0 ? ps[n - 1]!.ts : null,
  });

  it('the capture: sessions end and past 1,000 anomalies of one name come before the later faults', () => {
    const at = short[1200]!;
    const before = oneThreadBefore(j, [whole], at);
    expect(before.sessions).toBeGreaterThan(100);
    expect(before.counts).toEqual([['udp_truncated_header', 1200]]);
    expect(before.anomalies).toHaveLength(1000);
  });

  for (const shards of [2, 3]) {
    for (const i of [0, 5, 700, 1200, 1599]) {
      it(`${shards} shards, a fault at the short datagram ${i}: records, sessions, anomaly counts and the input as one thread before it`, async () => {
        const k = short[i]!;
        const jk = { ...j, faultAt: [k] };
        const before = oneThreadBefore(j, [whole], k);
        const got = await threaded(new ShardPool(shards, { inProcess: true, roundPackets: 500 }), jk, [source('whole.pcap', whole)]);
        expect(got.records).toEqual(before.records);
        expect(got.anomalies).toEqual(before.anomalies);
        expect(got.result.sessions).toBe(before.sessions);
        expect(got.result.anomalies).toEqual(before.counts);
        expect(got.result.partial).toBe(true);
        expect(got.result.inputs).toHaveLength(1);
        const r = got.result.inputs[0]!;
        expect({ packets: r.packets, bytes: r.bytes, packetBytes: r.packetBytes, firstTs: r.firstTs, lastTs: r.lastTs }).toEqual({ packets: k, ...prefix(packets, k) });
        expect(r.error?.code).toBe('HAYSTACK_CAPTURE_CORRUPT');
        expect(r.error?.message).toContain(`byte offset ${prefix(packets, k).bytes}:`);
      });
    }
  }

  it('two inputs: a fault in the second keeps the first whole; a fault in the first leaves the second out', async () => {
    const full = await oneThread(j, [source('first.pcap', halves[0]!)]);
    for (const k of [short.find((g) => g > 2000)! + 400, short[10]!]) {
      const jk = { ...j, faultAt: [k] };
      const before = oneThreadBefore(j, halves, k);
      const got = await threaded(new ShardPool(2, { inProcess: true, roundPackets: 500 }), jk, [source('first.pcap', halves[0]!), source('second.pcap', halves[1]!)]);
      expect(got.records).toEqual(before.records);
      expect(got.result.sessions).toBe(before.sessions);
      expect(got.result.anomalies).toEqual(before.counts);
      if (k > 2000) {
        expect(got.result.inputs).toHaveLength(2);
        expect(got.result.inputs[0]).toEqual(full.result.inputs[0]);
        expect(got.result.inputs[1]!.packets).toBe(k - 2000);
        expect(got.result.inputs[1]!.bytes).toBe(prefix(packets.slice(2000), k - 2000).bytes);
      } else {
        expect(got.result.inputs.map((r) => r.path)).toEqual(['first.pcap']);
        expect(got.result.inputs[0]!.packets).toBe(k);
      }
    }
  });
});

describe('threads: a pool after a run that threw', () => {
  // on the old pool, the second run took the first one's late answers for its own (in process: "shard merge: no
  // uid for session ..."); now the pool ends with the failed run and says so
  it('refuses another run, in process and with worker threads (the build)', async () => {
    const bytes = readFileSync(CAPTURE);
    const dist = built ? (await import(join(ROOT, 'dist/pipeline/threaded.js')) as { ShardPool: typeof ShardPool }) : null;
    const pools = [new ShardPool(2, { inProcess: true, roundPackets: 20 }), ...(dist === null ? [] : [new dist.ShardPool(2, { roundPackets: 20 })])];
    for (const pool of pools) {
      const broken: ThreadedSource = {
        path: 'broken.pcapng',
        chunks: async function* chunks() {
          yield bytes.subarray(0, bytes.length >> 1);
          throw new Error('the source broke');
        },
      };
      await expect(threaded(pool, job('tls'), [broken])).rejects.toThrow('the source broke');
      await expect(threaded(pool, job('tls'), [{ path: CAPTURE }])).rejects.toThrow('the pool is closed (a run failed');
      await pool.close();
    }
  });
});
