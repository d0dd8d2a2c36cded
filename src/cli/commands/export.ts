// `haystack export <table> -o FILE`: a table (or the rows a filter keeps) as Parquet, JSON lines or CSV.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { HaystackError } from '../../core/errors.js';
import { EXTERNAL_FORMATS, externalFormat, type ExternalFormat } from '../../formats/external.js';
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
  const store = await openStore(stringOption(values.db), { readOnly: true, fileAccess: format === 'parquet' });
  let rows = 0;
  try {
    const t = tableNamer(store);
    // app tables belong to no capture: all their rows count
    const conds = [...(schema.name === 'captures' || app !== undefined ? [] : [committed(t, store.dialect)]), ...(where === null ? [] : [whereSql(where, store.dialect)])];
    const sql = `SELECT ${schema.fields.map((f) => ident(f.name)).join(', ')} FROM ${t(schema.name)}${conds.length > 0 ? ` WHERE ${conds.join(' AND ')}` : ''}`;
    if (format === 'parquet') {
      if (store.writeParquet === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `Parquet export needs the DuckDB store (${store.location} is ClickHouse)`);
      await store.writeParquet(sql, file);
    } else {
      let fd: number;
      try {
        fd = openSync(file, 'w');
      } catch (e) {
        throw new HaystackError('HAYSTACK_IO', `${file}: cannot create (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file, cause: e });
      }
      try {
        const out = writerFor(external, schema, format!, fileWriter(fd, file));
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

/** The row sink of a text export: an external format's writer, or ours (JSON lines, CSV). */
function writerFor(external: ExternalFormat | undefined, schema: RecordSchema, format: 'jsonl' | 'csv' | 'parquet', write: (s: string) => void): { row(r: Record<string, unknown>): void; end(): void } {
  if (external !== undefined) return external.writer(schema, write, { now: Date.now() * 1000 });
  return new RowWriter(schema.fields, format as 'jsonl' | 'csv', write);
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
