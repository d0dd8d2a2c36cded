// Inspection of one direction of a stream, fed in whatever chunks it arrives in: the bytes are re-blocked into
// fixed overlapping windows (their positions depend only on stream offsets), so the hits, their stream offsets
// and their excerpts are the same however the stream was cut, and a hit in an overlap is reported once.

import { MAX_CONTEXT_CHARS } from './context.js';
import { compareHits, type Inspector } from './engine.js';
import { EXCERPT_RADIUS, excerptsOf, type ExcerptedHit } from './excerpt.js';
import type { DetectContext, Hit } from './types.js';

/** Bytes scanned at once: large enough that the overlap costs ~15%, small enough to hold per open stream. */
export const INSPECT_WINDOW_BYTES = 64 * 1024;

/**
 * The longest value a detector reports (its `length`): a PEM RSA-4096 private key is ~3.3 KB; track 1 data is
 * 79 characters, an IBAN 42 printed, an e-mail address 254. A longer value is found only when a window holds it
 * whole, and may then be missed or reported at a window's edge: detectors keep their values under this.
 */
export const MAX_VALUE_BYTES = 4096;

/**
 * Bytes of each direction inspected, from its start: Zeek's credit-card-exposure and ssn-exposure packages
 * look at a connection's first 20 seconds only; a byte bound is the same idea without a clock (L3 has none)
 * and bounds the CPU one session can take (8 MiB at 200 MB/s is 40 ms). Files and mail parts reach the
 * inspector whole through their own decode path with their own limits; what this cuts is bulk transfer on a
 * raw stream. Hitting it sets `truncated`, which the caller reports as an anomaly.
 */
export const INSPECT_STREAM_BYTES = 8 * 1024 * 1024;

/**
 * What a window keeps unreported at its end for the next one: a value (MAX_VALUE_BYTES) starting there, the
 * context its detector reads after it (MAX_CONTEXT_CHARS), and a second value overlapping its excerpt
 * (EXCERPT_RADIUS + MAX_VALUE_BYTES) that must be found whole to be masked in it.
 */
const RESERVE = 2 * MAX_VALUE_BYTES + MAX_CONTEXT_CHARS + EXCERPT_RADIUS;

/** Bytes two consecutive windows share: the reserve plus the context read before a value. */
export const INSPECT_OVERLAP_BYTES = RESERVE + MAX_CONTEXT_CHARS;

/**
 * Buffers kept for reuse per size: a scanner takes one while it holds bytes and gives it back at the end, so the
 * thousands of short streams of a capture do not each allocate (and zero) their own. Bounds the idle memory
 * to 64 buffers a size (4 MiB of 64 KiB windows).
 */
const MAX_POOLED = 64;
const pool = new Map<number, Uint8Array[]>();

function takeBuffer(size: number): Uint8Array {
  return pool.get(size)?.pop() ?? new Uint8Array(size);
}

function giveBuffer(b: Uint8Array): void {
  if (b.length === 0) return;
  let list = pool.get(b.length);
  if (list === undefined) pool.set(b.length, (list = []));
  if (list.length < MAX_POOLED) list.push(b);
}

/** The first buffer a scanner takes; it grows fourfold up to the window. */
const FIRST_BUFFER = 8192;

export interface StreamScanOptions {
  /** window size (tests use small ones); more than INSPECT_OVERLAP_BYTES */
  readonly windowBytes?: number;
  /** bytes inspected from the stream's start (default INSPECT_STREAM_BYTES) */
  readonly maxBytes?: number;
}

/**
 * One direction of a stream. Hits come back from push(), gap() and end() with stream offsets (bytes from the
 * direction's first byte, gaps counted), in offset order, each with its redacted excerpt; a hit is returned
 * once, when the window responsible for its offset is scanned. Chunks are copied: the caller may reuse them.
 *
 * @example
 * const s = new StreamScanner(inspector, { appProto: 'http', isObject: false });
 * for (const chunk of chunks) out.push(...s.push(chunk));
 * out.push(...s.end());
 * if (s.truncated) anomaly('inspect_stream_truncated');
 */
export class StreamScanner {
  private readonly window: number;
  private readonly step: number;
  private readonly maxBytes: number;
  private buf: Uint8Array = new Uint8Array(0);
  /** bytes in buf; buf[0] is stream offset `ws` */
  private len = 0;
  private ws = 0;
  /** where the current segment (stream since the last gap) starts */
  private segStart = 0;
  /** hits at offsets below this have been reported */
  private reported = 0;
  /** reported hits that can still overlap the excerpt of a later one */
  private tail: Hit[] = [];
  private cut = false;
  private done = false;
  private inspected = 0;

