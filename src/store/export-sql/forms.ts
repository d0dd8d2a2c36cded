// The external formats' SQL forms: a table's Zeek or EVE lines made by DuckDB itself (vectorised, on all its
// threads) for `haystack export`, instead of row by row in JavaScript, where the per-value crossing from the store
// bounds the writers (bench/README.md, Formats). Each form's lines equal, byte for byte, what the format's writer
// (src/formats) writes for the same rows in the same order: test/export-sql-*.test.ts compare both on the corpus
// and on hostile values. SQL text built here, every literal through sql.ts.
import type { ExternalWriterOptions } from '../../formats/external.js';
import type { RecordSchema } from '../../schema/schema.js';
import { eveSqlForm } from './eve-sql.js';
import { ZEEK_JSON_SQL_FORM, ZEEK_SQL_FORM } from './zeek-sql.js';

/** One format's SQL form for one table. */
export interface ExternalSql {
  /** text before the lines (Zeek's header), '' if none */
  readonly head: string;
  /** text after them (Zeek's `#close`), '' if none */
  readonly tail: string;
  /**
   * A DuckDB SELECT of one VARCHAR column named `line` (the record's text, without the newline) per record of
   * `source` that the writer would write, in source's order. `source` is a parenthesised query whose columns are
   * the schema's fields, typed as the store keeps them (timestamps are TIMESTAMP, lists are LIST).
   */
  lines(source: string): string;
}

/** A format's SQL form builder for a table: null when it has none for that table (the writer is used). */
export type SqlFormBuilder = (schema: RecordSchema, opts: ExternalWriterOptions) => ExternalSql | null;

/** The SQL forms by `--format` name. */
const FORMS: Readonly<Record<string, SqlFormBuilder>> = { zeek: ZEEK_SQL_FORM, 'zeek-json': ZEEK_JSON_SQL_FORM, eve: eveSqlForm };

/** The SQL form of a format for a table, or null (no form: export writes row by row). */
export function duckdbSqlForm(format: string, schema: RecordSchema, opts: ExternalWriterOptions): ExternalSql | null {
  const f = Object.hasOwn(FORMS, format) ? FORMS[format] : undefined;
  return f === undefined ? null : f(schema, opts);
}
