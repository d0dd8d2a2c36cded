// One direction of a TCP stream: sequence numbers to stream offsets (wrap-around included), out-of-order
// segments held until the hole fills, first copy wins on overlap, gaps reported as missed bytes.
import type { AnomalyLog } from '../core/anomaly.js';
import type { Dir, StreamAnalyzer } from './stream-analyzer.js';

export interface ReassemblyBudget {
  /** bytes held out of order across all streams */
  used: number;
  /** limit on `used`; past it a stream gives up on its oldest hole */
  limit: number;
  /** per-direction limit on held bytes */
  perStream: number;
  /** bytes in retransmission-check rings across all streams (limited by MAX_RING_TOTAL) */
  ringBytes?: number;
  /** rings no longer needed, by size, for the next ones (no allocation per stream) */
  rings?: Map<number, Uint8Array[]>;
}

/**
 * 4 MiB per direction covers a full window of a 10 Gb/s x 3 ms path; anything beyond it waiting on one hole
 * is loss, not reordering.
 */
export const DEFAULT_MAX_HELD_PER_STREAM = 4 * 1024 * 1024;
/** 128 MiB across all streams keeps the process well under the 200 MB RSS goal. */
export const DEFAULT_MAX_HELD_TOTAL = 128 * 1024 * 1024;
/**
 * Delivered bytes kept until the peer acknowledges them, to compare against retransmissions (Zeek keeps
 * unacked blocks for the same reason): one 64 KiB window per direction is what an unscaled TCP window can
 * have in flight. Only kept when a stream consumer exists.
 */
export const MAX_UNACKED_KEPT = 64 * 1024;
/** Rings start this small and double while more delivered bytes wait for their ACK. */
const MIN_RING = 2048;
/**
 * All rings together: 32 MiB is 512 streams with a full 64 KiB unacknowledged each; past it new streams keep
 * no copy (their retransmissions are not compared) rather than the process growing with the session count.
 */
export const MAX_RING_TOTAL = 32 * 1024 * 1024;
/** Rings kept for reuse per size. */
const MAX_POOLED_RINGS = 256;
/**
 * Bookkeeping charged per held segment on top of its bytes: without it, 4 MiB of one-byte segments would be
 * four million objects.
 */
export const SEGMENT_OVERHEAD = 64;
/** Held segments per direction; past this the oldest hole is given up (an attack or a broken capture). */
export const MAX_HELD_SEGMENTS = 16384;
/**
 * A segment or ACK this far beyond everything seen is not the same stream (a stray or forged sequence
 * number): it must not turn into gigabytes of "missed" data. 16 MiB is more than any window in flight.
 */
export const MAX_SEQ_JUMP = 16 * 1024 * 1024;

const NO_BYTES = new Uint8Array(0);

/**
 * Where a segment's time is read from, only when it has an anomaly to report (the decoder's PacketMeta): a time
 * in µs passed as a number is a heap number made for each segment.
 */
export interface SegmentClock {
  readonly ts: number;
}
const NO_SEGMENTS: Segment[] = [];

interface Segment {
  start: number;
  end: number;
  /** null when only sequence accounting is wanted (no analyzer) */
  data: Uint8Array | null;
}

export class TcpDirection {
  /** stream offset of the next byte to deliver */
  next = 0;
  /** highest stream offset seen (end of the furthest segment) */
  highest = 0;
  /** bytes reported as gaps */
  missed = 0;
  /** stream offset of this direction's FIN (it takes one sequence number after the data), -1 before one */
  finOffset = -1;
  /** sequence number of stream offset 0 */
  private isn = 0;
  private started = false;
  private ended = false;
  /** out-of-order segments, ordered and disjoint; the shared empty list until the first one (most never) */
  private held: Segment[] = NO_SEGMENTS;
  private heldBytes = 0;
  /**
   * The last MAX_UNACKED_KEPT delivered bytes, stream offset o at ring[o % size], kept from `ackedTo` (or
   * next - size) up to `next` (only with a consumer).
   */
  private ring: Uint8Array | null = null;
  private ackedTo = 0;
  /** ring bytes below this offset are not valid (a gap skipped them) */
  private ringFrom = 0;
  private readonly dir: Dir;
  private readonly budget: ReassemblyBudget;
  private sink: StreamAnalyzer | null;

