// Push-based capture reader: detects pcap or pcapng from the first bytes, takes chunks of any size, and
// hands out packets without copying unless a record straddles two chunks.
import { HaystackError } from '../core/errors.js';
import { CORRUPT, type CaptureSink, type FormatParser } from './format-parser.js';
import { PacketRecord, type CaptureFormat, type InterfaceInfo } from './packet-record.js';
import { PcapParser } from './pcap.js';
import { BT_SHB, PcapngParser } from './pcapng.js';

export interface CaptureReaderOptions {
  /** name used in error messages ("-" for stdin) */
  file: string;
  /** keep the pcapng block sequence (tests of the block structure) */
  keepBlockSequence?: boolean;
}

export interface CaptureSummary {
  format: CaptureFormat | null;
  interfaces: InterfaceInfo[];
  /** pcapng block counts by short name (empty for pcap) */
  blockCounts: Map<string, number>;
  blockSequence: string[] | null;
  sections: number;
  packets: number;
  /** bytes consumed as whole records */
  bytes: number;
  /** set when reading stopped early: the file is truncated or corrupt at error.offset */
  error: HaystackError | null;
}

export class CaptureReader {
  private parser: FormatParser | null = null;
  private pcap: PcapParser | null = null;
  private pcapng: PcapngParser | null = null;
  private readonly rec = new PacketRecord();
  private readonly sink: CaptureSink;
  private readonly opts: CaptureReaderOptions;
  /** bytes of a record that straddles chunks */
  private carry = new Uint8Array(0);
  private carryView = new DataView(this.carry.buffer);
  private carryLen = 0;
  /** input offset of the first byte not yet consumed as part of a complete record */
  private consumed = 0;
  private error: HaystackError | null = null;

  constructor(sink: CaptureSink, opts: CaptureReaderOptions) {
    this.sink = sink;
    this.opts = opts;
  }

  /** True once reading stopped on a corrupt record; further chunks are ignored. */
  get failed(): boolean {
    return this.error !== null;
  }

  /** @param chunk valid only for the duration of the call */
  push(chunk: Uint8Array): void {
    if (this.error !== null || chunk.length === 0) return;
    let pos = 0;
    if (this.carryLen > 0) {
      pos = this.completeCarry(chunk);
      if (pos < 0) return;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    pos = this.run(chunk, view, pos, chunk.length);
    if (pos >= 0 && pos < chunk.length) this.appendCarry(chunk, pos, chunk.length);
  }

  /** Ends the input: leftover bytes mean a truncated file. */
  end(): CaptureSummary {
    if (this.error === null && this.carryLen > 0) {
      const what = this.parser === null ? 'file header' : 'record';
      this.fail('HAYSTACK_CAPTURE_TRUNCATED', `truncated ${what}: ${this.carryLen} bytes at the end do not make a whole one`);
    } else if (this.error === null && this.parser === null) {
      this.fail('HAYSTACK_CAPTURE_FORMAT', 'empty input: no capture file header');
    }
    const ng = this.pcapng;
    return {
      format: ng !== null ? 'pcapng' : this.pcap !== null ? this.pcap.format : null,
      interfaces: ng?.interfaces ?? this.pcap?.interfaces ?? [],
      blockCounts: ng?.counts() ?? new Map(),
      blockSequence: ng?.blockSequence ?? null,
      sections: ng?.sections ?? (this.pcap !== null ? 1 : 0),
      packets: this.rec.index,
      bytes: this.consumed,
      error: this.error,
    };
  }

  /** Parses whole records in buf[pos, end); returns where the first incomplete one starts, or -1 on failure. */
  private run(buf: Uint8Array, view: DataView, pos: number, end: number): number {
    while (pos < end) {
      const parser = this.parser ?? this.detect(view, pos, end - pos);
      if (parser === null) return this.error === null ? pos : -1;
      const need = parser.needed(buf, view, pos, end - pos);
      if (need === CORRUPT) {
        this.fail('HAYSTACK_CAPTURE_CORRUPT', parser.corruptReason);
        return -1;
      }
      if (need > end - pos) return pos;
      if (!parser.record(buf, view, pos, need, this.consumed)) {
        this.fail('HAYSTACK_CAPTURE_CORRUPT', parser.corruptReason);
        return -1;
      }
      pos += need;
      this.consumed += need;
    }
    return pos;
  }

  /** Feeds the carried partial record from the new chunk; returns the chunk position after it, -1 to stop. */
  private completeCarry(chunk: Uint8Array): number {
    let pos = 0;
    for (;;) {
      const parser = this.parser ?? this.detect(this.carryView, 0, this.carryLen);
      let need: number;
      if (parser === null) {
        if (this.error !== null) return -1;
        need = 4;
      } else {
        need = parser.needed(this.carry, this.carryView, 0, this.carryLen);
        if (need === CORRUPT) {
          this.fail('HAYSTACK_CAPTURE_CORRUPT', parser.corruptReason);
          return -1;
        }
      }
      if (need <= this.carryLen) {
        // whole record present (the carried header said how long it is)
        const len = need;
        if (parser === null) continue;
        if (!parser.record(this.carry, this.carryView, 0, len, this.consumed)) {
          this.fail('HAYSTACK_CAPTURE_CORRUPT', parser.corruptReason);
          return -1;
        }
        this.consumed += len;
        // a record never leaves carry bytes behind: it is filled only up to the need
        this.carryLen = 0;
        return pos;
      }
      const take = Math.min(need - this.carryLen, chunk.length - pos);
      this.appendCarry(chunk, pos, pos + take);
      pos += take;
      if (this.carryLen < need) return chunk.length;
    }
  }

  private appendCarry(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (this.carryLen + n > this.carry.length) {
      const next = new Uint8Array(Math.max(this.carry.length * 2, this.carryLen + n, 65536));
      next.set(this.carry.subarray(0, this.carryLen));
      this.carry = next;
      this.carryView = new DataView(next.buffer);
    }
    this.carry.set(src.subarray(from, to), this.carryLen);
    this.carryLen += n;
  }

  private detect(view: DataView, off: number, avail: number): FormatParser | null {
    if (avail < 4) return null;
    const le = view.getUint32(off, true);
    const be = view.getUint32(off, false);
    if (le === BT_SHB) {
      this.pcapng = new PcapngParser(this.sink, this.rec, this.opts.keepBlockSequence === true);
      this.parser = this.pcapng;
    } else if ([0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34].some((m) => m === le || m === be)) {
      this.pcap = new PcapParser(this.sink, this.rec);
      this.parser = this.pcap;
    } else {
      this.fail('HAYSTACK_CAPTURE_FORMAT', `not a pcap or pcapng file (first bytes 0x${be.toString(16).padStart(8, '0')})`);
      return null;
    }
    return this.parser;
  }

  private fail(code: 'HAYSTACK_CAPTURE_CORRUPT' | 'HAYSTACK_CAPTURE_TRUNCATED' | 'HAYSTACK_CAPTURE_FORMAT', reason: string): void {
    const off = this.consumed;
    this.error = new HaystackError(code, `${this.opts.file}: ${reason} (byte offset ${off})`, { file: this.opts.file, offset: off });
  }
}
