// Carving: a session's packets back out of its capture as a classic pcap, read from the byte range recorded at
// ingest, kept by flow key (VLAN-tagged, MPLS and PPPoE frames whole), with their original frames and times.
import { once } from 'node:events';
import { createWriteStream, rmSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { AnomalyLog } from '../core/anomaly.js';
import { cannotWrite, HaystackError } from '../core/errors.js';
import { CaptureReader } from '../capture/capture-reader.js';
import type { PacketRecord } from '../capture/packet-record.js';
import {
  PCAP_FILE_HEADER_LEN, PCAP_RECORD_HEADER_LEN, putPcapFileHeader, putPcapRecordHeader, type PcapWriteOptions,
} from '../capture/pcap-writer.js';
import { Decoder } from '../decode/decoder.js';
import { FlowKey } from '../flow/flow-key.js';
import { findCarveSource, type CarveSource } from '../store/carve-lookup.js';
import type { Store } from '../store/store.js';
import { checkCapture, rangeFeed, type CarveInput, type Verified } from './carve-input.js';
import { hasPorts } from './engine.js';

export interface CarveOptions {
  /** hash the whole capture even when its size and modification time match what was recorded at ingest */
  fullCheck?: boolean;
  /** the capture (capture_id) of the session, for a uid found in more than one */
  capture?: string;
}

/** A carve whose session and capture were found and checked, ready to write. */
export interface CarvePlan {
  source: CarveSource;
  input: CarveInput;
}

export interface CarveResult {
  uid: string;
  /** packets written */
  packets: number;
  /** bytes of pcap written (file header included) */
  bytes: number;
  /** the session's packet count as the store has it (src_pkts + dst_pkts; a reassembled datagram counts once) */
  expectedPackets: number;
  /** the session's packets left out because their link type differs from the first one's (one per pcap file) */
  skippedLinktype: number;
  linktype: number;
  capturePath: string;
  captureSha256: string;
  /** how the capture was found to be the one ingested: size and mtime as recorded, or its SHA-256 */
  verified: Verified;
}

/** Where a carve goes: a file path, a stream (ended by the carve), or a function making one at the first byte. */
export type CarveOutput = string | Writable | (() => Writable);

/** Output is handed to the writable in pieces of about this size (backpressure is awaited between them). */
const OUT_PIECE = 1 << 20;
/** Snap length of the carved file: libpcap's MAXIMUM_SNAPLEN, which every record of the input fits. */
const CARVE_SNAPLEN = 262144;

/**
 * Looks the session up and checks its capture: HAYSTACK_NOT_FOUND for an unknown uid, HAYSTACK_GONE when the
 * capture moved or changed (or the store has no range for the session). Nothing is written.
 */
export async function openCarve(store: Store, uid: string, opts: CarveOptions = {}): Promise<CarvePlan> {
  const source = await findCarveSource(store, uid, opts.capture);
  if (source === null) throw new HaystackError('HAYSTACK_NOT_FOUND', `no session ${uid}${opts.capture !== undefined ? ` of capture ${opts.capture}` : ''} in ${store.location}`);
  const input = await checkCapture(source, opts.fullCheck === true);
  return { source, input };
}

/**
 * Writes the session's packets as a pcap. Nothing reaches `out` before the range's first packet was found to
 * be the session's (else HAYSTACK_GONE: the bytes there are not what was ingested); a file path is removed
 * again if the carve fails after that.
 */
export async function writeCarve(plan: CarvePlan, out: CarveOutput): Promise<CarveResult> {
  const { source, input } = plan;
  const feed = await rangeFeed(input, source.capture.format, source.capture.header_blocks);
  const sink = new CarveSink(source, feed.rangeStart);
  const w = new OutputStream(out);
  const reader = new CaptureReader(sink, { file: input.path });
  try {
    for await (const chunk of feed.chunks) {
      reader.push(chunk);
      if (sink.error !== null) throw sink.error;
      await w.write(sink.take());
      if (reader.failed) break;
    }
    const summary = reader.end();
    // a range cut short or unreadable records there: the file is not what was ingested
    if (summary.error !== null) {
      throw new HaystackError('HAYSTACK_GONE', `session ${source.uid}: ${summary.error.message}`, { file: input.path, cause: summary.error });
    }
    if (sink.packets === 0) throw new HaystackError('HAYSTACK_GONE', `session ${source.uid}: no packet of it at the recorded place in ${input.path}`, { file: input.path });
    await w.write(sink.take());
    await w.end();
  } catch (e) {
    w.abort();
    throw e;
  }
  return {
    uid: source.uid,
    packets: sink.packets,
    bytes: w.bytes,
    expectedPackets: source.src_pkts + source.dst_pkts,
    skippedLinktype: sink.skippedLinktype,
    linktype: sink.linktype,
    capturePath: input.path,
    captureSha256: source.capture.sha256,
    verified: input.verified,
  };
}

/**
 * A session's packets back as a pcap: `haystack carve` and the console's pcap download.
 * @example
 *   const r = await carveSession(store, 'CHhAvVGS1DHFjwGM9', 'session.pcap');
 *   console.log(`${r.packets} packets from ${r.capturePath}`);
 */
export async function carveSession(store: Store, uid: string, out: CarveOutput, opts: CarveOptions = {}): Promise<CarveResult> {
  return writeCarve(await openCarve(store, uid, opts), out);
}

/** Decodes the range's packets as the engine does and keeps the session's, encoded as pcap records. */
class CarveSink {
  packets = 0;
  skippedLinktype = 0;
  linktype = -1;
  error: HaystackError | null = null;
  private key: FlowKey | null = null;
  private readonly decoder = new Decoder(new AnomalyLog(() => undefined));
  private pieces: Uint8Array[] = [];
  private buf = new Uint8Array(OUT_PIECE);
  private view = new DataView(this.buf.buffer);
  private used = 0;
  private readonly opts: PcapWriteOptions = { linktype: 0, snaplen: CARVE_SNAPLEN };

  constructor(private readonly source: CarveSource, private readonly rangeStart: number) {}

  packet(rec: PacketRecord): void {
    if (rec.fileOffset < this.rangeStart || this.error !== null) return;
    const d = this.decoder;
    const m = d.meta;
    d.decode(rec.buf, rec.view, rec.off, rec.caplen, rec.ts, rec.linktype, rec.origLen);
    // the session may be any layer of the packet: the outer one, or one inside its tunnels (as the engine counts)
    for (;;) {
      if (this.layer(rec)) return;
      if (m.tunnel === 0 || !d.decapsulate()) break;
    }
    if (this.key === null) {
      // the recorded range starts with the session's first packet: anything else means other bytes are there now
      this.error = new HaystackError('HAYSTACK_GONE', `session ${this.source.uid}: the packet at its recorded place is not one of its own; the capture changed since it was ingested`);
    }
  }

  /** Takes the packet when the decoded layer in meta is the session's; false when it is not. */
  private layer(rec: PacketRecord): boolean {
    const m = this.decoder.meta;
    // what the engine gives a session (see Engine.inputFrom): IP with a known transport, fragments whole
    if (m.ipVersion === 0 || m.ipProto < 0 || m.fragmentPending || !(m.l4 || !hasPorts(m.ipProto))) return false;
    if (this.key === null) {
      const key = FlowKey.of(m);
      if (rec.fileOffset !== this.rangeStart || key.communityId !== this.source.community_id) return false;
      this.key = key;
      this.linktype = rec.linktype;
      this.opts.linktype = rec.linktype;
      this.put(PCAP_FILE_HEADER_LEN);
      putPcapFileHeader(this.view, this.used - PCAP_FILE_HEADER_LEN, this.opts);
    } else if (!this.key.matches(m)) {
      return false;
    }
    if (rec.linktype !== this.linktype) {
      this.skippedLinktype++;
      return true;
    }
    this.put(PCAP_RECORD_HEADER_LEN + rec.caplen);
    const p = this.used - PCAP_RECORD_HEADER_LEN - rec.caplen;
    putPcapRecordHeader(this.view, p, rec.ts, rec.caplen, rec.origLen, this.opts);
    this.buf.set(rec.buf.subarray(rec.off, rec.off + rec.caplen), p + PCAP_RECORD_HEADER_LEN);
    this.packets++;
    return true;
  }

  /** Reserves n bytes at the end of the current piece (a new piece when they do not fit). */
  private put(n: number): void {
    if (this.used + n > this.buf.length) {
      this.pieces.push(this.buf.subarray(0, this.used));
      this.buf = new Uint8Array(Math.max(OUT_PIECE, n));
      this.view = new DataView(this.buf.buffer);
      this.used = 0;
    }
    this.used += n;
  }

  /** The bytes encoded since the last call. */
  take(): Uint8Array[] {
    if (this.used > 0) {
      this.pieces.push(this.buf.subarray(0, this.used));
      this.buf = this.buf.subarray(this.used);
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
      this.used = 0;
    }
    const out = this.pieces;
    this.pieces = [];
    return out;
  }
}

/** The carve's output, opened at its first byte, with backpressure and failures as HAYSTACK_OUTPUT. */
class OutputStream {
  bytes = 0;
  private w: Writable | null = null;
  private failure: unknown = null;
  private readonly name: string;

  constructor(private readonly out: CarveOutput) {
    this.name = typeof out === 'string' ? out : 'the output';
  }

  async write(pieces: readonly Uint8Array[]): Promise<void> {
    for (const p of pieces) {
      if (p.length === 0) continue;
      const w = this.open();
      // a reader that went away (a download cancelled, a transcript that has enough) closed it
      if (w.destroyed) this.failure ??= new Error('the output was closed');
      this.check();
      this.bytes += p.length;
      if (!w.write(p)) await this.drain(w);
      this.check();
    }
  }

  async end(): Promise<void> {
    const w = this.open();
    if (w.destroyed) {
      if (!w.writableFinished) this.failure ??= new Error('the output was closed');
      this.check();
      return;
    }
    w.end();
    if (!w.writableFinished) {
      await Promise.race([once(w, 'finish'), once(w, 'close')]).catch((e: unknown) => (this.failure ??= e));
    }
    this.check();
  }

  /** After a failure: the stream is destroyed, and a file the carve created is removed. */
  abort(): void {
    if (this.w === null) return;
    this.w.destroy();
    if (typeof this.out === 'string') rmSync(this.out, { force: true });
  }

  private open(): Writable {
    if (this.w !== null) return this.w;
    const o = this.out;
    const w = typeof o === 'string' ? createWriteStream(o) : typeof o === 'function' ? o() : o;
    w.on('error', (e: unknown) => (this.failure ??= e));
    this.w = w;
    return w;
  }

  private async drain(w: Writable): Promise<void> {
    if (w.destroyed) return;
    await Promise.race([once(w, 'drain'), once(w, 'close')]).catch((e: unknown) => (this.failure ??= e));
  }

  private check(): void {
    if (this.failure !== null) throw cannotWrite(this.name, this.failure);
  }
}
