// The ClickHouse store (one server, or a cluster through Distributed tables), over the HTTP interface with
// JSONEachRow batches. Written for Debian's clickhouse-server 18.16 in SQL that current releases accept: no
// query parameters, no DateTime64 (timestamps are Int64 µs), no ON CLUSTER (it needs ZooKeeper).
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { HaystackError } from '../core/errors.js';
import { CAPTURES, type CaptureRecord } from '../schema/captures.js';
import { APP_SCHEMAS, RECORD_SCHEMAS } from '../schema/registry.js';
import type { FieldType, RecordSchema } from '../schema/schema.js';
import { addColumns, clickhouseDistributed, clickhouseTable, ident, quoteString } from './sql.js';
import type { CaptureWriter, QueryResult, ResultColumn, Row, Store, StoreUrl } from './store.js';
import { redact } from './url.js';

/** Rows per INSERT: large enough that ClickHouse makes few parts, small enough to keep memory flat. */
const BATCH_ROWS = 20000;
/** An attempt without a captures row this long after it began is dead (a live ingest of 250 MB takes seconds). */
const STALE_ATTEMPT_MS = 3_600_000;
/** Local (per-shard) table of a record type on a cluster. */
const LOCAL_SUFFIX = '_local';
/** Statements a read-only query may start with (the server's readonly=2 setting enforces it too). */
const READ_STATEMENTS = /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*(select|with|show|describe|desc|explain|exists)\b/i;

type ClickHouseUrl = Extract<StoreUrl, { kind: 'clickhouse' }>;

function client(u: ClickHouseUrl, database: string | undefined): ClickHouseClient {
  return createClient({
    url: u.url,
    username: u.user,
    password: u.password,
    ...(database !== undefined ? { database } : {}),
    // errors reach the user as HaystackErrors; the client's own console logging stays off
    log: { level: ClickHouseLogLevel.OFF },
    application: 'haystack',
    // no client-wide settings: a user whose profile is read-only may not change any (64-bit integers arrive
    // quoted and are converted by column type)
  });
}

export async function openClickHouse(u: ClickHouseUrl, readOnly = false, queryTimeoutMs?: number): Promise<ClickHouseStore> {
  if (!readOnly) {
    // a client without a database creates it; the store's own client has it as the default for user SQL
    const admin = new ClickHouseStore(u, client(u, undefined));
    try {
      await admin.ping();
      await admin.exec(`CREATE DATABASE IF NOT EXISTS ${ident(u.database)}`);
    } finally {
      await admin.close();
    }
  }
  const s = new ClickHouseStore(u, client(u, u.database), queryTimeoutMs);
  await s.ping();
  return s;
}

export class ClickHouseStore implements Store {
  readonly dialect = 'clickhouse' as const;
  readonly location: string;
  readonly database: string;
  readonly cluster: string | null;

  constructor(u: ClickHouseUrl, private readonly client: ClickHouseClient, private readonly queryTimeoutMs?: number) {
    this.location = redact(`clickhouse://${u.user}@${u.url.replace(/^http:\/\//, '')}/${u.database}${u.cluster !== null ? `?cluster=${u.cluster}` : ''}`);
    this.database = u.database;
    this.cluster = u.cluster;
  }

  async ping(): Promise<void> {
    await this.run('SELECT 1');
  }

  /**
   * Creates the database and tables on the node this store talks to. On a cluster: `<type>_local` MergeTree
   * tables and `<type>` Distributed tables over them (run it on every node; without ZooKeeper there is no
   * ON CLUSTER).
   */
  async init(): Promise<void> {
    for (const s of [...RECORD_SCHEMAS, ...APP_SCHEMAS]) {
      if (this.cluster === null) {
        await this.exec(clickhouseTable(s, s.name, this.database));
      } else {
        await this.exec(clickhouseTable(s, s.name + LOCAL_SUFFIX, this.database));
        await this.exec(clickhouseDistributed(s, s.name, s.name + LOCAL_SUFFIX, this.database, this.cluster));
      }
      // tables made by an earlier version get the fields added since (local table first, then the Distributed one)
      for (const name of this.cluster === null ? [s.name] : [s.name + LOCAL_SUFFIX, s.name]) {
        const have = await this.select(`SELECT name FROM system.columns WHERE database = ${quoteString(this.database, 'clickhouse')} AND table = ${quoteString(name, 'clickhouse')}`);
        for (const sql of addColumns(s, have.rows.map((r) => String(r.name)), `${ident(this.database)}.${ident(name)}`, 'clickhouse')) await this.exec(sql);
      }
    }
  }

  async findCapture(sha256: string): Promise<CaptureRecord | null> {
    const r = await this.select(`SELECT * FROM ${this.table(CAPTURES.name)} WHERE ${ident('sha256')} = ${quoteString(sha256, 'clickhouse')} LIMIT 1`);
    const row = r.rows[0];
    return row === undefined ? null : (fromRow(CAPTURES, row) as CaptureRecord);
  }

