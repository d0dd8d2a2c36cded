// The merge of a threaded run: shard outputs in key order, each session's uid the one the one-thread run gives.
import { MAX_ANOMALY_RECORDS_PER_NAME, type AnomalyEvent } from '../core/anomaly.js';
import { makeUid } from '../flow/uid.js';
import type { SessionRecord } from '../schema/sessions.js';
import type { TlsRecord } from '../schema/tls.js';
import { LAYERS_PER_PACKET, UID_SEQ_WEIGHT } from './shard-core.js';
import { K_ANOMALY, K_ANOMALY_COUNT, K_END, K_END_NAMED, K_RELEASE, K_SESSION, K_TLS, KEY_FIELDS, PHASE_READER, type ShardOutput } from './shard-protocol.js';

/** Where the records of a threaded run go (the verb's output), in the one-thread run's order. */
export interface MergedHandlers {
  session?(r: SessionRecord): void;
  tls?(r: TlsRecord): void;
  anomaly?(a: AnomalyEvent): void;
}

/** A source's outputs not merged yet. */
interface Queue {
  /** outputs with items left; `i` is the next item of chunks[0] */
  chunks: ShardOutput[];
  i: number;
  /** outputs with sessions made left to number; `c` is the offset in made[0].creations, `cu` its uid index */
  made: ShardOutput[];
  c: number;
  cu: number;
  watermark: number;
}

/** The key of an item: [global packet, phase, minor, sequence]. */
export type MergeKey = readonly [number, number, number, number];

function less(a: Float64Array | readonly number[], ao: number, b: Float64Array | readonly number[], bo: number): boolean {
  for (let k = 0; k < KEY_FIELDS; k++) {
    const x = a[ao + k]!;
    const y = b[bo + k]!;
    if (x !== y) return x < y;
  }
  return false;
}

/**
 * Merges the sorted outputs of N shards and the reader's own anomalies (damage found while reading) into the
 * one-thread order, up to the lowest watermark: every shard has said everything below it. Sessions get their
 * uids by the order the one-thread table would have made them (the sessions made at packets below the
 * watermark, by position); anomaly records are capped per name over the merged order, as one AnomalyLog does.
 */
export class ShardMerge {
  private readonly queues: Queue[];
  /**
   * Per shard, local uid -> one-thread uid, while the session lives or something live names it (an inner flow its
   * tunnel parent, an FTP data channel or an expected one its control session): the shard says when it may go.
   */
  private readonly uids: Map<string, string>[];
  /** translations held now, and the most held at once (tests: bounded by the live sessions, not the capture) */
  translations = 0;
  peakTranslations = 0;
  /** sessions ended in the items handed on (the one-thread run's count at that point) */
  sessionsEnded = 0;
  private readonly handlers: MergedHandlers;
  private readonly salt: number;
  private readonly anomalyCounts = new Map<string, number>();
  /** the reader's anomalies: [key..., event] in arrival order (already sorted) */
  private readonly readerKeys: number[] = [];
  private readonly readerItems: AnomalyEvent[] = [];
  private readerAt = 0;
  private readerSeq = 0;
  private seqNo = 0;

  constructor(shards: number, handlers: MergedHandlers, salt = 0) {
    this.queues = Array.from({ length: shards }, () => ({ chunks: [], i: 0, made: [], c: 0, cu: 0, watermark: 0 }));
    this.uids = Array.from({ length: shards }, () => new Map());
    this.handlers = handlers;
    this.salt = salt;
  }

  add(shard: number, out: ShardOutput): void {
    const q = this.queues[shard]!;
    if (out.kinds.length > 0) q.chunks.push(out);
    if (out.creationUids.length > 0) q.made.push(out);
    q.watermark = out.watermark;
  }

  /** An anomaly the reader found before global packet `next` (a damaged record, a damaged input). */
  reader(next: number, a: AnomalyEvent): void {
    this.readerKeys.push(next, PHASE_READER, 0, this.readerSeq++);
    this.readerItems.push(a);
  }

  /** Every shard has said all it will (the run ended, or stopped at a fault): drain() may go to the end. */
  closeAll(): void {
    for (const q of this.queues) q.watermark = Infinity;
  }

  /** The lowest watermark of the shards. */
  get watermark(): number {
    let w = Infinity;
    for (const q of this.queues) w = Math.min(w, q.watermark);
    return w;
  }

