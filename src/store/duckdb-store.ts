// The embedded store: one DuckDB file; a capture's rows spooled as JSON lines and loaded in one transaction
// (an interrupted ingest leaves nothing behind); opened with extension auto-install/auto-load off.
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type * as DuckDB from '@duckdb/node-api';
import type {
  DuckDBListType, DuckDBConnection, DuckDBDataChunk, DuckDBType, DuckDBValue, DuckDBVector,
} from '@duckdb/node-api';
import { HaystackError } from '../core/errors.js';
import { CAPTURES, type CaptureRecord } from '../schema/captures.js';
import { APP_SCHEMAS, RECORD_SCHEMAS } from '../schema/registry.js';
import type { FieldDef, FieldType, RecordSchema } from '../schema/schema.js';
import { duckdbApi } from './duckdb-api.js';
import { ROW_GROUP_SIZES } from './open.js';
import { addColumns, duckdbTable, ident, quoteString } from './sql.js';
import { heldByServerMessage, readServerLock } from './writer-lock.js';

const {
  BIGINT, BOOLEAN, DOUBLE, DuckDBInstance, DuckDBTimestampValue, DuckDBTypeId, LIST,
  StatementType, TIMESTAMP, VARCHAR, listValue,
  DuckDBBigIntVector, DuckDBListVector, DuckDBTimestampVector,
} = duckdbApi;
import { MAX_ROW_BYTES, type CaptureWriter, type QueryResult, type ResultColumn, type Row, type Store } from './store.js';

const TYPES: Record<FieldType, DuckDBType> = {
  string: VARCHAR, int: BIGINT, float: DOUBLE, bool: BOOLEAN, timestamp: TIMESTAMP,
  'string[]': LIST(VARCHAR), 'int[]': LIST(BIGINT), json: VARCHAR,
};

export interface DuckDbOptions {
  readOnly?: boolean;
  /** keep file access on for a read-only store (Parquet export writes a file) */
  fileAccess?: boolean;
  /** reads on their own connections are interrupted past this many ms (OpenStoreOptions.queryTimeoutMs) */
  queryTimeoutMs?: number;
  /** DuckDB's worker threads (OpenStoreOptions.threads); default one per core */
  threads?: number;
  /** rows per row group of what this open writes (OpenStoreOptions.rowGroupSize); default ROW_GROUP_SIZE */
  rowGroupSize?: number;
  /** a read-only open after the upgrade of an earlier version's store was tried (openDuckDb) */
  upgraded?: boolean;
}

/**
 * Row groups of the attached file. DuckDB keeps a transaction's appended rows in memory until a row group is
 * full (122,880 rows by default: ~400 MB of uncommitted tls and session rows on a 1 GB capture); 16,384 keeps
 * what one capture's transaction holds small while scans stay vectorised.
 */
const ROW_GROUP_SIZE = 16384;
/**
 * Reading connections of a writable store (the one `haystack serve` holds). Connections of one instance run
 * their queries in parallel, so a client's short search does not queue behind another's 7-day scan; each query
 * still uses DuckDB's threads (one per core). Ten clients of distinct searches over 10M sessions on two cores
 * (bench/README.md, server): 63 req/s with one reader, 77 with two, 81 with three, 80 with four; the latency
 * of one client is the same with any. HAYSTACK_DUCKDB_READERS overrides it (for such measurements).
 */
const READERS = Number(process.env.HAYSTACK_DUCKDB_READERS) > 0 ? Number(process.env.HAYSTACK_DUCKDB_READERS) : 3;
/** DuckDB's memory limit unless HAYSTACK_DUCKDB_MEMORY says otherwise (ingest RSS: bench/README.md). */
const DEFAULT_MEMORY_LIMIT = '128MB';

/** Whether the attached store lacks a table or a record column of this version's schemas (made by an earlier version). */
async function lacksTables(conn: DuckDBConnection): Promise<boolean> {
  const r = await conn.runAndReadAll(`SELECT table_name, column_name FROM information_schema.columns WHERE table_catalog = 'hs' AND table_schema = 'main'`);
  const have = new Set(r.getRows().map((x) => `${String(x[0])}.${String(x[1])}`));
  const tables = new Set([...have].map((k) => k.slice(0, k.indexOf('.'))));
  // init() adds the record tables' new columns and creates missing tables (an app table's columns are not added)
  return RECORD_SCHEMAS.some((s) => s.fields.some((f) => !have.has(`${s.name}.${f.name}`))) || APP_SCHEMAS.some((s) => !tables.has(s.name));
}