  /**
   * No transactions here: rows of a capture carry an id unique to this attempt, and only ids with a captures
   * row count (reports filter on them). Rows that an attempt begun over an hour ago left without a captures
   * row are deleted from this node's tables first; younger ones may belong to an ingest still running in
   * another process, and stay (invisible to reports) until a later ingest finds them stale.
   */
  /** rows go straight to the tables, each carrying its capture's attempt id */
  readonly idAtCommit = false;

  async begin(captureId: string | null): Promise<CaptureWriter> {
    if (captureId === null) throw new Error('ClickHouseStore: the capture id is needed before its rows are written');
    const id = ident('capture_id');
    const union = RECORD_SCHEMAS.filter((s) => s !== CAPTURES)
      .map((s) => `SELECT ${id} FROM ${this.table(s.name)} WHERE startsWith(${id}, ${quoteString(captureId, 'clickhouse')})`)
      .join(' UNION ALL ');
    const stale = await this.select(
      `SELECT DISTINCT ${id} AS id FROM (${union}) WHERE ${id} GLOBAL NOT IN (SELECT ${id} FROM ${this.table(CAPTURES.name)})`,
    );
    const old = stale.rows.filter((r) => Date.now() - attemptTime(String(r.id)) > STALE_ATTEMPT_MS);
    for (const s of RECORD_SCHEMAS) {
      if (s === CAPTURES) continue;
      for (const row of old) {
        const local = this.cluster === null ? s.name : s.name + LOCAL_SUFFIX;
        await this.exec(`ALTER TABLE ${ident(this.database)}.${ident(local)} DELETE WHERE ${ident('capture_id')} = ${quoteString(String(row.id), 'clickhouse')}`);
      }
    }
    const attempt = `${captureId}-${Date.now().toString(36)}`;
    return new ClickHouseWriter(this, attempt);
  }

  async appendApp(schema: RecordSchema, rows: readonly Row[]): Promise<void> {
    if (!APP_SCHEMAS.includes(schema)) throw new Error(`ClickHouseStore.appendApp: ${schema.name} is not an app table`);
    if (rows.length === 0) return;
    // app tables have no capture_id: toRow's id is unused
    await this.insert(schema.name, rows.map((r) => toRow(schema, r, '')));
  }

  async query(sql: string): Promise<QueryResult> {
    if (!READ_STATEMENTS.test(sql)) throw new HaystackError('HAYSTACK_STORE', 'read-only: only SELECT, WITH, SHOW, DESCRIBE, EXPLAIN and EXISTS statements are run');
    // readonly=1: no writes, no settings changes, no table functions (file(), url(), remote() run under 2)
    return this.select(sql, { readonly: '1' });
  }

  /** A query whose text we built, result typed by ClickHouse's metadata. */
  async select(sql: string, settings: Record<string, string> = {}): Promise<QueryResult> {
    // a time limit for reads: the server stops the query past it (18.16 and current: max_execution_time, s)
    const limit = this.queryTimeoutMs === undefined ? {} : { max_execution_time: String(Math.max(1, Math.ceil(this.queryTimeoutMs / 1000))), timeout_overflow_mode: 'throw' };
    let rs;
    try {
      rs = await this.guard(() => this.client.query({ query: sql, format: 'JSON', clickhouse_settings: { ...limit, ...settings } as never }));
    } catch (e) {
      // TIMEOUT_EXCEEDED (159)
      if (this.queryTimeoutMs !== undefined && /TIMEOUT_EXCEEDED|Timeout exceeded/i.test(e instanceof Error ? e.message : '')) {
        throw new HaystackError('HAYSTACK_TIMEOUT', `the query ran longer than ${Math.ceil(this.queryTimeoutMs / 1000)} s and was stopped: narrow the time range or the filter`, { cause: e });
      }
      throw e;
    }
    const body = await this.guard(() => rs.json<Row>()) as unknown as { meta: { name: string; type: string }[]; data: Row[] };
    const columns: ResultColumn[] = body.meta.map((m) => ({ name: m.name, type: fieldType(m.type) }));
    const rows = body.data.map((r) => {
      const o: Row = {};
      for (const c of columns) o[c.name] = fromValue(c.type, r[c.name]);
      return o;
    });
    return { columns, rows };
  }

  async *scan(sql: string): AsyncGenerator<Row[]> {
    const rs = await this.guard(() => this.client.query({ query: sql, format: 'JSONEachRow' }));
    for await (const batch of rs.stream()) yield (batch as { json(): Row }[]).map((r) => r.json());
  }

  async exec(sql: string): Promise<void> {
    await this.guard(() => this.client.command({ query: sql }));
  }

