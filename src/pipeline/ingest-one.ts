// One file (a watched drop or an upload) into a store a server holds open: capture or log by content, one at a time.
import { performance } from 'node:perf_hooks';
import type { ErrorCode, HaystackError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import { ingest, type FileOutcome, type IngestOptions } from './ingest.js';

/** What became of one file, as the server reports it (JSON as it is). */
export interface IngestOneSummary {
  /** the file's name in messages: `name` if given, else its path */
  name: string;
  /** `log` by its content (syslog lines), `capture` otherwise (known only once it was read) */
  kind: 'capture' | 'log' | null;
  status: 'ingested' | 'already' | 'failed';
  capture_id: string | null;
  sha256: string | null;
  size: number | null;
  /** packets of a capture, lines of a log */
  packets: number | null;
  /** rows written, by table (empty unless ingested) */
  records: Record<string, number>;
  /** a capture damaged part way: the records before the damage were kept; what and where (byte offset) */
  damaged: Problem | null;
  /** why nothing was kept (status failed) */
  error: Problem | null;
  seconds: number;
}

export interface Problem {
  code: ErrorCode;
  message: string;
  /** byte offset in the (decompressed) input where the problem starts, if known */
  offset: number | null;
}

export interface IngestOneOptions extends IngestOptions {
  /** the name the user knows the file by (an upload's own name): messages say it instead of the path */
  name?: string;
}

/** the last ingest started on each store: the next one waits for it (DuckDB has one writer, one capture at a time) */
const queues = new WeakMap<Store, Promise<unknown>>();

/**
 * Ingests one file into an open store, as `haystack ingest FILE` does: a log if its first lines have syslog
 * headers, else a capture; known by sha256 (the same bytes twice: status `already`, nothing written). Each
 * capture is one transaction: a failure keeps nothing of this file and touches nothing already stored; a
 * capture damaged part way keeps the records before the damage (`damaged` says where). Calls on one store
 * run one after another, in call order. Throws only for bugs and bad options; a bad file is a summary.
 */
export function ingestOne(store: Store, path: string, opts: IngestOneOptions = {}): Promise<IngestOneSummary> {
  const before = queues.get(store) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(() => ingestNow(store, path, opts));
  queues.set(store, run.catch(() => undefined));
  return run;
}

async function ingestNow(store: Store, path: string, opts: IngestOneOptions): Promise<IngestOneSummary> {
  const t0 = performance.now();
  const { name, ...ingestOpts } = opts;
  const shown = name ?? path;
  const s = await ingest(store, [path], ingestOpts);
  const f: FileOutcome | undefined = s.files[0];
  if (f === undefined) throw new Error(`ingestOne: no outcome for ${path}`);
  const problem = (e: HaystackError): Problem => ({ code: e.code, message: e.message.split(path).join(shown), offset: e.offset ?? null });
  const base = { name: shown, seconds: (performance.now() - t0) / 1000 };
  if (f.status === 'failed') {
    return { ...base, kind: null, status: 'failed', capture_id: null, sha256: null, size: null, packets: null, records: {}, damaged: null, error: problem(f.error) };
  }
  const c = f.capture;
  return {
    ...base,
    kind: c.format === 'log' ? 'log' : 'capture',
    status: f.status,
    capture_id: c.capture_id,
    sha256: c.sha256,
    size: c.size,
    packets: c.packets,
    records: f.status === 'ingested' ? f.records : {},
    damaged: f.status === 'ingested' && f.damaged !== null ? problem(f.damaged) : null,
    error: null,
  };
}
