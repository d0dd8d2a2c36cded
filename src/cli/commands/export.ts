// `haystack export <table> -o FILE`: a table (or the rows a filter keeps) as Parquet, JSON lines or CSV.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { cannotWrite, HaystackError } from '../../core/errors.js';
import { EXTERNAL_FORMATS, externalFormat, type ExternalFormat } from '../../formats/external.js';
import { duckdbSqlForm, type ExternalSql } from '../../store/export-sql/forms.js';
import { zeekSqlForm } from '../../store/export-sql/zeek-sql.js';
import { zeekDirectoryLogs, zeekLogFile } from '../../formats/zeek/zeek-format.js';
import { ZeekLogWriter } from '../../formats/zeek/zeek-writer.js';
import type { Store } from '../../store/store.js';
import { writeEcsTemplate } from '../format/ecs-template-file.js';
import { parseFilter } from '../../query/filter.js';
import { APP_SCHEMAS, appSchemaOf, RECORD_SCHEMAS, schemaOf } from '../../schema/registry.js';
import type { RecordSchema } from '../../schema/schema.js';
import { STORE_KEYS } from '../../schema/store-keys.js';
import { openStore } from '../../store/open.js';
import { committed, tableNamer } from '../../store/reports.js';
import { typedRow } from '../../store/search-common.js';
import { ident, quoteString, whereSql } from '../../store/sql.js';
import { parse, stringOption } from '../args.js';
import { EXIT_USAGE, fileWriter, type CliIo } from '../io.js';
import { DB_OPTION } from '../store-args.js';

export const usage = `haystack export <table> --format parquet|jsonl|csv${EXTERNAL_FORMATS.map((f) => `|${f.name}`).join('')} -o FILE [--where EXPR] [--db URL]
Parquet needs the DuckDB store (ClickHouse 18.16 cannot write it). With ecs or ecs-bulk, --ecs-template FILE also writes the
index template of the table's data stream (--ecs-target elastic|opensearch, default elastic).${EXTERNAL_FORMATS.map((f) => `\n  ${f.name.padEnd(10)} ${f.doc}`).join('')}
Tables: ${RECORD_SCHEMAS.map((s) => s.name).join(', ')};
app tables (the console's): ${APP_SCHEMAS.filter((s) => s !== STORE_KEYS).map((s) => s.name).join(', ')}.
haystack export all --format zeek|zeek-json -o DIR [--db URL]: a Zeek log directory (conn.log, ssl.log, x509.log, ...).`;

