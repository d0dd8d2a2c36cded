// `haystack export <table> -o FILE`: a table (or the rows a filter keeps) as Parquet, JSON lines or CSV.
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, fstatSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { cannotWrite, HaystackError } from '../../core/errors.js';
import { EXTERNAL_FORMATS, externalFormat, type ExternalFormat } from '../../formats/external.js';
import { duckdbSqlForm, type ExternalSql } from '../../store/export-sql/forms.js';
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
import { ident, whereSql } from '../../store/sql.js';
import { parse, stringOption } from '../args.js';
import { RowWriter } from '../format/output.js';
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
  // an external format's SQL form is written by COPY on one thread (OpenStoreOptions.threads)
  const copied = external !== undefined && duckdbSqlForm(external.name, schema, { now: 0 }) !== null;
  const store = await openStore(stringOption(values.db), { readOnly: true, fileAccess: format === 'parquet' || external !== undefined, ...(copied ? { threads: 1 } : {}) });
  let rows = 0;
  try {
    const t = tableNamer(store);
    // app tables belong to no capture: all their rows count
    const conds = [...(schema.name === 'captures' || app !== undefined ? [] : [committed(t, store.dialect)]), ...(where === null ? [] : [whereSql(where, store.dialect)])];
    const sql = `SELECT ${schema.fields.map((f) => ident(f.name)).join(', ')} FROM ${t(schema.name)}${conds.length > 0 ? ` WHERE ${conds.join(' AND ')}` : ''}`;
    if (format === 'parquet') {
      if (store.writeParquet === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `Parquet export needs the DuckDB store (${store.location} is ClickHouse)`);
      await store.writeParquet(sql, file);
    } else if (external !== undefined) {
      rows = await exportExternal(store, schema, external, sql, file, { now: Date.now() * 1000 });
    } else {
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
 * `sqlForm: false` forces the writer (the tests compare both). Returns the number of records written.
 */
export async function exportExternal(store: Store, schema: RecordSchema, external: ExternalFormat, sql: string, file: string,
  opts: { now: number; sqlForm?: boolean }): Promise<number> {
  const form = opts.sqlForm === false || store.copyLines === undefined ? null : duckdbSqlForm(external.name, schema, { now: opts.now });
  const fd = openFile(file);
  try {
    const write = fileWriter(fd, file);
    if (form !== null && fstatSync(fd).isFile()) return await copyLinesInto(store, form, `(${sql})`, file, fd, write);
    const out = external.writer(schema, write, { now: opts.now });
    let rows = 0;
    for await (const batch of store.scan(sql)) {
      for (const r of batch) {
        out.row(typedRow(schema.fields, r));
        rows++;
      }
    }
    out.end();
    return rows;
  } finally {
    closeSync(fd);
  }
}

/** Bytes copied at a time from the store's line file into the output. */
const COPY_CHUNK = 1 << 20;

/**
 * A SQL form's head, the lines the store writes (to a scratch file next to the output, then appended: DuckDB's
 * COPY makes a file of its own), and its tail.
 */
async function copyLinesInto(store: Store, form: ExternalSql, source: string, file: string, fd: number, write: (s: string) => void): Promise<number> {
  const part = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.part`);
  try {
    const rows = await store.copyLines!(form.lines(source), part);
    // lines alone and nothing to unquote (most EVE tables): the kernel copies them (copy_file_range/sendfile) into
    // the output, opened already (the same file, through a symlink too); 471 MB of flow lines: 0.56 s, not 1.55 s
    if (form.head === '' && form.tail === '' && !holdsByte(part, COPY_QUOTE_BYTE)) {
      copyFileSync(part, file);
      return rows;
    }
    if (form.head !== '') write(form.head);
    const inFd = openSync(part, 'r');
    try {
      const buf = Buffer.allocUnsafe(COPY_CHUNK);
      for (;;) {
        const read = readSync(inFd, buf, 0, COPY_CHUNK, null);
        if (read === 0) break;
        const n = unquote(buf, read);
        let off = 0;
        while (off < n) off += writeOut(fd, buf, off, n - off, file);
      }
    } finally {
      closeSync(inFd);
    }
    if (form.tail !== '') write(form.tail);
    return rows;
  } finally {
    rmSync(part, { force: true });
  }
}

/** copyLines' CSV quote (DuckDbStore's COPY_QUOTE): no line of an external format holds it (control characters are escaped). */
const COPY_QUOTE_BYTE = 0x01;

/** Whether the file holds the byte anywhere (read in COPY_CHUNK pieces; a page-cached 471 MB file: ~0.3 s). */
function holdsByte(path: string, byte: number): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(COPY_CHUNK);
    for (;;) {
      const n = readSync(fd, buf, 0, COPY_CHUNK, null);
      if (n === 0) return false;
      const at = buf.indexOf(byte);
      if (at >= 0 && at < n) return true;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes the quotes DuckDB's CSV writer put around a line anyway (DuckDB 1.5 quotes every value holding `#`, and an
 * empty one, whatever the quote character): the first n bytes of buf without them; the new length.
 */
function unquote(buf: Buffer, n: number): number {
  let w = buf.indexOf(COPY_QUOTE_BYTE);
  if (w < 0 || w >= n) return n;
  for (let r = w; r < n; r++) if (buf[r] !== COPY_QUOTE_BYTE) buf[w++] = buf[r]!;
  return w;
}

function writeOut(fd: number, buf: Buffer, off: number, len: number, file: string): number {
  try {
    return writeSync(fd, buf, off, len);
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
  const store = await openStore(stringOption(values.db), { readOnly: true });
  const now = Date.now() * 1000;
  const counts: string[] = [];
  try {
    const logs = zeekDirectoryLogs();
    for (const file of [...new Set(logs.map(zeekLogFile))]) {
      const parts = logs.filter((l) => zeekLogFile(l) === file);
      const path = join(dir, file);
      const fd = openFile(path);
      let rows = 0;
      try {
        const write = fileWriter(fd, path);
        for (const [i, log] of parts.entries()) {
          const out = new ZeekLogWriter(log, formatName === 'zeek-json', write, now, { first: i === 0, last: i === parts.length - 1 });
          await scanTable(store, log.schema, (r) => out.row(r));
          out.end();
          rows += out.rows;
        }
      } finally {
        closeSync(fd);
      }
      counts.push(`${file} ${rows}`);
    }
  } finally {
    await store.close();
  }
  io.stderr(`haystack export: ${dir}: ${counts.join(', ')}\n`);
  return 0;
}

function openFile(file: string): number {
  try {
    return openSync(file, 'w');
  } catch (e) {
    throw new HaystackError('HAYSTACK_IO', `${file}: cannot create (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file, cause: e });
  }
}

/** Every committed row of a table, typed as its schema says. */
async function scanTable(store: Store, schema: RecordSchema, row: (r: Record<string, unknown>) => void): Promise<void> {
  const t = tableNamer(store);
  const sql = `SELECT ${schema.fields.map((f) => ident(f.name)).join(', ')} FROM ${t(schema.name)} WHERE ${committed(t, store.dialect)}`;
  for await (const batch of store.scan(sql)) for (const r of batch) row(typedRow(schema.fields, r));
}
