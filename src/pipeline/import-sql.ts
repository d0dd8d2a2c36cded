// The import's fast path for a plain Zeek TSV log into a DuckDB store: DuckDB reads and maps the whole file itself
// (read_csv, the mapping in SQL: formats/import/zeek-tsv-sql.ts), one INSERT inside the capture's transaction.
// All or nothing: a file this does not take exactly as the JS path would (an unusual header or byte, a value
// the SQL does not decode alike, one the JS path would cut, fill oddly or refuse) goes the JS way whole. The
// insert refuses such a row itself, and a scan of the bytes here, beside it, finds the rest; either rolls the
// capture's transaction back before anything is committed.
import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GUARD_ERROR, zeekSqlPlan, type ZeekSqlPlan, type ZeekTsvHeader } from '../formats/import/zeek-tsv-sql.js';
import { sqlString } from '../formats/zeek/zeek-sql.js';
import type { CaptureRecord } from '../schema/captures.js';
import type { CaptureWriter, Store } from '../store/store.js';
import { fileSha256 } from './ingest.js';
import { MAX_LOG_LINE } from './logs.js';

/** What the fast path wrote (the captures row is written by the importer, as for the JS path). */
export interface SqlImported {
  writer: CaptureWriter;
  /** the file's SHA-256 and size */
  id: { sha256: string; size: number };
  lines: number;
  first: number | null;
  last: number | null;
  /** required fields filled, by table.field, in the order the JS path first fills them */
  filled: Record<string, number>;
}

/** The fast path's answer: its rows (not committed), the capture already imported, or why the file goes the JS way. */
export type SqlImport =
  | { done: SqlImported }
  | { already: CaptureRecord }
  | { reason: string; id: { sha256: string; size: number } | null };

/** Header directives that change how the lines after them read: after the first data line, the JS path's. */
const DIRECTIVE = /^#(?:separator |set_separator\t|empty_field\t|unset_field\t|path\t|fields\t|types\t|separator$|set_separator$|empty_field$|unset_field$|path$|fields$|types$)/;
/** Characters read_csv takes as a glob in a path. */
const GLOB = /[*?[\]{}]/;

/** What the scan of a file's bytes found: its line count, and why it goes the JS way if it does. */
export interface Scan { lines: number; reason: string | null }

/**
 * Bytes read at a time by the scan. The partial line at a read's end is moved to the buffer's start and the next
 * read lands after it, so no chunk is copied whole (concatenating each 1 MB chunk to the carried line cost ~0.5 s
 * of copies and ~0.7 s of garbage collection on an 861,000-line conn.log, beside DuckDB's insert on 2 cores).
 */
const SCAN_READ = 4 << 20;

/**
 * Reads the file's bytes once: its lines counted as lineBatches does, and what read_csv would read otherwise
 * than the JS path: a byte-order mark, CR, NUL, invalid UTF-8, an empty line, a line over MAX_LOG_LINE, a `#`
 * inside a data line (read_csv's comment), a directive after the data. `readBytes`: bytes per read (the tests make
 * it small, so that lines and UTF-8 sequences straddle reads).
 */
export async function scanFile(path: string, readBytes = SCAN_READ): Promise<Scan> {
  let lines = 0;
  let size = 0;
  let data = false;
  let reason: string | null = null;
  // a carried partial line is at most MAX_LOG_LINE bytes (a longer one is refused), then one read after it
  const buf = Buffer.allocUnsafe(MAX_LOG_LINE + 1 + readBytes);
  let carry = 0;
  let head = Buffer.alloc(0);
  const fh = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, carry, readBytes, size);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(carry, carry + bytesRead);
      // the file's first three bytes, whatever the reads that hold them
      if (size < 3) head = Buffer.concat([head, chunk.subarray(0, 3 - size)]);
      reason = size < 3 && head.length === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 'a byte-order mark' : scanChunk(chunk);
      size += bytesRead;
      if (reason !== null) break;
      const end = carry + bytesRead;
      // buf begins at a line's start; a # read_csv would take for a comment's start must begin its line (a line
      // that begins with one is skipped whole by both paths)
      const win = buf.subarray(0, end);
      // (a # in a line that begins with one: the rest of that line is skipped, so a comment line full of # is
      // read once, not once per #)
      for (let h = win.indexOf(35); h >= 0; ) {
        if (h > 0 && win[h - 1] !== 10 && win[win.lastIndexOf(10, h - 1) + 1] !== 35) {
          reason = 'a # inside a data line';
          break;
        }
        const nl = win.indexOf(10, h);
        h = nl < 0 ? -1 : win.indexOf(35, nl + 1);
      }
      let at = 0;
      for (let nl = win.indexOf(10); nl >= 0 && reason === null; nl = win.indexOf(10, at)) {
        reason = lineReason(win, at, nl, data);
        if (win[at] !== 35) data = true;
        lines++;
        at = nl + 1;
      }
      if (reason === null && !isUtf8(win.subarray(0, at))) reason = 'not UTF-8';
      if (reason !== null) break;
      carry = end - at;
      if (carry > MAX_LOG_LINE) {
        reason = 'a line over the line limit';
        break;
      }
      buf.copyWithin(0, at, end);
    }
  } finally {
    await fh.close();
  }
  if (reason === null && carry > 0) {
    const rest = buf.subarray(0, carry);
    reason = !isUtf8(rest) ? 'not UTF-8' : lineReason(rest, 0, carry, data);
    lines++;
  }
  return { lines, reason };
}

