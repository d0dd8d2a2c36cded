// Wires capture reading, decoding, the session table and stream consumers for one run over many inputs.
import { AnomalyLog, type AnomalyEvent } from '../core/anomaly.js';
import { HaystackError, isHaystackError } from '../core/errors.js';
import { textOption } from '../core/limits.js';
import { jsonStringBytes } from '../schema/bounds.js';
import { SESSION_MAX_SENSOR_BYTES, SESSION_MAX_TUNNEL_PARENTS } from '../schema/sessions.js';
import { CaptureReader, type CaptureSummary } from '../capture/capture-reader.js';
import type { PacketRecord } from '../capture/packet-record.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from '../decode/constants.js';
import { Decoder } from '../decode/decoder.js';
import type { PacketMeta } from '../decode/packet-meta.js';
import { encapText, tunnelAppProto } from '../decode/tunnel.js';
import { FlowTable, type FlowTableOptions } from '../flow/flow-table.js';
import { HomeNet } from '../flow/home-net.js';
import type { Session } from '../flow/session.js';
import { sessionRecord } from '../flow/session-record.js';
import type { SessionRecord } from '../schema/sessions.js';
import { readSource, type SourceInfo } from './source.js';

export interface EngineOptions extends FlowTableOptions {
  /** home network CIDRs for local_src/local_dst/direction */
  homeNet?: readonly string[];
  captureId?: string | null;
  sensor?: string | null;
  /** keep the pcapng block sequence of each input (structure tests) */
  keepBlockSequence?: boolean;
  /**
   * anomaly records handed to `anomaly` per name (default MAX_ANOMALY_RECORDS_PER_NAME; counts are exact either
   * way): a threaded run's shards hear every one, to count them in the merged order
   */
  anomalyRecordsPerName?: number;
}

export interface EngineHandlers {
  /** a finished session; `s` is recycled after the call (keep the record, not the Session) */
  session?(r: SessionRecord, s: Session): void;
  /** a session ended, for analyzers that keep per-session state (no record is built for this) */
  sessionEnd?(s: Session): void;
  anomaly?(a: AnomalyEvent): void;
  /** every packet after decoding; `s` is its session (null for non-IP or undecodable) */
  packet?(rec: PacketRecord, meta: PacketMeta, s: Session | null): void;
  /** progress: bytes of the current input consumed so far */
  progress?(input: string, bytes: number): void;
  /**
   * awaited after each chunk, and after each END_BATCH sessions ended at the end of the run: lets a slow
   * consumer hold the reader back (backpressure) and write out the rows it was given
   */
  afterChunk?(): Promise<void> | void;
}

export interface InputResult extends CaptureSummary {
  path: string;
  compression: SourceInfo['compression'] | null;
  fileSize: number | null;
  firstTs: number | null;
  lastTs: number | null;
  /** bytes of packet data (caplen sum) */
  packetBytes: number;
  /**
   * pcapng: byte offsets of the section header and interface description blocks, in order (a carve reads these
   * before a session's range); empty for pcap; null past MAX_STRUCTURE_BLOCKS
   */
  structureBlocks: number[] | null;
}

/**
 * Section and interface blocks whose offsets an input's result keeps: real captures have a handful (one per
 * interface); a crafted file with more has them found again by walking its blocks when it is carved.
 */
export const MAX_STRUCTURE_BLOCKS = 1024;

export interface RunResult {
  inputs: InputResult[];
  sessions: number;
  anomalies: Map<string, number>;
  /** true when some input was damaged: output is complete up to the damage */
  partial: boolean;
}

/**
 * Sessions ended at the end of a run between two afterChunk calls: their rows (~700 bytes each as the store's
 * JSON) are what waits in memory for the consumer, ~3 MB, like one chunk of input.
 */
export const END_BATCH = 4096;

/** A sensor name fits the sessions record's bound for it (schema/sessions.ts), or is refused. */
export function sensorOption(name: string | null | undefined): string | null {
  return textOption('sensor', name, SESSION_MAX_SENSOR_BYTES, jsonStringBytes);
}

export class Engine {
  readonly anomalies: AnomalyLog;
  readonly decoder: Decoder;
  readonly flows: FlowTable;
  private readonly handlers: EngineHandlers;
  private readonly homeNet: HomeNet | null;
  private readonly opts: EngineOptions;
  private sessions = 0;
  private lastTs = 0;
  /** inputs begun so far: a session's byte range holds only within one input */
  private inputNo = 0;
  private stopped = false;

  constructor(handlers: EngineHandlers, opts: EngineOptions = {}) {
    this.handlers = handlers;
    this.opts = opts;
    sensorOption(opts.sensor);
    this.homeNet = opts.homeNet !== undefined && opts.homeNet.length > 0 ? new HomeNet(opts.homeNet) : null;
    this.anomalies = new AnomalyLog((a) => this.handlers.anomaly?.(a), opts.anomalyRecordsPerName);
    this.decoder = new Decoder(this.anomalies);
    this.flows = new FlowTable((s) => this.ended(s), this.anomalies, opts);
  }