const EXPORT_FORMATS = ['parquet', 'jsonl', 'csv'] as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('export', argv, {
    ...DB_OPTION,
    format: { type: 'string' },
    output: { type: 'string', short: 'o' },
    where: { type: 'string' },
    'ecs-template': { type: 'string' },
    'ecs-target': { type: 'string' },
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    io.stderr(`haystack export: give one table\n${usage}\n`);
    return EXIT_USAGE;
  }
  if (positionals[0] === 'all') return exportZeekDirectory(values, io);
  // the store's keys never leave it (a findings key would let anyone with the export test values against value_hmac)
  if (positionals[0] === STORE_KEYS.name) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `${STORE_KEYS.name} is not exported: it holds the store's keys`);
  const app = appSchemaOf(positionals[0]!);
  const schema = schemaOf(positionals[0]!) ?? app;
  if (schema === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `unknown table "${positionals[0]}" (${[...RECORD_SCHEMAS, ...APP_SCHEMAS].map((s) => s.name).join(', ')})`);
  const formatName = stringOption(values.format);
  const external = formatName === undefined ? undefined : externalFormat(formatName);
  const format = formatName as (typeof EXPORT_FORMATS)[number] | undefined;
  if (external === undefined && (format === undefined || !EXPORT_FORMATS.includes(format))) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--format must be one of ${[...EXPORT_FORMATS, ...EXTERNAL_FORMATS.map((f) => f.name)].join(', ')}`);
  }
  if (external !== undefined && !external.supports(schema.name)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--format ${external.name} does not write ${schema.name} records`);
  const file = stringOption(values.output);
  if (file === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', '-o FILE is required');
  const ecsTemplate = writeEcsTemplate(external?.name, schema.name, stringOption(values['ecs-template']), stringOption(values['ecs-target']));
  const whereText = stringOption(values.where);
  const where = whereText === undefined ? null : parseFilter(whereText, schema, '--where');
  // Parquet and the external formats' SQL forms have DuckDB write a file
  const store = await openStore(stringOption(values.db), { readOnly: true, fileAccess: format === 'parquet' || external !== undefined, ...(external !== undefined ? { threads: LINES_THREADS } : {}) });
  let rows = 0;
  try {
    const t = tableNamer(store);
    // app tables belong to no capture: all their rows count
    const conds = [...(schema.name === 'captures' || app !== undefined ? [] : [committed(t, store.dialect)]), ...(where === null ? [] : [whereSql(where, store.dialect)])];
    const select = (more: readonly string[]): string => {
      const all = [...conds, ...more];
      return `SELECT ${schema.fields.map((f) => ident(f.name)).join(', ')} FROM ${t(schema.name)}${all.length > 0 ? ` WHERE ${all.join(' AND ')}` : ''}`;
    };
    const sql = select([]);
    if (format === 'parquet') {
      if (store.writeParquet === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `Parquet export needs the DuckDB store (${store.location} is ClickHouse)`);
      await store.writeParquet(sql, file);
    } else if (external !== undefined) {
      const parts = store.copyLines === undefined ? [] : await rowidParts(store, t(schema.name), select);
      rows = await exportExternal(store, schema, external, sql, file, { now: Date.now() * 1000, parts });
    } else {
      // loaded here: the SQL forms' exports do without it (bench/README.md, Formats: start-up)
      const { RowWriter } = await import('../format/output.js');
      const fd = openFile(file);
      try {
        const out = new RowWriter(schema.fields, format as 'jsonl' | 'csv', fileWriter(fd, file));
        for await (const batch of store.scan(sql)) {
          for (const r of batch) {
            out.row(typedRow(schema.fields, r));
            rows++;
          }
        }
        out.end();
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    await store.close();
  }
  io.stderr(`haystack export: ${format === 'parquet' ? 'wrote' : `${rows} rows to`} ${file}${external !== undefined ? ` as ${external.name}` : ''}${ecsTemplate}\n`);
  return 0;
}

/**
 * Writes the rows of `sql` (the schema's fields) in an external format: by the store itself where the format has
 * a SQL form and the store can run it (DuckDB; the output a regular file), else row by row through the writer.
 * `parts`: the same rows as consecutive SELECTs (rowidParts), whose lines the store makes side by side.
 * `sqlForm: false` forces the writer (the tests compare both). Returns the number of records written.
 */
export async function exportExternal(store: Store, schema: RecordSchema, external: ExternalFormat, sql: string, file: string,
  opts: { now: number; sqlForm?: boolean; parts?: readonly string[] }): Promise<number> {
  const form = opts.sqlForm === false || store.copyLines === undefined ? null : duckdbSqlForm(external.name, schema, { now: opts.now });
  const fd = openFile(file);
  try {
    const write = fileWriter(fd, file);
    const sources = (opts.parts !== undefined && opts.parts.length > 0 ? opts.parts : [sql]).map((s) => `(${s})`);
    if (form !== null && fstatSync(fd).isFile()) return await copyLinesInto(store, form, sources, file, fd, true);
    const out = external.writer(schema, write, { now: opts.now });
    let rows = 0;
    for await (const batch of store.scan(sql)) {
      for (const r of batch) {
        out.row(typedRow(schema.fields, r));
        rows++;
      }
    }
    out.end();
    // the lines written, as the SQL form counts them (a log may leave rows out)
    return out.rows ?? rows;
  } finally {
    closeSync(fd);
  }
}

/**
 * DuckDB's threads for the external formats' exports. The SQL forms' COPY keeps the rows' order; with two threads
 * DuckDB's order-keeping copy took 2-3x the CPU of one thread making and writing the lines in order (conn.log
 * of 861,000 sessions: 1.1-1.7 s CPU against 0.56 s; zeek-json 2.9-3.9 s against 1.2-1.8 s; bench/README.md,
 * Formats), so one thread is faster on 2 cores even when they are idle. (The writers' bound is their JavaScript.)
 */
const LINES_THREADS = 1;

/**
 * Numbers this process's scratch files (with its pid: unique among the processes of the host, so two exports to one
 * directory never share one). Not node:crypto's randomBytes: loading node:crypto cost ~10 ms of every export.
 */
let scratchSerial = 0;

/** Bytes copied at a time from the store's line file into the output. */
const COPY_CHUNK = 1 << 20;

/**
 * Parts a table's lines are made in, side by side (each COPY runs on one DuckDB thread: LINES_THREADS): conn.log of
 * 861,000 sessions took 0.29-0.31 s in two against 0.55-0.61 s in one, the same CPU, when the cores were free.
 * At most the cores, and 4 (libuv's threads, which run DuckDB's calls).
 */
const LINES_PARTS = Math.min(availableParallelism(), 4);
/** Below this many rows a table's lines are made in one part (a part's connection and COPY cost more than they save). */
const SPLIT_MIN_ROWS = 100_000;

/**
 * The table's SELECT (`select` adds conditions to it) as consecutive rowid ranges, in scan order (DuckDB: a table's
 * rowids rise in the order its rows are scanned), or [] when the table is small or the store has no rowid.
 */
export async function rowidParts(store: Store, table: string, select: (more: readonly string[]) => string, parts = LINES_PARTS, minRows = SPLIT_MIN_ROWS): Promise<string[]> {
  if (store.dialect !== 'duckdb' || parts < 2) return [];
  const r = (await store.select(`SELECT min(rowid) AS lo, max(rowid) AS hi FROM ${table}`)).rows[0];
  const [lo, hi] = [Number(r?.lo ?? 0), Number(r?.hi ?? -1)];
  if (hi - lo + 1 < minRows || !Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) return [];
  const step = Math.ceil((hi - lo + 1) / parts);
  return Array.from({ length: parts }, (_, i) => select([`rowid >= ${lo + i * step}`, ...(i < parts - 1 ? [`rowid < ${lo + (i + 1) * step}`] : [])]));
}

/**
 * A SQL form's head, the lines the store writes for each source, and its tail. DuckDB's COPY makes a file of its
 * own: into an output still empty (`fresh`), the first source's lines go straight into it, the head as their first
 * row (UNION ALL keeps the order: DuckDB's order preservation); the others' lines go to scratch files next to the
 * output, side by side, and are appended in order. An output that already holds text (export all: notice.log's
 * second part) gets every source's lines appended that way.
 */
async function copyLinesInto(store: Store, form: ExternalSql, sources: readonly string[], file: string, fd: number, fresh: boolean): Promise<number> {
  // DuckDB opens the paths itself: absolute, so that they name the files node opens (DuckDB expands a leading `~`)
  const out = resolve(file);
  const stem = join(dirname(out), `.${basename(out)}.${process.pid}.${++scratchSerial}`);
  // a head whose last line ends the text becomes the first row (COPY ends every row with a newline)
  const direct = fresh && (form.head === '' || form.head.endsWith('\n'));
  const parts = sources.map((_, i) => (direct && i === 0 ? out : `${stem}.${i}.part`));
  const firstSql = direct && form.head !== ''
    ? `SELECT ${quoteString(form.head.slice(0, -1), 'duckdb')} AS line UNION ALL (${form.lines(sources[0]!)})`
    : form.lines(sources[0]!);
  try {
    // every COPY settled before the parts are removed (one that failed must not leave another's file behind)
    const settled = await Promise.allSettled(sources.map((s, i) => store.copyLines!(i === 0 ? firstSql : form.lines(s), parts[i]!)));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const counts = settled.map((r) => (r as PromiseFulfilledResult<number>).value);
    // the head's row is no record
    if (direct && form.head !== '') counts[0]! -= 1;
    // written at the output's end (this fd's own offset is 0 after a COPY wrote into the file)
    let at = fstatSync(fd).size;
    const put = (b: Buffer, n: number): void => {
      let off = 0;
      while (off < n) {
        const w = writeOut(fd, b, off, n - off, at, file);
        off += w;
        at += w;
      }
    };
    if (!direct && form.head !== '') {
      const h = Buffer.from(form.head, 'utf8');
      put(h, h.length);
    }
    const buf = Buffer.allocUnsafe(COPY_CHUNK);
    for (const part of direct ? parts.slice(1) : parts) {
      const inFd = openSync(part, 'r');
      try {
        for (;;) {
          const n = readSync(inFd, buf, 0, COPY_CHUNK, null);
          if (n === 0) break;
          put(buf, n);
        }
      } finally {
        closeSync(inFd);
      }
    }
    if (form.tail !== '') {
      const t = Buffer.from(form.tail, 'utf8');
      put(t, t.length);
    }
    return counts.reduce((a, b) => a + b, 0);
  } finally {
    for (const part of parts) if (part !== out) rmSync(part, { force: true });
  }
}

function writeOut(fd: number, buf: Buffer, off: number, len: number, at: number, file: string): number {
  try {
    return writeSync(fd, buf, off, len, at);
  } catch (e) {
    throw cannotWrite(file, e);
  }
}

/** `export all --format zeek|zeek-json -o DIR`: every table that makes a Zeek log, one file per log. */
async function exportZeekDirectory(values: Record<string, unknown>, io: CliIo): Promise<number> {
  const formatName = stringOption(values.format);
  if (formatName !== 'zeek' && formatName !== 'zeek-json') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'export all takes --format zeek or zeek-json');
  if (stringOption(values.where) !== undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', '--where does not go with export all');
  const dir = stringOption(values.output);
  if (dir === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', '-o DIR is required');
  mkdirSync(dir, { recursive: true });
  // the logs' SQL forms have DuckDB write a file
  const store = await openStore(stringOption(values.db), { readOnly: true, fileAccess: true, threads: LINES_THREADS });
  let counts: string[];
  try {
    counts = await exportZeekLogs(store, dir, formatName === 'zeek-json', { now: Date.now() * 1000 });
  } finally {
    await store.close();
  }
  io.stderr(`haystack export: ${dir}: ${counts.join(', ')}\n`);
  return 0;
}

/**
 * Every Zeek log of the store's committed rows into `dir`, a file per log (notice.log from alerts, then findings:
 * the first part writes the header, the last the #close). A log with a SQL form is written by the store
 * (copyLinesInto), the others (x509) by ZeekLogWriter; `sqlForm: false` forces the writers (the tests compare
 * both). Returns "file rows" per file.
 */
export async function exportZeekLogs(store: Store, dir: string, json: boolean, opts: { now: number; sqlForm?: boolean; parts?: number; minRows?: number }): Promise<string[]> {
  const logs = zeekDirectoryLogs();
  const counts: string[] = [];
  for (const file of [...new Set(logs.map(zeekLogFile))]) {
    const parts = logs.filter((l) => zeekLogFile(l) === file);
    const path = join(dir, file);
    const fd = openFile(path);
    let rows = 0;
    try {
      const write = fileWriter(fd, path);
      for (const [i, log] of parts.entries()) {
        const part = { first: i === 0, last: i === parts.length - 1 };
        const form = opts.sqlForm === false || store.copyLines === undefined ? null : zeekSqlForm(log, json, opts.now);
        if (form !== null) {
          const select = (more: readonly string[]): string => committedSelect(store, log.schema, more);
          const split = await rowidParts(store, tableNamer(store)(log.schema.name), select, opts.parts, opts.minRows);
          const sources = (split.length > 0 ? split : [select([])]).map((s) => `(${s})`);
          rows += await copyLinesInto(store, { ...form, head: part.first ? form.head : '', tail: part.last ? form.tail : '' }, sources, path, fd, part.first);
          continue;
        }
        const out = new ZeekLogWriter(log, json, write, opts.now, part);
        await scanTable(store, log.schema, (r) => out.row(r));
        out.end();
        rows += out.rows;
      }
    } finally {
      closeSync(fd);
    }
    // a JSON log of no line would be an empty file, which says nothing and no reader takes (Zeek writes none); a
    // TSV one keeps its header, which names the log's fields
    if (json && rows === 0) {
      unlinkSync(path);
      counts.push(`${file} 0 (not written)`);
    } else counts.push(`${file} ${rows}`);
  }
  return counts;
}

function openFile(file: string): number {
  try {
    return openSync(file, 'w');
  } catch (e) {
    throw new HaystackError('HAYSTACK_IO', `${file}: cannot create (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file, cause: e });
  }
}

/** The SELECT of a table's committed rows (and `more` conditions), its schema's fields. */
function committedSelect(store: Store, schema: RecordSchema, more: readonly string[] = []): string {
  const t = tableNamer(store);
  return `SELECT ${schema.fields.map((f) => ident(f.name)).join(', ')} FROM ${t(schema.name)} WHERE ${[committed(t, store.dialect), ...more].join(' AND ')}`;
}

/** Every committed row of a table, typed as its schema says. */
async function scanTable(store: Store, schema: RecordSchema, row: (r: Record<string, unknown>) => void): Promise<void> {
  for await (const batch of store.scan(committedSelect(store, schema))) for (const r of batch) row(typedRow(schema.fields, r));
}