/** Bytes of a chunk read_csv reads otherwise than the JS path (the byte-order mark is the scan's). */
function scanChunk(chunk: Buffer): string | null {
  if (chunk.indexOf(13) >= 0) return 'a CR';
  if (chunk.indexOf(0) >= 0) return 'a NUL byte';
  return null;
}

/** The line buf[at, end) as read_csv would read it otherwise than the JS path (`data`: a data line came before). */
function lineReason(buf: Buffer, at: number, end: number, data: boolean): string | null {
  if (end === at) return 'an empty line';
  if (end - at > MAX_LOG_LINE) return 'a line over the line limit';
  if (data && buf[at] === 35 && DIRECTIVE.test(buf.toString('utf8', at, Math.min(end, at + 64)))) return 'a header line after the data';
  return null;
}

/** The most of a file read for its header (the lines before its first data line). */
const HEAD_BYTES = 1 << 20;

/** The lines before the first data line (null: none within HEAD_BYTES). */
async function readHead(path: string): Promise<string[] | null> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(b, 0, b.length, 0);
    const lines = b.toString('utf8', 0, bytesRead).split('\n');
    const data = lines.findIndex((l, i) => !l.startsWith('#') && (i < lines.length - 1 || bytesRead < HEAD_BYTES));
    if (data < 0 && bytesRead === HEAD_BYTES) return null;
    return lines.slice(0, data < 0 ? lines.length : data).filter((l) => l.startsWith('#'));
  } finally {
    await fh.close();
  }
}

/** The header the JS reader (zeek-tsv.ts) would take from these lines, when it is Zeek's default one. */
function readHeader(head: readonly string[], log: string): ZeekTsvHeader | { reason: string } {
  // btest's first line, and any comment before the header, are skipped by the JS reader too
  let i = head.findIndex((l) => l.startsWith('#separator '));
  if (i < 0) return { reason: 'no #separator line' };
  if (head[i] !== '#separator \\x09') return { reason: 'a separator other than a tab' };
  const h: ZeekTsvHeader = { log, fields: [], types: [] };
  for (i++; i < head.length; i++) {
    const l = head[i]!;
    if (l.startsWith('#separator ')) return { reason: 'more than one header' };
    const tab = l.indexOf('\t');
    const key = tab < 0 ? l : l.slice(0, tab);
    const value = tab < 0 ? '' : l.slice(tab + 1);
    if (key === '#set_separator' && value !== ',') return { reason: 'a set separator other than ","' };
    if (key === '#empty_field' && value !== '(empty)') return { reason: 'an empty marker other than (empty)' };
    if (key === '#unset_field' && value !== '-') return { reason: 'an unset marker other than -' };
    if (key === '#path') h.log = value;
    if (key === '#fields') h.fields = value.split('\t');
    if (key === '#types') h.types = value.split('\t');
  }
  if (h.fields.length === 0) return { reason: 'no #fields line' };
  return h;
}

/** The longest line read_csv takes: the scan refused longer ones (bytes; the JS path's limit counts characters). */
const CSV_MAX_LINE = MAX_LOG_LINE + 16;
/**
 * read_csv's buffer (bytes; at least a line): its default (16 times its 2 MB line limit) is held twice per thread,
 * past the store's memory limit (128 MB) on top of the insert's own.
 */
const CSV_BUFFER = 4 << 20;

/** read_csv of the file's data lines: every column text, `-` as NULL, `#` lines skipped. */
function readCsv(path: string, columns: number): string {
  const cols = Array.from({ length: columns }, (_v, i) => `'c${i}': 'VARCHAR'`).join(', ');
  return `read_csv(${sqlString(path)}, columns = {${cols}}, delim = '\\t', quote = '', escape = '', header = false, comment = '#', ` +
    `nullstr = '-', auto_detect = false, strict_mode = true, null_padding = false, max_line_size = ${CSV_MAX_LINE}, buffer_size = ${CSV_BUFFER})`;
}

