// One shard of a threaded run: an Engine fed its share of the packets, its output tagged with merge keys.
import { PacketRecord } from '../capture/packet-record.js';
import type { ChannelNames } from '../analyzers/ftp/ftp-analyzer.js';
import { MAX_ANOMALY_RECORDS_PER_NAME, type AnomalyEvent } from '../core/anomaly.js';
import type { Session } from '../flow/session.js';
import type { SessionRecord } from '../schema/sessions.js';
import type { TlsRecord } from '../schema/tls.js';
import { makeUid } from '../flow/uid.js';
import { analysis, tlsAnalysis } from './analyzers.js';
import { Engine, type EngineHandlers, type EngineOptions } from './engine.js';
import {
  F_CAPLEN, F_DATA_OFFSET, F_FILE_OFFSET, F_IFACE, F_INDEX, F_INPUT, F_LINKTYPE, F_ORIGLEN, F_RECORD_LEN, F_SLOT, F_TS,
  FLUSH_MAJOR, K_ANOMALY, K_ANOMALY_COUNT, K_END, K_END_NAMED, K_RELEASE, K_SESSION, K_TLS, PACKET_FIELDS, PHASE_PACKET, PHASE_SWEEP,
  type PacketBatch, type ShardFault, type ShardJob, type ShardOutput, type ShardTotals,
} from './shard-protocol.js';

/** Layers of one packet a position tells apart (tunnels inside tunnels: the decoder stops far below this). */
export const LAYERS_PER_PACKET = 64;
/** A sweep's minor key: the session's timeout list, then its last packet's position (below 2^50). */
const LIST_WEIGHT = 2 ** 50;
/** Sessions whose uid the shard checks against its own recomputation (the uid recipe must be the table's). */
const UID_CHECKS = 16;
/** The minor key of releases after a sweep or the flush: after every session it ended (lists 0-2). */
const AFTER_SWEEP = 3 * LIST_WEIGHT;

/** The uids a live session names: its tunnel parents (how many seen so far), its control session. */
interface Naming {
  parents: number;
  control: boolean;
  uids: string[];
}

/** An error thrown by the packet path, with where: the run reports it as damage at that packet. */
export class ShardFaultError extends Error {
  constructor(readonly fault: ShardFault) {
    super(fault.message);
  }
}

/**
 * The shard's engine and its bookkeeping: which list each session was last touched on and when (a sweep or the
 * final flush ends sessions in that order in the one-thread run), the sessions it made (their global uids are
 * given by the merge), and the output items with their keys.
 */
export class ShardCore {
  private readonly engine: Engine;
  private readonly job: ShardJob;
  private readonly salt: number;
  private readonly rec = new PacketRecord();
  private readonly feeds = new Map<number, (rec: PacketRecord) => void>();
  /** uid -> (last position * 4 + list) of the live sessions */
  private readonly touched = new Map<string, number>();
  private major = 0;
  private phase = PHASE_PACKET;
  private seq = 0;
  private sub = 0;
  private localSeq = 0;
  private checked = 0;
  /** items of the session being ended in a sweep or flush: keyed once the session is known */
  private readonly groupKinds: number[] = [];
  private readonly groupPayloads: unknown[] = [];
  private keys: number[] = [];
  private kinds: number[] = [];
  private payloads: unknown[] = [];
  private creations: number[] = [];
  private creationUids: string[] = [];
  private watermark = 0;
  private fault: ShardFault | null = null;
  /**
   * How many live things name each uid (live sessions: tunnel parents, control sessions; expected FTP channels):
   * the merge keeps a session's uid translation until it ended and nothing names it (K_END, else K_RELEASE).
   */
  private readonly named = new Map<string, number>();
  /** the uids each live session names, for the sessions naming any */
  private readonly naming = new Map<string, Naming>();
  /** ended sessions still named */
  private readonly endedNamed = new Set<string>();
  /** uids an FTP channel stopped naming: released after the packet or sweep (a session may name them meanwhile) */
  private readonly unnamedByChannel: string[] = [];
  /** anomaly records emitted per name (the engine hands on every anomaly; the first of each name are records) */
  private readonly anomalyRecords = new Map<string, number>();

