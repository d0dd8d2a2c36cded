// A record row as the JSON object `--format jsonl` prints (and the API sends): schema field order, timestamps
// as ISO 8601 UTC with µs, absent values null. One serializer for the CLI and the server.
import { isoMicros } from '../core/time.js';
import type { FieldType } from './schema.js';

/** What a serializer needs of a field: a schema FieldDef, or a result column. */
export interface JsonField {
  readonly name: string;
  readonly type: FieldType;
}

type Row = Record<string, unknown>;

/**
 * A JSON serializer specialised to a field list (no trailing newline): one expression per field, no per-row
 * objects or type switches (the rows of one answer all have the same shape). Field names come from our schema
 * and are embedded through JSON.stringify, never as raw text. It generates code (new Function): for Node (CLI,
 * server), not for the console under its CSP.
 */
export function compileJsonRow(fields: readonly JsonField[]): (r: Row) => string {
  if (fields.length === 0) return () => '{}';
  const parts = fields.map((f, i) => {
    const key = JSON.stringify(`${i === 0 ? '{' : ','}${JSON.stringify(f.name)}:`);
    const v = `r[${JSON.stringify(f.name)}]`;
    let expr: string;
    switch (f.type) {
      case 'timestamp':
        expr = `'"' + iso(${v}) + '"'`;
        break;
      case 'int':
      case 'float':
        expr = `(Number.isFinite(${v}) ? '' + ${v} : 'null')`;
        break;
      case 'bool':
        expr = `(${v} === true ? 'true' : 'false')`;
        break;
      case 'string':
      case 'string[]':
      case 'int[]':
      case 'json':
        expr = `JSON.stringify(${v})`;
        break;
    }
    return `${key} + (${v} == null ? 'null' : ${expr})`;
  });
  // generated from schema field names only (see above), no user text
  return new Function('iso', `return (r) => ${parts.join(' + ')} + '}';`)(isoMicros) as (r: Row) => string;
}

/** Rows as one JSON array (the API's answer body for a page of records). */
export function jsonRows(fields: readonly JsonField[], rows: readonly Row[]): string {
  const one = compileJsonRow(fields);
  return `[${rows.map(one).join(',')}]`;
}
