// Log files into the store: each line parsed (syslog header, Logstash config patterns, recipes) into a `logs`
// row; unparsed lines are kept with parse_ok false. A file is known by its SHA-256, as a capture is: ingesting
// it again changes nothing, an interrupted ingest leaves nothing visible and is redone by the next. The
// file's row in `captures` has format "log" and its line count in `packets`.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import v8 from 'node:v8';
import { HaystackError, isHaystackError } from '../core/errors.js';
import { GrokError } from '../grok/grok.js';
import { LogParser, type LogParserOptions } from '../logs/parse-log.js';
import type { CaptureRecord } from '../schema/captures.js';
import { LOGS, type LogRecord } from '../schema/logs.js';
import type { Store } from '../store/store.js';
import { fileSha256 } from './ingest.js';

let fallbackOn = false;

/**
 * A pathological pattern/line pair must not stall an ingest: V8 falls back to its linear-time regular
 * expression engine after this many backtracks, for every pattern that engine can run (all but those with
 * lookarounds or backreferences; atomic groups are translated with both). Process-wide, set once.
 */
export function boundRegexTime(backtracks = 100_000): void {
  if (fallbackOn) return;
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  v8.setFlagsFromString(`--regexp-backtracks-before-fallback=${backtracks}`);
  fallbackOn = true;
}

export interface LogIngestOptions extends Omit<LogParserOptions, 'refMs'> {
  /** the name stored as `source` (default: the path; "-" is stdin) */
  source?: string;
  progress?(lines: number): void;
}

export type LogOutcome =
  | { path: string; status: 'ingested'; capture: CaptureRecord; lines: number; parsed: number; byType: Map<string, number> }
  | { path: string; status: 'already'; capture: CaptureRecord }
  | { path: string; status: 'failed'; error: HaystackError };

/** Rows gathered before the writer is asked to let them go. */
const FLUSH_LINES = 16384;

/** Ingests one log file ("-": standard input) into the store. */
export async function ingestLog(store: Store, path: string, opts: LogIngestOptions = {}, stdin?: Readable): Promise<LogOutcome> {
  boundRegexTime();
  await store.init();
  const fromStdin = path === '-';
  let id: { sha256: string; size: number } | null = null;
  let mtimeMs = Date.now();
  if (!fromStdin) {
    try {
      mtimeMs = (await stat(path)).mtimeMs;
      id = await fileSha256(path);
    } catch (e) {
      return { path, status: 'failed', error: isHaystackError(e) ? e : new HaystackError('HAYSTACK_IO', `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: path, cause: e }) };
    }
    const known = await store.findCapture(id.sha256);
    if (known !== null) return { path, status: 'already', capture: known };
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
  const w = await store.begin(id !== null ? id.sha256.slice(0, 16) : store.idAtCommit ? null : randomBytes(8).toString('hex'));
  const hash = createHash('sha256');
  let size = 0;
  let lines = 0;
  let parsed = 0;
  const byType = new Map<string, number>();
  let first: number | null = null;
  let last: number | null = null;
  const source = opts.source ?? path;
  try {
    const input: Readable = fromStdin ? (stdin ?? process.stdin) : createReadStream(path);
    if (fromStdin) {
      input.on('data', (d: Buffer) => {
        hash.update(d);
        size += d.length;
      });
    }
    const rl = createInterface({ input, crlfDelay: Infinity });
    for await (const line of rl) {
      lines++;
      const r = parser.parse(line);
      if (r.parse_ok) {
        parsed++;
        byType.set(r.type!, (byType.get(r.type!) ?? 0) + 1);
      }
      if (r.ts !== null) {
        if (first === null || r.ts < first) first = r.ts;
        if (last === null || r.ts > last) last = r.ts;
      }
      const row: LogRecord = {
        ts: r.ts, host: r.host, program: r.program, pid: r.pid, type: r.type, message: r.message, pattern: r.pattern,
        fields: r.fields === null ? null : JSON.stringify(r.fields), source, line_no: lines, parse_ok: r.parse_ok, capture_id: null,
      };
      w.append(LOGS, row);
      if (lines % FLUSH_LINES === 0) {
        await w.flush();
        opts.progress?.(lines);
      }
    }
    if (id === null) {
      id = { sha256: hash.digest('hex'), size };
      const known = await store.findCapture(id.sha256);
      if (known !== null) {
        await w.abort();
        return { path, status: 'already', capture: known };
      }
    }
    const capture: CaptureRecord = {
      capture_id: id.sha256.slice(0, 16), path: source, sha256: id.sha256, size: id.size, format: 'log', linktypes: [],
      first_ts: first, last_ts: last, packets: lines, ingested_at: Date.now() * 1000,
      stats: JSON.stringify({ records: { logs: lines }, parsed, unparsed: lines - parsed, types: Object.fromEntries(byType) }),
    };
    capture.capture_id = await w.commit(capture);
    return { path, status: 'ingested', capture, lines, parsed, byType };
  } catch (e) {
    await w.abort().catch(() => undefined);
    if (isHaystackError(e)) return { path, status: 'failed', error: e };
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined) return { path, status: 'failed', error: new HaystackError('HAYSTACK_IO', `${path}: read error after line ${lines} (${code}); nothing of it was kept`, { file: path, cause: e }) };
    throw e;
  }
}
