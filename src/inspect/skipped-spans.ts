// The byte ranges of one direction of a stream that another path inspects (messages fetched over POP3/IMAP, handed
// to the MIME path whole): the raw stream's hits that start inside one are left out, so a value is reported once.

/**
 * Spans of one direction, in stream offsets, as an analyzer reports them in stream order: `open` where one begins,
 * `close` where it ends (an open span covers every byte after its start). Spans starting at or past `limit` are not
 * kept (the raw scan inspects a direction's first INSPECT_STREAM_BYTES only), and those the scan has passed are
 * dropped (`passed`), so what is held is the spans of the bytes not yet reported on.
 */
export class SkippedSpans {
  /** [start, end) pairs in stream order; end Infinity while the span is open */
  private spans: number[] = [];
  /** pairs before this index are passed */
  private head = 0;

  constructor(private readonly limit: number) {}

  /** A span begins at `start` (the first byte the other path takes). */
  open(start: number): void {
    if (start >= this.limit) return;
    this.spans.push(start, Infinity);
  }

  /** The open span ends before `end` (the first byte it does not take). */
  close(end: number): void {
    const n = this.spans.length;
    if (n > 2 * this.head && this.spans[n - 1] === Infinity) this.spans[n - 1] = end;
  }

  /** Whether the byte at `offset` lies in a span. */
  covers(offset: number): boolean {
    const s = this.spans;
    for (let i = 2 * this.head; i < s.length; i += 2) {
      if (offset < s[i]!) return false;
      if (offset < s[i + 1]!) return true;
    }
    return false;
  }

  /** No offset below `offset` will be asked about again: the spans that end by it are dropped. */
  passed(offset: number): void {
    const s = this.spans;
    while (2 * this.head < s.length && s[2 * this.head + 1]! <= offset) this.head++;
    if (this.head > 0 && 2 * this.head >= s.length / 2) {
      this.spans = s.slice(2 * this.head);
      this.head = 0;
    }
  }
}
