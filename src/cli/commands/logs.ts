// `haystack logs ingest <file|-...>`: log lines parsed (syslog header, Logstash filters, recipes) into the
// store's `logs` table. `haystack logs parse <file|-...>`: the same records printed, no store.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { HaystackError, isHaystackError } from '../../core/errors.js';
import { LogParser, MAX_LOG_FIELDS_JSON } from '../../logs/parse-log.js';
import { gunzipped, ingestLog, LINE_TIMEOUT_MS, lineBatches, MAX_LOG_LINE, notText, parseBatches } from '../../pipeline/logs.js';
import { openStore } from '../../store/open.js';
import { parse, stringOption } from '../args.js';
import { LOG_OPTIONS, LOG_USAGE, logParserOptions } from '../log-args.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { DB_OPTION } from '../store-args.js';

export const usage = `haystack logs ingest <file|-...> [--db URL] [log options]
haystack logs parse <file|-...> [--unparsed] [log options]      (records as JSON lines, no store)
${LOG_USAGE}
A line no pattern matches is kept with parse_ok false. A file already in the store (same SHA-256) is skipped;
an interrupted ingest leaves nothing visible and is redone whole by the next.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.text(`${usage}\n`);
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (sub !== 'ingest' && sub !== 'parse') {
    io.stderr(`haystack logs: unknown subcommand "${sub}" (ingest, parse)\n${usage}\n`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parse(`logs ${sub}`, rest, { ...DB_OPTION, ...LOG_OPTIONS, unparsed: { type: 'boolean' } });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `logs ${sub}: no log file given (a file, or - for stdin)`);
  const opts = logParserOptions(values);
  return sub === 'parse' ? parseFiles(positionals, opts, values.unparsed === true, io) : ingestFiles(positionals, opts, values, io);
}

async function parseFiles(files: string[], opts: ReturnType<typeof logParserOptions>, onlyUnparsed: boolean, io: CliIo): Promise<number> {
  let code = EXIT_OK;
  for (const f of files) {
    let refMs = Date.now();
    try {
      if (f !== '-') refMs = (await stat(f)).mtimeMs;
    } catch (e) {
      io.stderr(`haystack logs parse: ${f}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})\n`);
      code = EXIT_FAILURE;
      continue;
    }
    const p = new LogParser({ ...opts, refMs });
    let n = 0;
    let cut = 0;
    let fieldsCut = 0;
    try {
    let head = true;
    const firstChunk = (d: Buffer | string): void => {
      if (head && typeof d !== 'string') notText(d, f);
      head = false;
    };
    for await (const rs of parseBatches(lineBatches(gunzipped(f === '-' ? process.stdin : createReadStream(f), f), firstChunk), p, opts.lineTimeoutMs)) {
      const out: string[] = [];
      for (const r of rs) {
        n++;
        if (r.fields?._line_truncated !== undefined) cut++;
        if (r.fields?._fields_truncated !== undefined) fieldsCut++;
        if (onlyUnparsed && r.parse_ok) continue;
        out.push(JSON.stringify({ source: f, line_no: n, ts: r.ts === null ? null : new Date(r.ts / 1000).toISOString(), host: r.host, program: r.program, pid: r.pid, type: r.type, pattern: r.pattern, parse_ok: r.parse_ok, fields: r.fields, message: r.message }));
      }
      if (out.length > 0) io.stdout(`${out.join('\n')}\n`);
    }
    if (cut + fieldsCut > 0) io.stderr(`haystack logs parse: ${f}: ${limitsMet(cut, fieldsCut)}\n`);
    } catch (e) {
      const msg = isHaystackError(e) ? e.message : `${f}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
      io.stderr(`haystack logs parse: ${msg}${n > 0 ? `; the ${n} lines before it were printed` : ''}\n`);
      code = EXIT_FAILURE;
    }
  }
  return code;
}

async function ingestFiles(files: string[], opts: ReturnType<typeof logParserOptions>, values: Record<string, unknown>, io: CliIo): Promise<number> {
  let store;
  try {
    store = await openStore(stringOption(values.db));
  } catch (e) {
    // the store held by a server (or another writer): one line under this verb's own name
    if (!isHaystackError(e, 'HAYSTACK_STORE')) throw e;
    io.stderr(`haystack logs ingest: ${e.message}\n`);
    return EXIT_FAILURE;
  }
  let code = EXIT_OK;
  try {
    for (const f of files) {
      const t0 = performance.now();
      const progress = new Progress(io);
      const r = await ingestLog(store, f, { ...opts, progress: (n) => progress.count(f, n, 'lines') });
      progress.done();
      if (r.status === 'failed') {
        io.stderr(`haystack logs ingest: ${r.error.message}\n`);
        code = EXIT_FAILURE;
      } else if (r.status === 'already') {
        io.stderr(`haystack logs ingest: ${f}: already in the store (${r.capture.capture_id}, ingested ${new Date(r.capture.ingested_at / 1000).toISOString()}), nothing changed\n`);
      } else {
        const s = (performance.now() - t0) / 1000;
        const types = [...r.byType].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([t, n]) => `${t} ${n}`).join(', ');
        io.stderr(
          `haystack logs ingest: ${f}: ${r.lines} lines into ${store.location}, ${r.parsed} parsed` +
          `${r.lines > r.parsed ? `, ${r.lines - r.parsed} kept unparsed (parse_ok false)` : ''} in ${s.toFixed(2)} s` +
          ` (${Math.round(r.lines / Math.max(s, 1e-3))} lines/s)${r.timeouts > 0 ? `; ${r.timeouts} line${r.timeouts === 1 ? '' : 's'} ran past the ${opts.lineTimeoutMs ?? LINE_TIMEOUT_MS} ms limit and ${r.timeouts === 1 ? 'was' : 'were'} kept unparsed` : ''}` +
          `${r.truncated + r.fieldsTruncated > 0 ? `; ${limitsMet(r.truncated, r.fieldsTruncated)}` : ''}${types !== '' ? `; ${types}${r.byType.size > 8 ? ', ...' : ''}` : ''}\n`,
        );
      }
    }
  } finally {
    await store.close();
  }
  return code;
}

/** What the line and field limits did to a file's lines, for the summary. */
function limitsMet(cut: number, fieldsCut: number): string {
  const lines = (n: number): string => `${n} line${n === 1 ? '' : 's'}`;
  return [
    ...(cut > 0 ? [`${lines(cut)} longer than ${MAX_LOG_LINE} characters cut to it (fields _line_truncated)`] : []),
    ...(fieldsCut > 0 ? [`${lines(fieldsCut)} with captures over ${MAX_LOG_FIELDS_JSON} characters of JSON cut (fields _fields_truncated)`] : []),
  ].join('; ');
}