  constructor(private readonly inspector: Inspector, private readonly ctx: DetectContext, opts: StreamScanOptions = {}) {
    this.window = opts.windowBytes ?? INSPECT_WINDOW_BYTES;
    this.maxBytes = opts.maxBytes ?? INSPECT_STREAM_BYTES;
    if (!Number.isInteger(this.window) || this.window <= INSPECT_OVERLAP_BYTES) throw new RangeError(`windowBytes must be an integer above ${INSPECT_OVERLAP_BYTES}`);
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < 0) throw new RangeError('maxBytes must be a non-negative integer');
    this.step = this.window - INSPECT_OVERLAP_BYTES;
  }

  /** The direction went past maxBytes: the rest was not inspected. */
  get truncated(): boolean {
    return this.cut;
  }

  /** Hits at offsets below this have been returned: the later ones are at or after it. */
  get reportedBelow(): number {
    return this.reported;
  }

  /** Bytes inspected so far. */
  get inspectedBytes(): number {
    return this.inspected;
  }

  /** The next bytes of the direction. */
  push(chunk: Uint8Array): ExcerptedHit[] {
    if (this.done || this.cut) return [];
    const out: ExcerptedHit[] = [];
    let data = chunk;
    const room = this.maxBytes - (this.ws + this.len);
    if (data.length > room) {
      data = data.subarray(0, Math.max(0, room));
      this.cut = true;
    }
    let at = 0;
    while (at < data.length) {
      this.reserve();
      const n = Math.min(this.buf.length - this.len, data.length - at);
      this.buf.set(at === 0 && n === data.length ? data : data.subarray(at, at + n), this.len);
      this.len += n;
      at += n;
      this.inspected += n;
      if (this.len === this.window) {
        this.scanWindow(false, out);
        this.buf.copyWithin(0, this.step, this.len);
        this.len -= this.step;
        this.ws += this.step;
      }
    }
    if (this.cut) this.finishSegment(out);
    return out;
  }

  /** `length` bytes of the direction are missing (a reassembly gap): no value is found across it. */
  gap(length: number): ExcerptedHit[] {
    if (this.done || this.cut) return [];
    const out: ExcerptedHit[] = [];
    this.finishSegment(out);
    const next = this.ws + this.len + length;
    if (next > this.maxBytes) this.cut = true;
    this.segStart = this.ws = this.reported = Math.min(next, this.maxBytes);
    this.len = 0;
    this.tail = [];
    return out;
  }

  /** The direction ended: the hits of its last window. */
  end(): ExcerptedHit[] {
    if (this.done) return [];
    const out: ExcerptedHit[] = [];
    if (!this.cut) this.finishSegment(out);
    this.done = true;
    giveBuffer(this.buf);
    this.buf = new Uint8Array(0);
    return out;
  }

  /** Grows the buffer towards a full window (most streams are short and never hold 64 KiB). */
  private reserve(): void {
    if (this.buf.length > this.len) return;
    const next = takeBuffer(Math.min(this.window, Math.max(FIRST_BUFFER, this.buf.length * 4)));
    next.set(this.buf.subarray(0, this.len));
    giveBuffer(this.buf);
    this.buf = next;
  }

  private finishSegment(out: ExcerptedHit[]): void {
    if (this.len > 0 && this.ws + this.len > this.reported) this.scanWindow(true, out);
    this.reported = this.ws + this.len;
  }

  /**
   * Scans buf as the window at ws; reports the hits in [reported, end of region). A hit counts only if the
   * window shows the context its detector reads on both sides (MAX_CONTEXT_CHARS), unless that side is the
   * segment's edge: such a hit is what one scan of the whole segment finds.
   */
  private scanWindow(final: boolean, out: ExcerptedHit[]): void {
    const ws = this.ws;
    const we = ws + this.len;
    const regionEnd = final ? we : we - RESERVE;
    const view = this.buf.subarray(0, this.len);
    const sound: Hit[] = [];
    for (const h of this.inspector.scan(view, this.ctx)) {
      const offset = h.offset + ws;
      if (offset < this.reported) continue;
      if (offset - MAX_CONTEXT_CHARS < ws && ws !== this.segStart) continue;
      if (offset + h.length + MAX_CONTEXT_CHARS > we && !final) continue;
      sound.push({ ...h, offset });
    }
    const region = sound.filter((h) => h.offset < regionEnd);
    if (region.length > 0) {
      const masks = [...this.tail, ...sound].sort(compareHits);
      for (const h of excerptsOf(view, ws, masks, region)) out.push(h);
    }
    this.reported = regionEnd;
    this.tail = [...this.tail, ...region].filter((h) => h.offset + h.length > regionEnd - EXCERPT_RADIUS);
  }
}