  /** Stops reading after the current chunk (a consumer gave up); run() then ends the open sessions. */
  stop(): void {
    this.stopped = true;
  }

  /** Reads every input in order (sessions continue across inputs), then ends all sessions. */
  async run(inputs: readonly string[]): Promise<RunResult> {
    const results: InputResult[] = [];
    for (const path of inputs) {
      if (this.stopped) break;
      results.push(await this.input(path));
    }
    await this.endAll();
    return {
      inputs: results,
      sessions: this.sessions,
      anomalies: this.anomalies.counts,
      partial: results.some((r) => r.error !== null),
    };
  }

  /**
   * Reads one input from a chunk source (stdin windows: an empty chunk only runs afterChunk), then ends all
   * sessions, as run() does for files.
   */
  async runFrom(path: string, chunks: AsyncIterable<Uint8Array>, info: Partial<SourceInfo> = {}): Promise<RunResult> {
    const result = await this.inputFrom(path, chunks, info);
    await this.endAll();
    return { inputs: [result], sessions: this.sessions, anomalies: this.anomalies.counts, partial: result.error !== null };
  }

  /** Reads one input; a damaged input is reported in the result, not thrown. */
  async input(path: string): Promise<InputResult> {
    const info: Partial<SourceInfo> = {};
    return this.inputFrom(path, readSource(path, info), info);
  }

  /**
   * Reads one input from any chunk source (tests split captures at arbitrary points this way).
   * @param chunks each valid only until the next is requested
   */
  async inputFrom(path: string, chunks: AsyncIterable<Uint8Array>, info: Partial<SourceInfo> = {}): Promise<InputResult> {
    // an object's number fields are updated in place; the closure's own variables would box a new heap number
    // for every packet's time (µs are past the small-integer range)
    const span = { any: false, first: 0, last: 0, bytes: 0 };
    let structureBlocks: number[] | null = [];
    const h = this.handlers;
    const feed = this.packetPath(++this.inputNo);
    const reader = new CaptureReader(
      {
        packet: (rec) => {
          if (!span.any) {
            span.any = true;
            span.first = rec.ts;
          }
          span.last = rec.ts;
          span.bytes += rec.caplen;
          feed(rec);
        },
        anomaly: (name, detail, fileOffset) => {
          this.anomalies.add(this.lastTs, null, name, `${path}: ${detail} (byte offset ${fileOffset})`);
        },
        structure: (fileOffset) => {
          if (structureBlocks !== null && structureBlocks.length < MAX_STRUCTURE_BLOCKS) structureBlocks.push(fileOffset);
          else structureBlocks = null;
        },
      },
      { file: path, keepBlockSequence: this.opts.keepBlockSequence === true },
    );
    let streamError: HaystackError | null = null;
    let bytes = 0;
    try {
      for await (const chunk of chunks) {
        reader.push(chunk);
        bytes += chunk.length;
        h.progress?.(path, bytes);
        if (h.afterChunk !== undefined) await h.afterChunk();
        if (reader.failed || this.stopped) break;
      }
    } catch (e) {
      // a damaged compressed stream or an unreadable file: what was read so far stands, the next input goes on
      if (isHaystackError(e, 'HAYSTACK_CAPTURE_TRUNCATED') || isHaystackError(e, 'HAYSTACK_IO')) streamError = e;
      else throw e;
    }
    return inputResult(this.anomalies, this.lastTs, path, info, reader.end(), streamError, {
      firstTs: span.any ? span.first : null,
      lastTs: span.any ? span.last : null,
      packetBytes: span.bytes,
      structureBlocks,
    });
  }

  /**
   * The per-packet path of input number `inputNo` (1-based, in run order): decode, the session table, tunnels
   * layer by layer, the packet handler. inputFrom() feeds it from its reader; a shard worker (shard-worker.ts)
   * feeds it the packets of its share, numbered as the reader numbered the inputs.
   */
  packetPath(inputNo: number): (rec: PacketRecord) => void {
    const d = this.decoder;
    const m = d.meta;
    const flows = this.flows;
    const h = this.handlers;
    if (inputNo > this.inputNo) this.inputNo = inputNo;
    /** Accounts the decoded layer in meta to its session (null when it has none) and hands it on. */
    const account = (rec: PacketRecord, parent: Session | null): Session | null => {
      let s: Session | null = null;
      // a session needs a known transport: decoded ports, or a protocol without them; a fragment still
      // waiting for the rest of its datagram counts once, when the datagram is whole
      if (m.ipVersion === 0) flows.nonIp++;
      else if (m.ipProto >= 0 && !m.fragmentPending && (m.l4 || !hasPorts(m.ipProto))) {
        s = flows.packet(m);
        if (s !== null) {
          placeIn(s, rec, inputNo);
          if (parent !== null) tunnelled(s, parent, m);
        }
      }
      if (m.anomaly !== null) this.anomalies.add(rec.ts, s?.uid ?? null, m.anomaly, m.anomalyDetail);
      h.packet?.(rec, m, s);
      return s;
    };
    return (rec) => {
      this.lastTs = rec.ts;
      d.decode(rec.buf, rec.view, rec.off, rec.caplen, rec.ts, rec.linktype, rec.origLen);
      let s = account(rec, null);
      // a tunnel: the layer above was a session of its own; each layer inside is one too, its parent's child
      while (m.tunnel !== 0) s = this.decapsulated(rec, s, account);
    };
  }

