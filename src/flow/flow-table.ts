// The session table: numeric symmetric hashing (no per-packet keys), originator detection, counters,
// TCP endpoint states and reassembly, timeouts on three ordered lists, and a hard bound on its size.
import type { AnomalyLog } from '../core/anomaly.js';
import { limitOption } from '../core/limits.js';
import {
  IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, TH_ACK, TH_FIN, TH_RST, TH_SYN,
} from '../decode/constants.js';
import type { PacketMeta } from '../decode/packet-meta.js';
import {
  DEFAULT_MAX_HELD_PER_STREAM, DEFAULT_MAX_HELD_TOTAL, TcpDirection, type ReassemblyBudget,
} from '../reassembly/tcp-reassembler.js';
import { ORIG, RESP, type Dir, type StreamAnalyzer } from '../reassembly/stream-analyzer.js';
import { icmpPorts } from './community-id.js';
import {
  TCP_CLOSED, TCP_ESTABLISHED, TCP_INACTIVE, TCP_PARTIAL, TCP_RESET, TCP_SYN_ACK_SENT, TCP_SYN_SENT,
} from './conn-state.js';
import { LIST_CLOSING, LIST_DATAGRAM, LIST_TCP, Session } from './session.js';
import { makeUid } from './uid.js';

/** Zeek's tcp_inactivity_timeout (5 min) and udp/icmp_inactivity_timeout (1 min). */
export const DEFAULT_TCP_TIMEOUT_US = 300_000_000;
export const DEFAULT_DATAGRAM_TIMEOUT_US = 60_000_000;
/**
 * How long a closed (FIN both ways, or RST) TCP session waits for late packets: retransmitted FINs and last
 * ACKs keep arriving for tens of seconds when an ACK was lost (suricata-verify bug-2646-01: 57 s). 60 s of
 * silence, Linux's TIME_WAIT, ends it; a new SYN on the same ports ends it at once.
 */
export const DEFAULT_CLOSE_DELAY_US = 60_000_000;
/**
 * Sessions held at once. At ~1 KB per session with its streams' bookkeeping this bounds the table near
 * 200 MB; a capture with more concurrent sessions evicts the least recently active (flow_table_full).
 */
export const DEFAULT_MAX_SESSIONS = 200_000;

export interface FlowTableOptions {
  maxSessions?: number;
  tcpTimeoutUs?: number;
  datagramTimeoutUs?: number;
  closeDelayUs?: number;
  maxHeldPerStream?: number;
  maxHeldTotal?: number;
  /** creates the stream consumer of a new TCP session; null = sequence accounting only (fast path) */
  streams?: (s: Session) => StreamAnalyzer | null;
  /** mixed into uids so the same flow in two inputs gets two uids */
  salt?: number;
}

const BOTH_DIRS: readonly Dir[] = [ORIG, RESP];

/** Ports at or below this are taken as the server side when a flow is picked up without its start. */
const WELL_KNOWN_PORT_MAX = 1023;
/** Hash chains a table starts with (128 KiB of pointers, filled in ~1 ms); grown by doubling. */
const FIRST_BUCKETS = 16384;
/** ICMP types that answer a request: seeing one first means the sender is the responder. */
const ICMP4_REPLIES = new Set([0, 14, 16, 18, 9]);
const ICMP6_REPLIES = new Set([129, 134, 136, 131, 140, 145]);

export class FlowTable {
  /**
   * Array of hash chains (a power of two): no Map tables reallocated under churn, which would otherwise pile
   * up in V8's old generation. It starts at FIRST_BUCKETS and doubles when the sessions outnumber the chains,
   * up to about one chain per session at the bound (filling 256 Ki chains up front cost 15-35 ms of every
   * run; a capture with few sessions at once never grows it, the largest grow it a handful of times).
   */
  private buckets: (Session | null)[];
  private mask: number;
  private readonly maxBuckets: number;
  private readonly heads: (Session | null)[] = [null, null, null];
  private readonly tails: (Session | null)[] = [null, null, null];
  private count = 0;
  private seqNo = 0;
  private lastSweep = 0;
  private readonly maxSessions: number;
  private readonly timeouts: number[];
  private readonly budget: ReassemblyBudget;
  private readonly streams: ((s: Session) => StreamAnalyzer | null) | undefined;
  private readonly salt: number;
  private readonly onEnd: (s: Session) => void;
  private readonly anomalies: AnomalyLog;
  /** packets that carried no IP (ARP, STP, ...), counted by the caller */
  nonIp = 0;
  /** direction of the last packet processed (ORIG or RESP) */
  lastDir: Dir = ORIG;

