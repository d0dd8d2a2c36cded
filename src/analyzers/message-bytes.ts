// One mail message's bytes as an analyzer reads them (SMTP DATA, a POP3 RETR, an IMAP FETCH literal): the first
// `max` kept in a buffer that grows as they come, all of them counted; and the dot-stuffed form SMTP DATA and POP3's
// multi-line replies share, read to its lone "." line.

/** Growing byte buffer for one message: its first `max` bytes are kept, all are counted. */
export class MessageBytes {
  private buf = new Uint8Array(4096);
  private len = 0;
  /** bytes seen, kept or not (those lost to gaps are `missing`, not counted here) */
  total = 0;
  /** bytes lost to capture gaps */
  missing = 0;
  constructor(private readonly max: number) {}

  /** Copies b[start, end) (the caller's buffer is not kept). */
  push(b: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.total += n;
    const keep = Math.min(n, this.max - this.len);
    if (keep <= 0) return;
    if (this.len + keep > this.buf.length) {
      const next = new Uint8Array(Math.min(this.max, Math.max(this.len + keep, this.buf.length * 2)));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(b.subarray(start, start + keep), this.len);
    this.len += keep;
  }

  /** Bytes kept (at most the `max` given). */
  get kept(): number {
    return this.len;
  }

  /** More bytes came than are kept. */
  get cut(): boolean {
    return this.total > this.len;
  }

  /** The bytes kept (they go with the message: a MessageBytes is not used after this). */
  bytes(): Uint8Array {
    return this.len * 2 >= this.buf.length ? this.buf.subarray(0, this.len) : this.buf.slice(0, this.len);
  }
}

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CR_BYTE = new Uint8Array([CR]);

/**
 * A dot-stuffed body read byte by byte (SMTP DATA, RFC 5321 §4.5.2; a POP3 multi-line reply, RFC 1939 §3): lines that
 * begin with "." lose it (byte-stuffing), a line that is "." alone ends the body. Line endings are kept as sent, so the bytes are the message as the client
 * stores it. Any split of the stream gives the same bytes.
 */
export class DotBody {
  readonly content: MessageBytes;
  /** lines of the body (the terminating "." line not counted) */
  lines = 0;
  private atLineStart = true;
  /** 1: the line began with "."; 2: with ".\r" */
  private dotPending = 0;

  constructor(max: number) {
    this.content = new MessageBytes(max);
  }

  /**
   * Reads b[start, ...): the offset just after the terminating line when the body ended there, else -1 (all of b
   * was read).
   */
  push(b: Uint8Array, start: number): number {
    const c = this.content;
    let p = start;
    while (p < b.length) {
      if (this.dotPending > 0) {
        const x = b[p]!;
        if (x === LF) {
          this.dotPending = 0;
          this.atLineStart = true;
          return p + 1;
        }
        if (this.dotPending === 1 && x === CR) {
          this.dotPending = 2;
          p++;
          continue;
        }
        // not the end: the leading dot was stuffing (dropped); a CR held after it is content
        if (this.dotPending === 2) c.push(CR_BYTE, 0, 1);
        this.dotPending = 0;
        this.atLineStart = false;
        continue;
      }
      if (this.atLineStart && b[p] === DOT) {
        this.dotPending = 1;
        p++;
        continue;
      }
      const nl = b.indexOf(LF, p);
      const e = nl < 0 ? b.length : nl + 1;
      c.push(b, p, e);
      this.atLineStart = nl >= 0;
      if (nl >= 0) this.lines++;
      p = e;
    }
    return -1;
  }

  /** `len` bytes of the body were lost: counted, and the next byte is not taken for a line start. */
  gap(len: number): void {
    this.content.missing += len;
    this.dotPending = 0;
    this.atLineStart = false;
  }
}
