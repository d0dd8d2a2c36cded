// The embedded store: one DuckDB file, written through the Appender in data chunks, one transaction per
// capture (an interrupted ingest leaves nothing behind), opened with extension auto-install/auto-load off.
import {
  BIGINT, BOOLEAN, DOUBLE, DuckDBDataChunk, DuckDBInstance, DuckDBTimestampValue, DuckDBTypeId, LIST,
  StatementType, TIMESTAMP, VARCHAR, listValue,
  type DuckDBAppender, type DuckDBListType, type DuckDBConnection, type DuckDBType, type DuckDBValue,
} from '@duckdb/node-api';
import { HaystackError } from '../core/errors.js';
import { CAPTURES, type CaptureRecord } from '../schema/captures.js';
import { RECORD_SCHEMAS } from '../schema/registry.js';
import type { FieldDef, FieldType, RecordSchema } from '../schema/schema.js';
import { duckdbTable, ident, quoteString } from './sql.js';
import type { CaptureWriter, QueryResult, ResultColumn, Row, Store } from './store.js';

/** Appended rows per appender flush (a commit to staging): a row group. */
const FLUSH_ROWS = 16384;
/** Rows per data chunk: DuckDB's vector size (a chunk holds at most this many). */
const CHUNK_ROWS = 2048;

const TYPES: Record<FieldType, DuckDBType> = {
  string: VARCHAR, int: BIGINT, float: DOUBLE, bool: BOOLEAN, timestamp: TIMESTAMP,
  'string[]': LIST(VARCHAR), 'int[]': LIST(BIGINT), json: VARCHAR,
};

export interface DuckDbOptions {
  readOnly?: boolean;
  /** keep file access on for a read-only store (Parquet export writes a file) */
  fileAccess?: boolean;
}

/**
 * Row groups of the attached file. DuckDB keeps a transaction's appended rows in memory until a row group is
 * full (122,880 rows by default: ~400 MB of uncommitted tls and session rows on a 1 GB capture); 16,384 keeps
 * what one capture's transaction holds small while scans stay vectorised.
 */
const ROW_GROUP_SIZE = 16384;
/** DuckDB's memory limit unless HAYSTACK_DUCKDB_MEMORY says otherwise (ingest RSS: bench/README.md). */
const DEFAULT_MEMORY_LIMIT = '128MB';

/** Opens (creating when writable) a DuckDB file; a file another process writes to is a clear error. */
export async function openDuckDb(path: string, opts: DuckDbOptions = {}): Promise<DuckDbStore> {
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    // DuckDB's buffer pool; its default (80% of RAM) would let a long ingest's RSS grow far past Haystack's own
    memory_limit: process.env.HAYSTACK_DUCKDB_MEMORY ?? DEFAULT_MEMORY_LIMIT,
  });
  const conn = await instance.connect();
  try {
    // the file is attached (not opened as the main database) so that its row-group size can be set
    const mode = opts.readOnly === true ? ', READ_ONLY' : '';
    await conn.run(`ATTACH ${quoteString(path, 'duckdb')} AS ${ident('hs')} (ROW_GROUP_SIZE ${ROW_GROUP_SIZE}${mode})`);
    await conn.run(`USE ${ident('hs')}`);
  } catch (e) {
    conn.closeSync();
    instance.closeSync();
    throw openError(path, e);
  }
  if (opts.readOnly === true) {
    // queries read the tables, not the file system (read_csv, COPY TO, ATTACH): the CLI and the console run
    // user SQL; and no query may change the configuration back (SET, EXPLAIN ANALYZE SET ...)
    if (opts.fileAccess !== true) await conn.run('SET enable_external_access = false');
    await conn.run('SET lock_configuration = true');
  }
  return new DuckDbStore(path, instance, conn);
}

/** The statement without leading comments and blanks. */
function stripComments(sql: string): string {
  return sql.replace(/^(\s*(--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/))*/, '');
}

