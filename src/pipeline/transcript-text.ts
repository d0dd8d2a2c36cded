// A TCP session's reassembled bytes as a transcript for reading: text lines with direction markers and
// escapes, or a hex dump; cut past a byte limit with a marker line. A StreamAnalyzer, fed by reassembly.
import { ORIG, type Dir, type StreamAnalyzer } from '../reassembly/stream-analyzer.js';

export type TranscriptFormat = 'text' | 'hex';

/** Line prefixes: `> ` bytes from the client (originator), `< ` from the server, `! ` notes (gaps, the cut). */
export const CLIENT_MARK = '> ';
export const SERVER_MARK = '< ';
export const NOTE_MARK = '! ';
/** Bytes per hex dump line (the hexdump -C layout). */
const HEX_LINE = 16;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Text escapes: printable ASCII as itself (backslash doubled), \t \r named, other bytes \xHH; \n ends a line. */
const ESCAPED = Array.from({ length: 256 }, (_, b) => {
  if (b === 0x5c) return '\\\\';
  if (b === 0x09) return '\\t';
  if (b === 0x0d) return '\\r';
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  return `\\x${HEX[b]!}`;
});

function mark(dir: Dir): string {
  return dir === ORIG ? CLIENT_MARK : SERVER_MARK;
}

function side(dir: Dir): string {
  return dir === ORIG ? 'client -> server' : 'server -> client';
}

export class TranscriptBuilder implements StreamAnalyzer {
  /** payload bytes shown */
  shown = 0;
  /** set once a delivery went past the limit (the marker line was written) */
  truncated = false;
  private readonly parts: string[] = [];
  /** direction of an unfinished text line, or -1 */
  private open: Dir | -1 = -1;

  /** @param limit payload bytes (both directions) shown before the transcript is cut */
  constructor(private readonly format: TranscriptFormat, private readonly limit: number) {}

  get active(): boolean {
    return !this.truncated;
  }

  deliver(dir: Dir, data: Uint8Array, offset: number): void {
    if (this.truncated) return;
    const room = this.limit - this.shown;
    const part = data.length > room ? data.subarray(0, room) : data;
    if (this.format === 'text') this.text(dir, part);
    else this.hex(dir, part, offset);
    this.shown += part.length;
    if (part.length < data.length) {
      this.note(`transcript cut here: more than ${this.limit} bytes of payload`);
      this.truncated = true;
    }
  }

  gap(dir: Dir, len: number, offset: number): void {
    if (!this.truncated) this.note(`${len} bytes missing (${side(dir)}, stream offset ${offset})`);
  }

  end(): void {
    // directions end independently; the text is whole once built
  }

  /** The transcript so far (a text transcript's last line ends with a line feed). */
  result(): string {
    this.closeLine();
    return this.parts.join('');
  }

  private note(text: string): void {
    this.closeLine();
    this.parts.push(`${NOTE_MARK}${text}\n`);
  }

  private closeLine(): void {
    if (this.open !== -1) this.parts.push('\n');
    this.open = -1;
  }

  private text(dir: Dir, data: Uint8Array): void {
    if (this.open !== dir) this.closeLine();
    let line = this.open === dir ? '' : mark(dir);
    for (let i = 0; i < data.length; i++) {
      const b = data[i]!;
      if (b === 0x0a) {
        this.parts.push(`${line}\n`);
        line = mark(dir);
        this.open = -1;
        continue;
      }
      line += ESCAPED[b]!;
      this.open = dir;
    }
    if (this.open === dir) this.parts.push(line);
  }

  private hex(dir: Dir, data: Uint8Array, offset: number): void {
    for (let p = 0; p < data.length; p += HEX_LINE) {
      const row = data.subarray(p, Math.min(data.length, p + HEX_LINE));
      let hex = '';
      let ascii = '';
      for (let i = 0; i < HEX_LINE; i++) {
        if (i === 8) hex += ' ';
        const b = row[i];
        hex += b === undefined ? '   ' : `${HEX[b]!} `;
        if (b !== undefined) ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      }
      this.parts.push(`${mark(dir)}${(offset + p).toString(16).padStart(8, '0')}  ${hex} |${ascii}|\n`);
    }
  }
}
