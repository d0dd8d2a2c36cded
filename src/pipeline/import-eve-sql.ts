// `import eve`'s fast path for a plain EVE file into a DuckDB store: the file's bytes are split into lines here, each
// line scanned (formats/import/eve-flow-scan.ts); the flow lines the SQL maps exactly as the JS path are copied
// into spool segments that DuckDB reads and maps itself (read_json and one INSERT ... SELECT per segment of up to
// 1 GiB, formats/import/eve-flow-sql.ts) on one of its threads; every other line (other event types, unknown keys,
// odd values, bad lines) goes to the JS path, in line order, in the same capture's transaction.
import { closeSync, createReadStream, openSync, rmSync, writeSync } from 'node:fs';
import { FlowLineScanner } from '../formats/import/eve-flow-scan.js';
import { eveFlowSelect } from '../formats/import/eve-flow-sql.js';
import { SESSIONS } from '../schema/sessions.js';
import type { CaptureWriter } from '../store/store.js';
import { MAX_LOG_LINE, notText } from './logs.js';

/**
 * Bytes of flow lines per spool segment (one read_json and INSERT each). Few and large: each INSERT costs far more
 * than its rows (861,000 lines, DuckDB alone, one thread: 57 segments of 8 MB 10 CPU s, 8 of 64 MB 7.6, the file
 * whole 6.4; the whole import 18 / 12 / 9 CPU s); a load runs on one DuckDB thread, which streams the file within
 * the store's memory limit whatever its size. Past this a segment is loaded while the next is scanned.
 * HAYSTACK_EVE_SEGMENT_BYTES overrides it (tests: several segments on small files).
 */
const SEGMENT_BYTES = Number(process.env.HAYSTACK_EVE_SEGMENT_BYTES) > 0 ? Number(process.env.HAYSTACK_EVE_SEGMENT_BYTES) : 1 << 30;
/** Bytes of a line kept while it is read: past it the file goes the JS way whole (its line limit counts characters). */
const MAX_LINE_BYTES = 4 * MAX_LOG_LINE;
const NL = 10;
/**
 * DuckDB threads per segment load: with two, each 8 MB insert left two part-filled row groups and the import took
 * twice the CPU (861,000 lines: 23-27 against 13-14 CPU s, the checkpoint at close 4.5-9 s against 0.3). The file
 * whole in one insert with two threads: 9.6-10.7 CPU s against 8.3-8.7 with one, and it needs a 256 MB memory
 * limit (RSS 450 MB against 280).
 */
const LOAD_THREADS = 1;
/** Characters read_json takes as a glob in a path (the segments are beside the store: its path decides). */
const GLOB = /[*?[\]{}]/;

/** Where the lines go. */
export interface EveLineSink {
  /** A line for the JS path (its text, decoded as the JS path's reader decodes it). */
  js(text: string, lineNo: number): void;
  /** A flow line the SQL maps: its start_time (µs) and the counters it leaves out (FlowLineScanner.fills). */
  flow(startUs: number, fills: number, lineNo: number): void;
  /** After each chunk of the file: the JS path's rows may go out. */
  chunk(lines: number): Promise<void>;
}

/** The file cannot be read this way (a CR, a byte-order mark, a huge line, a load DuckDB refused): the JS way whole. */
export class EveSqlFallback extends Error {}

/** A writer that loads SQL and holds scratch files (DuckDB's). */
export type SqlWriter = CaptureWriter & Required<Pick<CaptureWriter, 'appendSql' | 'scratchPath'>>;

/** Whether the writer can take the fast path. */
export function isSqlWriter(w: CaptureWriter): w is SqlWriter {
  return w.appendSql !== undefined && w.scratchPath !== undefined;
}

/**
 * Reads a plain EVE file into the writer: flow lines by SQL, the rest through `sink.js`; returns the lines read and
 * the rows the SQL wrote. Throws EveSqlFallback when the file must go the JS way whole (the caller aborts the
 * writer: nothing of it is kept), HaystackError HAYSTACK_LOG_FORMAT when it is not text.
 */
