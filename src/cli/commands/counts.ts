// `haystack counts <table> --by hour|day|week`: rows per time bucket, empty buckets included; with --split, per
// bucket for each of a field's top values.
import { HaystackError } from '../../core/errors.js';
import { parseFilter } from '../../query/filter.js';
import { RECORD_SCHEMAS, schemaOf } from '../../schema/registry.js';
import { openStore } from '../../store/open.js';
import { BUCKETS, counts, MAX_SPLIT_VALUES, newest, splitCounts, type Bucket } from '../../store/reports.js';
import { parse, stringOption } from '../args.js';
import { countsRows, splitCountsRows } from '../../store/report-rows.js';
import { parseFormat, RowWriter } from '../format/output.js';
import { EXIT_USAGE, type CliIo } from '../io.js';
import { DB_OPTION, WINDOW_OPTIONS, windowOption } from '../store-args.js';

export const usage = `haystack counts <table> --by ${BUCKETS.join('|')} [--where EXPR] [--field F]
                [--split FIELD [--limit N]] [--since 7d | --from T --to T] [--now] [--db URL] [--format ...]
Buckets are UTC hours, days, or ISO weeks starting Monday; every bucket between the first and the last (or
the window's ends) is listed, empty ones with 0. --field: the timestamp field to bucket (default the
table's time). --split: counts for each of the N (default 100, at most ${MAX_SPLIT_VALUES}) values of FIELD with
the most rows, all over the same buckets (rows where FIELD is null are not counted).
Tables: ${RECORD_SCHEMAS.map((s) => s.name).join(', ')}.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('counts', argv, {
    ...DB_OPTION,
    ...WINDOW_OPTIONS,
    by: { type: 'string' },
    where: { type: 'string' },
    field: { type: 'string' },
    split: { type: 'string' },
    limit: { type: 'string' },
    format: { type: 'string' },
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    io.stderr(`haystack counts: give one table\n${usage}\n`);
    return EXIT_USAGE;
  }
  const schema = schemaOf(positionals[0]!);
  if (schema === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `unknown table "${positionals[0]}" (${RECORD_SCHEMAS.map((s) => s.name).join(', ')})`);
  const by = stringOption(values.by) as Bucket | undefined;
  if (by === undefined || !BUCKETS.includes(by)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--by must be one of ${BUCKETS.join(', ')}`);
  const fieldName = stringOption(values.field) ?? schema.timeField;
  const f = schema.fields.find((x) => x.name === fieldName);
  if (f === undefined || f.type !== 'timestamp') {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--field: ${schema.name} has no timestamp field "${fieldName}" (${schema.fields.filter((x) => x.type === 'timestamp').map((x) => x.name).join(', ')})`);
  }
  const split = stringOption(values.split);
  const sf = split === undefined ? undefined : schema.fields.find((x) => x.name === split);
  if (split !== undefined && sf === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--split: ${schema.name} has no field "${split}"`);
  const limitText = stringOption(values.limit);
  if (limitText !== undefined && (split === undefined || !/^\d{1,9}$/.test(limitText))) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', '--limit: a whole number, with --split');
  const limit = limitText === undefined ? 100 : Number(limitText);
  const whereText = stringOption(values.where);
  const where = whereText === undefined ? null : parseFilter(whereText, schema, '--where');
  const format = parseFormat(stringOption(values.format), io.stdoutIsTty);
  const store = await openStore(stringOption(values.db), { readOnly: true });
  try {
    const window = await windowOption(values, () => newest(store, schema, fieldName));
    const rep = sf !== undefined
      ? splitCountsRows(await splitCounts(store, { schema, by, field: fieldName, where, window, split: sf.name, limit }), sf)
      : countsRows(await counts(store, { schema, by, field: fieldName, where, window }));
    const out = new RowWriter(rep.fields, format, io.stdout);
    for (const r of rep.rows) out.row(r);
    out.end();
  } finally {
    await store.close();
  }
  return 0;
}
