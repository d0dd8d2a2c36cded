// Zeek's ASCII (TSV) log form, a line at a time: the header (#separator with \x escapes, #set_separator,
// #empty_field, #unset_field, #path, #fields in any order, #types) and the rows it describes, decoded by type.
// A file may hold several headers (rotated logs concatenated): each one starts over.
import type { ZeekRow, ZeekValue } from './mapper.js';
import { isSecretKey, WITHHELD } from './withhold.js';
import { BAD, columnDecoder, decodeColumn, headerSeparator, type ColumnDecoder } from './zeek-values.js';

/** What one line of a Zeek TSV file is. */
export type ZeekTsvLine =
  | { kind: 'row'; log: string; row: ZeekRow }
  /** a header or comment line, or an empty one */
  | { kind: 'meta' }
  /** a data line that cannot be read: why */
  | { kind: 'bad'; reason: string };

/** Zeek's default markers (what a header that leaves one out means). */
const DEFAULTS = { separator: '\t', setSeparator: ',', empty: '(empty)', unset: '-' };

const META: ZeekTsvLine = { kind: 'meta' };

/** A value Zeek's test suite masked (XXXXXXXXXX.XXXXXX for a time): said so in the bad line's reason. */
const MASKED = /^X+(?:\.X+)?$/;

/** Is this the first line of a Zeek TSV log? */
export function isZeekTsvStart(line: string): boolean {
  return line.startsWith('#separator ');
}

/**
 * A function making the row object of a #fields list from its values in one object literal (V8 then gives all
 * rows of a header one hidden class; adding the keys one by one costs a transition each). The names come from
 * the file: each one is embedded through JSON.stringify, never as raw text, and a repeated name keeps its last
 * value as assignment would. For Node (the importer), not for the console under its CSP.
 */
function rowMaker(fields: readonly string[]): (v: ZeekValue[]) => ZeekRow {
  const props = fields.map((f, i) => `${JSON.stringify(f)}: v[${i}]`);
  // "__proto__" in a literal would set the prototype: such a (hostile) name goes through assignment instead
  if (fields.includes('__proto__')) {
    return (v) => {
      const row: ZeekRow = {};
      for (let i = 0; i < fields.length; i++) Object.defineProperty(row, fields[i]!, { value: v[i], enumerable: true, writable: true, configurable: true });
      return row;
    };
  }
  return new Function('v', `return {${props.join(', ')}};`) as (v: ZeekValue[]) => ZeekRow;
}

/** Reads the lines of Zeek TSV logs in order (one reader per file). */
export class ZeekTsvReader {
  private separator = DEFAULTS.separator;
  private setSeparator = DEFAULTS.setSeparator;
  private empty = DEFAULTS.empty;
  private unset = DEFAULTS.unset;
  private path: string;
  private fields: string[] | null = null;
  private decoders: ColumnDecoder[] | null = null;
  /** builds a row of the current #fields from its values: one object literal, so every row has one shape */
  private makeRow: ((v: ZeekValue[]) => ZeekRow) | null = null;

  /** `log`: the log's name until a #path line says it (from the file name: conn.log -> conn) */
  constructor(private readonly log: string) {
    this.path = log;
  }

  line(text: string): ZeekTsvLine {
    if (text === '') return META;
    if (text.charCodeAt(0) === 35 /* # */) return this.header(text);
    if (this.fields === null) return { kind: 'bad', reason: 'a data line before any #fields header' };
    const cols = text.split(this.separator);
    const fields = this.fields;
    if (cols.length !== fields.length) return { kind: 'bad', reason: `${cols.length} columns, the #fields header names ${fields.length}` };
    const decoders = this.decoders!;
    // decoded in place: the column texts' array becomes the values' (no second array per line)
    const values = cols as unknown as ZeekValue[];
    for (let i = 0; i < cols.length; i++) {
      const v = decodeColumn(cols[i]!, decoders[i]!, this.unset, this.empty, this.setSeparator);
      if (v === BAD) {
        const masked = MASKED.test(cols[i]!) ? ' (a masked value, as btest\'s canonifier writes times: the line has no time)' : '';
        // a credential column's value is not quoted (the anomaly is stored and printed)
        const shown = isSecretKey(fields[i]!) ? `its value ${WITHHELD}` : JSON.stringify(cols[i]!.slice(0, 64));
        return { kind: 'bad', reason: `column ${fields[i]}: ${shown} is not a ${this.typeName(i)}${masked}` };
      }
      values[i] = v;
    }
    return { kind: 'row', log: this.path, row: this.makeRow!(values) };
  }

  private types: string[] = [];

  private typeName(i: number): string {
    return this.types[i] ?? 'string';
  }

  private header(text: string): ZeekTsvLine {
    if (text.startsWith('#separator ')) {
      // a new header: everything it may say starts over
      this.separator = headerSeparator(text.slice('#separator '.length));
      this.setSeparator = DEFAULTS.setSeparator;
      this.empty = DEFAULTS.empty;
      this.unset = DEFAULTS.unset;
      this.path = this.log;
      this.fields = null;
      this.decoders = null;
      this.makeRow = null;
      this.types = [];
      return META;
    }
    const sep = text.indexOf(this.separator);
    const key = sep < 0 ? text : text.slice(0, sep);
    const value = sep < 0 ? '' : text.slice(sep + this.separator.length);
    switch (key) {
      case '#set_separator':
        this.setSeparator = headerSeparator(value);
        break;
      case '#empty_field':
        this.empty = headerSeparator(value);
        break;
      case '#unset_field':
        this.unset = headerSeparator(value);
        break;
      case '#path':
        this.path = value;
        break;
      case '#fields':
        this.fields = value.split(this.separator);
        this.compile();
        break;
      case '#types':
        this.types = value.split(this.separator);
        this.compile();
        break;
      default:
        // #open, #close, and comments
        break;
    }
    return META;
  }

  /** The column decoders of the current #fields and #types (a column without a type is text). */
  private compile(): void {
    if (this.fields === null) return;
    this.decoders = this.fields.map((_f, i) => columnDecoder(this.types[i] ?? 'string'));
    this.makeRow = rowMaker(this.fields);
  }
}