/** Opens (creating when writable) a DuckDB file; a file another process writes to is a clear error. */
export async function openDuckDb(path: string, opts: DuckDbOptions = {}): Promise<DuckDbStore> {
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    // DuckDB's buffer pool; its default (80% of RAM) would let a long ingest's RSS grow far past Haystack's own
    memory_limit: process.env.HAYSTACK_DUCKDB_MEMORY ?? DEFAULT_MEMORY_LIMIT,
    // what spills past the memory limit goes beside the file, not into a .tmp of whatever directory we run in
    temp_directory: `${path}.tmp`,
    ...(opts.threads !== undefined ? { threads: String(opts.threads) } : {}),
  });
  const conn = await instance.connect();
  try {
    // the file is attached (not opened as the main database) so that its row-group size can be set; it applies to
    // what this open writes (a file holds row groups of any sizes: DuckDB reads and appends to them alike)
    const mode = opts.readOnly === true ? ', READ_ONLY' : '';
    const rowGroup = opts.rowGroupSize !== undefined && ROW_GROUP_SIZES.has(opts.rowGroupSize) ? opts.rowGroupSize : ROW_GROUP_SIZE;
    await conn.run(`ATTACH ${quoteString(path, 'duckdb')} AS ${ident('hs')} (ROW_GROUP_SIZE ${rowGroup}${mode})`);
    await conn.run(`USE ${ident('hs')}`);
  } catch (e) {
    conn.closeSync();
    instance.closeSync();
    throw openError(path, e, opts.readOnly === true ? 'read' : 'write');
  }
  if (opts.readOnly === true) {
    if (opts.upgraded !== true && (await lacksTables(conn))) {
      // a store made by an earlier version: the tables and nullable columns added since are added once, by a write
      // open (as an ingest would), and the store is then read; one that cannot be written (permissions, a writer
      // holding it) is read as it is, and a query of a column it lacks says so
      conn.closeSync();
      instance.closeSync();
      try {
        const w = await openDuckDb(path, { ...opts, readOnly: false });
        try {
          await w.init();
        } finally {
          await w.close();
        }
      } catch {
        // read as it is
      }
      return openDuckDb(path, { ...opts, upgraded: true });
    }
    // queries read the tables, not the file system (read_csv, COPY TO, ATTACH): the CLI and the console run
    // user SQL; and no query may change the configuration back (SET, EXPLAIN ANALYZE SET ...)
    if (opts.fileAccess !== true) await conn.run('SET enable_external_access = false');
    await conn.run('SET lock_configuration = true');
    return new DuckDbStore(path, instance, conn, [conn], opts);
  }
  // a writable store reads on connections of its own: a query (a server's, while it ingests an upload) sees only
  // committed captures, runs beside the ingest's loads, and when it fails it cannot abort the ingest's transaction
  const reads: DuckDBConnection[] = [];
  for (let i = 0; i < READERS; i++) {
    const r = await instance.connect();
    await r.run(`USE ${ident('hs')}`);
    reads.push(r);
  }
  return new DuckDbStore(path, instance, conn, reads, opts);
}

/** The statement without leading comments and blanks. */
function stripComments(sql: string): string {
  return sql.replace(/^(\s*(--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/))*/, '');
}