  /** Hands on everything below the shards' lowest watermark (and below `stop`, when given). */
  drain(stop: MergeKey | null = null): void {
    const w = this.watermark;
    this.creations(w);
    const stopKey = stop ?? [Infinity, 0, 0, 0];
    for (;;) {
      let best = -1;
      let bk: Float64Array | number[] | null = null;
      let bo = 0;
      for (let s = 0; s < this.queues.length; s++) {
        const c = this.head(s);
        if (c === null) continue;
        const o = this.queues[s]!.i * KEY_FIELDS;
        if (c.keys[o]! >= w) continue;
        if (bk === null || less(c.keys, o, bk, bo)) {
          best = s;
          bk = c.keys;
          bo = o;
        }
      }
      const ro = this.readerAt * KEY_FIELDS;
      const readerFirst = this.readerAt < this.readerItems.length && this.readerKeys[ro]! < w &&
        (bk === null || less(this.readerKeys, ro, bk, bo));
      if (readerFirst) {
        if (!less(this.readerKeys, ro, stopKey, 0)) return;
        this.anomaly(-1, this.readerItems[this.readerAt++]!);
        continue;
      }
      if (bk === null || !less(bk, bo, stopKey, 0)) return;
      const q = this.queues[best]!;
      const c = q.chunks[0]!;
      this.item(best, c.kinds[q.i]!, c.payloads[q.i]);
      q.i++;
    }
  }

  /** The first output of a shard with an item left. */
  private head(s: number): ShardOutput | null {
    const q = this.queues[s]!;
    while (q.chunks.length > 0) {
      const c = q.chunks[0]!;
      if (q.i < c.kinds.length) return c;
      q.chunks.shift();
      q.i = 0;
    }
    return null;
  }

  /** Gives the sessions made below global packet `w` their one-thread sequence numbers and uids. */
  private creations(w: number): void {
    const limit = w === Infinity ? Infinity : w * LAYERS_PER_PACKET;
    for (;;) {
      let best = -1;
      let bp = Infinity;
      for (let s = 0; s < this.queues.length; s++) {
        const q = this.queues[s]!;
        const c = q.made[0];
        if (c === undefined) continue;
        const p = c.creations[q.c]!;
        if (p < limit && p < bp) {
          best = s;
          bp = p;
        }
      }
      if (best < 0) return;
      const q = this.queues[best]!;
      const cs = q.made[0]!;
      const n = cs.creations[q.c + 1]!;
      const parts = Array.from(cs.creations.subarray(q.c + 2, q.c + 2 + n));
      const uid = makeUid(parts, this.salt + ++this.seqNo * UID_SEQ_WEIGHT);
      this.uids[best]!.set(cs.creationUids[q.cu]!, uid);
      if (++this.translations > this.peakTranslations) this.peakTranslations = this.translations;
      q.c += 2 + n;
      q.cu++;
      if (q.cu >= cs.creationUids.length) {
        q.made.shift();
        q.c = 0;
        q.cu = 0;
      }
    }
  }

  private uid(shard: number, local: string): string {
    const g = this.uids[shard]!.get(local);
    if (g === undefined) throw new Error(`shard merge: no uid for session ${local} of shard ${shard}`);
    return g;
  }

  private item(shard: number, kind: number, payload: unknown): void {
    if (kind === K_END || kind === K_END_NAMED || kind === K_RELEASE) {
      if (kind !== K_RELEASE) this.sessionsEnded++;
      if (kind !== K_END_NAMED && this.uids[shard]!.delete(payload as string)) this.translations--;
    } else if (kind === K_SESSION) {
      const r = payload as SessionRecord;
      r.uid = this.uid(shard, r.uid);
      if (r.tunnel_parents !== null) r.tunnel_parents = r.tunnel_parents.map((u) => this.uid(shard, u));
      if (r.control_uid !== null) r.control_uid = this.uid(shard, r.control_uid);
      this.handlers.session?.(r);
    } else if (kind === K_TLS) {
      const r = payload as TlsRecord;
      r.uid = this.uid(shard, r.uid);
      this.handlers.tls?.(r);
    } else if (kind === K_ANOMALY) {
      this.anomaly(shard, payload as AnomalyEvent);
    } else if (kind === K_ANOMALY_COUNT) {
      const name = payload as string;
      this.anomalyCounts.set(name, (this.anomalyCounts.get(name) ?? 0) + 1);
    }
  }

  /** Anomalies by name in the items handed on, recorded or not (the one-thread run's counts at that point). */
  get anomalies(): Map<string, number> {
    return new Map(this.anomalyCounts);
  }

  private anomaly(shard: number, a: AnomalyEvent): void {
    const n = (this.anomalyCounts.get(a.name) ?? 0) + 1;
    this.anomalyCounts.set(a.name, n);
    if (n > MAX_ANOMALY_RECORDS_PER_NAME) return;
    if (shard >= 0 && a.uid !== null) a.uid = this.uid(shard, a.uid);
    this.handlers.anomaly?.(a);
  }
}