function openError(path: string, e: unknown): HaystackError {
  const msg = e instanceof Error ? e.message : String(e);
  if (/Could not set lock/i.test(msg)) {
    const holder = /Conflicting lock is held in (.*?)(?:\. See|$)/.exec(msg)?.[1];
    return new HaystackError('HAYSTACK_STORE',
      `${path}: the database is in use by another process${holder !== undefined ? ` (${holder})` : ''}; DuckDB allows one writer per file`,
      { cause: e, file: path });
  }
  if (/does not exist|No such file/i.test(msg)) {
    return new HaystackError('HAYSTACK_STORE', `${path}: no database here (haystack ingest creates it)`, { cause: e, file: path });
  }
  return new HaystackError('HAYSTACK_STORE', `${path}: cannot open the database: ${msg}`, { cause: e, file: path });
}

export class DuckDbStore implements Store {
  readonly dialect = 'duckdb' as const;
  readonly location: string;
  private writing = false;

  constructor(path: string, private readonly instance: DuckDBInstance, private readonly conn: DuckDBConnection) {
    this.location = path;
  }

  async init(): Promise<void> {
    for (const s of RECORD_SCHEMAS) {
      await this.exec(duckdbTable(s));
      if (s !== CAPTURES) await this.exec(duckdbTable(s, staging(s)));
    }
  }

  async findCapture(sha256: string): Promise<CaptureRecord | null> {
    const r = await this.select(`SELECT * FROM ${ident(CAPTURES.name)} WHERE ${ident('sha256')} = ${quoteString(sha256, 'duckdb')} LIMIT 1`);
    return (r.rows[0] as CaptureRecord | undefined) ?? null;
  }

  readonly idAtCommit = true;

  async begin(captureId: string | null): Promise<CaptureWriter> {
    if (this.writing) throw new Error('DuckDbStore: one capture at a time');
    this.writing = true;
    // what an interrupted ingest left in staging (one writer per file: nobody else is using it)
    await clearStaging(this);
    return new DuckDbWriter(this, this.conn, captureId, () => (this.writing = false));
  }

  async query(sql: string): Promise<QueryResult> {
    const stmts = await this.guard(() => this.conn.extractStatements(sql));
    if (stmts.count !== 1) throw new HaystackError('HAYSTACK_STORE', `one statement at a time (got ${stmts.count})`);
    const prepared = await this.guard(() => stmts.prepare(0));
    const t = prepared.statementType;
    // EXPLAIN ANALYZE runs the statement it explains, whatever it is
    if ((t !== StatementType.SELECT && t !== StatementType.EXPLAIN) || (t === StatementType.EXPLAIN && /^\s*explain\s+analy[sz]e\b/i.test(stripComments(sql)))) {
      throw new HaystackError('HAYSTACK_STORE', `read-only: only SELECT (and EXPLAIN) statements are run (this is a ${StatementType[t]} statement)`);
    }
    return this.guard(async () => convert(await prepared.runAndReadAll()));
  }

  /** Our own SELECTs (no statement check: the text is built by us). */
  async select(sql: string): Promise<QueryResult> {
    return this.guard(async () => convert(await this.conn.runAndReadAll(sql)));
  }

  async writeParquet(sql: string, path: string): Promise<void> {
    await this.exec(`COPY (${sql}) TO ${quoteString(path, 'duckdb')} (FORMAT parquet, COMPRESSION zstd)`);
  }

  async *scan(sql: string): AsyncGenerator<Row[]> {
    const res = await this.guard(() => this.conn.stream(sql));
    const names = res.columnNames();
    for (;;) {
      const chunk = await this.guard(() => res.fetchChunk());
      if (chunk === null || chunk.rowCount === 0) return;
      yield chunk.getRows().map((vals) => {
        const o: Row = {};
        for (let i = 0; i < names.length; i++) o[names[i]!] = fromDuck(vals[i]!);
        return o;
      });
    }
  }

  async exec(sql: string): Promise<void> {
    await this.guard(() => this.conn.run(sql));
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
  }

