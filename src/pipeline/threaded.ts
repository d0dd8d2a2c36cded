// A run over N worker threads (--threads N): this thread reads and routes packets, the shards analyze, one merge.
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CaptureReader } from '../capture/capture-reader.js';
import type { PacketRecord } from '../capture/packet-record.js';
import { AnomalyLog } from '../core/anomaly.js';
import { HaystackError, isHaystackError } from '../core/errors.js';
import { Decoder } from '../decode/decoder.js';
import { mix } from '../flow/flow-table.js';
import type { PacketMeta } from '../decode/packet-meta.js';
import { Engine, hasPorts, inputResult, MAX_STRUCTURE_BLOCKS, type InputResult, type RunResult } from './engine.js';
import { jobHandlers, ShardCore, ShardFaultError } from './shard-core.js';
import { faultResult } from './shard-fault.js';
import { ShardMerge, type MergedHandlers } from './shard-merge.js';
import {
  F_CAPLEN, F_DATA_OFFSET, F_FILE_OFFSET, F_IFACE, F_INDEX, F_INPUT, F_LINKTYPE, F_ORIGLEN, F_RECORD_LEN, F_SLOT, F_TS,
  PACKET_FIELDS, PHASE_PACKET, PHASE_READER, type FromShard, type ShardFault, type ShardJob, type ToShard,
} from './shard-protocol.js';
import { CHUNK_SIZE, readSource, type SourceInfo } from './source.js';

/**
 * A round of packets, over all shards: ~1 MiB of packet bytes or 8192 packets. Each shard gets its share of a
 * round as one message; smaller rounds cost messages, larger ones hold more bytes in flight (see below).
 */
export const ROUND_BYTES = 1024 * 1024;
export const ROUND_PACKETS = 8192;
/**
 * Rounds a shard may have unanswered before the reader waits: bounds the bytes in flight (4 MiB per shard) and
 * lets the reader work ahead of the slowest shard by that much.
 */
export const MAX_ROUNDS_IN_FLIGHT = 4;
/**
 * The bytes a shard's share of a round starts with for packets copied into it (those that straddle two chunks of
 * the input: one per 4 MiB chunk of a file); it grows when a round needs more (inputs in tiny pieces).
 */
const OVERFLOW_BYTES = 128 * 1024;
/**
 * Below this many bytes of input, the default is one thread: starting workers (~40 ms each, their modules
 * loaded) costs more than the second core gives back on a small capture.
 */
export const THREADS_MIN_BYTES = 16 * 1024 * 1024;
/** The default --threads at most (the one reader thread feeds about this many shards). */
export const MAX_DEFAULT_THREADS = 8;

/**
 * The thread count of `--threads auto` for inputs of `bytes` bytes (null: unknown, e.g. stdin): a shard per core but
 * the reader's, so the reader and the shards have a core each (without the option a run has one thread:
 * cli/threads.ts). On 2 cores that is one shard, i.e. the one-thread
 * run: measured on perf-big, 2 shards + the reader on 2 cores took 2.2x the CPU and more wall time than one
 * thread (docs/DESIGN-NOTES.md "Issue 19: threads"); --threads 2 asks for them anyway.
 */
export function defaultThreads(bytes: number | null, cores = availableParallelism()): number {
  if (bytes !== null && bytes < THREADS_MIN_BYTES) return 1;
  return Math.max(1, Math.min(MAX_DEFAULT_THREADS, cores - 1));
}

/** Where the run's records go, and its progress. */
export interface ThreadedHandlers extends MergedHandlers {
  progress?(input: string, bytes: number): void;
}

export interface ThreadedSource {
  path: string;
  /** the input's bytes (tests split captures this way), each call from the start; read from `path` when absent */
  chunks?: () => AsyncIterable<Uint8Array>;
}

export interface PoolOptions {
  /** run the shards in this thread (tests: the same merge, no workers) */
  inProcess?: boolean;
  roundBytes?: number;
  roundPackets?: number;
}

