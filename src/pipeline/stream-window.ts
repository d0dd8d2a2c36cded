// `ingest -` on a stream that may never end: the bytes read are committed in parts, one per window of time.
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { LINKTYPE_NAMES } from '../decode/constants.js';
import type { CaptureRecord } from '../schema/captures.js';
import type { InputResult } from './engine.js';

/** The smallest --commit-every: each part is a transaction with its captures row; faster makes rows, not news. */
export const MIN_COMMIT_EVERY_MS = 100;
/** The largest --commit-every: a day of rows held back is not "while capture goes on". */
export const MAX_COMMIT_EVERY_MS = 86_400_000;

const EMPTY = new Uint8Array(0);
const PCAPNG_MAGIC = [0x0a, 0x0d, 0x0d, 0x0a];

/** What one window of the stream held, as its captures row tells it. */
export interface StreamPart {
  id: string;
  /** 0, 1, ... in the stream */
  index: number;
  /** SHA-256 of the window's bytes as read (after gzip/zstd decompression) */
  sha256: string;
  size: number;
  /** byte offset of the window in the (decompressed) stream */
  offset: number;
  format: string | null;
  packets: number;
  firstTs: number | null;
  lastTs: number | null;
  linktypes: number[];
  /** anomalies counted during this window */
  anomalies: Record<string, number>;
  final: boolean;
}

/**
 * The windows of one stream: which part is open, its bytes (hashed as they pass), packets and time. A part's
 * capture_id is the first 16 hex digits of SHA-256(stream nonce, part index): unique per part, and a stream
 * read twice (it cannot be identified by a hash of something not yet read) makes parts of its own.
 */
export class StreamWindows {
  private readonly everyMs: number | null;
  private readonly signal: AbortSignal | null;
  private readonly nonce = randomUUID();
  private readonly now: () => number;
  private index = 0;
  private id = '';
  private hash: Hash = createHash('sha256');
  private bytes = 0;
  private offset = 0;
  private format: string | null = null;
  private packets = 0;
  private firstTs: number | null = null;
  private lastTs: number | null = null;
  private linktypes = new Set<number>();
  private anomaliesBefore = new Map<string, number>();
  private started: number;

  constructor(everyMs: number | null, signal: AbortSignal | null, now: () => number = Date.now) {
    this.everyMs = everyMs;
    this.signal = signal;
    this.now = now;
    this.started = now();
  }

  /** The capture_id of the part about to begin. */
  partId(): string {
    this.id = createHash('sha256').update(`${this.nonce}:${this.index}`).digest('hex').slice(0, 16);
    return this.id;
  }

  /** Notes a packet of the open part. */
  packet(ts: number, linktype: number): void {
    if (this.firstTs === null) this.firstTs = ts;
    this.lastTs = ts;
    this.packets++;
    if (!this.linktypes.has(linktype)) this.linktypes.add(linktype);
  }

  /** Is the open part's window over (and does it hold anything to commit)? */
  due(): boolean {
    return this.everyMs !== null && this.bytes > 0 && this.now() - this.started >= this.everyMs;
  }

  /**
   * Closes the open part: what it held, or null when it held nothing and is not the last (an empty window
   * is not committed; its time goes on into the next).
   */
  close(anomalies: ReadonlyMap<string, number>, final = false): StreamPart | null {
    if (this.bytes === 0 && this.packets === 0 && !final) return null;
    const delta: Record<string, number> = {};
    for (const [k, n] of anomalies) {
      const d = n - (this.anomaliesBefore.get(k) ?? 0);
      if (d > 0) delta[k] = d;
    }
    this.anomaliesBefore = new Map(anomalies);
    const part: StreamPart = {
      id: this.id,
      index: this.index,
      sha256: this.hash.digest('hex'),
      size: this.bytes,
      offset: this.offset,
      format: this.format,
      packets: this.packets,
      firstTs: this.firstTs,
      lastTs: this.lastTs,
      linktypes: [...this.linktypes],
      anomalies: delta,
      final,
    };
    this.index++;
    this.offset += this.bytes;
    this.bytes = 0;
    this.hash = createHash('sha256');
    this.packets = 0;
    this.firstTs = null;
    this.lastTs = null;
    this.linktypes = new Set();
    this.started = this.now();
    return part;
  }

  /**
   * The stream's chunks, each hashed into the open part; an empty chunk when a window ends with no data
   * arriving (so the reader's afterChunk commits it). Ends at the stream's end or when the signal aborts (the
   * read in flight is left behind: stdin may never end; the caller destroys it).
   */
  async *chunks(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    const it = src[Symbol.asyncIterator]();
    const signal = this.signal;
    let onAbort: (() => void) | null = null;
    const aborted = new Promise<'abort'>((res) => {
      onAbort = () => res('abort');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    let pending: Promise<IteratorResult<Uint8Array>> | null = null;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    try {
      for (;;) {
        if (signal?.aborted === true) return;
        pending ??= it.next();
        const waits: Promise<IteratorResult<Uint8Array> | 'abort' | 'tick'>[] = [pending, aborted];
        if (this.everyMs !== null) {
          const ms = Math.max(0, this.started + this.everyMs - this.now());
          waits.push(new Promise((res) => (timer = setTimeout(res, ms + 1, 'tick'))));
        }
        const r = await Promise.race(waits);
        clearTimeout(timer);
        if (r === 'abort') return;
        if (r === 'tick') {
          // an empty window: its time starts again (nothing to commit)
          if (this.bytes === 0) this.started = this.now();
          else yield EMPTY;
          continue;
        }
        pending = null;
        if (r.done === true) {
          done = true;
          return;
        }
        const c = r.value;
        if (this.offset === 0 && this.bytes === 0 && this.format === null && c.length >= 4) {
          this.format = PCAPNG_MAGIC.every((b, i) => c[i] === b) ? 'pcapng' : 'pcap';
        }
        this.hash.update(c);
        this.bytes += c.length;
        yield c;
      }
    } finally {
      clearTimeout(timer);
      if (onAbort !== null) signal?.removeEventListener('abort', onAbort);
      // a source still reading (stdin) is asked to stop without being waited for
      if (!done) void it.return?.(undefined)?.catch(() => undefined);
    }
  }
}

/** The captures row of a stream part (`path` "-": there is no file to carve from). */
export function partCapture(part: StreamPart, counts: ReadonlyMap<string, number>, o: { sensor?: string | null }, result: InputResult | null = null): CaptureRecord {
  return {
    capture_id: part.id,
    path: '-',
    sha256: part.sha256,
    size: part.size,
    format: result?.format ?? part.format,
    linktypes: part.linktypes.map((l) => LINKTYPE_NAMES.get(l) ?? String(l)),
    first_ts: part.firstTs,
    last_ts: part.lastTs,
    packets: part.packets,
    ingested_at: Date.now() * 1000,
    stats: JSON.stringify({
      records: Object.fromEntries(counts),
      anomalies: part.anomalies,
      damaged: result?.error?.message ?? null,
      sensor: o.sensor ?? null,
      compression: result?.compression ?? null,
      stream: { part: part.index, offset: part.offset, final: part.final },
    }),
    mtime: null,
    header_blocks: [],
  };
}
