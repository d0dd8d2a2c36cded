// Row output in three formats: an aligned table (TTY default), JSON lines, CSV (RFC 4180).
import { HaystackError } from '../../core/errors.js';
import { isoMicros } from '../../core/time.js';
import { EXTERNAL_FORMAT_NAMES } from '../../formats/external-names.js';
import { compileJsonRow } from '../../schema/json-row.js';
import { compileJsonRowBytes, type JsonRowBytes } from '../../schema/json-row-bytes.js';
import type { FieldDef } from '../../schema/schema.js';
import { escapeControls, hasControls } from './escape.js';

export const FORMATS = ['table', 'jsonl', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export function parseFormat(v: string | undefined, isTty: boolean): Format {
  if (v === undefined) return isTty ? 'table' : 'jsonl';
  if ((FORMATS as readonly string[]).includes(v)) return v as Format;
  throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--format must be one of ${[...FORMATS, ...EXTERNAL_FORMAT_NAMES].join(', ')}, got "${v}"`);
}

/** Picks fields by name (`--fields a,b`), in the given order; unknown names are an error. */
export function selectFields(all: readonly FieldDef[], list: string | undefined, tableDefault?: readonly string[]): FieldDef[] {
  const names = list !== undefined ? list.split(',').map((s) => s.trim()).filter((s) => s !== '') : tableDefault;
  if (names === undefined) return [...all];
  return names.map((n) => {
    const f = all.find((x) => x.name === n);
    if (f === undefined) {
      throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--fields: unknown field "${n}" (known: ${all.map((x) => x.name).join(', ')})`);
    }
    return f;
  });
}

type Row = Record<string, unknown>;

/** Bytes of JSON lines handed to a byte sink at once (a pipe's buffer is 64 KiB; fewer, larger writes cost less). */
const JSONL_CHUNK_BYTES = 1 << 20;

function textValue(f: FieldDef, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (f.type === 'timestamp') return isoMicros(v as number);
  if (f.type === 'float') return (v as number).toFixed(6);
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v as string | number | boolean);
}

/**
 * CSV keeps the exact value (it is data); a field with a quote, a comma, a line break or any other control
 * character is quoted, so a terminal showing the file raw at least sees where the field is.
 */
