// Log files into the store: each line parsed (syslog header, Logstash config patterns, recipes) into a `logs`
// row; unparsed lines are kept with parse_ok false. A file is known by its SHA-256, as a capture is: ingesting
// it again changes nothing, an interrupted ingest leaves nothing visible and is redone by the next. The
// file's row in `captures` has format "log" and its line count in `packets`.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { AnomalyLog } from '../core/anomaly.js';
import { HaystackError, isHaystackError } from '../core/errors.js';
import { limitOption } from '../core/limits.js';
import { GrokError } from '../grok/grok.js';
import { isHighSurrogate, LogParser, type LogParse, type LogParserOptions } from '../logs/parse-log.js';
import { ANOMALIES } from '../schema/anomalies.js';
import type { CaptureRecord } from '../schema/captures.js';
import { LOGS, type LogRecord } from '../schema/logs.js';
import type { Store } from '../store/store.js';
import { fileSha256, PCAP_MAGICS } from './ingest.js';
import { compressionOf } from './source.js';
import { LineGuard } from './line-guard.js';
import { beginId, idAtEnd, type ReadId } from './known-by-hash.js';

// V8's linear-time fallback for log patterns (and rule pcre): set at start, see line-guard.ts
export { boundRegexTime } from './line-guard.js';

export interface LogIngestOptions extends Omit<LogParserOptions, 'refMs'> {
  /** the name stored as `source` (default: the path; "-" is stdin) */
  source?: string;
  progress?(lines: number): void;
  /** the most one line may take to parse (default 1000 ms); a line past it is kept unparsed and counted */
  lineTimeoutMs?: number;
  /** the longest line kept, in characters (default and most: MAX_LOG_LINE); longer ones are cut and counted */
  maxLine?: number;
}

export type LogOutcome =
  | {
    path: string; status: 'ingested'; capture: CaptureRecord; lines: number; parsed: number; byType: Map<string, number>; timeouts: number;
    /** lines cut at the line limit, lines whose fields were cut */
    truncated: number; fieldsTruncated: number;
  }
  | { path: string; status: 'already'; capture: CaptureRecord }
  | { path: string; status: 'failed'; error: HaystackError };

/**
 * Rows gathered before the writer is asked to let them go (it writes its spool once it holds 1 MiB): rows
 * kept longer survive V8's young-generation collections and are copied by each of them.
 */
const FLUSH_LINES = 2048;
/** Logstash's grok gives a line 30 s (timeout_millis); a line that needs a whole second is already pathological. */
export const LINE_TIMEOUT_MS = 1000;
/** Lines between progress reports. */
const PROGRESS_LINES = 16384;

/** Bytes read at a time from a log file. */
const READ_BYTES = 1 << 20;
/** The line endings of node:readline: \r\n, \n and a lone \r. */
const LINE_END = /\r?\n|\r(?!\n)/g;

/**
 * The longest log line kept, in characters (UTF-16 code units; bytes for ASCII text). Longer lines are cut to
 * it: the line reader keeps this much of a line and only counts the rest up to the next line end (a 1 GB line
 * without a newline costs no memory), and the line gets `_line_truncated` (its whole length) in its fields.
 * 256 KiB is four times syslog-ng's default message size and five times journald's line limit, and keeps a
 * logs row under the stores' row limit by construction (logRow).
 */
export const MAX_LOG_LINE = 256 * 1024;

/** A batch of lines and which of them were cut. */
export interface LineBatch {
  lines: string[];
  /** the lines cut at the maximum: their index in `lines` -> their whole length in characters; null: none */
  cut: Map<number, number> | null;
}

/** s cut to at most max characters, not between the two halves of a surrogate pair. */
function cutLine(s: string, max: number): string {
  if (s.length <= max) return s;
  return s.slice(0, isHighSurrogate(s.charCodeAt(max - 1)) ? max - 1 : max);
}

/**
 * The lines of a stream, a chunk's worth at a time, split as node:readline splits them with crlfDelay Infinity
 * (the way this module read logs before): at \n, at \r\n (also when a chunk ends between the two) and at a
 * lone \r; a last line without an ending is a line, an empty one is not; UTF-8 decoded, a byte-order mark at
 * the start dropped, an incomplete character at the very end dropped. A line longer than maxLine characters is
 * cut to it (the rest is counted, not kept) and listed in the batch's `cut`. One array per chunk instead of a
 * promise per line: readline's per-line events and async iteration cost more than parsing the line. `onChunk`
 * sees every chunk as read.
 */
