// One mail message's bytes as an analyzer reads them (SMTP DATA, a POP3 RETR, an IMAP FETCH literal): the first
// `max` kept in a buffer that grows as they come, all of them counted.

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