  constructor(onEnd: (s: Session) => void, anomalies: AnomalyLog, opts: FlowTableOptions = {}) {
    this.onEnd = onEnd;
    this.anomalies = anomalies;
    this.maxSessions = limitOption('maxSessions', opts.maxSessions, DEFAULT_MAX_SESSIONS, 1);
    // about one chain per session at the bound, at least 64 Ki chains (512 KiB of pointers)
    let size = 65536;
    while (size < this.maxSessions) size *= 2;
    this.maxBuckets = size;
    this.buckets = new Array<Session | null>(FIRST_BUCKETS).fill(null);
    this.mask = FIRST_BUCKETS - 1;
    this.timeouts = [
      limitOption('tcpTimeoutUs', opts.tcpTimeoutUs, DEFAULT_TCP_TIMEOUT_US),
      limitOption('datagramTimeoutUs', opts.datagramTimeoutUs, DEFAULT_DATAGRAM_TIMEOUT_US),
      limitOption('closeDelayUs', opts.closeDelayUs, DEFAULT_CLOSE_DELAY_US),
    ];
    this.budget = {
      used: 0,
      limit: limitOption('maxHeldTotal', opts.maxHeldTotal, DEFAULT_MAX_HELD_TOTAL),
      perStream: limitOption('maxHeldPerStream', opts.maxHeldPerStream, DEFAULT_MAX_HELD_PER_STREAM),
    };
    this.streams = opts.streams;
    this.salt = opts.salt ?? 0;
  }

  get size(): number {
    return this.count;
  }