function csvCell(s: string): string {
  return /[",]/.test(s) || hasControls(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A text cell a spreadsheet would take for a formula (=, +, -, @, or a tab or CR first: OWASP's CSV injection
 * list) gets a leading apostrophe, which spreadsheets hide and read as "text". Only for files meant to be
 * opened in one (the console's CSV export): the CLI's CSV keeps values exact for scripts.
 */
function spreadsheetText(f: FieldDef, s: string): string {
  if (f.type === 'int' || f.type === 'float' || f.type === 'timestamp' || f.type === 'bool') return s;
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** Writes rows to a sink of text chunks; the table format aligns columns on the first rows it sees. */
export class RowWriter {
  private readonly fields: readonly FieldDef[];
  private readonly format: Format;
  private readonly write: (s: string) => void;
  private pending: string[][] = [];
  private widths: number[] | null = null;
  private started = false;
  private out: string[] = [];
  private static readonly TABLE_SAMPLE = 200;

  private readonly toJson: (r: Row) => string;

  private readonly spreadsheet: boolean;

  /** JSON lines straight into UTF-8 chunks when the sink takes bytes (see JSONL_CHUNK_BYTES) */
  private readonly writeBytes: ((b: Uint8Array) => void) | null;
  /** the same JSON written straight into the chunk (no string per row); set with writeBytes */
  private readonly jsonBytes: JsonRowBytes | null;
  private chunk: Buffer | null = null;
  private used = 0;

  constructor(
    fields: readonly FieldDef[],
    format: Format,
    write: (s: string) => void,
    opts: { spreadsheetSafe?: boolean; writeBytes?: (b: Uint8Array) => void } = {},
  ) {
    this.fields = fields;
    this.spreadsheet = opts.spreadsheetSafe === true;
    this.writeBytes = format === 'jsonl' ? (opts.writeBytes ?? null) : null;
    this.jsonBytes = this.writeBytes !== null ? compileJsonRowBytes(fields) : null;
    const json = compileJsonRow(fields);
    this.toJson = (r) => `${json(r)}\n`;
    this.format = format;
    this.write = write;
  }

  row(r: Row): void {
    const fs = this.fields;
    if (this.format === 'jsonl') {
      if (this.jsonBytes !== null) this.rowBytes(r, this.jsonBytes);
      else this.emit(this.toJson(r));
      return;
    }
    if (this.format === 'csv') {
      if (!this.started) {
        this.started = true;
        this.emit(`${fs.map((f) => csvCell(f.name)).join(',')}\n`);
      }
      this.emit(`${fs.map((f) => csvCell(this.spreadsheet ? spreadsheetText(f, textValue(f, r[f.name])) : textValue(f, r[f.name]))).join(',')}\n`);
      return;
    }
    // the table is for a terminal: one escaper for every human-readable output (line breaks too)
    const cells = fs.map((f) => escapeControls(textValue(f, r[f.name])));
    if (this.widths === null) {
      this.pending.push(cells);
      if (this.pending.length >= RowWriter.TABLE_SAMPLE) this.flushTable();
      return;
    }
    this.emit(this.line(cells));
  }

  end(): void {
    if (this.format === 'table') this.flushTable();
    if (this.format === 'csv' && !this.started) this.emit(`${this.fields.map((f) => csvCell(f.name)).join(',')}\n`);
    this.drain();
  }

  /** Hands what is buffered to the sink now (JSON lines and CSV; a table waits for its column widths). */
  flush(): void {
    if (this.format !== 'table') this.drain();
  }

  private flushTable(): void {
    if (this.widths !== null) return;
    const names = this.fields.map((f) => escapeControls(f.name));
    const w = names.map((n) => n.length);
    for (const c of this.pending) c.forEach((x, i) => (w[i] = Math.max(w[i]!, x.length)));
    this.widths = w;
    this.emit(this.line(names));
    for (const c of this.pending) this.emit(this.line(c));
    this.pending = [];
  }

  private line(cells: string[]): string {
    const w = this.widths!;
    return `${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(w[i]!))).join('  ')}\n`;
  }

  private emit(s: string): void {
    this.out.push(s);
    if (this.out.length >= 512) this.drain();
  }

  /**
   * One JSON line written into the current chunk, or into a fresh one when the room left might not hold it;
   * a line longer than a chunk goes as the text serializer's bytes.
   */
  private rowBytes(r: Row, json: JsonRowBytes): void {
    this.chunk ??= Buffer.allocUnsafe(JSONL_CHUNK_BYTES);
    let end = json(r, this.chunk, this.used);
    if (end < 0 && this.used > 0) {
      this.drainBytes();
      this.chunk = Buffer.allocUnsafe(JSONL_CHUNK_BYTES);
      end = json(r, this.chunk, 0);
    }
    if (end < 0 || end >= this.chunk.length) {
      this.emitBytes(this.toJson(r));
      return;
    }
    this.chunk[end] = 10;
    this.used = end + 1;
  }

  /**
   * One JSON line encoded into the current chunk. Joining the lines' strings first costs twice as much: each
   * line is a tree of concatenations that the join flattens before the encoder copies it again.
   */
  private emitBytes(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (this.chunk !== null && this.used + line.length * 3 > this.chunk.length) this.drainBytes();
    if (line.length * 3 > JSONL_CHUNK_BYTES) {
      this.writeBytes!(Buffer.from(line, 'utf8'));
      return;
    }
    this.chunk ??= Buffer.allocUnsafe(JSONL_CHUNK_BYTES);
    this.used += this.chunk.write(line, this.used, 'utf8');
  }

  private drainBytes(): void {
    if (this.chunk === null || this.used === 0) return;
    // a new chunk each time: the sink may still hold the one handed over (an asynchronous pipe)
    this.writeBytes!(this.chunk.subarray(0, this.used));
    this.chunk = null;
    this.used = 0;
  }

  private drain(): void {
    if (this.writeBytes !== null) {
      this.drainBytes();
      return;
    }
    if (this.out.length === 0) return;
    this.write(this.out.join(''));
    this.out = [];
  }
}