/** A shard's end of the channel: a worker thread, or a ShardCore in this thread. */
interface ShardPort {
  post(msg: ToShard, transfer?: ArrayBuffer[]): void;
  listen(onMessage: (m: FromShard) => void, onError: (e: Error) => void): void;
  close(): Promise<void>;
}

const WORKER_URL = new URL('./shard-worker.js', import.meta.url);
/** The same worker in one module (tools/build-worker.mjs, part of the build): loads in less CPU than its ~150 modules. */
const WORKER_BUNDLE_URL = new URL('./shard-worker.bundle.js', import.meta.url);

/** Whether worker threads can run here (false when running from the TypeScript sources, as vitest does). */
export function workersAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER_URL));
}

/**
 * The bundle when it was made from the module files there now: a build by tsc alone rewrites every module (it is
 * not incremental) and leaves an older bundle behind, which would run the code before the change.
 */
function workerUrl(): URL {
  try {
    return statSync(fileURLToPath(WORKER_BUNDLE_URL)).mtimeMs >= statSync(fileURLToPath(WORKER_URL)).mtimeMs ? WORKER_BUNDLE_URL : WORKER_URL;
  } catch {
    return WORKER_URL;
  }
}

class WorkerPort implements ShardPort {
  private readonly worker = new Worker(workerUrl());
  /** the current run's callbacks: one listener for the worker's life (a run's listener left behind would see the next run's messages) */
  private onMessage: (m: FromShard) => void = () => undefined;
  private onError: (e: Error) => void = () => undefined;

  constructor() {
    this.worker.on('message', (m: FromShard) => this.onMessage(m));
    this.worker.on('error', (e: Error) => this.onError(e));
    this.worker.on('exit', (code) => {
      if (code !== 0) this.onError(new Error(`shard worker exited with status ${code}`));
    });
  }