function openError(path: string, e: unknown, access: 'read' | 'write'): HaystackError {
  const msg = e instanceof Error ? e.message : String(e);
  if (/Could not set lock/i.test(msg)) {
    const holder = /Conflicting lock is held in (.*?)(?:\. See|$)/.exec(msg)?.[1];
    // `haystack serve` names itself in a sidecar: believed when its process lives and is the one DuckDB names
    const server = readServerLock(path);
    const pid = /\(PID (\d+)\)/.exec(holder ?? '')?.[1];
    if (server !== null && (pid === undefined || Number(pid) === server.pid)) {
      return new HaystackError('HAYSTACK_STORE', heldByServerMessage(path, server, access), { cause: e, file: path });
    }
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

  /** the connections that read (queries); the writer's own connection when the store is read-only */
  private readonly readers: Lane[];
  private readonly writer: Lane;

  constructor(path: string, private readonly instance: DuckDB.DuckDBInstance, private readonly conn: DuckDBConnection, reads: readonly DuckDBConnection[], private readonly opts: DuckDbOptions = {}) {
    this.location = path;
    this.writer = new Lane(conn);
    this.readers = reads.map((r) => (r === conn ? this.writer : new Lane(r)));
  }

  /** The reading connection with the fewest calls waiting (streams keep to the first: see scan). */
  private reader(): Lane {
    let best = this.readers[0]!;
    for (const l of this.readers) if (l.pending < best.pending) best = l;
    return best;
  }

  async init(): Promise<void> {
    for (const s of RECORD_SCHEMAS) {
      await this.exec(duckdbTable(s));
      const have = await this.select(`SELECT column_name AS name FROM information_schema.columns WHERE table_catalog = 'hs' AND table_schema = 'main' AND table_name = ${quoteString(s.name, 'duckdb')}`);
      for (const sql of addColumns(s, have.rows.map((r) => String(r.name)), s.name, 'duckdb')) await this.exec(sql);
      // staging tables of earlier versions (rows now wait in a spool of JSON lines)
      await this.exec(`DROP TABLE IF EXISTS ${ident(`_staging_${s.name}`)}`);
    }
    for (const s of APP_SCHEMAS) await this.exec(duckdbTable(s));
  }

  /** the connection app rows are written on (lazily made): never inside an ingest's open transaction */
  private appConn: DuckDBConnection | null = null;
  private appTurn: Promise<unknown> = Promise.resolve();

  async appendApp(schema: RecordSchema, rows: readonly Row[]): Promise<void> {
    if (!APP_SCHEMAS.includes(schema)) throw new Error(`DuckDbStore.appendApp: ${schema.name} is not an app table`);
    if (rows.length === 0) return;
    const run = this.appTurn.then(async () => {
      if (this.appConn === null) {
        const c = await this.instance.connect();
        await c.run(`USE ${ident('hs')}`);
        this.appConn = c;
      }
      const conn = this.appConn;
      const names = schema.fields.map((f) => ident(f.name)).join(', ');
      const stmt = await conn.prepare(`INSERT INTO ${ident(schema.name)} (${names}) VALUES (${schema.fields.map(() => '?').join(', ')})`);
      // values are bound, not written into the text; all rows of the call in one transaction
      await conn.run('BEGIN TRANSACTION');
      try {
        for (const row of rows) {
          stmt.bind(schema.fields.map((f) => toDuck(f, row[f.name])), schema.fields.map((f) => TYPES[f.type]));
          await stmt.run();
        }
        await conn.run('COMMIT');
      } catch (e) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
    this.appTurn = run.catch(() => undefined);
    try {
      await run;
    } catch (e) {
      if (e instanceof HaystackError) throw e;
      throw new HaystackError('HAYSTACK_STORE', `${this.location}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
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
    // what an interrupted ingest left in the spool goes (one writer per file: nobody else is using it)
    const dir = spoolDir(this.location);
    try {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      this.writing = false;
      throw new HaystackError('HAYSTACK_STORE', `${dir}: cannot make the ingest spool (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e, file: dir });
    }
    return new DuckDbWriter(this, this.conn, dir, captureId, () => (this.writing = false));
  }

  async query(sql: string): Promise<QueryResult> {
    const lane = this.reader();
    const stmts = await this.guard(() => lane.conn.extractStatements(sql), lane);
    if (stmts.count !== 1) throw new HaystackError('HAYSTACK_STORE', `one statement at a time (got ${stmts.count})`);
    const prepared = await this.guard(() => stmts.prepare(0), lane);
    const t = prepared.statementType;
    // EXPLAIN ANALYZE runs the statement it explains, whatever it is
    if ((t !== StatementType.SELECT && t !== StatementType.EXPLAIN) || (t === StatementType.EXPLAIN && /^\s*explain\s+analy[sz]e\b/i.test(stripComments(sql)))) {
      throw new HaystackError('HAYSTACK_STORE', `read-only: only SELECT (and EXPLAIN) statements are run (this is a ${StatementType[t]} statement)`);
    }
    return this.timed(lane, async () => convert(await prepared.runAndReadAll()));
  }

  /** Our own SELECTs (no statement check: the text is built by us). */
  async select(sql: string): Promise<QueryResult> {
    const lane = this.reader();
    return this.timed(lane, async () => convert(await lane.conn.runAndReadAll(sql)));
  }

  /**
   * A read on its lane, under the time limit if one was set and the lane is a reader's own (never the
   * writer's: an ingest is not interrupted). The clock starts when the read starts, not while it waits for its
   * connection; past the limit the connection's query is interrupted.
   */
  private async timed<T>(lane: Lane, f: () => Promise<T>): Promise<T> {
    const ms = this.opts.queryTimeoutMs;
    if (ms === undefined || lane === this.writer) return this.guard(f, lane);
    let fired = false;
    try {
      return await this.guard(async () => {
        const timer = setTimeout(() => {
          fired = true;
          lane.conn.interrupt();
        }, ms);
        try {
          return await f();
        } finally {
          clearTimeout(timer);
        }
      }, lane);
    } catch (e) {
      if (fired) throw new HaystackError('HAYSTACK_TIMEOUT', `the query ran longer than ${ms / 1000} s and was stopped: narrow the time range or the filter`, { cause: e });
      throw e;
    }
  }

  async writeParquet(sql: string, path: string): Promise<void> {
    await this.exec(`COPY (${sql}) TO ${quoteString(path, 'duckdb')} (FORMAT parquet, COMPRESSION zstd)`);
  }

  async copyLines(sql: string, path: string): Promise<number> {
    // a connection of its own: copies of consecutive parts of a table run side by side (export), each in its order
    const conn = await this.instance.connect();
    try {
      await conn.run(`USE ${ident('hs')}`);
      // CSV of one column without quoting (QUOTE '': DuckDB quotes a value holding '#' or '"' otherwise, whatever
      // the quote character) and a delimiter the lines never hold (control characters are escaped by every
      // format): DuckDB writes each value as it is, in the query's order. Into the file itself, truncated (not a
      // temporary file renamed over it: an existing file keeps its mode and owner), never compressed (whatever
      // the name ends with: `conn.log.gz` is the caller's text)
      const r = await this.guard(() => conn.runAndReadAll(`COPY (${sql}) TO ${quoteString(path, 'duckdb')} (FORMAT csv, HEADER false, QUOTE ${quoteString('', 'duckdb')}, ` +
        `DELIMITER ${quoteString(COPY_DELIMITER, 'duckdb')}, COMPRESSION ${quoteString('none', 'duckdb')}, USE_TMP_FILE false)`), new Lane(conn));
      return Number(r.getRows()[0]?.[0] ?? 0);
    } finally {
      conn.closeSync();
    }
  }

  async *scan(sql: string): AsyncGenerator<Row[]> {
    // a stream's chunks are fetched from the connection that started it: always the first reader
    const lane = this.readers[0]!;
    const res = await this.guard(() => lane.conn.stream(sql), lane);
    const names = res.columnNames();
    // the next chunk is asked for before this one is converted: DuckDB's threads read while Node converts
    // (a consumer that stops early leaves one fetch unawaited: its failure is not an unhandled rejection)
    let next = this.guard(() => res.fetchChunk(), lane);
    next.catch(() => undefined);
    for (;;) {
      const chunk = await next;
      if (chunk === null || chunk.rowCount === 0) return;
      next = this.guard(() => res.fetchChunk(), lane);
      next.catch(() => undefined);
      yield chunkRows(chunk, names);
    }
  }

  async exec(sql: string): Promise<void> {
    await this.guard(() => this.conn.run(sql));
  }

  /** A statement on the writing connection; the rows it changed. */
  async execCount(sql: string): Promise<number> {
    return Number((await this.guard(() => this.conn.run(sql))).rowsChanged);
  }

  async close(): Promise<void> {
    // calls still queued or running finish first: closing a connection under a running query leaves its
    // callback unresolved, and the process never exits (a server stopped while requests were in flight)
    await Promise.all([this.writer, ...this.readers].map((l) => l.idle()));
    await this.appTurn;
    this.appConn?.closeSync();
    for (const r of this.readers) if (r !== this.writer) r.conn.closeSync();
    this.conn.closeSync();
    this.instance.closeSync();
  }

  /** Runs f when the writing connection's earlier calls are done. */
  serial<T>(f: () => Promise<T>): Promise<T> {
    return this.writer.serial(f);
  }

  private async guard<T>(f: () => Promise<T>, lane: Lane = this.writer): Promise<T> {
    try {
      return await lane.serial(f);
    } catch (e) {
      if (e instanceof HaystackError) throw e;
      throw new HaystackError('HAYSTACK_STORE', `${this.location}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}

/** A connection's work, one call at a time (an ingest's loads run while it reads packets). */
class Lane {
  private turn: Promise<unknown> = Promise.resolve();
  /** calls queued or running */
  pending = 0;

  constructor(readonly conn: DuckDBConnection) {}

  /** Resolves when the calls queued so far are done. */
  idle(): Promise<unknown> {
    return this.turn;
  }

  /** Runs f when the connection's earlier calls are done. */
  serial<T>(f: () => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.turn.then(f, f).finally(() => this.pending--);
    this.turn = run.catch(() => undefined);
    return run;
  }
}

/** Where a capture's rows wait (one JSON-lines file per table) until the capture commits. */
/** copyLines' CSV delimiter: a control character no line of an external format holds */
const COPY_DELIMITER = '\x02';

function spoolDir(dbPath: string): string {
  return `${dbPath}.spool`;
}

/** read_json's type of a field (timestamps travel as µs integers and become TIMESTAMP in the SELECT) */
const JSON_TYPES: Record<FieldType, string> = {
  string: 'VARCHAR', int: 'BIGINT', float: 'DOUBLE', bool: 'BOOLEAN', timestamp: 'BIGINT',
  'string[]': 'VARCHAR[]', 'int[]': 'BIGINT[]', json: 'VARCHAR',
};

/** Lone UTF-16 surrogates (JSON.stringify escapes them; DuckDB's UTF-8 strings cannot hold them). */
const LONE_SURROGATE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/gi;

/**
 * One row as a JSON object (V8's own serializer: twice as fast as building the text field by field). Rows are
 * our records, keyed by their schema's fields; read_json takes the schema's columns and ignores capture_id
 * (the commit sets it). A null in a field the schema says is always set fails the NOT NULL constraint at commit.
 */
export function jsonLine(row: Row): string {
  const out = JSON.stringify(row);
  return out.includes('\\ud') ? out.replace(LONE_SURROGATE, '$1\\ufffd') : out;
}

/** The SELECT that moves a spooled table into its real one. */
function fromSpool(schema: RecordSchema, file: string, captureId: string): string {
  const columns = schema.fields.filter((f) => f.name !== 'capture_id').map((f) => `${quoteString(f.name, 'duckdb')}: ${quoteString(JSON_TYPES[f.type], 'duckdb')}`);
  const select = schema.fields.map((f) => {
    if (f.name === 'capture_id') return `${quoteString(captureId, 'duckdb')} AS ${ident(f.name)}`;
    if (f.type === 'timestamp') return `make_timestamp(${ident(f.name)}) AS ${ident(f.name)}`;
    return ident(f.name);
  });
  // columns named: a table that gained columns by ALTER has them in its own order
  return `INSERT INTO ${ident(schema.name)} (${schema.fields.map((f) => ident(f.name)).join(', ')}) SELECT ${select.join(', ')} FROM read_json(${quoteString(file, 'duckdb')}, ` +
    `format = 'newline_delimited', auto_detect = false, maximum_object_size = ${MAX_LINE}, columns = {${columns.join(', ')}})`;
}

/** The longest row read_json accepts: the stores' row limit (store.ts MAX_ROW_BYTES). */
export const MAX_LINE = MAX_ROW_BYTES;

/**
 * Spools a capture's rows to JSON-lines files beside the database, loaded segment by segment into the real
 * tables by DuckDB's threads while packets are still being read, all in one transaction with the captures row
 * last: readers see all of a capture or nothing, an interrupted ingest leaves only the spool (removed by the
 * next one), and memory stays flat (DuckDB writes a transaction's full row groups to the file as they fill).
 * The appender this replaced parsed and compressed on Node's thread and cost half of an ingest.
 */
class DuckDbWriter implements CaptureWriter {
  private readonly tables = new Map<string, SpoolFile>();
  readonly counts = new Map<string, number>();
  private done = false;
  /** segments written and waiting for the capture's id before they can be loaded */
  private waiting: { schema: RecordSchema; path: string }[] = [];
  /** the loads started so far, in order; the first failure */
  private loads: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private inTransaction = false;

  constructor(
    private readonly store: DuckDbStore,
    private readonly conn: DuckDBConnection,
    private readonly dir: string,
    private captureId: string | null,
    private readonly release: () => void,
  ) {}

  append(schema: RecordSchema, row: Row): void {
    let t = this.tables.get(schema.name);
    if (t === undefined) {
      t = new SpoolFile(schema, this.dir);
      this.tables.set(schema.name, t);
    }
    t.add(jsonLine(row));
    this.counts.set(schema.name, (this.counts.get(schema.name) ?? 0) + 1);
    // rows go to the spool file as they come, not at the next flush: one packet can end a table's worth of
    // sessions (a timeout sweep), whose rows must not wait in memory
    if (t.buffered >= SPOOL_WRITE_BYTES) this.spill(t);
  }

  /** Writes a table's gathered rows once there are enough of them; a full segment is closed for loading. */
  private spill(t: SpoolFile): void {
    if (t.segmentBytes + t.buffered >= SEGMENT_BYTES) this.waiting.push(t.endSegment());
    else if (t.buffered >= SPOOL_WRITE_BYTES) t.write();
  }

  identify(captureId: string): void {
    this.captureId ??= captureId;
    this.startLoads();
  }

  async flush(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    for (const t of this.tables.values()) this.spill(t);
    this.startLoads();
  }

  /** Queues the waiting segments' loads (once the id is known); nothing here waits for them. */
  private startLoads(): void {
    if (this.captureId === null || this.waiting.length === 0) return;
    const id = this.captureId;
    for (const seg of this.waiting.splice(0)) {
      this.inLoads(async () => {
        await this.store.exec(fromSpool(seg.schema, seg.path, id));
        rmSync(seg.path, { force: true });
      });
    }
  }

  /**
   * Queues a load after the others, inside the capture's transaction (begun by the first); skipped once one failed
   * or the writer ended, and its failure kept for commit() and the callers that wait.
   */
  private inLoads(load: () => Promise<void>): void {
    this.loads = this.loads.then(async () => {
      if (this.failure !== null || this.done) return;
      try {
        if (!this.inTransaction) {
          await this.store.exec('BEGIN TRANSACTION');
          this.inTransaction = true;
        }
        await load();
      } catch (e) {
        this.failure ??= e;
      }
    });
  }

  scratchPath(name: string): string {
    if (!/^[\w.-]+$/.test(name)) throw new Error(`DuckDbWriter.scratchPath: not a plain file name: ${name}`);
    return join(this.dir, `scratch-${name}`);
  }

  async appendSql(schema: RecordSchema, selectSql: string, opts: { threads?: number } = {}): Promise<number> {
    if (this.captureId === null) throw new Error('DuckDbWriter.appendSql: the capture id is not known yet');
    const id = this.captureId;
    let n = 0;
    this.inLoads(async () => {
      // DuckDB's thread count is the instance's: set for this insert only, then put back as it was
      let threads: number | null = null;
      if (opts.threads !== undefined) {
        threads = Number((await this.store.select(`SELECT current_setting('threads') AS t`)).rows[0]?.t);
        if (!Number.isSafeInteger(threads) || threads < 1) threads = null;
        else await this.store.exec(`SET threads = ${Math.max(1, Math.trunc(opts.threads))}`);
      }
      const select = schema.fields.map((f) => (f.name === 'capture_id' ? `${quoteString(id, 'duckdb')} AS ${ident(f.name)}` : ident(f.name)));
      try {
        // the rows in the order DuckDB's threads load them (a table has no order; its readers' own connections
        // keep theirs): the insert then runs in parallel without holding row groups back to reorder them, within
        // the store's memory limit (bench/README.md, import: twice as fast on two cores)
        await this.store.exec('SET SESSION preserve_insertion_order = false');
        try {
          n = await this.store.execCount(`INSERT INTO ${ident(schema.name)} (${schema.fields.map((f) => ident(f.name)).join(', ')}) SELECT ${select.join(', ')} FROM (${selectSql})`);
        } catch (e) {
          // a failed statement aborts the transaction: rolled back first, so that the setting can be reset
          await this.rollback();
          throw e;
        } finally {
          await this.store.exec('RESET SESSION preserve_insertion_order');
        }
      } finally {
        // each setting is put back on its own: a failure of one does not leave the other changed
        if (threads !== null) await this.store.exec(`SET threads = ${threads}`);
      }
    });
    await this.loads;
    if (this.failure !== null) throw this.failure;
    if (n > 0) this.counts.set(schema.name, (this.counts.get(schema.name) ?? 0) + n);
    return n;
  }

  async commit(capture: CaptureRecord): Promise<string> {
    for (const t of this.tables.values()) {
      t.write();
      if (t.segmentBytes > 0) this.waiting.push(t.endSegment());
    }
    this.identify(capture.capture_id);
    const id = this.captureId!;
    await this.loads;
    try {
      if (this.failure !== null) throw this.failure;
      if (!this.inTransaction) {
        await this.store.exec('BEGIN TRANSACTION');
        this.inTransaction = true;
      }
      const fields = CAPTURES.fields.map((f) => ident(f.name)).join(', ');
      const row: Row = { ...capture, capture_id: id };
      await this.store.serial(async () => {
        const cap = await this.conn.prepare(`INSERT INTO ${ident(CAPTURES.name)} (${fields}) VALUES (${CAPTURES.fields.map(() => '?').join(', ')})`);
        cap.bind(CAPTURES.fields.map((f) => toDuck(f, row[f.name])), CAPTURES.fields.map((f) => TYPES[f.type]));
        await cap.run();
      });
      await this.store.exec('COMMIT');
      this.inTransaction = false;
    } catch (e) {
      await this.rollback();
      this.finish();
      throw e;
    }
    this.finish();
    return id;
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.loads;
    await this.rollback();
    this.finish();
  }

  private async rollback(): Promise<void> {
    if (!this.inTransaction) return;
    this.inTransaction = false;
    await this.store.exec('ROLLBACK').catch(() => undefined);
  }

  private finish(): void {
    this.done = true;
    for (const t of this.tables.values()) t.discard();
    rmSync(this.dir, { recursive: true, force: true });
    this.release();
  }
}

/** Bytes of rows gathered before they are written to their spool file. */
export const SPOOL_WRITE_BYTES = 1 << 20;
/** Bytes of a table's spool loaded at a time (HAYSTACK_SPOOL_SEGMENT_BYTES: smaller in the crash tests). */
const SEGMENT_BYTES = Number(process.env.HAYSTACK_SPOOL_SEGMENT_BYTES) > 0 ? Number(process.env.HAYSTACK_SPOOL_SEGMENT_BYTES) : 8 << 20;

/** A table's spool: numbered JSON-lines segments. */
class SpoolFile {
  private lines: string[] = [];
  private fd: number | null = null;
  private segment = 0;
  /** characters gathered, not yet written */
  buffered = 0;
  /** characters written to the current segment */
  segmentBytes = 0;

  constructor(readonly schema: RecordSchema, private readonly dir: string) {}

  private get path(): string {
    return join(this.dir, `${this.schema.name}-${this.segment}.jsonl`);
  }

  add(line: string): void {
    // a JS string of n characters is at most 3n bytes of UTF-8
    if (line.length * 3 > MAX_LINE && Buffer.byteLength(line) > MAX_LINE) {
      throw new HaystackError('HAYSTACK_STORE', `a ${this.schema.name} row of ${Buffer.byteLength(line)} bytes is over the store's limit of ${MAX_LINE}`);
    }
    this.lines.push(line);
    this.buffered += line.length + 1;
  }

  write(): void {
    if (this.lines.length === 0) return;
    this.fd ??= openSync(this.path, 'w');
    writeSync(this.fd, `${this.lines.join('\n')}\n`);
    this.lines = [];
    this.segmentBytes += this.buffered;
    this.buffered = 0;
  }

  /** Closes the current segment (written first) and returns it; the next rows start another. */
  endSegment(): { schema: RecordSchema; path: string } {
    this.write();
    const done = { schema: this.schema, path: this.path };
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.segment++;
    this.segmentBytes = 0;
    return done;
  }

  discard(): void {
    this.lines = [];
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
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

const INT_TYPES: ReadonlySet<DuckDB.DuckDBTypeId> = new Set([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT, DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT,
]);
const FLOAT_TYPES: ReadonlySet<DuckDB.DuckDBTypeId> = new Set([DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL]);

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

/** A chunk's rows: its columns converted one by one (columnValues), then one object literal per row (rowMaker). */
function chunkRows(chunk: DuckDBDataChunk, names: readonly string[]): Row[] {
  const n = chunk.rowCount;
  const cols: unknown[][] = [];
  for (let c = 0; c < names.length; c++) cols.push(columnValues(chunk.getColumnVector(c), n));
  const make = rowMaker(names);
  const rows: Row[] = new Array<Row>(n);
  for (let r = 0; r < n; r++) rows[r] = make(cols, r);
  return rows;
}

/**
 * A vector's first n items as fromDuck gives them. A 64-bit integer or timestamp vector is read from its data as two
 * 32-bit halves (no BigInt and no value object per item); a list vector's child is converted once, each row's list
 * a slice of it (getItem made a sliced vector, its array and a list value per row: most of a tls export's garbage).
 */
function columnValues(vec: DuckDBVector, n: number): unknown[] {
  const col = new Array<unknown>(n);
  const words = int64Words(vec);
  if (words !== null) {
    for (let r = 0; r < n; r++) {
      const hi = words[2 * r + 1]!;
      // |value| < 2^53 when the high word is within +-2^21: exact as a number; outside it, or null, the general path
      col[r] = hi < INT53_HI && hi >= -INT53_HI && validAt(vec, r) ? hi * 4294967296 + (words[2 * r]! >>> 0) : fromDuck(vec.getItem(r));
    }
  } else if (vec instanceof DuckDBListVector) {
    const child = vec.childVector;
    const flat = columnValues(child, child.itemCount);
    for (let r = 0; r < n; r++) {
      if (!validAt(vec, r)) {
        col[r] = null;
        continue;
      }
      const off = vec.getEntryOffset(r);
      col[r] = flat.slice(off, off + vec.getEntryLength(r));
    }
  } else {
    for (let r = 0; r < n; r++) col[r] = fromDuck(vec.getItem(r));
  }
  return col;
}

/**
 * A row object maker for a result's column names: one object literal with every key (one allocation and one hidden
 * class per row, where adding keys one by one regrew each row's property store). Generated code (new Function), the
 * names embedded through JSON.stringify. A column name that repeats keeps its last value, as assignment did.
 */
function rowMaker(names: readonly string[]): (cols: unknown[][], r: number) => Row {
  const key = names.join('\u0000');
  let make = ROW_MAKERS.get(key);
  if (make === undefined) {
    const last = new Map(names.map((nm, i) => [nm, i]));
    // a literal's "__proto__" key would set the prototype: such a result (a user's SQL) gets its keys assigned
    if (last.has('__proto__')) {
      return (cols, r) => {
        const o: Row = {};
        for (const [nm, i] of last) o[nm] = cols[i]![r];
        return o;
      };
    }
    const props = [...last].map(([nm, i]) => `${JSON.stringify(nm)}: c[${i}][r]`);
    make = new Function(`return (c, r) => ({${props.join(', ')}});`)() as (cols: unknown[][], r: number) => Row;
    if (ROW_MAKERS.size >= ROW_MAKERS_MAX) ROW_MAKERS.clear();
    ROW_MAKERS.set(key, make);
  }
  return make;
}

/** row makers by column list (a process runs few distinct column lists; a server's users' SQL may run more) */
const ROW_MAKERS = new Map<string, (cols: unknown[][], r: number) => Row>();
/** makers kept before the cache starts over: a compile is ~0.1 ms against a scan's chunks of 2,048 rows */
const ROW_MAKERS_MAX = 256;

/** high word bound of a safe integer (2^53 = 2^21 * 2^32) */
const INT53_HI = 2 ** 21;

/**
 * The 32-bit words of a BIGINT or TIMESTAMP vector's data (little-endian: low word first), or null for any other
 * vector. The data is the vector's `items` BigInt64Array (@duckdb/node-api 1.5.6 keeps it there; another layout
 * falls back to getItem).
 */
function int64Words(vec: DuckDBVector): Int32Array | null {
  if (!(vec instanceof DuckDBBigIntVector) && !(vec instanceof DuckDBTimestampVector)) return null;
  const items = (vec as unknown as { items?: unknown }).items;
  if (!(items instanceof BigInt64Array) || !LITTLE_ENDIAN) return null;
  return new Int32Array(items.buffer, items.byteOffset, items.length * 2);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Whether a vector's item is not null: the vector's validity, as getItem reads it (@duckdb/node-api 1.5.6, pinned;
 * another layout falls back to getItem, slower but the same answer).
 */
function validAt(vec: DuckDBVector, r: number): boolean {
  const validity = (vec as unknown as { validity?: { itemValid?: (i: number) => boolean } }).validity;
  if (typeof validity?.itemValid === 'function') return validity.itemValid(r);
  return vec.getItem(r) !== null;
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
