// `haystack import zeek <dir|files...>` and `haystack import eve <files...>`: Zeek logs and Suricata EVE files
// into the store's record tables (origin zeek / suricata, their own uids, unmapped fields in `extra`).
import { HaystackError, isHaystackError } from '../../core/errors.js';
import type { ImportMapper } from '../../formats/import/mapper.js';
import { BUILTIN_MAPPER } from '../../formats/import/mappers.js';
import { importFile, importInputs, MergeCache, mergeFirst, type ImportKind } from '../../pipeline/import.js';
import { sensorOption } from '../../pipeline/engine.js';
import { openStore, ROW_GROUP_SIZES } from '../../store/open.js';
import { parse, stringOption } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { DB_OPTION } from '../store-args.js';

/**
 * Row groups of what an import writes: DuckDB's default, not the store's 16,384 (which bounds what a capture's
 * transaction holds in memory while packets are decoded beside it). An import's rows are loaded by DuckDB
 * itself in large inserts; with 122,880-row groups the 861,000-line conn.log's import took 7.7 CPU s against 9.1,
 * the same lines as EVE 7.3 against 7.9 (bench/README.md, Formats, h18-import). Later writes to the store
 * (ingest) go on with 16,384-row groups: DuckDB reads and appends to row groups of both sizes alike.
 * HAYSTACK_IMPORT_ROW_GROUP_SIZE overrides it (16384, 32768, 65536 or 122880: measurements).
 */
function importRowGroupSize(): number {
  const v = process.env.HAYSTACK_IMPORT_ROW_GROUP_SIZE;
  if (v === undefined || v === '') return 122880;
  if (!/^\d+$/.test(v) || !ROW_GROUP_SIZES.has(Number(v))) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `HAYSTACK_IMPORT_ROW_GROUP_SIZE must be one of ${[...ROW_GROUP_SIZES].join(', ')}, got "${v}"`);
  }
  return Number(v);
}

export const usage = `haystack import zeek <dir|file...|-> [--db URL] [--sensor NAME] [--log NAME]
haystack import eve <file|dir...|-> [--db URL] [--sensor NAME]
  zeek: Zeek's logs in TSV (any #fields order, several headers in one file) or JSON form, plain or gzip; a
        directory: every *.log, *.log.gz, *.json and *.json.gz in it (the log's name from #path, _path or the
        file name: conn.2026-12-07-10-00-00.log.gz is conn)
  eve:  Suricata EVE JSON (one event per line), plain or gzip; a directory: its *.json files and rotations
  -             standard input (\`zcat eve.json.gz | haystack import eve -\`), read to its end and committed then
                as one import known by the SHA-256 of what it held
  --log NAME    zeek: the log the lines are when no #path or _path says (conn, dns, ...; default: the
                file name's first part, conn.log -> conn; standard input has none)
  --db URL      a DuckDB file (default ./haystack.duckdb or $HAYSTACK_DB), duckdb:PATH, or
                clickhouse://user:pass@host:8123/db[?cluster=NAME]
  --sensor NAME the sensor the logs came from (sessions' sensor column, and the file's captures row)
Rows keep the log's uid (EVE: made from flow_id), get origin zeek or suricata, and keep the fields that have no column in
\`extra\` (JSON). A line that cannot be read is an anomaly (import_bad_line) naming the file and line; the rest
of the file still loads. A file already in the store (same SHA-256 of its text) is skipped; an interrupted
import leaves nothing visible and is redone whole by the next. x509 logs are read first: their certificates
complete the tls rows of the ssl logs imported in the same run. Required fields a log leaves unset are 0, empty
or (Community ID) computed from the endpoints.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  return runWith(argv, io, BUILTIN_MAPPER);
}

/** run() with the field mappings given (tests use small ones). */
export async function runWith(argv: string[], io: CliIo, mapper: ImportMapper): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.text(`${usage}\n`);
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (sub !== 'zeek' && sub !== 'eve') {
    io.stderr(`haystack import: unknown kind "${sub}" (zeek, eve)\n${usage}\n`);
    return EXIT_USAGE;
  }
  const kind: ImportKind = sub;
  const { values, positionals } = parse(`import ${kind}`, rest, { ...DB_OPTION, sensor: { type: 'string' }, log: { type: 'string' } });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `import ${kind}: no file or directory given`);
  const sensor = sensorOption(stringOption(values.sensor));
  const log = stringOption(values.log);
  if (log !== undefined && kind !== 'zeek') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'import eve: --log is for Zeek logs (an EVE event names its own type)');
  if (log !== undefined && !/^[a-z0-9_]{1,64}$/.test(log)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `import zeek: --log must be a Zeek log name (conn, dns, ...), got "${log}"`);
  const rowGroupSize = importRowGroupSize();
  let store;
  try {
    store = await openStore(stringOption(values.db), { rowGroupSize });
  } catch (e) {
    if (!isHaystackError(e, 'HAYSTACK_STORE')) throw e;
    io.stderr(`haystack import: ${e.message}\n`);
    return EXIT_FAILURE;
  }
  let code = EXIT_OK;
  try {
    await store.init();
    const { files, missing } = await importInputs(kind, positionals);
    for (const e of missing) {
      io.stderr(`haystack import: ${e.message}\n`);
      code = EXIT_FAILURE;
    }
    if (files.length === 0 && missing.length === 0) io.stderr(`haystack import: no ${kind === 'zeek' ? 'Zeek log' : 'EVE'} file in ${positionals.join(', ')}\n`);
    // x509 logs first: their certificates fill the tls rows of the ssl logs of the same run
    const merges = new MergeCache();
    for (const f of mergeFirst(files)) {
      const t0 = performance.now();
      const progress = new Progress(io);
      const r = await importFile(store, kind, f, { mapper, sensor, merges, ...(log !== undefined ? { log } : {}), progress: (_p, n) => progress.count(f, n, 'lines') });
      progress.done();
      if (r.status === 'failed') {
        io.stderr(`haystack import: ${r.error.message}\n`);
        code = EXIT_FAILURE;
      } else if (r.status === 'already') {
        io.stderr(`haystack import: ${f}: already in the store (${r.capture.capture_id}, imported ${new Date(r.capture.ingested_at / 1000).toISOString()}), nothing changed\n`);
      } else {
        const s = (performance.now() - t0) / 1000;
        const tables = Object.entries(r.records).map(([t, n]) => `${t} ${n}`).join(', ');
        const unmapped = Object.entries(r.unmapped).sort((a, b) => b[1] - a[1]);
        io.stderr(
          `haystack import: ${f}: ${r.lines} lines into ${store.location} in ${s.toFixed(2)} s: ${tables === '' ? 'no rows' : tables}` +
          `${r.bad > 0 ? `; ${r.bad} line${r.bad === 1 ? '' : 's'} could not be read (anomalies import_bad_line, with file and line)` : ''}` +
          `${r.held > 0 ? `; ${r.held} held to fill the rows of the other files` : ''}${r.merged > 0 ? `; ${r.merged} rows completed by them` : ''}` +
          `${unmapped.length > 0 ? `; not mapped: ${unmapped.slice(0, 8).map(([k, n]) => `${k} ${n}`).join(', ')}${unmapped.length > 8 ? ', ...' : ''}` : ''}\n`,
        );
      }
    }
  } finally {
    await store.close();
  }
  return code;
}