/**
 * Imports a plain Zeek TSV file by SQL when the store can (CaptureWriter.appendSql) and the file allows it: its
 * rows written but not committed (`done`), or the capture of the same file imported before (`already`), else
 * nothing is written and `reason` says why, with the file's id when it was read (the JS path needs it).
 * The file is hashed first (the rows carry the capture id), then read by DuckDB's insert while this thread scans
 * its bytes. `heldTables`: tables records of other files wait to be merged into (x509 -> tls): such a table's
 * file goes the JS way.
 */
export async function importZeekBySql(store: Store, path: string, log: string, sensor: string | null, heldTables: ReadonlySet<string>): Promise<SqlImport> {
  const full = resolve(path);
  const no = (reason: string, id: SqlImported['id'] | null = null): SqlImport => ({ reason, id });
  // read_csv reads the file where the store runs: DuckDB's, in this process (ClickHouse has no appendSql either)
  if (store.dialect !== 'duckdb') return no('the store does not load SQL');
  if (GLOB.test(full)) return no('a path read_csv would take for a pattern');
  const head = await readHead(path);
  if (head === null) return no('no data line in the first MB');
  const header = readHeader(head, log);
  if ('reason' in header) return no(header.reason);
  const a = zeekSqlPlan(header, readCsv(full, header.fields.length), sensor);
  if ('reason' in a) return no(a.reason);
  const plan = a.plan;
  if (heldTables.has(plan.schema.name)) return no(`records of another file wait to be merged into ${plan.schema.name}`);
  const id = await fileSha256(path);
  const known = await store.findCapture(id.sha256);
  if (known !== null) return { already: known };
  const w = await store.begin(id.sha256.slice(0, 16));
  if (w.appendSql === undefined) {
    await w.abort();
    return no('the store does not load SQL', id);
  }
  const appendSql = w.appendSql.bind(w);
  // DuckDB's threads read, map and insert the file while this one scans its bytes
  const inserting = appendSql(plan.schema, plan.selectSql).catch((e: unknown) => new Error(insertFailure(e)));
  const scan = await scanFile(path).catch(async (e: unknown) => {
    await inserting;
    await w.abort();
    throw e;
  });
  const n = await inserting;
  const why = scan.reason ?? (n instanceof Error ? n.message : null);
  if (why !== null) {
    await w.abort();
    return no(why, id);
  }
  try {
    // the statistics the JS path keeps (first and last time, the fill counts) from a second read of the file
    const stats = (await store.select(plan.statsSql)).rows[0]!;
    if (n !== Number(stats.n)) throw new Error(`${n as number} rows written, ${String(stats.n)} counted`);
    const filled = await filledOf(store, plan, stats);
    return { done: { writer: w, id, lines: scan.lines, first: num(stats.first), last: num(stats.last), filled } };
  } catch (e) {
    await w.abort();
    return no(`the load failed: ${firstLine(e)}`, id);
  }
}

/** Why the insert stopped, as a reason the file goes the JS way. */
function insertFailure(e: unknown): string {
  const all = e instanceof Error ? e.message : String(e);
  if (all.includes(GUARD_ERROR)) return 'a value the SQL does not map as the JS path does';
  // read_csv refused a line (a column count, a line too long for it)
  const csv = /CSV Error[^\n]*/i.exec(all);
  if (csv !== null) return `read_csv: ${csv[0].slice(0, 200)}`;
  return `the load failed: ${firstLine(e)}`;
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/**
 * The fill counts in the order the JS path's Map gets its keys: by the first row each field is filled in (fields
 * of one row in schema order). Fields filled in every row come first; the others' first rows are found by
 * queries that stop at their first match (LIMIT 1 keeps the file's order).
 */
async function filledOf(store: Store, plan: ZeekSqlPlan, stats: Record<string, unknown>): Promise<Record<string, number>> {
  const n = Number(stats.n);
  const counts = plan.fillable.map((f, k) => ({ f, k, n: Number(stats[`n_${k}`] ?? 0) })).filter((x) => x.n > 0);
  const order: typeof counts = counts.filter((x) => x.n === n);
  let rest = counts.filter((x) => x.n < n);
  for (let first = true; rest.length > 0; first = false) {
    const row = (await store.select(plan.firstFilledSql(rest.map((x) => x.f), !first))).rows[0];
    if (row === undefined) throw new Error('no row where a counted field is filled');
    const now = rest.filter((_x, k) => row[`f_${k}`] === true);
    rest = rest.filter((_x, k) => row[`f_${k}`] !== true);
    // the first row: its fields join those filled in every row, in schema order
    if (first) order.push(...now);
    else order.push(...now.sort((x, y) => x.k - y.k));
    if (first) order.sort((x, y) => x.k - y.k);
  }
  return Object.fromEntries(order.map((x) => [`${plan.schema.name}.${x.f}`, x.n]));
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);
}
