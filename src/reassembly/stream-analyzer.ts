// The one contract between TCP reassembly and everything that consumes a byte stream.

/** Direction within a session: ORIG = from the originator, RESP = from the responder. */
export type Dir = 0 | 1;
export const ORIG: Dir = 0;
export const RESP: Dir = 1;

export interface StreamAnalyzer {
  /**
   * In-order stream bytes of one direction.
   * @param data valid only for the duration of the call
   * @param offset stream offset of data[0] (bytes since the first sequence number, gaps included)
   */
  deliver(dir: Dir, data: Uint8Array, offset: number): void;
  /** `len` bytes at `offset` that will never arrive (lost before the capture, or given up on). */
  gap(dir: Dir, len: number, offset: number): void;
  /** The direction is finished (FIN, RST, timeout or end of input). */
  end(dir: Dir): void;
  /**
   * Read after each delivery when present: false means the analyzer wants nothing more from this session
   * (not its protocol, or its work is done). It is then told end() for both directions and detached, and the
   * session's streams go on as sequence accounting only: nothing more is copied or buffered for it.
   */
  readonly active?: boolean;
}