  private async guard<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof HaystackError) throw e;
      throw new HaystackError('HAYSTACK_STORE', `${this.location}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}

/** Staging table of a record type: a capture's rows wait here (committed chunk by chunk) until it is complete. */
function staging(s: RecordSchema): string {
  return `_staging_${s.name}`;
}

async function clearStaging(store: DuckDbStore): Promise<void> {
  for (const s of RECORD_SCHEMAS) if (s !== CAPTURES) await store.exec(`DELETE FROM ${ident(staging(s))}`);
}

/**
 * Appends a capture's rows to staging tables a data chunk at a time, committing as it goes (memory stays flat
 * whatever the capture's length: a transaction holding a whole capture's appends keeps them all in memory),
 * then moves them to the real tables and writes the captures row in one transaction: readers see all of a
 * capture or nothing, and an interrupted ingest leaves rows only in staging, cleared by the next one.
 */
class DuckDbWriter implements CaptureWriter {
  private readonly tables = new Map<string, TableBuffer>();
  readonly counts = new Map<string, number>();
  private done = false;

  constructor(
    private readonly store: DuckDbStore,
    private readonly conn: DuckDBConnection,
    private captureId: string | null,
    private readonly release: () => void,
  ) {}

  append(schema: RecordSchema, row: Row): void {
    let t = this.tables.get(schema.name);
    if (t === undefined) {
      t = new TableBuffer(schema);
      this.tables.set(schema.name, t);
    }
    t.rows.push(row);
    this.counts.set(schema.name, (this.counts.get(schema.name) ?? 0) + 1);
  }

  async flush(): Promise<void> {
    for (const t of this.tables.values()) if (t.rows.length >= CHUNK_ROWS) await this.write(t);
  }

  private async write(t: TableBuffer): Promise<void> {
    if (t.rows.length === 0) return;
    t.appender ??= await this.conn.createAppender(staging(t.schema));
    for (let i = 0; i < t.rows.length; i += CHUNK_ROWS) {
      t.appender.appendDataChunk(chunkOf(t.schema, t.rows.slice(i, i + CHUNK_ROWS), this.captureId ?? ''));
    }
    t.unflushed += t.rows.length;
    // each flush is a commit of the staging table: one per row group, not one per chunk
    if (t.unflushed >= FLUSH_ROWS) {
      t.appender.flushSync();
      t.unflushed = 0;
    }
    t.rows = [];
  }

  async commit(capture: CaptureRecord): Promise<string> {
    for (const t of this.tables.values()) {
      await this.write(t);
      t.appender?.flushSync();
      t.appender?.closeSync();
      t.appender = null;
    }
    // rows staged before the id was known carry '' and get it as they move
    const late = this.captureId === null;
    this.captureId ??= capture.capture_id;
    const id = quoteString(this.captureId, 'duckdb');
    await this.store.exec('BEGIN TRANSACTION');
    try {
      for (const t of this.tables.values()) {
        const rows = late ? `* REPLACE (${id} AS ${ident('capture_id')})` : '*';
        await this.store.exec(`INSERT INTO ${ident(t.schema.name)} SELECT ${rows} FROM ${ident(staging(t.schema))}`);
      }
      const fields = CAPTURES.fields.map((f) => ident(f.name)).join(', ');
      const cap = await this.conn.prepare(`INSERT INTO ${ident(CAPTURES.name)} (${fields}) VALUES (${CAPTURES.fields.map(() => '?').join(', ')})`);
      const row: Row = { ...capture, capture_id: this.captureId };
      cap.bind(CAPTURES.fields.map((f) => toDuck(f, row[f.name])), CAPTURES.fields.map((f) => TYPES[f.type]));
      await cap.run();
      for (const t of this.tables.values()) await this.store.exec(`DELETE FROM ${ident(staging(t.schema))}`);
      await this.store.exec('COMMIT');
    } catch (e) {
      await this.store.exec('ROLLBACK').catch(() => undefined);
      throw e;
    }
    this.finish();
    return this.captureId;
  }

  async abort(): Promise<void> {
    if (this.done) return;
    for (const t of this.tables.values()) {
      try {
        t.appender?.closeSync();
      } catch {
        // staging is cleared below either way
      }
    }
    await clearStaging(this.store);
    this.finish();
  }

  private finish(): void {
    this.done = true;
    this.release();
  }
}

class TableBuffer {
  rows: Row[] = [];
  /** rows appended since the appender last flushed */
  unflushed = 0;
  appender: DuckDBAppender | null = null;
  constructor(readonly schema: RecordSchema) {}
}

/** A data chunk of rows in schema column order (capture_id set for every row of a capture). */
function chunkOf(schema: RecordSchema, rows: Row[], captureId: string): DuckDBDataChunk {
  const fields = schema.fields;
  const columns: DuckDBValue[][] = fields.map(() => new Array<DuckDBValue>(rows.length));
  for (let c = 0; c < fields.length; c++) {
    const f = fields[c]!;
    const col = columns[c]!;
    const own = f.name === 'capture_id' && schema.name !== CAPTURES.name;
    for (let r = 0; r < rows.length; r++) col[r] = own ? captureId : toDuck(f, rows[r]![f.name]);
  }
  const chunk = DuckDBDataChunk.create(fields.map((f) => TYPES[f.type]), rows.length);
  chunk.setColumns(columns);
  return chunk;
}

function toDuck(f: FieldDef, v: unknown): DuckDBValue {
  if (v === null || v === undefined) {
    if (!f.nullable) throw new Error(`store: ${f.name} is null but the schema says it is always set`);
    return null;
  }
  switch (f.type) {
    case 'string':
      return String(v);
    case 'int':
      return BigInt(v as number);
    case 'float':
      return v as number;
    case 'bool':
      return v as boolean;
    case 'timestamp':
      return new DuckDBTimestampValue(BigInt(v as number));
    case 'string[]':
      return listValue((v as unknown[]).map(String));
    case 'int[]':
      return listValue((v as number[]).map((x) => BigInt(x)));
    case 'json':
      return typeof v === 'string' ? v : JSON.stringify(v);
  }
}

/** A result in our vocabulary: µs timestamps, numbers where they fit, arrays for lists. */
function convert(reader: { columnNames(): string[]; columnTypes(): DuckDBType[]; getRows(): DuckDBValue[][] }): QueryResult {
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const columns: ResultColumn[] = names.map((name, i) => ({ name, type: fieldType(types[i]!) }));
  const rows = reader.getRows().map((vals) => {
    const o: Row = {};
    for (let i = 0; i < names.length; i++) o[names[i]!] = fromDuck(vals[i]!);
    return o;
  });
  return { columns, rows };
}

const INT_TYPES: ReadonlySet<DuckDBTypeId> = new Set([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT, DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT,
]);
const FLOAT_TYPES: ReadonlySet<DuckDBTypeId> = new Set([DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL]);

/** Our field type for a DuckDB column type; anything else prints as text. */
function fieldType(t: DuckDBType): FieldType {
  const id = t.typeId;
  if (id === DuckDBTypeId.VARCHAR) return 'string';
  if (id === DuckDBTypeId.BOOLEAN) return 'bool';
  if (INT_TYPES.has(id)) return 'int';
  if (FLOAT_TYPES.has(id)) return 'float';
  if (id === DuckDBTypeId.TIMESTAMP || id === DuckDBTypeId.TIMESTAMP_TZ) return 'timestamp';
  if (id === DuckDBTypeId.LIST) {
    const inner = fieldType((t as DuckDBListType).valueType);
    return inner === 'int' ? 'int[]' : inner === 'string' ? 'string[]' : 'json';
  }
  return 'string';
}

function fromDuck(v: DuckDBValue): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof DuckDBTimestampValue) return Number(v.micros);
  if (typeof v === 'object' && 'items' in v && Array.isArray(v.items)) return v.items.map((x) => fromDuck(x as DuckDBValue));
  if (typeof v === 'object' && 'micros' in v) return Number((v as { micros: bigint }).micros);
  if (typeof v === 'object' && 'toDouble' in v && typeof v.toDouble === 'function') return (v as { toDouble(): number }).toDouble();
  return String(v);
}