  constructor(dir: Dir, budget: ReassemblyBudget, sink: StreamAnalyzer | null) {
    this.dir = dir;
    this.budget = budget;
    this.sink = sink;
  }

  get isStarted(): boolean {
    return this.started;
  }

  /**
   * Sets the initial sequence number: from a SYN (isn + 1 is offset 0) or the first segment seen. Sequence and
   * acknowledgement numbers are taken as uint32 or int32 alike (only their value modulo 2^32 is read).
   */
  start(seq: number, syn: boolean): void {
    this.isn = (syn ? seq + 1 : seq) | 0;
    this.started = true;
  }

  /** Stream offset of a sequence number, unwrapped around the current position (RFC 1982 arithmetic). */
  offsetOf(seq: number): number {
    const rel = (seq - this.isn) >>> 0;
    const base = this.next;
    const baseLow = base % 4294967296;
    let delta = rel - baseLow;
    if (delta > 2147483647) delta -= 4294967296;
    else if (delta < -2147483648) delta += 4294967296;
    return base + delta;
  }

  /**
   * One segment's payload, buf[off, off + len). Without a consumer no bytes are touched: only sequence
   * ranges are tracked (the sessions fast path allocates nothing here).
   * @param buf valid only for the duration of the call
   * @param clock the packet's time (anomalies)
   */
  segment(seq: number, buf: Uint8Array, off: number, len: number, clock: SegmentClock, uid: string, anomalies: AnomalyLog): void {
    if (this.ended || len === 0) return;
    let start = this.offsetOf(seq);
    let end = start + len;
    if (start > Math.max(this.next, this.highest) + MAX_SEQ_JUMP) {
      anomalies.add(clock.ts, uid, 'tcp_seq_jump', `segment ${start - Math.max(this.next, this.highest)} bytes beyond the stream`);
      return;
    }
    if (this.finOffset >= 0 && end > this.finOffset) {
      if (start >= this.finOffset) {
        anomalies.add(clock.ts, uid, 'tcp_data_after_fin', `${len} bytes at stream offset ${start}`);
        return;
      }
      end = this.finOffset;
      len = end - start;
    }
    if (end > this.highest) this.highest = end;
    if (start < this.next && this.ring !== null) {
      this.compareDelivered(start, buf.subarray(off, off + len), clock.ts, uid, anomalies);
    }
    if (end <= this.next) return; // old retransmission
    if (start < this.next) {
      off += this.next - start;
      start = this.next;
    }
    if (start === this.next && this.held.length === 0) {
      if (this.sink !== null) this.deliver(start, buf.subarray(off, off + end - start));
      this.next = end;
      return;
    }
    if (start < 0) return;
    this.insert(start, end, this.sink === null ? NO_BYTES : buf.subarray(off, off + end - start), clock.ts, uid, anomalies);
    this.flush();
    if (this.heldBytes > this.budget.perStream || this.budget.used > this.budget.limit || this.held.length > MAX_HELD_SEGMENTS) {
      anomalies.add(clock.ts, uid, 'tcp_reassembly_budget', `${this.held.length} segments (${this.heldBytes} bytes) held behind a hole`);
      this.skipFirstHole();
    }
  }

  /** The peer acknowledged up to `ack`: data below it was received, so a hole below it is a capture loss. */
  acked(ack: number): void {
    const a = this.ackOffset(ack);
    if (a < 0) return;
    if (a > this.ackedTo) this.ackedTo = a;
    if (a <= this.next) return;
    if (this.held.length === 0) {
      if (a > this.highest) this.highest = a;
      this.gapTo(a);
      return;
    }
    const first = this.held[0]!;
    if (a >= first.start) this.skipFirstHole();
  }

  /**
   * Would an ACK of `ack` report bytes as missing to the consumer? Asked before acked() by an owner that makes
   * the consumer on first use (a gap is one), so that the consumer hears it as it would have from the start.
   */
  ackGaps(ack: number): boolean {
    return this.ackOffset(ack) > this.next;
  }