  /** Sessions ended so far (a shard worker's share of RunResult.sessions). */
  get sessionCount(): number {
    return this.sessions;
  }

  /**
   * Ends the sessions still open at the end of the run, END_BATCH at a time with the consumer's afterChunk
   * between batches (not once it stopped: it may be gone): a table full of sessions (200,000) would otherwise
   * become that many rows in memory at once.
   */
  private async endAll(): Promise<void> {
    const after = this.handlers.afterChunk;
    while (this.flows.flush(after === undefined || this.stopped ? Infinity : END_BATCH) > 0) {
      if (after !== undefined && !this.stopped) await after();
    }
  }

  /**
   * Decodes the layer inside the tunnel the current one carries and accounts it (its session's parent is
   * `parent`, the session of the layer above); a malformed tunnel header is the parent's anomaly.
   */
  private decapsulated(rec: PacketRecord, parent: Session | null, account: (rec: PacketRecord, parent: Session | null) => Session | null): Session | null {
    const m = this.decoder.meta;
    const first = m.encapCount;
    if (!this.decoder.decapsulate()) {
      if (m.anomaly !== null) this.anomalies.add(rec.ts, parent?.uid ?? null, m.anomaly, m.anomalyDetail);
      return null;
    }
    if (parent !== null && parent.appProto === null) parent.appProto = tunnelAppProto(m.encapKind[first]!);
    return account(rec, parent);
  }

  private ended(s: Session): void {
    this.sessions++;
    this.handlers.sessionEnd?.(s);
    const h = this.handlers.session;
    if (h === undefined) return;
    h(sessionRecord(s, { homeNet: this.homeNet, captureId: this.opts.captureId ?? null, sensor: this.opts.sensor ?? null }), s);
  }
}

/**
 * An input's result from its reader's summary and the chunk source's error (what was read before it stands);
 * a damaged input is also a capture_damaged anomaly at `lastTs` (the last packet's time). Shared by Engine and
 * the threaded run (pipeline/threaded.ts).
 */
export function inputResult(
  anomalies: AnomalyLog,
  lastTs: number,
  path: string,
  info: Partial<SourceInfo>,
  summary: CaptureSummary,
  streamError: HaystackError | null,
  seen: Pick<InputResult, 'firstTs' | 'lastTs' | 'packetBytes' | 'structureBlocks'>,
): InputResult {
  if (streamError !== null && (summary.error === null || summary.error.code !== 'HAYSTACK_CAPTURE_CORRUPT')) {
    // the stream's own error says more than "truncated record" or "empty input" after it
    summary.error = streamError.code === 'HAYSTACK_IO'
      ? streamError
      : new HaystackError('HAYSTACK_CAPTURE_TRUNCATED', `${streamError.message}; ${summary.packets} packets read before it`, {
        file: path,
        offset: summary.bytes,
        cause: streamError,
      });
  }
  if (summary.error !== null) {
    anomalies.add(lastTs, null, 'capture_damaged', summary.error.message);
  }
  return {
    ...summary,
    path,
    compression: info.compression ?? null,
    fileSize: info.size ?? null,
    ...seen,
  };
}

/**
 * Extends a session's byte range in its input to this packet's record (two numbers per session, no allocation);
 * a session seen in two inputs has no single range (-2).
 */
function placeIn(s: Session, rec: PacketRecord, inputNo: number): void {
  if (s.pcapStart === -1) {
    s.pcapStart = rec.fileOffset;
    s.pcapInput = inputNo;
  } else if (s.pcapInput !== inputNo) {
    s.pcapStart = -2;
  }
  s.pcapEnd = rec.fileOffset + rec.recordLen;
}

/** Tunnel parents a session keeps (Zeek's set is unbounded; a flow carried by this many outer flows is rare). */
export const MAX_TUNNEL_PARENTS = SESSION_MAX_TUNNEL_PARENTS;

/** Notes that the session's packet came out of the tunnel `parent` carries: its parent uids, its first chain. */
function tunnelled(s: Session, parent: Session, m: PacketMeta): void {
  if (s.encap === null) s.encap = encapText(m);
  const ps = s.tunnelParents;
  if (ps === null) s.tunnelParents = [parent.uid];
  else if (ps.length < MAX_TUNNEL_PARENTS && !ps.includes(parent.uid)) ps.push(parent.uid);
}

/** Does a packet of this transport need decoded ports to count for a session (else it is left out)? */
export function hasPorts(proto: number): boolean {
  return proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6 || proto === IPPROTO_SCTP;
}