export async function readEveBySql(path: string, where: string, w: SqlWriter, sensor: string | null, sink: EveLineSink): Promise<{ lines: number; sqlRows: number }> {
  const scanner = new FlowLineScanner();
  let lines = 0;
  let carry: Buffer | null = null;
  let first = true;
  let fd: number | null = null;
  let segment = 0;
  let segmentBytes = 0;
  let taken = 0;
  let loaded = 0;
  let failure: unknown = null;
  const loads: Promise<void>[] = [];
  const segmentPath = (): string => w.scratchPath(`eve-flow-${segment}.jsonl`);
  if (GLOB.test(segmentPath())) throw new EveSqlFallback('the store\'s path holds a character read_json takes for a glob');
  const put = (b: Buffer, from: number, to: number): void => {
    if (to <= from) return;
    try {
      fd ??= openSync(segmentPath(), 'w');
      let at = from;
      while (at < to) at += writeSync(fd, b, at, to - at);
    } catch (e) {
      // a full disk (the spool holds up to a segment's bytes): the JS path, after the writer's scratch is removed
      throw new EveSqlFallback(`the spool could not be written: ${e instanceof Error ? e.message.split('\n')[0]!.slice(0, 200) : String(e)}`);
    }
    segmentBytes += to - from;
  };
  const endSegment = (): void => {
    if (fd === null) return;
    closeSync(fd);
    fd = null;
    const p = segmentPath();
    segment++;
    segmentBytes = 0;
    loads.push(w.appendSql(SESSIONS, eveFlowSelect(p, sensor), { threads: LOAD_THREADS }).then((n) => {
      loaded += n;
      rmSync(p, { force: true });
    }, (e: unknown) => {
      failure ??= e;
    }));
  };
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      if (failure !== null) break;
      if (first) {
        first = false;
        notText(chunk, where);
        if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) throw new EveSqlFallback('a byte-order mark');
      }
      if (chunk.indexOf(13) >= 0) throw new EveSqlFallback('a CR');
      let at = 0;
      if (carry !== null) {
        // the line begun in the last chunk: only it is copied (a copy of the whole chunk per chunk cost ~0.7 CPU s per 470 MB)
        const nl = chunk.indexOf(NL);
        if (nl < 0) {
          carry = Buffer.concat([carry, chunk]);
          if (carry.length > MAX_LINE_BYTES) throw new EveSqlFallback('a line over the line limit');
          await sink.chunk(lines);
          continue;
        }
        const line = Buffer.concat([carry, chunk.subarray(0, nl + 1)]);
        carry = null;
        lines++;
        if (scanner.scan(line, 0, line.length - 1)) {
          taken++;
          sink.flow(scanner.startUs, scanner.fills, lines);
          put(line, 0, line.length);
        } else sink.js(line.toString('utf8', 0, line.length - 1), lines);
        at = nl + 1;
      }
      /** the start of the run of flow lines not yet written */
      let run = at;
      for (let nl = chunk.indexOf(NL, at); nl >= 0; nl = chunk.indexOf(NL, at)) {
        lines++;
        if (scanner.scan(chunk, at, nl)) {
          taken++;
          sink.flow(scanner.startUs, scanner.fills, lines);
        } else {
          put(chunk, run, at);
          run = nl + 1;
          sink.js(chunk.toString('utf8', at, nl), lines);
        }
        at = nl + 1;
      }
      put(chunk, run, at);
      carry = at < chunk.length ? Buffer.from(chunk.subarray(at)) : null;
      if (carry !== null && carry.length > MAX_LINE_BYTES) throw new EveSqlFallback('a line over the line limit');
      if (segmentBytes >= SEGMENT_BYTES) endSegment();
      await sink.chunk(lines);
    }
    if (carry !== null && failure === null) {
      // the last line, without its newline: written with one
      lines++;
      if (scanner.scan(carry, 0, carry.length)) {
        taken++;
        sink.flow(scanner.startUs, scanner.fills, lines);
        put(Buffer.concat([carry, Buffer.from('\n')]), 0, carry.length + 1);
      } else sink.js(carry.toString('utf8'), lines);
    }
    endSegment();
    await Promise.all(loads);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    await Promise.all(loads);
    throw e;
  }
  if (failure !== null) throw new EveSqlFallback(`the load failed: ${(failure instanceof Error ? failure.message : String(failure)).split('\n')[0]!.slice(0, 200)}`);
  if (loaded !== taken) throw new EveSqlFallback(`${loaded} rows loaded of ${taken} flow lines`);
  return { lines, sqlRows: loaded };
}