  /**
   * The stream offset an ACK of `ack` stands for; negative when it is ignored: direction not started or ended,
   * too far beyond what was seen (a bogus ACK must not invent gigabytes of missed data), or before the stream's
   * start. The ACK of a FIN covers the FIN's own sequence number, which is not data.
   */
  private ackOffset(ack: number): number {
    if (!this.started || this.ended) return -1;
    const a = this.offsetOf(ack);
    if (a - Math.max(this.next, this.highest) > MAX_SEQ_JUMP) return -1;
    return this.finOffset >= 0 && a > this.finOffset ? this.finOffset : a;
  }

  /**
   * The consumer, made after this direction started (on the session's first payload byte or gap): from here on
   * bytes are delivered and kept as if it had been there from the start (nothing was delivered, held or gapped
   * before). Returns false when the direction already ended (the caller tells the consumer so).
   */
  attach(sink: StreamAnalyzer): boolean {
    if (this.ended) return false;
    this.sink = sink;
    return true;
  }

  /** End of the direction: every remaining hole is a gap, held data is delivered, the analyzer is told. */
  finish(): void {
    if (this.ended) return;
    while (this.held.length > 0) this.skipFirstHole();
    this.ended = true;
    this.dropRing();
    this.sink?.end(this.dir);
  }

  /** The consumer is gone: from here on only sequence ranges are tracked (no bytes copied or kept). */
  detach(): void {
    this.sink = null;
    this.dropRing();
    for (const h of this.held) h.data = null;
  }

  /** True while bytes are missing below data already seen (a retransmission may still fill them). */
  get hasHoles(): boolean {
    return this.held.length > 0;
  }

  /** Notes the FIN at sequence number `seq` (the number after the last data byte). */
  finAt(seq: number): void {
    if (!this.started) return;
    const off = this.offsetOf(seq);
    if (this.finOffset < 0 || off > this.finOffset) this.finOffset = off;
    if (off > this.highest) this.highest = off;
  }

