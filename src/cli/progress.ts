// A progress line on stderr for long inputs, only when stderr is a terminal, at most 4 updates a second.
import type { CliIo } from './io.js';

export class Progress {
  private last = 0;
  private shown = false;
  private readonly io: CliIo;
  private readonly started = Date.now();

  constructor(io: CliIo) {
    this.io = io;
  }

  update(input: string, bytes: number, total: number | null): void {
    if (!this.io.stderrIsTty) return;
    const now = Date.now();
    if (now - this.last < 250) return;
    this.last = now;
    this.shown = true;
    const mb = bytes / 1e6;
    const rate = mb / Math.max(0.001, (now - this.started) / 1000);
    const pct = total !== null && total > 0 ? ` ${Math.min(100, (100 * bytes) / total).toFixed(0)}%` : '';
    // the input's name is escaped with the line (io.progress): a file name can hold control characters
    this.io.progress(`${input}:${pct} ${mb.toFixed(1)} MB, ${rate.toFixed(0)} MB/s`);
  }

  /** A count of things (log lines) instead of bytes. */
  count(input: string, n: number, unit: string): void {
    if (!this.io.stderrIsTty) return;
    const now = Date.now();
    if (now - this.last < 250) return;
    this.last = now;
    this.shown = true;
    const rate = n / Math.max(0.001, (now - this.started) / 1000);
    this.io.progress(`${input}: ${n} ${unit}, ${Math.round(rate)} ${unit}/s`);
  }

  done(): void {
    if (this.shown) this.io.progress('');
  }
}