  constructor(job: ShardJob) {
    this.job = job;
    this.salt = job.engine.salt ?? 0;
    const emit = (kind: number) => (r: unknown): void => this.emit(kind, r);
    const channelNames = { named: (uid: string): void => this.name(uid), unnamed: (uid: string): void => void this.unnamedByChannel.push(uid) };
    const { handlers: base, options } = jobHandlers(job, { session: emit(K_SESSION), tls: emit(K_TLS) }, () => this.engine, channelNames);
    const basePacket = base.packet;
    const baseEnd = base.sessionEnd;
    const baseSession = base.session;
    const handlers: EngineHandlers = {
      packet: (rec, m, s) => {
        this.sub++;
        if (s !== null) {
          if (s.seqNo > this.localSeq) this.made(s);
          if (s.tunnelParents !== null || s.controlUid !== null) this.links(s);
          this.touched.set(s.uid, ((this.major * LAYERS_PER_PACKET + Math.min(this.sub, LAYERS_PER_PACKET - 1)) * 4) + s.list);
        }
        basePacket?.(rec, m, s);
      },
      sessionEnd: (s) => {
        baseEnd?.(s);
        if (baseSession === undefined) this.closed(s);
      },
      ...(baseSession === undefined ? {} : {
        session: (r, s) => {
          baseSession(r, s);
          this.closed(s);
        },
      }),
      anomaly: (a: AnomalyEvent) => this.anomaly(a),
    };
    // every anomaly is an item (a record, or a count past the cap): the merge counts them in order (a fault's totals)
    this.engine = new Engine(handlers, { ...job.engine, ...options, anomalyRecordsPerName: Infinity });
  }

  /** Runs a round: the sweeps before each packet of the share, the packet, the round's remaining sweeps. */
  batch(b: PacketBatch): ShardOutput {
    const rec = this.rec;
    const meta = b.meta;
    const sweeps = b.sweeps;
    let sw = 0;
    let slot = -2;
    for (let i = 0; i < b.count; i++) {
      const o = i * PACKET_FIELDS;
      const g = meta[o + F_INDEX]!;
      if (meta[o + F_SLOT] !== slot) {
        slot = meta[o + F_SLOT]!;
        const buf = slot < 0 ? b.data : b.slots[slot]!;
        rec.buf = buf;
        rec.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      }
      while (sw < sweeps.length && sweeps[sw]! <= g) {
        this.sweep(sweeps[sw]!, sweeps[sw + 1]!);
        sw += 2;
      }
      rec.ts = meta[o + F_TS]!;
      rec.linktype = meta[o + F_LINKTYPE]!;
      rec.caplen = meta[o + F_CAPLEN]!;
      rec.origLen = meta[o + F_ORIGLEN]!;
      rec.fileOffset = meta[o + F_FILE_OFFSET]!;
      rec.recordLen = meta[o + F_RECORD_LEN]!;
      rec.off = meta[o + F_DATA_OFFSET]!;
      rec.iface = meta[o + F_IFACE]!;
      const input = meta[o + F_INPUT]!;
      this.major = g;
      this.phase = PHASE_PACKET;
      this.sub = 0;
      try {
        if (this.job.faultAt !== null && this.job.faultAt.includes(g)) throw new Error('injected fault (test hook)');
        this.feed(input)(rec);
      } catch (e) {
        // our own bug, not the packet's: the run fails as an internal error
        if (e instanceof UidRecipeError) throw e;
        this.fault = { index: g, input, fileOffset: rec.fileOffset, message: faultMessage(e) };
        throw new ShardFaultError(this.fault);
      }
      if (this.unnamedByChannel.length > 0) this.settle(0);
    }
    for (; sw < sweeps.length; sw += 2) this.sweep(sweeps[sw]!, sweeps[sw + 1]!);
    this.watermark = b.end;
    return this.take();
  }