export async function* lineBatches(input: AsyncIterable<Buffer | string>, onChunk?: (d: Buffer | string) => void, maxLine = MAX_LOG_LINE): AsyncGenerator<LineBatch> {
  const max = limitOption('maxLine', maxLine, MAX_LOG_LINE, 1);
  const decoder = new StringDecoder('utf8');
  let carry = '';
  /** characters of the line in `carry` past max: counted, not kept */
  let dropped = 0;
  let sawCr = false;
  let start = true;
  for await (const d of input) {
    onChunk?.(d);
    let s = decoder.write(d as Buffer);
    // an empty chunk (or one that only completes a character) between a CR and its LF changes nothing
    if (s === '') continue;
    if (start) {
      start = false;
      // a UTF-8 byte-order mark (Windows editors write one) is not part of the first line
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      if (s === '') continue;
    }
    if (sawCr) {
      if (s.charCodeAt(0) === 10) s = s.slice(1);
      sawCr = false;
    }
    const cr = s.indexOf('\r');
    let nl = s.indexOf('\n');
    if (cr < 0 && nl < 0) {
      // the line goes on: kept up to max, counted past it
      if (carry.length + s.length <= max) carry += s;
      else {
        const room = max - carry.length;
        if (room > 0) carry += s.slice(0, room);
        dropped += s.length - Math.max(room, 0);
      }
      continue;
    }
    if (carry !== '') {
      if (nl >= 0) nl += carry.length;
      s = carry + s;
    }
    const lines: string[] = [];
    let cut: Map<number, number> | null = null;
    // the line s[from, to): the first one of a chunk continues the carried line, whose dropped part counts too
    const push = (from: number, to: number): void => {
      const whole = to - from + (lines.length === 0 ? dropped : 0);
      if (whole <= max) lines.push(s.slice(from, to));
      else {
        (cut ??= new Map()).set(lines.length, whole);
        lines.push(cutLine(s.slice(from, to), max));
      }
    };
    let from = 0;
    if (cr < 0) {
      // \n only (the common case): no regular expression
      while (nl >= 0) {
        push(from, nl);
        from = nl + 1;
        nl = s.indexOf('\n', from);
      }
    } else {
      sawCr = s.endsWith('\r');
      LINE_END.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = LINE_END.exec(s)) !== null) {
        push(from, m.index);
        from = LINE_END.lastIndex;
      }
    }
    dropped = 0;
    carry = s.slice(from);
    if (carry.length > max) {
      dropped = carry.length - max;
      carry = carry.slice(0, max);
    }
    yield { lines, cut };
  }
  if (carry.length > 0) {
    yield dropped === 0 ? { lines: [carry], cut: null } : { lines: [cutLine(carry, max)], cut: new Map([[0, carry.length + dropped]]) };
  }
}

/**
 * The text of a log: the bytes as they are, or, when they begin as gzip does (a rotated maillog.1.gz, or one
 * piped in), what they decompress to.
 */
