// Several stream analyzers on one TCP session (TLS, SMTP, HTTP each decide by content whether the stream is
// theirs): bytes go to every one still interested; one that drops out hears end() at once.
import { ORIG, RESP, type Dir, type StreamAnalyzer } from '../reassembly/stream-analyzer.js';

export class Fanout implements StreamAnalyzer {
  private parts: StreamAnalyzer[];

  constructor(parts: StreamAnalyzer[]) {
    this.parts = parts;
  }

  get active(): boolean {
    return this.parts.length > 0;
  }

  deliver(dir: Dir, data: Uint8Array, offset: number): void {
    let dropped = false;
    for (const p of this.parts) {
      p.deliver(dir, data, offset);
      if (p.active === false) dropped = true;
    }
    if (dropped) this.drop();
  }

  gap(dir: Dir, len: number, offset: number): void {
    for (const p of this.parts) p.gap(dir, len, offset);
    this.drop();
  }

  end(dir: Dir): void {
    for (const p of this.parts) p.end(dir);
  }

  /** Analyzers that want nothing more are finished now and forgotten. */
  private drop(): void {
    const keep: StreamAnalyzer[] = [];
    for (const p of this.parts) {
      if (p.active !== false) {
        keep.push(p);
        continue;
      }
      p.end(ORIG);
      p.end(RESP);
    }
    this.parts = keep;
  }
}

/**
 * An analyzer built on its stream's first delivery, unless that delivery already says the stream is not its
 * protocol (`notMine`): then nothing is built and it is inactive. A gap or end before any delivery builds it
 * (it decides what a hole means).
 */
export class Deferred implements StreamAnalyzer {
  private inner: StreamAnalyzer | null = null;
  private rejected = false;

  constructor(
    private readonly notMine: (dir: Dir, data: Uint8Array) => boolean,
    private readonly make: () => StreamAnalyzer,
  ) {}

  get active(): boolean {
    return !this.rejected && this.inner?.active !== false;
  }

  deliver(dir: Dir, data: Uint8Array, offset: number): void {
    if (this.rejected) return;
    if (this.inner === null) {
      if (this.notMine(dir, data)) {
        this.rejected = true;
        return;
      }
      this.inner = this.make();
    }
    this.inner.deliver(dir, data, offset);
  }

  gap(dir: Dir, len: number, offset: number): void {
    if (!this.rejected) (this.inner ??= this.make()).gap(dir, len, offset);
  }

  end(dir: Dir): void {
    if (!this.rejected) this.inner?.end(dir);
  }
}