  /** Ends the sessions still open, in the table's order, and gives the totals. */
  finish(): ShardOutput & ShardTotals {
    this.major = FLUSH_MAJOR;
    this.phase = PHASE_SWEEP;
    this.engine.flows.flush();
    if (this.unnamedByChannel.length > 0) this.settle(AFTER_SWEEP);
    this.watermark = FLUSH_MAJOR;
    return { ...this.take(), sessions: this.engine.sessionCount, anomalies: [...this.engine.anomalies.counts], fault: this.fault };
  }

  /** What was emitted so far (after a fault: up to the packet that threw). */
  take(): ShardOutput {
    const out: ShardOutput = {
      keys: Float64Array.from(this.keys),
      kinds: Uint8Array.from(this.kinds),
      payloads: this.payloads,
      creations: Float64Array.from(this.creations),
      creationUids: this.creationUids,
      watermark: this.watermark,
    };
    this.keys = [];
    this.kinds = [];
    this.payloads = [];
    this.creations = [];
    this.creationUids = [];
    return out;
  }

  private feed(input: number): (rec: PacketRecord) => void {
    let f = this.feeds.get(input);
    if (f === undefined) {
      f = this.engine.packetPath(input);
      this.feeds.set(input, f);
    }
    return f;
  }

  /** The one-thread run's sweep at global packet `g` (time `ts`). */
  private sweep(g: number, ts: number): void {
    this.major = g;
    this.phase = PHASE_SWEEP;
    this.engine.flows.sweep(ts);
    if (this.unnamedByChannel.length > 0) this.settle(AFTER_SWEEP);
  }

  private emit(kind: number, payload: unknown): void {
    if (this.phase === PHASE_SWEEP) {
      this.groupKinds.push(kind);
      this.groupPayloads.push(payload);
      return;
    }
    this.keys.push(this.major, this.phase, 0, this.seq++);
    this.kinds.push(kind);
    this.payloads.push(payload);
  }

  private anomaly(a: AnomalyEvent): void {
    if (this.job.anomalies) {
      const n = (this.anomalyRecords.get(a.name) ?? 0) + 1;
      this.anomalyRecords.set(a.name, n);
      if (n <= MAX_ANOMALY_RECORDS_PER_NAME) {
        this.emit(K_ANOMALY, a);
        return;
      }
    }
    this.emit(K_ANOMALY_COUNT, a.name);
  }

  /**
   * A session ended: in a sweep or the flush, its items get its place in the table's order; then its end, and
   * the release of the ended sessions only it still named.
   */
  private closed(s: Session): void {
    const t = this.touched.get(s.uid) ?? 0;
    this.touched.delete(s.uid);
    let minor = 0;
    if (this.phase === PHASE_SWEEP) {
      minor = (t % 4) * LIST_WEIGHT + Math.floor(t / 4);
      for (let i = 0; i < this.groupKinds.length; i++) {
        this.keys.push(this.major, PHASE_SWEEP, minor, this.seq++);
        this.kinds.push(this.groupKinds[i]!);
        this.payloads.push(this.groupPayloads[i]);
      }
      this.groupKinds.length = 0;
      this.groupPayloads.length = 0;
    }
    const stillNamed = this.named.size > 0 && this.named.has(s.uid);
    if (stillNamed) this.endedNamed.add(s.uid);
    this.item(minor, stillNamed ? K_END_NAMED : K_END, s.uid);
    const n = this.naming.size === 0 ? undefined : this.naming.get(s.uid);
    if (n === undefined) return;
    this.naming.delete(s.uid);
    for (const uid of n.uids) if (this.unname(uid) && this.endedNamed.delete(uid)) this.item(minor, K_RELEASE, uid);
  }

  /** An item keyed now (its minor key given), outside a sweep's grouping. */
  private item(minor: number, kind: number, payload: unknown): void {
    this.keys.push(this.major, this.phase, minor, this.seq++);
    this.kinds.push(kind);
    this.payloads.push(payload);
  }

