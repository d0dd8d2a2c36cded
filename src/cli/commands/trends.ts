// `haystack trends alerts`: signatures whose latest day is far above their own baseline ("three orders of
// magnitude since yesterday"), without writing SQL.
import { HaystackError } from '../../core/errors.js';
import { openStore } from '../../store/open.js';
import { trends } from '../../store/reports.js';
import { decimalOption, intOption, parse, stringOption } from '../args.js';
import { trendsRows } from '../../store/report-rows.js';
import { parseFormat, RowWriter } from '../format/output.js';
import { EXIT_USAGE, type CliIo } from '../io.js';
import { DB_OPTION, parseDuration, parseTime } from '../store-args.js';

export const usage = `haystack trends alerts [--by msg|sid] [--window 7d] [--min-ratio 10] [--min-count 10] [--day DATE | --now]
                [--db URL] [--format ...]
The latest day is the newest alert's UTC day (--day picks one, --now today); the baseline is the mean per day
over the window's earlier days (days without alerts count as 0). A signature with no earlier alert shows
ratio "new" when its latest day reaches --min-count.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('trends', argv, {
    ...DB_OPTION,
    by: { type: 'string' },
    window: { type: 'string' },
    'min-ratio': { type: 'string' },
    'min-count': { type: 'string' },
    day: { type: 'string' },
    now: { type: 'boolean' },
    format: { type: 'string' },
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'alerts') {
    io.stderr(`haystack trends: only "alerts" has trends so far\n${usage}\n`);
    return EXIT_USAGE;
  }
  const by = stringOption(values.by) ?? 'msg';
  if (by !== 'msg' && by !== 'sid') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', '--by must be msg or sid');
  const window = parseDuration(stringOption(values.window) ?? '7d', '--window');
  const days = Math.round(window / 86_400_000_000);
  if (days < 2 || window % 86_400_000_000 !== 0) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', '--window must be whole days, at least 2 (e.g. 7d, 2w)');
  const minRatio = decimalOption('min-ratio', values['min-ratio'], 0) ?? 10;
  const minCount = intOption('min-count', values['min-count'], 0) ?? 10;
  const dayText = stringOption(values.day);
  const end = dayText !== undefined ? parseTime(dayText, '--day') : values.now === true ? Date.now() * 1000 : null;
  const format = parseFormat(stringOption(values.format), io.stdoutIsTty);
  const store = await openStore(stringOption(values.db), { readOnly: true });
  try {
    const rows = await trends(store, { by, days, end, minRatio, minCount });
    const rep = trendsRows(rows, by);
    const out = new RowWriter(rep.fields, format, io.stdout);
    for (const r of rep.rows) out.row(r);
    out.end();
  } finally {
    await store.close();
  }
  return 0;
}
