// How many bytes undoing HTTP content codings (gzip, deflate, br) may still produce: a session's allowance and
// its capture's, each growing with the body bytes read. A few KB of nested gzip inflate to gigabytes, and every
// such body is inflated up to the 64 MiB body limit before it fails: without a budget 200 of them cost seconds.

/**
 * Decoded bytes a session may produce beyond what its bodies earn (DECODED_PER_BODY_BYTE): one body at the
 * 64 MiB body limit. Inflating costs ~3-5 ms per MiB, so a session of bombs costs a fraction of a second.
 */
export const MAX_DECODED_PER_SESSION = 64 << 20;
/** The same for all sessions of a capture (one run of a verb) together: four bodies at the limit. */
export const MAX_DECODED_PER_CAPTURE = 256 << 20;
/**
 * Each body byte read adds this much to both allowances, so that real traffic, long sessions and large
 * captures alike, is never cut (text compresses 3-10 times, repetitive JSON ~20; a zlib stream at most 1032
 * times): decoding costs at most 16 times the bodies read, plus the fixed allowances.
 */
export const DECODED_PER_BODY_BYTE = 16;

/** One allowance (a session's or a capture's). */
export class DecodeAllowance {
  constructor(public left: number) {}

  /** A body of n bytes was read. */
  credit(n: number): void {
    this.left += n * DECODED_PER_BODY_BYTE;
  }
}

/** What the bodies of one session may still decode to: the least of the session's and the capture's allowance. */
export class DecodeBudget {
  private reported = false;

  constructor(
    readonly session: DecodeAllowance,
    readonly capture: DecodeAllowance,
    /** records `http_decode_budget_exhausted` for the session (called once) */
    private readonly exhausted: (detail: string) => void,
  ) {}

  get left(): number {
    return Math.max(0, Math.min(this.session.left, this.capture.left));
  }

  spend(n: number): void {
    this.session.left -= n;
    this.capture.left -= n;
  }

  credit(n: number): void {
    this.session.credit(n);
    this.capture.credit(n);
  }

  /** The budget stopped a decoding: the first time, an anomaly saying which allowance ran out. */
  report(): void {
    if (this.reported) return;
    this.reported = true;
    const which = this.session.left <= this.capture.left ? `the session's (${MAX_DECODED_PER_SESSION} bytes` : `the capture's (${MAX_DECODED_PER_CAPTURE} bytes`;
    this.exhausted(`${which} + ${DECODED_PER_BODY_BYTE} per body byte read) allowance of decoded content is used up: bodies are kept as sent`);
  }
}
