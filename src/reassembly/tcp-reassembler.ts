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
  /** rings of finished directions, for the next ones (no allocation per stream) */
  rings?: Uint8Array[];
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
/** Finished directions' rings kept for reuse: enough for the streams open at once on a busy link. */
const MAX_POOLED_RINGS = 1024;

const NO_BYTES = new Uint8Array(0);

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
  private held: Segment[] = [];
  private heldBytes = 0;
  /**
   * The last MAX_UNACKED_KEPT delivered bytes, stream offset o at ring[o % size], kept from `ackedTo` (or
   * next - size) up to `next` (only with a consumer).
   */
  private ring: Uint8Array | null = null;
  private ackedTo = 0;
  private readonly dir: Dir;
  private readonly budget: ReassemblyBudget;
  private readonly sink: StreamAnalyzer | null;

  constructor(dir: Dir, budget: ReassemblyBudget, sink: StreamAnalyzer | null) {
    this.dir = dir;
    this.budget = budget;
    this.sink = sink;
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** Sets the initial sequence number: from a SYN (isn + 1 is offset 0) or the first segment seen. */
  start(seq: number, syn: boolean): void {
    this.isn = syn ? (seq + 1) >>> 0 : seq;
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
   */
  segment(seq: number, buf: Uint8Array, off: number, len: number, ts: number, uid: string, anomalies: AnomalyLog): void {
    if (this.ended || len === 0) return;
    let start = this.offsetOf(seq);
    const end = start + len;
    if (end > this.highest) this.highest = end;
    if (start < this.next && this.ring !== null) {
      this.compareDelivered(start, buf.subarray(off, off + len), ts, uid, anomalies);
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
    this.insert(start, end, this.sink === null ? NO_BYTES : buf.subarray(off, off + end - start), ts, uid, anomalies);
    this.flush();
    if (this.heldBytes > this.budget.perStream || this.budget.used > this.budget.limit) {
      anomalies.add(ts, uid, 'tcp_reassembly_budget', `${this.heldBytes} bytes held behind a hole`);
      this.skipFirstHole();
    }
  }

  /** The peer acknowledged up to `ack`: data below it was received, so a hole below it is a capture loss. */
  acked(ack: number): void {
    if (!this.started || this.ended) return;
    let a = this.offsetOf(ack);
    // the ACK of a FIN covers the FIN's own sequence number, which is not data
    if (this.finOffset >= 0 && a > this.finOffset) a = this.finOffset;
    if (a > this.ackedTo) this.ackedTo = a;
    if (a <= this.next) return;
    // only trust ACKs that stay near what we saw: a bogus ACK must not invent gigabytes of missed data
    if (a - this.highest > 1 << 30) return;
    if (this.held.length === 0) {
      if (a > this.highest) this.highest = a;
      this.gapTo(a);
      return;
    }
    const first = this.held[0]!;
    if (a >= first.start) this.skipFirstHole();
  }

  /** End of the direction: every remaining hole is a gap, held data is delivered, the analyzer is told. */
  finish(): void {
    if (this.ended) return;
    while (this.held.length > 0) this.skipFirstHole();
    this.ended = true;
    if (this.ring !== null) {
      const pool = (this.budget.rings ??= []);
      if (pool.length < MAX_POOLED_RINGS) pool.push(this.ring);
      this.ring = null;
    }
    this.sink?.end(this.dir);
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
    let i = 0;
    while (i < held.length && held[i]!.end <= start) i++;
    let cur = start;
    const pieces: Segment[] = [];
    let differs = false;
    for (let j = i; j < held.length && held[j]!.start < end; j++) {
      const h = held[j]!;
      if (h.start > cur) pieces.push(this.piece(cur, h.start, d, start));
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
      cur = Math.max(cur, h.end);
    }
    if (cur < end) pieces.push(this.piece(cur, end, d, start));
    if (differs) anomalies.add(ts, uid, 'tcp_rexmit_inconsistency', `overlapping data differs at stream offset ${start}`);
    if (pieces.length === 0) return;
    held.splice(i, 0, ...pieces);
    held.sort((x, y) => x.start - y.start);
  }

  private piece(from: number, to: number, d: Uint8Array, dStart: number): Segment {
    const n = to - from;
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
  }

  private release(h: Segment): void {
    const n = h.end - h.start;
    this.heldBytes -= n;
    this.budget.used -= n;
  }

  private deliver(offset: number, data: Uint8Array): void {
    if (this.sink === null || data.length === 0) return;
    this.sink.deliver(this.dir, data, offset);
    let ring = this.ring;
    if (ring === null) ring = this.ring = this.budget.rings?.pop() ?? new Uint8Array(MAX_UNACKED_KEPT);
    const size = ring.length;
    const keep = Math.min(data.length, size);
    let from = data.length - keep;
    let at = (offset + from) % size;
    while (from < data.length) {
      const n = Math.min(data.length - from, size - at);
      ring.set(data.subarray(from, from + n), at);
      from += n;
      at = 0;
    }
  }

  /** A retransmission of delivered bytes: the first copy stands, a different later copy is an anomaly. */
  private compareDelivered(start: number, data: Uint8Array, ts: number, uid: string, anomalies: AnomalyLog): void {
    const ring = this.ring!;
    const size = ring.length;
    // comparable: delivered, not yet acknowledged, and still in the ring
    const from = Math.max(start, this.ackedTo, this.next - size);
    const to = Math.min(start + data.length, this.next);
    for (let k = from; k < to; k++) {
      if (ring[k % size] !== data[k - start]) {
        anomalies.add(ts, uid, 'tcp_rexmit_inconsistency', `retransmitted data differs from what was delivered at stream offset ${k}`);
        return;
      }
    }
  }


  /** Bytes currently held out of order. */
  get heldByteCount(): number {
    return this.heldBytes;
  }
}