  /** The uids a live session names that the shard has not counted yet (parents only grow; the control is set once). */
  private links(s: Session): void {
    let n = this.naming.get(s.uid);
    if (n === undefined) {
      n = { parents: 0, control: false, uids: [] };
      this.naming.set(s.uid, n);
    }
    const ps = s.tunnelParents;
    for (; ps !== null && n.parents < ps.length; n.parents++) this.nameBy(n, s.uid, ps[n.parents]!);
    if (!n.control && s.controlUid !== null) {
      n.control = true;
      this.nameBy(n, s.uid, s.controlUid);
    }
  }

  private nameBy(n: Naming, self: string, uid: string): void {
    // a session naming itself (a tunnel inside its own flow) is translated before its end anyway
    if (uid === self) return;
    n.uids.push(uid);
    this.name(uid);
  }

  private name(uid: string): void {
    this.named.set(uid, (this.named.get(uid) ?? 0) + 1);
  }

  /** One name of `uid` fewer: true when none is left. */
  private unname(uid: string): boolean {
    const c = (this.named.get(uid) ?? 0) - 1;
    if (c > 0) {
      this.named.set(uid, c);
      return false;
    }
    this.named.delete(uid);
    return true;
  }

  /** The uids FTP channels stopped naming: released when their session ended and nothing else names them. */
  private settle(minor: number): void {
    for (const uid of this.unnamedByChannel) {
      if (this.unname(uid) && this.endedNamed.has(uid)) {
        this.endedNamed.delete(uid);
        this.item(minor, K_RELEASE, uid);
      }
    }
    this.unnamedByChannel.length = 0;
  }

  /** A session made by this shard: its uid's parts, for the merge to give it its one-thread uid. */
  private made(s: Session): void {
    this.localSeq = s.seqNo;
    const parts = s.v6 ? [...words(s.a6!), ...words(s.b6!), s.aPort, s.bPort, s.proto, s.start] : [s.a4, s.b4, s.aPort, s.bPort, s.proto, s.start];
    if (this.checked < UID_CHECKS) {
      this.checked++;
      if (makeUid(parts, this.salt + s.seqNo * UID_SEQ_WEIGHT) !== s.uid) {
        throw new UidRecipeError('shard: the session table makes uids another way than shard-core.ts recomputes them');
      }
    }
    this.creations.push((this.major * LAYERS_PER_PACKET) + Math.min(this.sub, LAYERS_PER_PACKET - 1), parts.length, ...parts);
    this.creationUids.push(s.uid);
  }
}

/**
 * The handlers and options a verb's one-thread run gives its Engine (cli/commands/sessions.ts, tls.ts): the
 * shards and the one-thread fallback of a threaded run build their engines with them.
 */
export function jobHandlers(
  job: ShardJob,
  out: { session?: (r: SessionRecord) => void; tls?: (r: TlsRecord) => void },
  engine: () => Engine,
  ftpChannelNames?: ChannelNames,
): { handlers: Pick<EngineHandlers, 'packet' | 'sessionEnd' | 'session'>; options: EngineOptions } {
  if (job.verb === 'tls') return tlsAnalysis(out.tls ?? ignore, engine);
  const probes = job.appProto ? analysis({ sessions: true, ...(ftpChannelNames === undefined ? {} : { ftpChannelNames }) }, engine) : null;
  return { handlers: { ...probes?.handlers, session: out.session ?? ignore }, options: probes?.options ?? {} };
}

const ignore = (): void => undefined;

/** The shard's uid recomputation and the session table disagree: a bug of ours, never a packet's fault. */
class UidRecipeError extends Error {}

/** The most of an exception's message a fault report carries. */
const FAULT_MESSAGE_CHARS = 200;

/** An exception's message as a fault report carries it: cut (the CLI escapes control characters where it prints). */
function faultMessage(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, FAULT_MESSAGE_CHARS);
}

/** The weight of a session's sequence number in its uid's salt (flow-table.ts). */
export const UID_SEQ_WEIGHT = 7919;

/** The uid parts of an IPv6 address: four big-endian 32-bit words (flow-table.ts). */
function words(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset, 16);
  return [v.getUint32(0), v.getUint32(4), v.getUint32(8), v.getUint32(12)];
}
