// Suricata logs a DNS transaction as two EVE events, the request and the response; our dns record is one row per
// transaction, as ingest makes it. A request Suricata logged (it carries Suricata's `tx_id`; our own export writes
// a whole transaction as one event, and its unanswered ones without a tx_id, which are not held) is held until
// the response of the same transaction (same flow, DNS id and question) arrives; the two become one row: the response's answer with the query's time, flags
// and the round-trip time. A request never answered is written as `unanswered` when the file ends or when more
// are held than MAX_HELD_REQUESTS; a second response to an answered transaction is a `duplicate`.
import { setOwn } from '../../core/own.js';
import type { MappedRecord } from './mapper.js';

/**
 * Requests held for their responses. A resolver's EVE has a response within a second of its request, so the
 * requests of the last ~65k transactions is far more than are ever open at once.
 */
export const MAX_HELD_REQUESTS = 65_536;
/**
 * And the bytes they may hold (their extra's JSON, which a line of unknown keys can make 256 KiB): a normal
 * request is a few hundred bytes, so 64 MiB is never reached by a resolver's log, and bounds a hostile one.
 */
export const MAX_HELD_BYTES = 64 * 1024 * 1024;
/** What a held request weighs beyond its extra (its record's fields). */
const HELD_BASE_BYTES = 512;
/** Answered transactions remembered to tell a duplicate response from a lone one (their keys only). */
export const MAX_ANSWERED_KEYS = 65_536;

/** A mapped record and the line of the file it came from (for anomalies about it). */
export interface LineRecord {
  readonly m: MappedRecord;
  readonly lineNo: number;
}

/** Fields the merged row keeps from the request: its time and endpoints (client to server), and its flags (the schema: "of the query, else the response"). */
const FROM_QUERY = ['ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'rd', 'z', 'ad', 'cd', 'opcode', 'opcode_name', 'edns_udp_size', 'edns_do', 'ecs', 'cookie'] as const;

/** The transaction a dns row belongs to: flow, DNS id and question; null without a uid or an id. */
function keyOf(r: Record<string, unknown>): string | null {
  if (typeof r.uid !== 'string' || typeof r.trans_id !== 'number') return null;
  return JSON.stringify([r.uid, r.trans_id, r.query ?? null, r.qtype_name ?? null]);
}

/** Whether a mapped event carries Suricata's tx_id (in `dns`, or at the top: the mapping leaves it in extra). */
function hasTxId(m: MappedRecord): boolean {
  const e = m.extra;
  const dns = e?.dns;
  if (typeof dns === 'object' && dns !== null && !Array.isArray(dns) && typeof (dns as Record<string, unknown>).tx_id === 'number') return true;
  return typeof e?.tx_id === 'number';
}

/** Pairs the dns rows of one imported file; the rows to write come back from request(), response() and end(). */
export class DnsPairs {
  private readonly held = new Map<string, { rec: LineRecord; bytes: number }>();
  private heldBytes = 0;
  private readonly answered = new Map<string, true>();
  /** requests and responses made one row */
  merged = 0;
  /** requests written unanswered because more than MAX_HELD_REQUESTS or MAX_HELD_BYTES were held */
  overflowed = 0;

  /**
   * One mapped dns row: a request (outcome `unanswered`, as the EVE mapping gives it) is held, and the rows to
   * write now are returned (a request that pushed the oldest out: that one; a response: itself, merged).
   */
  add(rec: LineRecord): LineRecord[] {
    const r = rec.m.record;
    const key = keyOf(r);
    if (key === null) return [rec];
    if (r.outcome === 'unanswered') {
      if (!hasTxId(rec.m)) return [rec];
      const out: LineRecord[] = [];
      // the same request again (a retransmission) before any answer: the earlier one was not answered
      const before = this.take(key);
      if (before !== undefined) out.push(before);
      const bytes = HELD_BASE_BYTES + (rec.m.extra === null ? 0 : JSON.stringify(rec.m.extra).length);
      this.held.set(key, { rec, bytes });
      this.heldBytes += bytes;
      while (this.held.size > MAX_HELD_REQUESTS || this.heldBytes > MAX_HELD_BYTES) {
        const oldest = this.take(this.held.keys().next().value as string)!;
        this.overflowed++;
        out.push(oldest);
      }
      return out;
    }
    const req = this.take(key);
    if (req === undefined) {
      if (this.answered.has(key)) return [{ ...rec, m: { ...rec.m, record: { ...r, outcome: 'duplicate' } } }];
      return [rec];
    }
    this.merged++;
    this.answered.set(key, true);
    if (this.answered.size > MAX_ANSWERED_KEYS) this.answered.delete(this.answered.keys().next().value as string);
    return [{ m: merged(req.m, rec.m), lineNo: rec.lineNo }];
  }

  /** The requests still held (never answered), in the order they came. */
  end(): LineRecord[] {
    const out = [...this.held.values()].map((h) => h.rec);
    this.held.clear();
    this.heldBytes = 0;
    return out;
  }

  /** A held request taken out (undefined when none is held under `key`). */
  private take(key: string): LineRecord | undefined {
    const h = this.held.get(key);
    if (h === undefined) return undefined;
    this.held.delete(key);
    this.heldBytes -= h.bytes;
    return h.rec;
  }
}

/** A request and its response as one row: the response's, with the query's fields, rtt, and both extras. */
function merged(req: MappedRecord, resp: MappedRecord): MappedRecord {
  const q = req.record;
  const record: Record<string, unknown> = { ...resp.record };
  for (const f of FROM_QUERY) if (q[f] !== null && q[f] !== undefined) record[f] = q[f];
  const [t0, t1] = [q.ts, resp.record.ts];
  // a response stamped before its request (clocks, reordering) keeps no rtt rather than a negative one
  record.rtt = typeof t0 === 'number' && typeof t1 === 'number' && t1 >= t0 ? (t1 - t0) / 1e6 : null;
  record.outcome = 'answered';
  let extra = resp.extra;
  if (req.extra !== null) {
    extra = { ...(extra ?? {}) };
    // the request's keys the response lacks (its own pcap_cnt, tx_id, ...): the response's win a clash
    for (const k of Object.keys(req.extra)) if (!Object.hasOwn(extra, k)) setOwn(extra, k, req.extra[k]);
  }
  return { ...resp, record, extra };
}