  post(msg: ToShard, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  listen(onMessage: (m: FromShard) => void, onError: (e: Error) => void): void {
    this.onMessage = onMessage;
    this.onError = onError;
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/** The same protocol without a thread: each message handled on a later turn of the event loop. */
class LocalPort implements ShardPort {
  private core: ShardCore | null = null;
  private faulted = false;
  private closed = false;
  private onMessage: (m: FromShard) => void = () => undefined;

  post(msg: ToShard): void {
    setImmediate(() => {
      // closed: the messages still queued are dropped, as a terminated worker's are
      if (this.closed) return;
      if (msg.type === 'start') {
        this.core = new ShardCore(msg.job);
        this.faulted = false;
        return;
      }
      if (this.core === null || this.faulted) return;
      if (msg.type === 'batch') {
        try {
          this.onMessage({ type: 'out', ...this.core.batch(msg), spent: msg.meta, spentData: msg.data });
        } catch (e) {
          if (!(e instanceof ShardFaultError)) throw e;
          this.faulted = true;
          this.onMessage({ type: 'fault', ...this.core.take(), fault: e.fault });
        }
        return;
      }
      this.onMessage({ type: 'done', ...this.core.finish() });
      this.core = null;
    });
  }

  listen(onMessage: (m: FromShard) => void): void {
    this.onMessage = onMessage;
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** Symmetric hash of a packet's outermost address pair: both directions, every fragment, every tunnelled flow. */
export function shardHash(m: PacketMeta): number {
  if (m.ipVersion === 4) return mix((mix(m.src4) + mix(m.dst4)) >>> 0);
  if (m.ipVersion === 6) {
    const v = m.view;
    let a = 0;
    let b = 0;
    for (let i = 0; i < 16; i += 4) {
      a = mix(a ^ v.getUint32(m.src6 + i, false));
      b = mix(b ^ v.getUint32(m.dst6 + i, false));
    }
    return mix((a + b) >>> 0);
  }
  return 0;
}

/**
 * Address pairs the router remembers, at most (two generations of half this each; ~28 bytes a pair measured, so
 * ~7 MiB): a pair is forgotten once half to all of this many others were seen after its last packet. The consequence: once pairs were forgotten,
 * a tunnelled packet with a pair the router does not remember may belong with a forgotten one on another shard,
 * and the run goes on in one thread from the start, as for a split (exact, slower); captures with fewer distinct
 * address pairs, or without tunnels, never meet it.
 */
export const SEEN_PAIRS_KEPT = 1 << 18;

/**
 * Which shard a packet goes to. A packet without tunnels: its address pair's (both directions, every fragment).
 * A tunnelled packet: its layers' pairs must stay together, the outer flow's session with the inner flows' (an
 * inner flow may come through several outer flows, Teredo's relay and direct paths, or also outside the tunnel):
 * the shard of the first of its pairs already seen (whose sessions live there), else the outer pair's; the pairs
 * not seen before are pinned to it. Two pairs already seen on different shards cannot both be kept (counted in
 * `split`: that run may differ from one thread's; docs/DESIGN-NOTES.md "Issue 19: threads").
 */
export class ShardRouter {
  /** pair hashes seen lately (a pair's sessions live on its shard): this generation and the one before */
  private recent = new Set<number>();
  private older = new Set<number>();
  /** pairs were forgotten: a pair not remembered may have been seen */
  private forgot = false;
  /** pairs on another shard than their hash's */
  private readonly pins = new Map<number, number>();
  /** tunnelled packets whose pairs were already on two shards (or may have been: a pair forgotten) */
  split = 0;

  constructor(private readonly n: number, private readonly kept = SEEN_PAIRS_KEPT) {}

  /** Pairs remembered now (at most `kept`). */
  get remembered(): number {
    return this.recent.size + this.older.size;
  }

  private seen(h: number): boolean {
    return this.recent.has(h) || this.older.has(h);
  }

  private see(h: number): void {
    if (this.recent.has(h)) return;
    this.recent.add(h);
    if (this.recent.size * 2 >= this.kept) {
      // pairs are forgotten only from the second swap on (the first has nothing older to drop)
      if (this.older.size > 0) this.forgot = true;
      this.older = this.recent;
      this.recent = new Set();
    }
  }

  private shardOf(h: number): number {
    return this.pins.get(h) ?? h % this.n;
  }

  direct(h: number): number {
    if (this.pins.size === 0) {
      if (this.n > 1) this.see(h);
      return h % this.n;
    }
    this.see(h);
    return this.shardOf(h);
  }

  /**
   * @param layers the pair hash of each IP layer, outermost first
   * @param fragment the outer layer is a fragment: its datagram's fragments meet on the outer pair's shard
   */
  tunnelled(layers: readonly number[], fragment: boolean): number {
    if (this.n === 1) return 0;
    let s = -1;
    if (fragment) s = this.shardOf(layers[0]!);
    else {
      for (const h of layers) {
        if (this.seen(h)) {
          s = this.shardOf(h);
          break;
        }
      }
      if (s < 0) s = this.shardOf(layers[0]!);
    }
    for (const h of layers) {
      if (!this.seen(h)) {
        if (this.forgot) this.split++;
        if (h % this.n !== s) this.pins.set(h, s);
      } else if (this.shardOf(h) !== s) {
        this.split++;
      }
      this.see(h);
    }
    return s;
  }
}

/** Does the decoded layer in meta go to the session table (Engine.packetPath's test)? */
function reachesTable(m: PacketMeta): boolean {
  return m.ipVersion !== 0 && m.ipProto >= 0 && !m.fragmentPending && (m.l4 || !hasPorts(m.ipProto));
}

/**
 * The input's chunks, shared with the shards: a file is read straight into them (other inputs are copied in, a
 * chunk at a time), and a round names the chunks its packets lie in instead of copying each packet. A chunk is
 * used again once the reader is past it and every shard has answered every round that named it.
 */
class SlotPool {
  private readonly bufs: Uint8Array[] = [];
  /** per chunk: (shard, round) answers still due, +1 while the reader holds it */
  private readonly refs: number[] = [];
  private readonly free: number[] = [];
  private readonly ids = new Map<ArrayBufferLike, number>();

  constructor(private readonly shared: boolean) {}

  /** A free chunk of CHUNK_SIZE bytes, held by the reader until release(). */
  take(): number {
    let id = this.free.pop();
    if (id === undefined) {
      id = this.bufs.length;
      const buf = this.shared ? new Uint8Array(new SharedArrayBuffer(CHUNK_SIZE)) : new Uint8Array(CHUNK_SIZE);
      this.bufs.push(buf);
      this.ids.set(buf.buffer, id);
    }
    this.refs[id] = 1;
    return id;
  }

  buf(id: number): Uint8Array {
    return this.bufs[id]!;
  }

  /** chunks allocated so far */
  get made(): number {
    return this.bufs.length;
  }

  /** The chunk whose memory `b` lies in, -1 if none. */
  idOf(b: Uint8Array): number {
    return this.ids.get(b.buffer) ?? -1;
  }

  hold(id: number, k: number): void {
    this.refs[id]! += k;
  }

  release(id: number): void {
    if (--this.refs[id]! === 0) this.free.push(id);
  }
}

/**
 * A shard's round buffers kept for reuse: the reader waits for answers only between chunks of the input, so a
 * 4 MiB chunk may add its rounds on top of MAX_ROUNDS_IN_FLIGHT (a fresh shared buffer costs more than a round).
 */
const BUFFERS_KEPT = 4 * MAX_ROUNDS_IN_FLIGHT;

/** One shard's share of the round being built. */
class BatchBuilder {
  meta: Float64Array;
  data: Uint8Array;
  count = 0;
  bytes = 0;
  /** buffers the shard gave back, for the next rounds */
  private readonly freeMeta: Float64Array[] = [];
  private readonly freeData: Uint8Array[] = [];

  constructor(private readonly packets: number, private readonly capacity: number, private readonly shared: boolean) {
    this.meta = this.newMeta(packets * PACKET_FIELDS);
    this.data = this.newData(capacity);
  }

  /**
   * Worker shards get SharedArrayBuffers: posted by reference and handed back, the same few buffers serve the
   * whole run (transferred ArrayBuffers move V8's external-memory count up and down each round, and it answers
   * with full collections: ~0.4 s per shard on perf-big).
   */
  private newMeta(length: number): Float64Array {
    return this.shared ? new Float64Array(new SharedArrayBuffer(length * 8)) : new Float64Array(length);
  }

  private newData(length: number): Uint8Array {
    return this.shared ? new Uint8Array(new SharedArrayBuffer(length)) : new Uint8Array(length);
  }

  /**
   * @param slot the packet's chunk in the round's slot list (its bytes are read there: no copy), -1 to copy it
   * @param off where its bytes start in that chunk
   */
  add(rec: PacketRecord, g: number, input: number, slot: number, off: number): void {
    if ((this.count + 1) * PACKET_FIELDS > this.meta.length) {
      const m = this.newMeta(this.meta.length * 2);
      m.set(this.meta);
      this.meta = m;
    }
    const o = this.count * PACKET_FIELDS;
    const meta = this.meta;
    meta[o + F_INDEX] = g;
    meta[o + F_TS] = rec.ts;
    meta[o + F_LINKTYPE] = rec.linktype;
    meta[o + F_CAPLEN] = rec.caplen;
    meta[o + F_ORIGLEN] = rec.origLen;
    meta[o + F_FILE_OFFSET] = rec.fileOffset;
    meta[o + F_RECORD_LEN] = rec.recordLen;
    meta[o + F_INPUT] = input;
    meta[o + F_IFACE] = rec.iface;
    meta[o + F_SLOT] = slot;
    this.count++;
    if (slot >= 0) {
      meta[o + F_DATA_OFFSET] = off;
      return;
    }
    meta[o + F_DATA_OFFSET] = this.bytes;
    if (this.bytes + rec.caplen > this.data.length) {
      const d = this.newData(Math.max(this.data.length * 2, this.bytes + rec.caplen));
      d.set(this.data.subarray(0, this.bytes));
      this.data = d;
    }
    // through a plain view: Buffer.subarray's species lookup costs more than the copy when the chunk is a Buffer
    const b = rec.buf;
    this.data.set(new Uint8Array(b.buffer, b.byteOffset + rec.off, rec.caplen), this.bytes);
    this.bytes += rec.caplen;
  }

  /** The share as a message (its buffers transferred), and a fresh builder's buffers. */
  take(sweeps: Float64Array, end: number, slots: Uint8Array[]): { msg: ToShard; transfer: ArrayBuffer[] } {
    const msg: ToShard = { type: 'batch', meta: this.meta, data: this.data, count: this.count, sweeps, end, slots };
    const transfer = this.shared ? [] : [this.meta.buffer as ArrayBuffer, this.data.buffer as ArrayBuffer];
    this.meta = this.freeMeta.pop() ?? this.newMeta(this.packets * PACKET_FIELDS);
    this.data = this.freeData.pop() ?? this.newData(this.capacity);
    this.count = 0;
    this.bytes = 0;
    return { msg, transfer };
  }

  /** A round's buffers back from the shard. */
  recycle(meta: Float64Array | null, data: Uint8Array | null): void {
    if (meta !== null && this.freeMeta.length < BUFFERS_KEPT) this.freeMeta.push(meta);
    if (data !== null && this.freeData.length < BUFFERS_KEPT) this.freeData.push(data);
  }
}

/**
 * N shards (worker threads) kept for many runs. A run: this thread reads each input (CaptureReader) and decodes
 * each packet's layers once more to route it (the outermost address pair's symmetric hash) and to know the
 * one-thread run's session-table sweeps (every packet that reaches the table, a second or more after the last
 * sweep); the shards run decode, sessions, reassembly and analyzers on their share; ShardMerge puts their records
 * back in the one-thread order with the one-thread uids.
 */
export class ShardPool {
  private readonly ports: ShardPort[];
  private readonly opts: PoolOptions;
  private busy = false;
  private closed = false;
  /** the last run went on in one thread (a tunnel joined flows on two shards) */
  fellBack = false;
  /** the last run's uid translations: the most its merge held at once, and those left at its end (tests) */
  translations = { peak: 0, left: 0 };
  /** the last run's shared chunks: how many it allocated (tests: bounded by the rounds in flight, not the inputs) */
  chunksMade = 0;

  constructor(threads: number, opts: PoolOptions = {}) {
    if (!Number.isSafeInteger(threads) || threads < 1) throw new HaystackError('HAYSTACK_BAD_OPTION', `threads must be 1 or more, got ${threads}`);
    this.opts = opts;
    this.ports = Array.from({ length: threads }, () => (opts.inProcess === true ? new LocalPort() : new WorkerPort()));
  }

  get threads(): number {
    return this.ports.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.ports.map((p) => p.close()));
  }

  /** Reads the inputs in order (sessions continue across inputs) and returns what Engine.run() would. */
  async run(job: ShardJob, sources: readonly (string | ThreadedSource)[], handlers: ThreadedHandlers): Promise<RunResult> {
    if (this.busy) throw new Error('ShardPool.run: one run at a time');
    if (this.closed) throw new Error('ShardPool.run: the pool is closed (a run failed, or close() was called)');
    this.busy = true;
    try {
      return await this.runOnce(job, sources.map((s) => (typeof s === 'string' ? { path: s } : s)), handlers);
    } catch (e) {
      // the shards may still answer this run's rounds, and a next run would take those answers for its own: the
      // pool ends with the run (its workers terminated, their queued work dropped) and refuses another
      if (!this.closed) await this.close();
      throw e;
    } finally {
      this.busy = false;
    }
  }

  private async runOnce(job: ShardJob, sources: ThreadedSource[], handlers: ThreadedHandlers): Promise<RunResult> {
    const n = this.ports.length;
    const roundBytes = this.opts.roundBytes ?? ROUND_BYTES;
    const roundPackets = this.opts.roundPackets ?? ROUND_PACKETS;
    this.fellBack = false;
    const emitted: Emitted = { session: 0, tls: 0, anomaly: 0 };
    const merge = new ShardMerge(n, {
      session: (r) => {
        emitted.session++;
        handlers.session?.(r);
      },
      tls: (r) => {
        emitted.tls++;
        handlers.tls?.(r);
      },
      anomaly: (a) => {
        emitted.anomaly++;
        handlers.anomaly?.(a);
      },
    }, job.engine.salt ?? 0);
    const pending = new Array<number>(n).fill(0);
    const shared = this.opts.inProcess !== true;
    const builders = Array.from({ length: n }, () => new BatchBuilder(roundPackets + 1, OVERFLOW_BYTES, shared));
    const pool = new SlotPool(shared);
    /** per shard: the chunks each round in flight names, released as the shard answers */
    const inFlight = Array.from({ length: n }, () => [] as number[][]);
    const totals: (FromShard & { type: 'done' })[] = [];
    /** the first fault by packet (shards may fault on later packets, and say so in any order), and every faulted shard */
    let fault: ShardFault | null = null;
    const faulted = new Set<number>();
    let failure: Error | null = null;
    let wake: () => void = () => undefined;
    const changed = (): Promise<void> => new Promise((r) => (wake = r));
    this.ports.forEach((p, w) => {
      p.listen((m) => {
        pending[w]!--;
        try {
          merge.add(w, m);
          if (m.type === 'out') {
            builders[w]!.recycle(m.spent, m.spentData);
            for (const id of inFlight[w]!.shift() ?? []) pool.release(id);
          }
          if (m.type === 'fault') {
            faulted.add(w);
            if (fault === null || m.fault.index < fault.index) fault = m.fault;
          }
          if (m.type === 'done') totals.push(m);
          if (fault === null) merge.drain();
        } catch (e) {
          // a bug in the merge: the run fails (internal error) rather than hang
          failure ??= e instanceof Error ? e : new Error(String(e));
        }
        wake();
      }, (e) => {
        failure ??= e;
        wake();
      });
      p.post({ type: 'start', job });
    });
    // the reader's own anomalies (damaged records and inputs) go to the merge before packet `next`
    let next = 0;
    const readerLog = new AnomalyLog((a) => merge.reader(next, a), Infinity);
    const decoder = new Decoder(new AnomalyLog(() => undefined, 0));
    const m = decoder.meta;
    let sweeps: number[] = [];
    let roundCount = 0;
    let roundSize = 0;
    let lastSweep = 0;
    let lastTs = 0;
    /** the chunks the round's packets lie in, and the chunk the reader is in (-1: its packets are copied) */
    let roundSlots: number[] = [];
    let slot = -1;
    let slotBase = 0;
    const endRound = (): void => {
      const sw = Float64Array.from(sweeps);
      const bufs = roundSlots.map((id) => pool.buf(id));
      this.ports.forEach((p, w) => {
        const { msg, transfer } = builders[w]!.take(sw, next, bufs);
        pending[w]!++;
        inFlight[w]!.push(roundSlots);
        p.post(msg, transfer);
      });
      roundSlots = [];
      sweeps = [];
      roundCount = 0;
      roundSize = 0;
    };
    const router = new ShardRouter(n);
    /** the packet whose tunnel joins flows already on two shards: the run goes on in one thread from there */
    let splitAt = -1;
    const layers: number[] = [];
    const results: InputResult[] = [];
    const inputStarts: number[] = [];
    for (let k = 0; k < sources.length && fault === null && failure === null && splitAt < 0; k++) {
      const src = sources[k]!;
      const input = k + 1;
      inputStarts.push(next);
      const info: Partial<SourceInfo> = {};
      // a file is read straight into shared chunks; other inputs' chunks are copied into them
      // chunks taken for reads and not yet handed on: the read that finds the end of the file (or the one in flight
      // when the loop stops early) takes a chunk that is never pushed, and is given back after the input
      const unpushed = new Set<number>();
      const chunks = src.chunks?.() ?? readSource(src.path, info, () => {
        const id = pool.take();
        unpushed.add(id);
        return pool.buf(id);
      });
      /** the chunk being filled with copies, and how far */
      let copyTo = -1;
      let fill = 0;
      const into = (id: number, base: number): void => {
        if (slot !== id && slot >= 0) pool.release(slot);
        slot = id;
        slotBase = base;
      };
      const push = (chunk: Uint8Array): void => {
        const id = pool.idOf(chunk);
        if (id >= 0) {
          unpushed.delete(id);
          into(id, pool.buf(id).byteOffset);
          reader.push(chunk);
          return;
        }
        for (let at = 0; at < chunk.length;) {
          if (copyTo < 0 || fill === CHUNK_SIZE) {
            copyTo = pool.take();
            fill = 0;
          }
          const k = Math.min(chunk.length - at, CHUNK_SIZE - fill);
          const dst = pool.buf(copyTo);
          dst.set(chunk.subarray(at, at + k), fill);
          into(copyTo, dst.byteOffset);
          reader.push(dst.subarray(fill, fill + k));
          fill += k;
          at += k;
        }
      };
      let firstTs: number | null = null;
      let inputLastTs: number | null = null;
      let packetBytes = 0;
      let structureBlocks: number[] | null = [];
      const reader = new CaptureReader({
        packet: (rec) => {
          if (splitAt >= 0) return;
          if (firstTs === null) firstTs = rec.ts;
          inputLastTs = rec.ts;
          lastTs = rec.ts;
          packetBytes += rec.caplen;
          decoder.decode(rec.buf, rec.view, rec.off, rec.caplen, rec.ts, rec.linktype, rec.origLen);
          const outer = shardHash(m);
          const fragment = m.fragmentPending || m.reassembled;
          let reach = reachesTable(m);
          let w: number;
          if (m.tunnel === 0) {
            w = router.direct(outer);
          } else {
            layers.length = 0;
            layers.push(outer);
            while (m.tunnel !== 0) {
              if (!decoder.decapsulate()) continue;
              if (!reach) reach = reachesTable(m);
              if (m.ipVersion !== 0) layers.push(shardHash(m));
            }
            w = router.tunnelled(layers, fragment);
            if (router.split > 0) {
              splitAt = next;
              return;
            }
          }
          if (reach && (rec.ts - lastSweep >= 1_000_000 || rec.ts < lastSweep)) {
            sweeps.push(next, rec.ts);
            lastSweep = rec.ts;
          }
          if (slot < 0 || rec.buf.buffer !== pool.buf(slot).buffer) builders[w]!.add(rec, next, input, -1, 0);
          else {
            if (roundSlots[roundSlots.length - 1] !== slot) {
              // held for every shard's answer from now (the reader may move past it before the round ends)
              pool.hold(slot, n);
              roundSlots.push(slot);
            }
            builders[w]!.add(rec, next, input, roundSlots.length - 1, rec.buf.byteOffset - slotBase + rec.off);
          }
          next++;
          roundSize += rec.caplen;
          if (++roundCount >= roundPackets || roundSize >= roundBytes) endRound();
        },
        anomaly: (name, detail, fileOffset) => readerLog.add(lastTs, null, name, `${src.path}: ${detail} (byte offset ${fileOffset})`),
        structure: (fileOffset) => {
          if (structureBlocks !== null && structureBlocks.length < MAX_STRUCTURE_BLOCKS) structureBlocks.push(fileOffset);
          else structureBlocks = null;
        },
      }, { file: src.path });
      let streamError: HaystackError | null = null;
      let bytes = 0;
      try {
        for await (const chunk of chunks) {
          push(chunk);
          bytes += chunk.length;
          handlers.progress?.(src.path, bytes);
          while (fault === null && failure === null && Math.max(...pending) > MAX_ROUNDS_IN_FLIGHT) await changed();
          if (reader.failed || fault !== null || failure !== null || splitAt >= 0) break;
        }
      } catch (e) {
        if (isHaystackError(e, 'HAYSTACK_CAPTURE_TRUNCATED') || isHaystackError(e, 'HAYSTACK_IO')) streamError = e;
        else throw e;
      }
      into(-1, 0);
      for (const id of unpushed) pool.release(id);
      results.push(inputResult(readerLog, lastTs, src.path, info, reader.end(), streamError, { firstTs, lastTs: inputLastTs, packetBytes, structureBlocks }));
    }
    if (splitAt >= 0) {
      endRound();
    } else if (fault === null && failure === null) {
      endRound();
      this.ports.forEach((p, w) => {
        pending[w]!++;
        p.post({ type: 'finish' });
      });
    }
    // every shard answers each round and the finish; after a fault, a faulted shard says nothing more (a second
    // shard may fault too, on a round already sent)
    while (failure === null && pending.some((x, w) => x > 0 && !faulted.has(w))) await changed();
    if (failure !== null) {
      await this.close();
      throw failure;
    }
    const f = fault as ShardFault | null;
    // after a fault: everything every other shard said below the faulting packet (their rounds are answered)
    merge.closeAll();
    if (splitAt >= 0 && f === null) {
      merge.drain([splitAt, PHASE_READER, 0, 0]);
      this.fellBack = true;
      return oneThreadFrom(job, sources, handlers, emitted);
    }
    merge.drain(f === null ? null : [f.index, PHASE_PACKET, 0, 0]);
    this.translations = { peak: merge.peakTranslations, left: merge.translations };
    this.chunksMade = pool.made;
    if (f !== null) return faultResult(f, sources, results, inputStarts[f.input - 1]!, merge);
    const anomalies = new Map(readerLog.counts);
    let sessions = 0;
    for (const t of totals) {
      sessions += t.sessions;
      for (const [name, c] of t.anomalies) anomalies.set(name, (anomalies.get(name) ?? 0) + c);
    }
    return { inputs: results, sessions, anomalies, partial: results.some((r) => r.error !== null) };
  }
}

/** Records a run handed on so far, by kind. */
interface Emitted {
  session: number;
  tls: number;
  anomaly: number;
}

/**
 * The one-thread run of the same inputs, its first records (those the threaded run already handed on) left out:
 * what follows them is what one thread gives. Reads the inputs again from the start.
 */
async function oneThreadFrom(job: ShardJob, sources: ThreadedSource[], handlers: ThreadedHandlers, skip: Emitted): Promise<RunResult> {
  const left = { ...skip };
  const { handlers: base, options } = jobHandlers(job, {
    session: (r) => {
      if (left.session > 0) left.session--;
      else handlers.session?.(r);
    },
    tls: (r) => {
      if (left.tls > 0) left.tls--;
      else handlers.tls?.(r);
    },
  }, () => engine);
  const engine: Engine = new Engine({
    ...base,
    ...(job.anomalies
      ? {
        anomaly: (a) => {
          if (left.anomaly > 0) left.anomaly--;
          else handlers.anomaly?.(a);
        },
      }
      : {}),
    ...(handlers.progress === undefined ? {} : { progress: handlers.progress }),
  }, { ...job.engine, ...options });
  if (sources.every((s) => s.chunks === undefined)) return engine.run(sources.map((s) => s.path));
  if (sources.length !== 1) throw new Error('a threaded run from chunk sources takes one input');
  return engine.runFrom(sources[0]!.path, sources[0]!.chunks!());
}

/** One threaded run on a pool of its own (the CLI verbs): the pool's workers end with it. */
export async function threadedRun(threads: number, job: ShardJob, inputs: readonly string[], handlers: ThreadedHandlers): Promise<RunResult> {
  const pool = new ShardPool(threads);
  try {
    return await pool.run(job, inputs, handlers);
  } finally {
    await pool.close();
  }
}