  async insert(table: string, rows: Row[]): Promise<void> {
    await this.guard(() => this.client.insert({
      table: `${this.database}.${table}`,
      values: rows,
      format: 'JSONEachRow',
      // on a cluster the rows are on the shards when the INSERT returns, so the captures row comes after them
      clickhouse_settings: (this.cluster !== null ? { insert_distributed_sync: 1 } : {}) as never,
    }));
  }

  table(name: string): string {
    return `${ident(this.database)}.${ident(name)}`;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async run(sql: string): Promise<void> {
    const rs = await this.guard(() => this.client.query({ query: sql, format: 'JSON' }));
    await this.guard(() => rs.json());
  }

  private async guard<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof HaystackError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      const code = (e as { code?: string }).code;
      if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ENOTFOUND') {
        throw new HaystackError('HAYSTACK_STORE', `${this.location}: cannot connect (${code})`, { cause: e });
      }
      throw new HaystackError('HAYSTACK_STORE', `${this.location}: ${msg.split('\n')[0]}`, { cause: e });
    }
  }
}

class ClickHouseWriter implements CaptureWriter {
  private readonly buffers = new Map<RecordSchema, Row[]>();
  readonly counts = new Map<string, number>();
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly store: ClickHouseStore, private readonly captureId: string) {}

  append(schema: RecordSchema, row: Row): void {
    let b = this.buffers.get(schema);
    if (b === undefined) {
      b = [];
      this.buffers.set(schema, b);
    }
    b.push(toRow(schema, row, this.captureId));
    this.counts.set(schema.name, (this.counts.get(schema.name) ?? 0) + 1);
  }

  /** the failure of the INSERT in flight, reported by the next flush or commit */
  private failure: unknown = null;

  async flush(): Promise<void> {
    // one INSERT in flight while the next chunk of the capture is decoded; wait for it before sending another
    for (const [schema, rows] of this.buffers) {
      if (rows.length < BATCH_ROWS) continue;
      await this.settle();
      this.buffers.set(schema, []);
      this.inFlight = this.store.insert(schema.name, rows).catch((e: unknown) => {
        this.failure = e;
      });
    }
  }

  private async settle(): Promise<void> {
    await this.inFlight;
    if (this.failure !== null) throw this.failure;
  }

  async commit(capture: CaptureRecord): Promise<string> {
    await this.settle();
    for (const [schema, rows] of this.buffers) if (rows.length > 0) await this.store.insert(schema.name, rows);
    this.buffers.clear();
    await this.store.insert(CAPTURES.name, [toRow(CAPTURES, { ...capture, capture_id: this.captureId }, this.captureId)]);
    return this.captureId;
  }

  async abort(): Promise<void> {
    // what was sent stays invisible (no captures row) and is deleted by the next attempt
    await this.inFlight;
    this.buffers.clear();
  }
}

/** When an attempt began, from its id (`<sha256 prefix>-<ms since the epoch, base 36>`); 0 if unreadable. */
function attemptTime(id: string): number {
  const t = parseInt(id.slice(id.lastIndexOf('-') + 1), 36);
  return Number.isFinite(t) ? t : 0;
}

/** A row in JSONEachRow form: bools as 0/1, null lists as [], json as text, capture_id set. */
function toRow(schema: RecordSchema, row: Row, captureId: string): Row {
  const o: Row = {};
  for (const f of schema.fields) {
    let v = f.name === 'capture_id' ? captureId : row[f.name];
    if (v === undefined) v = null;
    if (f.type === 'bool' && v !== null) v = v === true ? 1 : 0;
    else if (f.type.endsWith('[]') && v === null) v = [];
    else if (f.type === 'json' && v !== null && typeof v !== 'string') v = JSON.stringify(v);
    o[f.name] = v;
  }
  return o;
}

/** A row read back from a schema table: bools from 0/1 (timestamps are already µs). */
function fromRow(schema: RecordSchema, row: Row): Row {
  const o: Row = {};
  for (const f of schema.fields) o[f.name] = f.type === 'bool' && row[f.name] !== null ? row[f.name] === 1 || row[f.name] === true : row[f.name];
  return o;
}

/** Our field type for a ClickHouse column type (Int64 µs timestamps read as plain integers). */
function fieldType(t: string): FieldType {
  const base = t.replace(/^Nullable\((.*)\)$/, '$1').replace(/^LowCardinality\((.*)\)$/, '$1');
  if (/^Array\((Nullable\()?U?Int/.test(base)) return 'int[]';
  if (/^Array\(/.test(base)) return 'string[]';
  if (/^U?Int\d+$/.test(base)) return 'int';
  if (/^(Float\d+|Decimal)/.test(base)) return 'float';
  if (/^DateTime/.test(base)) return 'string';
  return 'string';
}

function fromValue(type: FieldType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'int' && typeof v === 'string') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (type === 'int[]' && Array.isArray(v)) return v.map((x) => (typeof x === 'string' && Number.isSafeInteger(Number(x)) ? Number(x) : x));
  return v;
}