export async function* gunzipped(src: AsyncIterable<Buffer | string>, name: string): AsyncGenerator<Buffer | string> {
  const it = src[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done === true) return;
  const head = first.value;
  if (typeof head === 'string' || compressionOf(head) !== 'gzip') {
    yield head;
    for (let n = await it.next(); n.done !== true; n = await it.next()) yield n.value;
    return;
  }
  const gz = createGunzip();
  const feed = (async (): Promise<void> => {
    gz.write(head);
    for (let n = await it.next(); n.done !== true; n = await it.next()) if (!gz.write(n.value)) await once(gz, 'drain');
    gz.end();
  })();
  feed.catch((e: unknown) => gz.destroy(e as Error));
  try {
    for await (const c of gz) yield c as Buffer;
  } catch (e) {
    throw new HaystackError('HAYSTACK_LOG_FORMAT', `${name}: not a whole gzip stream (${(e as Error).message}); nothing of it was kept`, { file: name, cause: e });
  }
  await feed;
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

/** A log is text: a capture or binary data at its start is refused before any line is stored. */
export function notText(b: Buffer, path: string): void {
  if (b.length >= 4) {
    const m = b.readUInt32BE(0);
    if (PCAP_MAGICS.includes(m) || compressionOf(b) !== 'none') {
      throw new HaystackError('HAYSTACK_LOG_FORMAT', `${path}: not a text log: it begins like a packet capture or a compressed file (haystack ingest reads captures)`, { file: path, offset: 0 });
    }
  }
  const nul = b.subarray(0, 8192).indexOf(0);
  if (nul >= 0) throw new HaystackError('HAYSTACK_LOG_FORMAT', `${path}: not a text log: a NUL byte at byte offset ${nul}`, { file: path, offset: nul });
}

/**
 * Parses batches of lines, each line within the time limit (LineGuard); yields the records of at most
 * FLUSH_LINES lines at a time. A line past the limit gets its syslog header and fields {_grok_timeout_ms}; a
 * line the reader cut gets `_line_truncated` (its whole length) in its fields.
 */
export async function* parseBatches(batches: AsyncIterable<LineBatch>, parser: LogParser, limitMs = LINE_TIMEOUT_MS): AsyncGenerator<LogParse[]> {
  const guard = new LineGuard(limitMs);
  for await (const { lines: batch, cut } of batches) {
    for (let off = 0; off < batch.length; off += FLUSH_LINES) {
      const to = Math.min(batch.length, off + FLUSH_LINES);
      const out: LogParse[] = new Array<LogParse>(to - off);
      guard.run(off, to, (k) => (out[k - off] = parser.parse(batch[k]!)), (k) => {
        out[k - off] = { ...parser.header(batch[k]!), type: null, pattern: null, fields: { _grok_timeout_ms: limitMs }, parse_ok: false };
      });
      if (cut !== null) {
        for (const [k, whole] of cut) if (k >= off && k < to) (out[k - off]!.fields ??= {})._line_truncated = whole;
      }
      yield out;
    }
  }
}

/**
 * Characters of the parts of a logs row that do not come from the line (source, type, pattern name): a path,
 * a --type, a configuration's file name and line. Longer ones (nobody's) are cut, so that the row's bound holds.
 */
export const MAX_LOG_LABEL = 4096;

const label = (s: string): string => (s.length <= MAX_LOG_LABEL ? s : s.slice(0, MAX_LOG_LABEL));

/**
 * The `logs` row of a parsed line, bounded by construction below the stores' row limit (DuckDB: 4 MiB of
 * JSON, duckdb-store MAX_LINE): host, program and message are disjoint parts of a line of at most MAX_LOG_LINE
 * characters, at most 6 bytes each in JSON (\u0001): 1.5 MiB; the fields' JSON text is at most
 * MAX_LOG_FIELDS_JSON characters (parse-log boundFields), at most 3 bytes each as a JSON string: 1.5 MiB;
 * source, type and pattern at most MAX_LOG_LABEL characters each: 72 KiB; the rest (names, numbers) < 1 KiB.
 */
export function logRow(r: LogParse, source: string, lineNo: number): LogRecord {
  return {
    ts: r.ts, host: r.host, program: r.program, pid: r.pid, type: r.type === null ? null : label(r.type), message: r.message,
    pattern: r.pattern === null ? null : label(r.pattern), fields: r.fields === null ? null : JSON.stringify(r.fields), source: label(source),
    line_no: lineNo, parse_ok: r.parse_ok, capture_id: null,
  };
}

/**
 * The limits a line met, as anomalies: `log_line_truncated` (longer than MAX_LOG_LINE), `log_fields_truncated`
 * (captures past MAX_LOG_FIELDS_JSON), `log_line_timeout` (parsing ran past the line time limit).
 */
function lineAnomalies(r: LogParse, lineNo: number, anomalies: AnomalyLog, refUs: number, maxLine: number): void {
  const f = r.fields;
  if (f === null) return;
  // a line without a time of its own is dated by its file (its modification time; standard input: now)
  const ts = r.ts ?? refUs;
  if (f._line_truncated !== undefined) anomalies.add(ts, null, 'log_line_truncated', `line ${lineNo}: ${String(f._line_truncated)} characters, cut to ${maxLine}`);
  if (f._fields_truncated !== undefined) anomalies.add(ts, null, 'log_fields_truncated', `line ${lineNo}: fields of ${String(f._fields_truncated)} characters of JSON cut`);
  if (f._grok_timeout_ms !== undefined) anomalies.add(ts, null, 'log_line_timeout', `line ${lineNo}: parsing ran past ${String(f._grok_timeout_ms)} ms`);
}

/** Ingests one log file ("-": standard input) into the store. */
export async function ingestLog(store: Store, path: string, opts: LogIngestOptions = {}, stdin?: Readable): Promise<LogOutcome> {
  const maxLine = limitOption('maxLine', opts.maxLine, MAX_LOG_LINE, 1);
  if (maxLine > MAX_LOG_LINE) throw new HaystackError('HAYSTACK_BAD_OPTION', `option maxLine must be at most ${MAX_LOG_LINE} (a longer line could not be stored), got ${maxLine}`);
  await store.init();
  const fromStdin = path === '-';
  let id: ReadId | null = null;
  let mtimeMs = Date.now();
  // a log is known by the SHA-256 of its text: a plain file's is hashed first (a re-ingest stops at once), a
  // gzip-rotated one's (maillog.2.gz is maillog.1 after logrotate) and standard input's while they are read
  if (!fromStdin) {
    try {
      mtimeMs = (await stat(path)).mtimeMs;
      if (!(await isGzip(path))) id = await fileSha256(path);
    } catch (e) {
      return { path, status: 'failed', error: isHaystackError(e) ? e : new HaystackError('HAYSTACK_IO', `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: path, cause: e }) };
    }
    if (id !== null) {
      const known = await store.findCapture(id.sha256);
      if (known !== null) return { path, status: 'already', capture: known };
    }
  }
  let parser: LogParser;
  try {
    parser = new LogParser({ ...opts, refMs: mtimeMs });
  } catch (e) {
    if (e instanceof GrokError) return { path, status: 'failed', error: new HaystackError('HAYSTACK_BAD_ARGUMENT', `pattern ${e.pattern}: ${e.message}${e.column !== null ? ` (column ${e.column})` : ''}`, { cause: e }) };
    throw e;
  }
  // a file's id is its hash, known now; standard input's only at its end (DuckDB takes it then; elsewhere a
  // random id stands in, and the hash still decides whether it was ingested before)
  const w = await store.begin(beginId(store, id));
  const hash = createHash('sha256');
  let size = 0;
  let lines = 0;
  let parsed = 0;
  let timeouts = 0;
  let truncated = 0;
  let fieldsTruncated = 0;
  const limitMs = opts.lineTimeoutMs ?? LINE_TIMEOUT_MS;
  let anomalyRows = 0;
  const anomalies = new AnomalyLog((a) => {
    anomalyRows++;
    w.append(ANOMALIES, { ts: a.ts, uid: null, name: a.name, detail: a.detail, capture_id: null });
  });
  const refUs = Math.trunc(mtimeMs) * 1000;
  const byType = new Map<string, number>();
  let first: number | null = null;
  let last: number | null = null;
  const source = opts.source ?? path;
  try {
    const input = gunzipped(fromStdin ? (stdin ?? process.stdin) : createReadStream(path, { highWaterMark: READ_BYTES }), path);
    let head = true;
    const onChunk = (d: Buffer | string): void => {
      if (head) {
        head = false;
        if (typeof d !== 'string') notText(d, path);
      }
      if (id === null) {
        hash.update(d);
        size += d.length;
      }
    };
    for await (const rs of parseBatches(lineBatches(input, onChunk, maxLine), parser, limitMs)) {
      for (const r of rs) {
        lines++;
        if (r.fields !== null) {
          if (!r.parse_ok && r.fields._grok_timeout_ms !== undefined) timeouts++;
          if (r.fields._line_truncated !== undefined) truncated++;
          if (r.fields._fields_truncated !== undefined) fieldsTruncated++;
          lineAnomalies(r, lines, anomalies, refUs, maxLine);
        }
        if (r.parse_ok) {
          parsed++;
          byType.set(r.type!, (byType.get(r.type!) ?? 0) + 1);
        }
        if (r.ts !== null) {
          if (first === null || r.ts < first) first = r.ts;
          if (last === null || r.ts > last) last = r.ts;
        }
        w.append(LOGS, logRow(r, source, lines));
        if (lines % PROGRESS_LINES === 0) opts.progress?.(lines);
      }
      await w.flush();
    }
    if (id === null) {
      const end = await idAtEnd(store, w, hash, size);
      if (end.known !== null) return { path, status: 'already', capture: end.known };
      id = end.id;
    }
    const capture: CaptureRecord = {
      capture_id: id.sha256.slice(0, 16), path: source, sha256: id.sha256, size: id.size, format: 'log', linktypes: [],
      first_ts: first, last_ts: last, packets: lines, ingested_at: Date.now() * 1000,
      stats: JSON.stringify({
        records: anomalyRows > 0 ? { logs: lines, anomalies: anomalyRows } : { logs: lines }, parsed, unparsed: lines - parsed, timeouts, truncated,
        fields_truncated: fieldsTruncated, types: Object.fromEntries(byType), anomalies: Object.fromEntries(anomalies.counts),
      }),
      mtime: null,
      header_blocks: null,
    };
    capture.capture_id = await w.commit(capture);
    return { path, status: 'ingested', capture, lines, parsed, byType, timeouts, truncated, fieldsTruncated };
  } catch (e) {
    await w.abort().catch(() => undefined);
    if (isHaystackError(e)) return { path, status: 'failed', error: e };
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined) return { path, status: 'failed', error: new HaystackError('HAYSTACK_IO', `${path}: read error after line ${lines} (${code}); nothing of it was kept`, { file: path, cause: e }) };
    throw e;
  }
}
