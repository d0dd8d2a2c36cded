// `haystack export <table> -o FILE`: a table (or the rows a filter keeps) as Parquet, JSON lines or CSV.
import { closeSync, openSync } from 'node:fs';
import { HaystackError } from '../../core/errors.js';
import { EXTERNAL_FORMATS, externalFormat, type ExternalFormat } from '../../formats/external.js';
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
index template of the table's data stream (--ecs-target elastic|opensearch, default elastic).${EXTERNAL_FORMATS.map((f) => `\n  ${f.name.padEnd(10)} ${f.doc}`).join('')} Tables: ${RECORD_SCHEMAS.map((s) => s.name).join(', ')};
app tables (the console's): ${APP_SCHEMAS.filter((s) => s !== STORE_KEYS).map((s) => s.name).join(', ')}.`;

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

/** A row as the schema types it: ClickHouse gives booleans as 0/1 and 64-bit integers (timestamps) as text. */

/** The row sink of a text export: an external format's writer, or ours (JSON lines, CSV). */
function writerFor(external: ExternalFormat | undefined, schema: RecordSchema, format: 'jsonl' | 'csv' | 'parquet', write: (s: string) => void): { row(r: Record<string, unknown>): void; end(): void } {
  if (external !== undefined) return external.writer(schema, write, { now: Date.now() * 1000 });
  return new RowWriter(schema.fields, format as 'jsonl' | 'csv', write);
}
