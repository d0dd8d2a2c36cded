// `haystack import zeek|eve`: Zeek logs (TSV or JSON, plain or gzip) and Suricata EVE files into the store's
// record tables, each row with the log's own uid, `origin` zeek or suricata, and its unmapped fields in
// `extra`. A file is known by the SHA-256 of its text, as a log is (pipeline/logs.ts): importing it again
// changes nothing, an interrupted import leaves nothing visible (no captures row) and is redone by the next.
// A line that cannot be read becomes an anomaly naming the file and line; the rest of the file still loads.
import { setOwn } from '../core/own.js';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { opendir, open, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { AnomalyLog } from '../core/anomaly.js';
import { HaystackError, isHaystackError } from '../core/errors.js';
import { DnsPairs } from '../formats/import/dns-pairs.js';
import { eveLine } from '../formats/import/eve.js';
import { FILLABLE_COUNTERS } from '../formats/import/eve-flow-scan.js';
import { ALWAYS_FILLED } from '../formats/import/eve-flow-sql.js';
import { eveToRecords } from '../formats/eve/eve-inverse.js';
import { SESSIONS } from '../schema/sessions.js';
import { withholdSecrets } from '../formats/import/withhold.js';
import { redactedUri } from '../inspect/credentials.js';
import { fillRequired } from '../formats/import/fill.js';
import type { ImportMapper, MappedRecord } from '../formats/import/mapper.js';
import { isJsonObjectStart, zeekJsonLine } from '../formats/import/zeek-json.js';
import { isZeekTsvStart, ZeekTsvReader } from '../formats/import/zeek-tsv.js';
import { ANOMALIES } from '../schema/anomalies.js';
import { boundRow, cutText, jsonStringBytes } from '../schema/bounds.js';
import type { CaptureRecord } from '../schema/captures.js';
import type { Origin } from '../schema/provenance.js';
import { schemaOf } from '../schema/registry.js';
import type { FieldDef, RecordSchema } from '../schema/schema.js';
import type { CaptureWriter, Store } from '../store/store.js';
import { sensorOption } from './engine.js';
import { EveSqlFallback, isSqlWriter, readEveBySql, type EveLineSink } from './import-eve-sql.js';
import { importZeekBySql, type SqlImport } from './import-sql.js';
import { fileSha256 } from './ingest.js';
import { gunzipped, lineBatches, MAX_LOG_LINE, notText } from './logs.js';
import { compressionOf } from './source.js';
import { beginId, idAtEnd, type ReadId } from './known-by-hash.js';

export type ImportKind = 'zeek' | 'eve';

export interface ImportOptions {
  /** the field mappings (src/formats/zeek zeekToRecord, src/formats/eve eveToRecords) */
  mapper: ImportMapper;
  /** the sensor name rows that have a `sensor` column get (and the captures row's stats) */
  sensor?: string | null;
  /** lines read so far of the current file */
  progress?(path: string, lines: number): void;
  /** records held to fill rows of other files of the same run (Zeek's x509.log); importFiles makes one */
  merges?: MergeCache;
  /**
   * Whether a plain Zeek TSV log may be imported by SQL where the store can (DuckDB reads and maps the file
   * itself: import-sql.ts); the same rows and captures row as the line-by-line path, which a file the SQL does
   * not take goes through whole. Default: true unless HAYSTACK_IMPORT_SQL=0.
   */
  sqlFastPath?: boolean;
  /** standard input ("-") only: read this instead of process.stdin (tests, embedding) */
  stdin?: AsyncIterable<Buffer | string>;
  /**
   * The Zeek log the lines are when neither a TSV `#path` nor a JSON `_path` says (standard input has no file
   * name to tell it); default: the file name's first part (conn.log -> conn).
   */
  log?: string;
}

/**
 * Records a mapping gave with `mergeOn` (x509 certificates), by table, field and that field's value, kept for the
 * rows of the same import run (importFiles reads x509 logs first). At most MAX_MERGE_RECORDS are kept.
 */
export class MergeCache {
  readonly byTable = new Map<string, Map<string, Map<string, { record: Record<string, unknown>; extra: Record<string, unknown> | null }>>>();
  size = 0;
  /** records not kept: the cache was full */
  dropped = 0;

  hold(m: MappedRecord, on: string): boolean {
    const key = m.record[on];
    if (typeof key !== 'string' || key === '') return false;
    if (this.size >= MAX_MERGE_RECORDS) {
      this.dropped++;
      return false;
    }
    let t = this.byTable.get(m.table);
    if (t === undefined) this.byTable.set(m.table, (t = new Map()));
    let f = t.get(on);
    if (f === undefined) t.set(on, (f = new Map()));
    if (!f.has(key)) this.size++;
    f.set(key, { record: m.record, extra: m.extra });
    return true;
  }

  /** Fills a row's null fields (and extra's missing keys) from the records held for it; whether any matched. */
  fill(table: string, row: Record<string, unknown>, extra: Record<string, unknown> | null): { matched: boolean; extra: Record<string, unknown> | null } {
    const t = this.byTable.get(table);
    let matched = false;
    if (t === undefined) return { matched, extra };
    for (const [on, held] of t) {
      const key = row[on];
      const h = typeof key === 'string' ? held.get(key) : undefined;
      if (h === undefined) continue;
      matched = true;
      for (const k in h.record) if ((row[k] === null || row[k] === undefined) && h.record[k] !== null && h.record[k] !== undefined) row[k] = h.record[k];
      if (h.extra !== null) {
        extra ??= {};
        for (const k of Object.keys(h.extra)) if (!Object.hasOwn(extra, k)) setOwn(extra, k, h.extra[k]);
      }
    }
    return { matched, extra };
  }
}

/**
 * Records held for merging in one run: an x509.log line is a few hundred bytes; 200,000 certificates is more than
 * a busy sensor's distinct certificates in a day, and bounds the memory (~200 MB at worst).
 */
const MAX_MERGE_RECORDS = 200_000;

export type ImportOutcome =
  | {
    path: string; status: 'imported'; capture: CaptureRecord; lines: number;
    /** records held to fill rows of other files (x509), rows filled by such records */
    held: number; merged: number;
    /** required fields the log left unset and the importer filled, by table.field */
    filled: Record<string, number>;
    /** rows written, by table (anomalies included) */
    records: Record<string, number>;
    /** lines that could not be read (each an anomaly row) */
    bad: number;
    /** lines read whose log or event type no mapping keeps, by log name / event_type */
    unmapped: Record<string, number>;
    /** how the lines were mapped: by SQL in the store (the fast path) or line by line; why not by SQL */
    via: 'sql' | 'js';
    sqlFallback?: string;
    /** rows DuckDB mapped itself (the EVE fast path: its flow lines; the rest of the file went line by line) */
    sqlRows?: number;
  }
  | { path: string; status: 'already'; capture: CaptureRecord }
  | { path: string; status: 'failed'; error: HaystackError };

/** Lines between progress reports. */
const PROGRESS_LINES = 16384;
/** Lines gathered between writer flushes (as the log ingest: young-generation garbage stays young). */
const FLUSH_LINES = 2048;

/** The input name of standard input. */
const STDIN = '-';

/** Files of a directory given to `import zeek`: Zeek's logs, current and rotated, TSV or JSON, gzip or not. */
const ZEEK_FILE = /\.(log|json)(\.gz)?$/;
/** Files of a directory given to `import eve`: eve.json and its rotations (eve.json.1, eve.json.1.gz). */
const EVE_FILE = /\.json(\.\d+)?(\.gz)?$/;

/** The log a Zeek file holds by its name: conn.log, conn.2026-12-07-10-00-00.log.gz, conn.json -> conn. */
export function zeekLogName(path: string): string {
  const b = basename(path);
  const dot = b.indexOf('.');
  return dot <= 0 ? b : b.slice(0, dot);
}

function ioError(path: string, e: unknown): HaystackError {
  return new HaystackError('HAYSTACK_IO', `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: path, cause: e });
}

/**
 * The files named, and those of the directories named (sorted, hidden ones skipped, not recursive; a symlink to a
 * regular file counts as one).
 */
export async function importInputs(kind: ImportKind, inputs: readonly string[]): Promise<{ files: string[]; missing: HaystackError[] }> {
  const files: string[] = [];
  const missing: HaystackError[] = [];
  const wanted = kind === 'zeek' ? ZEEK_FILE : EVE_FILE;
  if (inputs.filter((i) => i === STDIN).length > 1) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `import ${kind}: standard input (-) can be read once`);
  for (const input of inputs) {
    if (input === STDIN) {
      files.push(input);
      continue;
    }
    try {
      if (!(await stat(input)).isDirectory()) {
        files.push(input);
        continue;
      }
      const found: string[] = [];
      for await (const e of await opendir(input)) {
        if (e.name.startsWith('.') || !wanted.test(e.name)) continue;
        const p = join(input, e.name);
        // a symlink to a log is a log of the directory (not one to a directory, nor a dangling one)
        if (e.isFile() || (e.isSymbolicLink() && (await stat(p).catch(() => null))?.isFile() === true)) found.push(p);
      }
      files.push(...found.sort());
    } catch (e) {
      missing.push(ioError(input, e));
    }
  }
  return { files, missing };
}

/** Imports every file of `inputs` (directories: their Zeek logs / EVE files), one at a time. */
export async function importFiles(store: Store, kind: ImportKind, inputs: readonly string[], opts: ImportOptions): Promise<ImportOutcome[]> {
  sensorOption(opts.sensor);
  await store.init();
  const { files, missing } = await importInputs(kind, inputs);
  const out: ImportOutcome[] = missing.map((error) => ({ path: error.file ?? '', status: 'failed', error }));
  const merges = opts.merges ?? new MergeCache();
  for (const f of mergeFirst(files)) out.push(await importFile(store, kind, f, { ...opts, merges }));
  return out;
}

/** Files of logs whose records fill others' rows (x509, named so) first, the rest in their order. */
export function mergeFirst(files: readonly string[]): string[] {
  const first = files.filter((f) => zeekLogName(f) === 'x509');
  return [...first, ...files.filter((f) => zeekLogName(f) !== 'x509')];
}

/** A schema's rows checked before they are written: a mapping's row missing a required value, or of a wrong type. */
type RowCheck = (row: Record<string, unknown>) => string | null;

const isText = (v: unknown): boolean => typeof v === 'string';
const isInt = (v: unknown): boolean => Number.isSafeInteger(v);
const CHECKS: Record<FieldDef['type'], (v: unknown) => boolean> = {
  string: isText,
  int: isInt,
  timestamp: isInt,
  float: (v) => typeof v === 'number' && Number.isFinite(v),
  bool: (v) => typeof v === 'boolean',
  'string[]': (v) => Array.isArray(v) && v.every(isText),
  'int[]': (v) => Array.isArray(v) && v.every(isInt),
  json: (v) => typeof v === 'string',
};

const rowChecks = new Map<RecordSchema, RowCheck>();
const ownFields = new Map<RecordSchema, { name: string; bytes: number; fast: number }[]>();

/**
 * Text fields whose width Haystack guarantees by writing them itself (`own` bounds: uids, addresses, names):
 * boundRow skips them, but an imported log can put anything there, so the importer cuts them.
 */
function ownTexts(schema: RecordSchema): { name: string; bytes: number; fast: number }[] {
  let o = ownFields.get(schema);
  if (o === undefined) {
    o = schema.fields.filter((f) => f.type === 'string' && f.bound?.kind === 'text' && f.bound.own === true)
      .map((f) => ({ name: f.name, bytes: f.bound!.bytes, fast: Math.floor((f.bound!.bytes - 2) / 6) }));
    ownFields.set(schema, o);
  }
  return o;
}
const sensorColumns = new Map<RecordSchema, boolean>();

/** Whether a table has a `sensor` column (sessions). */
function hasSensor(schema: RecordSchema): boolean {
  let h = sensorColumns.get(schema);
  if (h === undefined) sensorColumns.set(schema, (h = schema.fields.some((f) => f.name === 'sensor')));
  return h;
}

function rowCheck(schema: RecordSchema): RowCheck {
  let c = rowChecks.get(schema);
  if (c !== undefined) return c;
  const fields = schema.fields.filter((f) => f.name !== 'capture_id');
  c = (row) => {
    for (const f of fields) {
      const v = row[f.name];
      if (v === null || v === undefined) {
        if (!f.nullable) return `${f.name} is required`;
      } else if (!CHECKS[f.type](v)) return `${f.name} is not a ${f.type}`;
    }
    return null;
  };
  rowChecks.set(schema, c);
  return c;
}

/** What a file is, from its first non-empty line: Zeek TSV, Zeek JSON or EVE; null: none of them. */
function formOf(kind: ImportKind, line: string): 'zeek' | 'zeek-json' | 'eve' | null {
  if (kind === 'zeek') return isZeekTsvStart(line) ? 'zeek' : isJsonObjectStart(line) ? 'zeek-json' : null;
  return eveLine(line).kind === 'event' ? 'eve' : null;
}

/** Imports one file. */
export async function importFile(store: Store, kind: ImportKind, path: string, opts: ImportOptions): Promise<ImportOutcome> {
  const sensor = sensorOption(opts.sensor);
  const origin: Origin = kind === 'zeek' ? 'zeek' : 'suricata';
  const fromStdin = path === STDIN;
  /** the input as messages and anomalies name it */
  const where = fromStdin ? 'standard input' : path;
  let id: ReadId | null = null;
  // standard input is dated by when it is read, and known by the hash of what it held, once read whole
  let mtimeMs = Date.now();
  /** the SQL fast path's answer (import-sql.ts) */
  let fast: SqlImport | null = null;
  if (!fromStdin) try {
    const st = await stat(path);
    // a FIFO would be read twice (hash, then lines) and its open waits for a writer: only regular files
    if (!st.isFile()) return { path, status: 'failed', error: new HaystackError('HAYSTACK_IO', `${path}: not a regular file (a FIFO, a device or a socket)`, { file: path }) };
    mtimeMs = st.mtimeMs;
    if (!(await isGzip(path))) {
      if (kind === 'zeek' && (opts.sqlFastPath ?? process.env.HAYSTACK_IMPORT_SQL !== '0')) {
        fast = await importZeekBySql(store, path, opts.log ?? zeekLogName(path), sensor, new Set(opts.merges?.byTable.keys() ?? []))
          .catch((e: unknown): SqlImport => ({ reason: `the fast path failed: ${e instanceof Error ? e.message : String(e)}`, id: null }));
        if ('reason' in fast) id = fast.id ?? await fileSha256(path);
      } else id = await fileSha256(path);
    }
  } catch (e) {
    return { path, status: 'failed', error: isHaystackError(e) ? e : ioError(path, e) };
  }
  if (id !== null) {
    const known = await store.findCapture(id.sha256);
    if (known !== null) return { path, status: 'already', capture: known };
  }
  if (fast !== null && 'already' in fast) return { path, status: 'already', capture: fast.already };
  if (fast !== null && 'done' in fast) {
    const d = fast.done;
    opts.progress?.(path, d.lines);
    try {
      return await commit(d.writer, path, d.id, 'zeek', d.lines, 0, new Map(), new AnomalyLog(() => undefined),
        { first: d.first, last: d.last, sensor, held: 0, merged: 0, filled: d.filled, withheld: 0 }, 'sql');
    } catch (e) {
      await d.writer.abort().catch(() => undefined);
      if (isHaystackError(e)) return { path, status: 'failed', error: e };
      throw e;
    }
  }
  const sqlFallback = fast !== null && 'reason' in fast ? fast.reason : undefined;
  // a plain file's id is its hash, known now; a gzip one's only at its end (DuckDB takes it then; elsewhere a
  // random id stands in, and the hash still decides whether it was imported before)
  const w = await store.begin(beginId(store, id));
  const hash = createHash('sha256');
  let size = 0;
  let lines = 0;
  let bad = 0;
  let first: number | null = null;
  let last: number | null = null;
  const unmapped = new Map<string, number>();
  /** the tables in the order their first row came (the captures row's counts keep it, whichever path wrote the rows) */
  const tableOrder = new Set<string>();
  const anomalies = new AnomalyLog((a) => {
    tableOrder.add(ANOMALIES.name);
    w.append(ANOMALIES, { ts: a.ts, uid: a.uid, name: a.name, detail: a.detail, capture_id: null });
  });
  /** where anomalies are dated: the last record's time, else the file's modification time */
  const refUs = (): number => last ?? Math.trunc(mtimeMs) * 1000;
  const badLine = (lineNo: number, name: string, reason: string): void => {
    bad++;
    anomalies.add(refUs(), null, name, `${where} line ${lineNo}: ${reason}`);
  };
  let form: 'zeek' | 'zeek-json' | 'eve' | null = null;
  const log = opts.log ?? zeekLogName(path);
  const tsv = new ZeekTsvReader(log);
  const merges = opts.merges ?? new MergeCache();
  let held = 0;
  let merged = 0;
  const filled = new Map<string, number>();
  let withheld = 0;
  // EVE's request and response events of a DNS transaction become one row
  const dnsPairs = new DnsPairs();
  const put = (m: MappedRecord, lineNo: number): void => {
    const schema = schemaOf(m.table);
    if (schema === undefined || schema.name === 'captures') throw new Error(`import: a mapping gave the table "${m.table}", which is not a record table`);
    if (m.mergeOn !== undefined) {
      if (merges.hold(m, m.mergeOn)) held++;
      return;
    }
    const row = m.record;
    const f = merges.fill(schema.name, row, m.extra);
    if (f.matched) merged++;
    // a credential the log kept in clear (Zeek's http.log password, a token in an EVE key) is not stored
    if (f.extra !== null) withheld += withholdSecrets(f.extra);
    // and one in a URL (?password=, user:pass@) is kept out of the URI and Referer as ingest keeps it out
    if (schema.name === 'http') redactHttpUrls(row);
    row.origin = origin;
    row.extra = f.extra !== null && Object.keys(f.extra).length > 0 ? JSON.stringify(f.extra) : null;
    if (sensor !== null && hasSensor(schema)) row.sensor = sensor;
    fillRequired(schema, row, (field) => count(filled, filledKey(schema, field)));
    const wrong = rowCheck(schema)(row);
    if (wrong !== null) {
      badLine(lineNo, 'import_record_invalid', `${schema.name} record: ${wrong}`);
      return;
    }
    const cut = (anomaly: string, detail: string): void => anomalies.add(refUs(), null, anomaly, `${where} line ${lineNo}: ${schema.name}.${detail}`);
    for (const f of ownTexts(schema)) {
      const v = row[f.name] as string | null | undefined;
      if (typeof v === 'string' && v.length > f.fast && jsonStringBytes(v) > f.bytes) {
        row[f.name] = cutText(v, f.bytes);
        cut('import_value_truncated', `${f.name}: cut to ${f.bytes} bytes of JSON`);
      }
    }
    boundRow(schema, row, cut);
    const t = row[schema.timeField];
    if (typeof t === 'number') {
      if (first === null || t < first) first = t;
      if (last === null || t > last) last = t;
    }
    tableOrder.add(schema.name);
    w.append(schema, row);
  };
  const readLine = (text: string, lineNo: number): void => {
    if (form === null) {
      if (text.trim() === '') return;
      // comment lines before a Zeek log's header (btest's "### BTest baseline data" line heads every baseline)
      if (kind === 'zeek' && text.startsWith('#') && !isZeekTsvStart(text)) return;
      form = formOf(kind, text);
      if (form === null) {
        const what = kind === 'zeek' ? 'a Zeek log (neither a TSV log beginning with #separator nor JSON objects)' : 'a Suricata EVE file (its first line is not a JSON object with an event_type)';
        throw new HaystackError('HAYSTACK_LOG_FORMAT', `${where}: not ${what}`, { file: path });
      }
    }
    if (form === 'zeek') {
      const r = tsv.line(text);
      if (r.kind === 'bad') badLine(lineNo, 'import_bad_line', r.reason);
      else if (r.kind === 'row') mapZeek(r.log, r.row, lineNo);
    } else if (form === 'zeek-json') {
      const r = zeekJsonLine(text, log);
      if (r.kind === 'bad') badLine(lineNo, 'import_bad_line', r.reason);
      else if (r.kind === 'row') mapZeek(r.log, r.row, lineNo);
    } else {
      const r = eveLine(text);
      if (r.kind === 'bad') badLine(lineNo, 'import_bad_line', r.reason);
      else if (r.kind === 'event') {
        const ms = mapped(lineNo, () => opts.mapper.eve(r.event));
        if (ms === undefined) return;
        if (ms.length === 0) count(unmapped, String(r.event.event_type));
        for (const m of ms) {
          if (m.table !== 'dns') put(m, lineNo);
          else for (const x of dnsPairs.add({ m, lineNo })) put(x.m, x.lineNo);
        }
      }
    }
  };
  /**
   * A mapping's answer; undefined when it found the line unreadable (HAYSTACK_LOG_FORMAT: a bad line) or failed
   * on it. A failure is a mapping's bug, but the line is someone else's log: it becomes an
   * `import_mapping_failed` anomaly naming the line and the error's kind (never its message, which may quote a
   * value), and the rest of the file and the files after it still load. The mappings' own tests call them
   * directly, where such a bug still throws.
   */
  const mapped = <T>(lineNo: number, f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (isHaystackError(e, 'HAYSTACK_LOG_FORMAT')) badLine(lineNo, 'import_bad_line', e.message);
      else badLine(lineNo, 'import_mapping_failed', `the mapping failed on this line (${e instanceof Error ? e.name : typeof e})`);
      return undefined;
    }
  };
  const mapZeek = (name: string, row: Parameters<ImportMapper['zeek']>[1], lineNo: number): void => {
    const m = mapped(lineNo, () => opts.mapper.zeek(name, row));
    if (m === undefined) return;
    if (m === null) count(unmapped, name);
    else put(m, lineNo);
  };
  /** the EVE fast path: flow lines by SQL, the rest here (import-eve-sql.ts); a plain file into DuckDB */
  const eveSql = kind === 'eve' && id !== null && isSqlWriter(w) && !merges.byTable.has(SESSIONS.name) && opts.mapper.eve === eveToRecords &&
    (opts.sqlFastPath ?? process.env.HAYSTACK_IMPORT_SQL !== '0');
  /** the fill counts of the flow lines given to the SQL since the last JS line: their FlowLineScanner.fills, how many */
  let runFills = 0;
  let runLines = 0;
  const endRun = (): void => {
    if (runLines === 0) return;
    // as the JS path counts them: the fields of one row in schema order, rows in line order
    for (const f of SESSIONS.fields) {
      const c = FILLABLE_COUNTERS.indexOf(f.name as (typeof FILLABLE_COUNTERS)[number]);
      if (c >= 0 ? (runFills & (1 << c)) !== 0 : (ALWAYS_FILLED as readonly string[]).includes(f.name)) {
        const k = filledKey(SESSIONS, f.name);
        filled.set(k, (filled.get(k) ?? 0) + runLines);
      }
    }
    runLines = 0;
  };
  const sink: EveLineSink = {
    js(text, lineNo) {
      endRun();
      lines = lineNo;
      if (text.length > MAX_LOG_LINE) badLine(lineNo, 'import_line_too_long', `${text.length} characters (at most ${MAX_LOG_LINE})`);
      else readLine(text, lineNo);
    },
    flow(startUs, fills, lineNo) {
      form ??= 'eve';
      tableOrder.add(SESSIONS.name);
      lines = lineNo;
      if (first === null || startUs < first) first = startUs;
      if (last === null || startUs > last) last = startUs;
      if (fills !== runFills) endRun();
      runFills = fills;
      runLines++;
      if (lineNo % PROGRESS_LINES === 0) opts.progress?.(path, lineNo);
    },
    async chunk(n) {
      lines = n;
      opts.progress?.(path, n);
      await w.flush();
    },
  };
  try {
    let sqlRows: number | undefined;
    if (eveSql && isSqlWriter(w)) {
      try {
        sqlRows = (await readEveBySql(path, where, w, sensor, sink)).sqlRows;
        endRun();
      } catch (e) {
        if (!(e instanceof EveSqlFallback)) throw e;
        await w.abort();
        const again = await importFile(store, kind, path, { ...opts, sqlFastPath: false });
        return again.status === 'imported' ? { ...again, sqlFallback: e.message } : again;
      }
    } else await readLines();
    if (form === null) throw new HaystackError('HAYSTACK_LOG_FORMAT', `${where}: empty: no line to import`, { file: path });
    // the DNS requests no response came for
    for (const x of dnsPairs.end()) put(x.m, x.lineNo);
    await w.flush();
    if (id === null) {
      const end = await idAtEnd(store, w, hash, size);
      if (end.known !== null) return { path, status: 'already', capture: end.known };
      id = end.id;
    }
    const out = await commit(w, path, id, form, lines, bad, unmapped, anomalies, { first, last, sensor, held, merged, filled: Object.fromEntries(filled), withheld, dnsMerged: dnsPairs.merged, dnsOverflowed: dnsPairs.overflowed, tableOrder }, eveSql ? 'sql' : 'js', sqlFallback);
    return sqlRows !== undefined && out.status === 'imported' ? { ...out, sqlRows } : out;
  } catch (e) {
    await w.abort().catch(() => undefined);
    if (isHaystackError(e)) return { path, status: 'failed', error: e };
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined) return { path, status: 'failed', error: new HaystackError('HAYSTACK_IO', `${where}: read error after line ${lines} (${code}); nothing of it was kept`, { file: path, cause: e }) };
    throw e;
  }

  /** The JS path's reading: lines of text from the file, gzip or plain, or standard input. */
  async function readLines(): Promise<void> {
    const input = gunzipped(fromStdin ? (opts.stdin ?? process.stdin) : createReadStream(path, { highWaterMark: 1 << 20 }), where);
    let head = true;
    const onChunk = (d: Buffer | string): void => {
      if (head) {
        head = false;
        if (typeof d !== 'string') notText(d, where);
      }
      if (id === null) {
        hash.update(d);
        size += d.length;
      }
    };
    for await (const { lines: batch, cut } of lineBatches(input, onChunk, MAX_LOG_LINE)) {
      for (let k = 0; k < batch.length; k++) {
        lines++;
        if (cut !== null && cut.has(k)) badLine(lines, 'import_line_too_long', `${cut.get(k)} characters (at most ${MAX_LOG_LINE})`);
        else readLine(batch[k]!, lines);
        if (lines % PROGRESS_LINES === 0) opts.progress?.(path, lines);
        if (lines % FLUSH_LINES === 0) await w.flush();
      }
      await w.flush();
    }
  }
}

/** An http row's URI and Referer with their credential parameters redacted (inspect/credentials.ts). */
function redactHttpUrls(row: Record<string, unknown>): void {
  if (typeof row.uri === 'string') row.uri = redactedUri(row.uri);
  if (typeof row.referer === 'string') row.referer = redactedUri(row.referer);
}

/** `table.field` of the filled counts, made once per field (a flow row fills a dozen fields) */
const FILLED_KEYS = new Map<RecordSchema, Map<string, string>>();
function filledKey(schema: RecordSchema, field: string): string {
  let m = FILLED_KEYS.get(schema);
  if (m === undefined) FILLED_KEYS.set(schema, (m = new Map()));
  let k = m.get(field);
  if (k === undefined) m.set(field, (k = `${schema.name}.${field}`));
  return k;
}

function count(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** Writes the captures row: the file's rows become visible with it. */
async function commit(
  w: CaptureWriter, path: string, id: { sha256: string; size: number }, form: string, lines: number, bad: number,
  unmapped: Map<string, number>, anomalies: AnomalyLog,
  t: {
    first: number | null; last: number | null; sensor: string | null; held: number; merged: number; filled: Record<string, number>; withheld: number;
    /** EVE DNS requests and responses made one row; requests written unanswered because too many were held */
    dnsMerged?: number; dnsOverflowed?: number;
    /** the tables in the order of their first rows (the SQL's rows are counted when their load ends) */
    tableOrder?: ReadonlySet<string>;
  },
  via: 'sql' | 'js', sqlFallback?: string,
): Promise<ImportOutcome> {
  const order = [...(t.tableOrder ?? [])];
  const records = Object.fromEntries([...w.counts].sort(([a], [b]) => rank(order, a) - rank(order, b)));
  const capture: CaptureRecord = {
    capture_id: id.sha256.slice(0, 16), path: path === STDIN ? STDIN : resolve(path), sha256: id.sha256, size: id.size, format: form, linktypes: [],
    first_ts: t.first, last_ts: t.last, packets: lines, ingested_at: Date.now() * 1000,
    stats: JSON.stringify({
      records, bad_lines: bad, unmapped: Object.fromEntries(unmapped), anomalies: Object.fromEntries(anomalies.counts), sensor: t.sensor,
      // x509 certificates held for the tls rows of the run, tls rows they filled; required fields the log left unset
      held_for_merge: t.held, merged: t.merged, filled: t.filled,
      // credentials the log carried in clear, not stored (formats/import/withhold.ts)
      withheld_secrets: t.withheld,
      // EVE's DNS request and response events made one row (formats/import/dns-pairs.ts)
      ...(t.dnsMerged !== undefined && t.dnsMerged > 0 ? { dns_pairs_merged: t.dnsMerged } : {}),
      ...(t.dnsOverflowed !== undefined && t.dnsOverflowed > 0 ? { dns_requests_overflowed: t.dnsOverflowed } : {}),
    }),
    mtime: null,
    header_blocks: null,
  };
  capture.capture_id = await w.commit(capture);
  return {
    path, status: 'imported', capture, lines, records, bad, unmapped: Object.fromEntries(unmapped), held: t.held, merged: t.merged, filled: t.filled,
    via, ...(sqlFallback !== undefined ? { sqlFallback } : {}),
  };
}

/** A table's place in `order` (one not in it: after those that are; sort() keeps the rest in their order). */
function rank(order: readonly string[], table: string): number {
  const i = order.indexOf(table);
  return i < 0 ? order.length : i;
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    return compressionOf(b.subarray(0, bytesRead)) === 'gzip';
  } finally {
    await fh.close();
  }
}