  /** Accounts one decoded packet to its session; returns the session, or null for non-IP packets. */
  packet(m: PacketMeta): Session | null {
    if (m.ipVersion === 0) return null;
    if (m.ts - this.lastSweep >= 1_000_000 || m.ts < this.lastSweep) this.sweep(m.ts);
    const proto = m.ipProto;
    let sport = 0;
    let dport = 0;
    let oneWay = false;
    if (m.l4) {
      if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
        const p = icmpPorts(proto === IPPROTO_ICMPV6, m.icmpType, m.icmpCode);
        sport = p.sport;
        dport = p.dport;
        oneWay = p.oneWay;
      } else {
        sport = m.sport;
        dport = m.dport;
      }
    }
    const h = this.hashOf(m, proto, sport, dport);
    let s: Session | null = this.buckets[h & this.mask] ?? null;
    let dir: Dir = ORIG;
    for (; s !== null; s = s.nextInBucket) {
      if (s.proto !== proto || s.vlan !== m.vlan || s.innerVlan !== m.innerVlan || s.v6 !== (m.ipVersion === 6)) continue;
      if (s.aPort === sport && s.bPort === dport && this.sameA(s, m, true)) {
        dir = ORIG;
        break;
      }
      if (s.aPort === dport && s.bPort === sport && this.sameA(s, m, false)) {
        dir = RESP;
        break;
      }
    }
    if (s !== null && proto === IPPROTO_TCP && (m.tcpFlags & (TH_SYN | TH_ACK)) === TH_SYN && this.isFinished(s)) {
      // port reuse: a fresh SYN on a closed session starts a new one
      this.end(s);
      s = null;
    }
    if (s === null) {
      s = this.create(m, h, proto, sport, dport, oneWay);
      dir = this.flipped ? RESP : ORIG;
    }
    this.lastDir = dir;
    s.last = m.ts;
    if (dir === ORIG) {
      s.origPkts++;
      s.origIpBytes += m.ipLen;
      s.origFrameBytes += m.frameLen;
    } else {
      s.respPkts++;
      s.respIpBytes += m.ipLen;
      s.respFrameBytes += m.frameLen;
    }
    if (proto === IPPROTO_TCP && m.l4) this.tcp(s, dir, m);
    else {
      const n = proto === IPPROTO_UDP ? m.udpWireLen : m.payloadLen;
      if (dir === ORIG) s.origPayload += n;
      else s.respPayload += n;
      this.touch(s, proto === IPPROTO_TCP ? LIST_TCP : LIST_DATAGRAM);
    }
    return s;
  }

  /**
   * Ends every session (end of input), oldest first; with `limit`, that many at most (the next call goes on
   * where this one stopped, in the same order). Returns how many were ended.
   */
  flush(limit = Infinity): number {
    let n = 0;
    for (let l = 0; l < 3; l++) {
      while (this.heads[l] !== null && n < limit) {
        this.end(this.heads[l]!);
        n++;
      }
    }
    return n;
  }

  /** Ends sessions whose timeout passed at time `now` (packet time). */
  sweep(now: number): void {
    this.lastSweep = now;
    for (let l = 0; l < 3; l++) {
      const limit = this.timeouts[l]!;
      for (let s = this.heads[l]!; s !== null; s = this.heads[l]!) {
        if (now - s.last <= limit) break;
        this.end(s);
      }
    }
  }

  private flipped = false;

  private create(m: PacketMeta, h: number, proto: number, sport: number, dport: number, oneWay: boolean): Session {
    if (this.count >= this.maxSessions) this.evict(m.ts);
    const s = new Session();
    // who started it: the sender, unless the packet is an answer (SYN-ACK, ICMP reply) or comes from a
    // well-known port to an ephemeral one in a flow picked up midstream
    let flip = false;
    if (proto === IPPROTO_TCP && m.l4) {
      const f = m.tcpFlags;
      if ((f & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK)) flip = true;
      else if ((f & TH_SYN) === 0) flip = sport <= WELL_KNOWN_PORT_MAX && dport > WELL_KNOWN_PORT_MAX;
    } else if (proto === IPPROTO_UDP && m.l4) {
      flip = sport <= WELL_KNOWN_PORT_MAX && dport > WELL_KNOWN_PORT_MAX;
    } else if ((proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) && m.l4 && !oneWay) {
      flip = (proto === IPPROTO_ICMP ? ICMP4_REPLIES : ICMP6_REPLIES).has(m.icmpType);
    }
    this.flipped = flip;
    s.proto = proto;
    s.v6 = m.ipVersion === 6;
    s.vlan = m.vlan;
    s.innerVlan = m.innerVlan;
    s.icmpOneWay = oneWay;
    if (s.v6) {
      const src = m.buf.slice(m.src6, m.src6 + 16);
      const dst = m.buf.slice(m.dst6, m.dst6 + 16);
      s.a6 = flip ? dst : src;
      s.b6 = flip ? src : dst;
    } else {
      s.a4 = flip ? m.dst4 : m.src4;
      s.b4 = flip ? m.src4 : m.dst4;
    }
    s.aPort = flip ? dport : sport;
    s.bPort = flip ? sport : dport;
    s.hash = h;
    s.start = m.ts;
    s.last = m.ts;
    s.seqNo = ++this.seqNo;
    s.uid = makeUid(
      s.v6 ? [...words(s.a6!), ...words(s.b6!), s.aPort, s.bPort, proto, s.start] : [s.a4, s.b4, s.aPort, s.bPort, proto, s.start],
      this.salt + s.seqNo * 7919,
    );
    s.nextInBucket = this.buckets[h & this.mask] ?? null;
    this.buckets[h & this.mask] = s;
    this.count++;
    if (this.count > this.buckets.length && this.buckets.length < this.maxBuckets) this.grow();
    // the stream consumer (analyzers, ~3 KB each) waits for the first payload byte or gap: the sessions of a
    // SYN scan or of a handshake without data never make one
    s.analyzerPending = proto === IPPROTO_TCP && this.streams !== undefined;
    return s;
  }

  /** Doubles the chains and moves every session to its chain there (a key is in the table once: order is free). */
  private grow(): void {
    const old = this.buckets;
    const size = old.length * 2;
    const next = new Array<Session | null>(size).fill(null);
    const mask = size - 1;
    for (let i = 0; i < old.length; i++) {
      for (let s = old[i] ?? null; s !== null;) {
        const after = s.nextInBucket;
        s.nextInBucket = next[s.hash & mask] ?? null;
        next[s.hash & mask] = s;
        s = after;
      }
    }
    this.buckets = next;
    this.mask = mask;
  }

  private tcp(s: Session, dir: Dir, m: PacketMeta): void {
    const f = m.tcpFlags;
    const orig = dir === ORIG;
    if (orig) s.origFlags |= f;
    else s.respFlags |= f;
    let me = orig ? s.origState : s.respState;
    let peer = orig ? s.respState : s.origState;
    if (f & TH_RST) {
      me = TCP_RESET;
    } else {
      if (f & TH_SYN) {
        if (f & TH_ACK) {
          // a SYN-ACK answering a SYN establishes both ends (Zeek's TCP_Analyzer does the same)
          if (peer === TCP_SYN_SENT) {
            peer = TCP_ESTABLISHED;
            if (me === TCP_INACTIVE) me = TCP_ESTABLISHED;
          } else if (me === TCP_INACTIVE) {
            me = TCP_SYN_ACK_SENT;
          }
          if (!orig) s.respSynAck = true;
        } else {
          if (me === TCP_INACTIVE) me = TCP_SYN_SENT;
          if (orig) s.origSyn = true;
        }
      } else if (me === TCP_INACTIVE) {
        me = TCP_PARTIAL;
      } else if ((me === TCP_SYN_SENT || me === TCP_SYN_ACK_SENT) && f & TH_ACK) {
        me = TCP_ESTABLISHED;
        if (peer === TCP_SYN_ACK_SENT || peer === TCP_SYN_SENT) peer = TCP_ESTABLISHED;
      }
      if (f & TH_FIN) me = TCP_CLOSED;
    }
    if (orig) {
      s.origState = me;
      s.respState = peer;
    } else {
      s.respState = me;
      s.origState = peer;
    }
    // streams: this direction's data, and the other direction's acknowledgement
    this.tcpStreams(s, dir, m);
    if (this.isFinished(s)) {
      // closed both ways (or reset): a direction with nothing missing is complete now, so its consumer can
      // finish and free its buffers while the session waits out its close delay; one with holes waits for
      // retransmissions until the session ends
      this.endStreams(s, false);
      this.touch(s, LIST_CLOSING);
    } else {
      this.touch(s, LIST_TCP);
    }
  }

  private tcpStreams(s: Session, dir: Dir, m: PacketMeta): void {
    const f = m.tcpFlags;
    const orig = dir === ORIG;
    let mine = orig ? s.origStream : s.respStream;
    if (mine === null) {
      mine = new TcpDirection(dir, this.budget, s.analyzer);
      if (orig) s.origStream = mine;
      else s.respStream = mine;
    }
    // sequence and acknowledgement numbers go to the streams as int32 (the same number modulo 2^32, which is all
    // they are read as): a small integer in a call, where a uint32 past 2^31 is a heap number made for each packet
    if (!mine.isStarted) mine.start(m.seq | 0, (f & TH_SYN) !== 0);
    const acks = (f & TH_ACK) !== 0 && (f & TH_RST) === 0;
    const other = orig ? s.respStream : s.origStream;
    if (s.analyzerPending && (m.payloadLen > 0 || (acks && other !== null && other.ackGaps(m.ack | 0)))) this.attach(s);
    if (m.payloadLen > 0) {
      const seq = (f & TH_SYN ? m.seq + 1 : m.seq) | 0;
      mine.segment(seq, m.buf, m.payloadOff, m.payloadLen, m, s.uid, this.anomalies);
    }
    if (f & TH_FIN) mine.finAt((m.seq + m.payloadLen + (f & TH_SYN ? 1 : 0)) | 0);
    if (acks) other?.acked(m.ack | 0);
    if (s.analyzer !== null && s.analyzer.active === false) this.detach(s);
  }

  /**
   * Makes the session's stream consumer, before its first byte or gap: it hears everything from there as if it
   * had been made with the session (until then nothing was delivered, held or reported missing), and end() of
   * a direction that already ended, as it would have then.
   */
  private attach(s: Session): void {
    s.analyzerPending = false;
    const a = this.streams!(s);
    s.analyzer = a;
    if (a === null) return;
    if (s.origStream !== null && !s.origStream.attach(a)) a.end(ORIG);
    if (s.respStream !== null && !s.respStream.attach(a)) a.end(RESP);
  }

  /** The analyzer is done with this session: it hears end() now, and the streams stop carrying bytes. */
  private detach(s: Session): void {
    const a = s.analyzer!;
    s.analyzer = null;
    s.origStream?.detach();
    s.respStream?.detach();
    a.end(ORIG);
    a.end(RESP);
  }

  private isFinished(s: Session): boolean {
    const o = s.origState;
    const r = s.respState;
    return o === TCP_RESET || r === TCP_RESET || (o === TCP_CLOSED && r === TCP_CLOSED);
  }

  /** Ends a session: streams finish, the owner is told, the table forgets it. */
  end(s: Session): void {
    if (s.done) return;
    s.done = true;
    this.endStreams(s, true);
    this.unlink(s);
    this.removeFromBucket(s);
    this.count--;
    this.onEnd(s);
  }

  /**
   * Finishes the streams of a closed session: when `final`, every direction (the consumer hears end() for
   * both, even one that never sent a packet); otherwise only directions without holes.
   */
  private endStreams(s: Session, final: boolean): void {
    for (const dir of BOTH_DIRS) {
      const stream = dir === ORIG ? s.origStream : s.respStream;
      if (stream !== null) {
        if (final || !stream.hasHoles) stream.finish();
      } else if (final) {
        s.analyzer?.end(dir);
      }
    }
  }

  private evict(now: number): void {
    // the least recently active of the list heads goes first
    let victim: Session | null = null;
    for (const h of this.heads) if (h !== null && (victim === null || h.last < victim.last)) victim = h;
    if (victim === null) return;
    this.anomalies.add(now, victim.uid, 'flow_table_full', `more than ${this.maxSessions} sessions at once`);
    this.end(victim);
  }

  private touch(s: Session, list: number): void {
    if (s.list === list && this.tails[list] === s) return;
    this.unlink(s);
    s.list = list;
    s.prev = this.tails[list]!;
    s.next = null;
    if (s.prev !== null) s.prev.next = s;
    else this.heads[list] = s;
    this.tails[list] = s;
  }

  private unlink(s: Session): void {
    if (s.list < 0) return;
    const l = s.list;
    if (s.prev !== null) s.prev.next = s.next;
    else this.heads[l] = s.next;
    if (s.next !== null) s.next.prev = s.prev;
    else this.tails[l] = s.prev;
    s.prev = null;
    s.next = null;
    s.list = -1;
  }

  private removeFromBucket(s: Session): void {
    const i = s.hash & this.mask;
    if (this.buckets[i] === s) {
      this.buckets[i] = s.nextInBucket;
      return;
    }
    for (let p: Session | null = this.buckets[i] ?? null; p !== null; p = p.nextInBucket) {
      if (p.nextInBucket === s) {
        p.nextInBucket = s.nextInBucket;
        return;
      }
    }
  }

  /** Does the packet's source (fwd) or destination (!fwd) equal the session's originator, and the other end b? */
  private sameA(s: Session, m: PacketMeta, fwd: boolean): boolean {
    if (!s.v6) return fwd ? s.a4 === m.src4 && s.b4 === m.dst4 : s.a4 === m.dst4 && s.b4 === m.src4;
    const b = m.buf;
    const ao = fwd ? m.src6 : m.dst6;
    const bo = fwd ? m.dst6 : m.src6;
    const a6 = s.a6!;
    const b6 = s.b6!;
    for (let i = 0; i < 16; i++) if (a6[i] !== b[ao + i] || b6[i] !== b[bo + i]) return false;
    return true;
  }

  /** Symmetric 32-bit hash of the flow key (int32): the same for both directions, no allocation. */
  private hashOf(m: PacketMeta, proto: number, sport: number, dport: number): number {
    let ha: number;
    let hb: number;
    if (m.ipVersion === 4) {
      ha = mix(m.src4 ^ Math.imul(sport, 0x9e3779b1));
      hb = mix(m.dst4 ^ Math.imul(dport, 0x9e3779b1));
    } else {
      const v = m.view;
      ha = mix(v.getUint32(m.src6, false) ^ mix(v.getUint32(m.src6 + 4, false) ^ mix(v.getUint32(m.src6 + 8, false) ^
        mix(v.getUint32(m.src6 + 12, false) ^ Math.imul(sport, 0x9e3779b1)))));
      hb = mix(v.getUint32(m.dst6, false) ^ mix(v.getUint32(m.dst6 + 4, false) ^ mix(v.getUint32(m.dst6 + 8, false) ^
        mix(v.getUint32(m.dst6 + 12, false) ^ Math.imul(dport, 0x9e3779b1)))));
    }
    // as int32: only its low bits are read (chains), and a uint32 past 2^31 would be a heap number per packet
    return mix((ha + hb) ^ Math.imul(proto + 1, 0x85ebca6b) ^ (m.vlan + 1) ^ ((m.innerVlan + 1) << 12)) | 0;
  }
}

/** A 32-bit integer hash finalizer (mixes every input bit into every output bit); the flow and shard hashes use it. */
export function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

function words(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset, 16);
  return [v.getUint32(0), v.getUint32(4), v.getUint32(8), v.getUint32(12)];
}
