// The store contract shared by DuckDB (embedded, the default) and ClickHouse (server or cluster): tables from
// the record schemas, one capture written as a unit, read-only queries.
import type { CaptureRecord } from '../schema/captures.js';
import type { FieldType, RecordSchema } from '../schema/schema.js';
import type { Dialect } from './sql.js';

export type Row = Record<string, unknown>;

/**
 * The longest row (UTF-8 bytes of its JSON object) a store takes. DuckDB's read_json holds buffers of twice this
 * per thread inside its memory limit, so it stays small; ClickHouse gets the same rows as JSONEachRow. Rows of
 * traffic records cannot reach it: every field's bound is declared in its schema (src/schema/bounds.ts) and
 * applied where the value is made, and test/row-bounds.test.ts holds each schema's worst case under this.
 */
export const MAX_ROW_BYTES = 4 << 20;

/** A result column, typed in our field vocabulary (so output formats and reports treat both stores alike). */
export interface ResultColumn {
  name: string;
  type: FieldType;
}

/**
 * Rows of a query: timestamps as µs since the epoch, 64-bit integers as numbers (strings past 2^53), lists as
 * arrays.
 */
export interface QueryResult {
  columns: ResultColumn[];
  rows: Row[];
}

/** Writes the records of one capture; nothing is visible to queries before commit(). */
export interface CaptureWriter {
  /** Buffers a row of a table (the writer sets capture_id). */
  append(schema: RecordSchema, row: Row): void;
  /**
   * The capture's id, once known (begin(null)): a writer that holds rows until then may start loading them.
   */
  identify?(captureId: string): void;
  /**
   * Writes the rows of a SELECT Haystack built (its columns: the schema's fields but capture_id, by name, in the
   * table's types) as rows of this capture, in the capture's transaction (visible with its captures row, as
   * appended rows); returns how many. Needs the capture's id (begin() with one). DuckDB only: the importer's
   * fast path, where DuckDB reads and maps a log file itself.
   */
  appendSql?(schema: RecordSchema, selectSql: string, opts?: {
    /** DuckDB's threads for this insert only (many small inserts: one thread fills whole row groups) */
    threads?: number;
  }): Promise<number>;
  /**
   * A path for a file of this capture's own (e.g. lines for appendSql's SELECT to read), in the writer's spool:
   * removed with it at commit or abort, and by the next writer after a crash. Where appendSql is.
   */
  scratchPath?(name: string): string;
  /** Lets buffered rows go out; awaited between chunks of input so memory stays flat. */
  flush(): Promise<void>;
  /** Writes the captures row last and makes the capture visible; returns the capture_id its rows carry. */
  commit(capture: CaptureRecord): Promise<string>;
  /** Drops everything written for this capture. */
  abort(): Promise<void>;
  /** rows appended so far, by table */
  readonly counts: ReadonlyMap<string, number>;
}

export interface Store {
  readonly dialect: Dialect;
  /** where the data is, printable (no password) */
  readonly location: string;
  /** Creates the tables of every record type and app table that are missing. */
  init(): Promise<void>;
  /**
   * Appends rows to an app table (schema/registry.ts APP_SCHEMAS: audit, triage, saved_queries), each row
   * visible to queries once this resolves. Not for record tables (those go through begin()).
   */
  appendApp(schema: RecordSchema, rows: readonly Row[]): Promise<void>;
  /** The captures row of a file with this sha256, if one was ingested completely. */
  findCapture(sha256: string): Promise<CaptureRecord | null>;
  /**
   * Whether begin() may be called before the capture's id is known (null), the id then coming with commit()'s
   * captures row: rows wait in staging until then, so the capture's hash can be computed while it is read.
   */
  readonly idAtCommit: boolean;
  /**
   * Starts writing a capture; rows an interrupted earlier attempt left under the same capture_id are removed
   * first. null: the id is the capture_id of the row given to commit() (only where idAtCommit).
   */
  begin(captureId: string | null): Promise<CaptureWriter>;
  /** A read-only query of user text: anything that would change data is refused with HAYSTACK_STORE. */
  query(sql: string): Promise<QueryResult>;
  /** A query whose text Haystack built (reports): every literal in it went through sql.ts. */
  select(sql: string): Promise<QueryResult>;
  /** Writes the result of a SELECT we built to a Parquet file (DuckDB only: ClickHouse 18.16 has no Parquet). */
  writeParquet?(sql: string, path: string): Promise<void>;
  /**
   * Writes the one text column of a SELECT we built to a file, a line per row, as it is (DuckDB only: the SQL forms
   * of the external formats, store/export-sql/forms.ts), replacing what the file held (truncated in place: an
   * existing file keeps its mode and owner). The text must hold no control character but newlines (a value of
   * several lines, a Zeek head, is written as it is). Returns the number of values (rows). Calls may run side by
   * side (each on a connection of its own). `path` is absolute (DuckDB expands a leading `~`).
   */
  copyLines?(sql: string, path: string): Promise<number>;
  /**
   * Like select(), a batch of rows at a time (exports of whole tables). Values as the store returns them:
   * ClickHouse gives 64-bit integers as text and booleans as 0/1 (the caller knows the schema).
   */
  scan(sql: string): AsyncGenerator<Row[]>;
  close(): Promise<void>;
}

/** Parsed store URL. */
export type StoreUrl =
  | { kind: 'duckdb'; path: string }
  | { kind: 'clickhouse'; url: string; user: string; password: string; database: string; cluster: string | null };
