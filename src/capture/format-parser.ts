// The contract between the chunk-carrying capture reader and one file format's record parser.
import type { PacketRecord } from './packet-record.js';

export interface CaptureSink {
  /** one packet; the record and its bytes are valid only during the call */
  packet(p: PacketRecord): void;
  /** a problem in the capture file that does not stop reading (unknown interface, bad option) */
  anomaly?(name: string, detail: string, fileOffset: number): void;
  /** a pcapng section header or interface description block (what a reader of a later range needs first) */
  structure?(fileOffset: number, len: number): void;
}

/** Result of FormatParser.needed when the bytes at the position cannot be a record: stop reading. */
export const CORRUPT = -1;

export interface FormatParser {
  /**
   * Bytes the record starting at `off` occupies, if `avail` bytes are enough to know; otherwise the number
   * of bytes needed to find out (always more than `avail`). CORRUPT when the header is impossible
   * (`corruptReason` says why).
   */
  needed(buf: Uint8Array, view: DataView, off: number, avail: number): number;
  /** Handles one complete record of `len` bytes at `off`. Returns false if it is corrupt. */
  record(buf: Uint8Array, view: DataView, off: number, len: number, fileOffset: number): boolean;
  corruptReason: string;
}