  private insert(start: number, end: number, d: Uint8Array, ts: number, uid: string, anomalies: AnomalyLog): void {
    const held = this.held;
    // held segments are ordered and disjoint: the first that ends after `start`, by binary search
    let lo = 0;
    let hi = held.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (held[mid]!.end <= start) lo = mid + 1;
      else hi = mid;
    }
    const i = lo;
    let cur = start;
    let j = i;
    const merged: Segment[] = [];
    let differs = false;
    for (; j < held.length && held[j]!.start < end; j++) {
      const h = held[j]!;
      if (h.start > cur) merged.push(this.piece(cur, h.start, d, start));
      if (h.data !== null && !differs) {
        const a = Math.max(cur, h.start);
        const b = Math.min(end, h.end);
        for (let k = a; k < b; k++) {
          if (h.data[k - h.start] !== d[k - start]) {
            differs = true;
            break;
          }
        }
      }
      merged.push(h);
      cur = Math.max(cur, h.end);
    }
    if (cur < end) merged.push(this.piece(cur, end, d, start));
    if (differs) anomalies.add(ts, uid, 'tcp_rexmit_inconsistency', `overlapping data differs at stream offset ${start}`);
    if (merged.length === j - i) return; // nothing new
    if (held === NO_SEGMENTS) this.held = merged;
    else held.splice(i, j - i, ...merged);
  }

  private piece(from: number, to: number, d: Uint8Array, dStart: number): Segment {
    const n = to - from + SEGMENT_OVERHEAD;
    this.heldBytes += n;
    this.budget.used += n;
    return { start: from, end: to, data: this.sink === null ? null : d.slice(from - dStart, to - dStart) };
  }

  /** Delivers held segments that are now in order. */
  private flush(): void {
    const held = this.held;
    let k = 0;
    while (k < held.length && held[k]!.start <= this.next) {
      const h = held[k]!;
      this.release(h);
      if (h.end > this.next) {
        const from = this.next - h.start;
        if (h.data !== null) this.deliver(this.next, h.data.subarray(from));
        this.next = h.end;
      }
      k++;
    }
    if (k > 0) held.splice(0, k);
  }

  private skipFirstHole(): void {
    const first = this.held[0];
    if (first === undefined) return;
    this.gapTo(first.start);
    this.flush();
  }

  private gapTo(off: number): void {
    const len = off - this.next;
    if (len <= 0) return;
    this.missed += len;
    this.sink?.gap(this.dir, len, this.next);
    this.next = off;
    // the ring never saw the skipped bytes: nothing below here can be compared any more
    this.ringFrom = off;
  }

  private release(h: Segment): void {
    const n = h.end - h.start + SEGMENT_OVERHEAD;
    this.heldBytes -= n;
    this.budget.used -= n;
  }

  private deliver(offset: number, data: Uint8Array): void {
    if (this.sink === null || data.length === 0) return;
    this.sink.deliver(this.dir, data, offset);
    this.keep(offset, data);
  }

  /**
   * Keeps delivered bytes until acknowledged, in a ring that grows with what has been outstanding at once
   * (2 KiB up to MAX_UNACKED_KEPT; all rings together are capped) and goes back to the pool at the end.
   */
  private keep(offset: number, data: Uint8Array): void {
    const end = offset + data.length;
    const lo = Math.max(this.ackedTo, this.ringFrom, end - MAX_UNACKED_KEPT);
    let ring = this.ring;
    const want = Math.min(MAX_UNACKED_KEPT, end - lo);
    if (ring === null || ring.length < want) {
      let size = ring?.length ?? MIN_RING;
      while (size < want) size *= 2;
      const budget = this.budget;
      const total = (budget.ringBytes ?? 0) + size - (ring?.length ?? 0);
      if (total > MAX_RING_TOTAL) {
        this.dropRing();
        return;
      }
      const next = budget.rings?.get(size)?.pop() ?? new Uint8Array(size);
      if (ring !== null) {
        // carry over what is still outstanding from before this delivery
        for (let k = Math.max(lo, offset - ring.length); k < offset;) {
          const from = k % ring.length;
          const to = k % size;
          const n = Math.min(offset - k, ring.length - from, size - to);
          next.set(ring.subarray(from, from + n), to);
          k += n;
        }
        this.dropRing();
      }
      budget.ringBytes = (budget.ringBytes ?? 0) + size;
      this.ring = ring = next;
    }
    const size = ring.length;
    const keep = Math.min(data.length, size);
    let from = data.length - keep;
    let at = (offset + from) % size;
    while (from < data.length) {
      const n = Math.min(data.length - from, size - at);
      // the whole delivery in one piece (most): no view object per segment
      ring.set(from === 0 && n === data.length ? data : data.subarray(from, from + n), at);
      from += n;
      at = 0;
    }
  }

  private dropRing(): void {
    const ring = this.ring;
    if (ring === null) return;
    this.ring = null;
    const budget = this.budget;
    budget.ringBytes = (budget.ringBytes ?? 0) - ring.length;
    const pools = (budget.rings ??= new Map());
    let pool = pools.get(ring.length);
    if (pool === undefined) pools.set(ring.length, (pool = []));
    if (pool.length < MAX_POOLED_RINGS) pool.push(ring);
  }

  /** A retransmission of delivered bytes: the first copy stands, a different later copy is an anomaly. */
  private compareDelivered(start: number, data: Uint8Array, ts: number, uid: string, anomalies: AnomalyLog): void {
    const ring = this.ring!;
    const size = ring.length;
    // comparable: delivered, not yet acknowledged, not skipped by a gap, and still in the ring
    const from = Math.max(start, this.ackedTo, this.ringFrom, this.next - size);
    const to = Math.min(start + data.length, this.next);
    for (let k = from; k < to; k++) {
      if (ring[k % size] !== data[k - start]) {
        anomalies.add(ts, uid, 'tcp_rexmit_inconsistency', `retransmitted data differs from what was delivered at stream offset ${k}`);
        return;
      }
    }
  }

  /** Bytes currently held out of order (with the per-segment overhead). */
  get heldByteCount(): number {
    return this.heldBytes;
  }
}
