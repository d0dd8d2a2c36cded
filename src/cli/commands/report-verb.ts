// `haystack report labels`: declared vs detected, layer by layer, from the store (files, sessions, findings).
import { HaystackError } from '../../core/errors.js';
import { FILES } from '../../schema/files.js';
import { LABELS_REPORT, labelsReport, MAX_LABEL_ROWS } from '../../store/labels-report.js';
import { openStore } from '../../store/open.js';
import { newest } from '../../store/reports.js';
import { intOption, parse, stringOption } from '../args.js';
import { RECORD_OPTIONS, recordOutput } from '../format/record-output.js';
import type { CliIo } from '../io.js';
import { DB_OPTION, WINDOW_OPTIONS, windowOption } from '../store-args.js';

export const usage = `haystack report labels [--since 1d | --from T --to T] [--now] [--limit 1000] [--db URL]
                      [--format table|jsonl|csv] [--fields ...] [--filter EXPR]
One row per file (and per session) whose labels and content disagree: the port says / the protocol detected /
Content-Type says / the extension says / the magic bytes say / what inspection found. --since is relative to the
newest file (--now: to the wall clock). At most ${MAX_LABEL_ROWS} files are looked at.`;

const TABLE_FIELDS = ['ts', 'kind', 'filename', 'port', 'port_says', 'protocol', 'content_type', 'extension_says', 'magic', 'content', 'disagree'];

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('report', argv, { ...DB_OPTION, ...WINDOW_OPTIONS, ...RECORD_OPTIONS, limit: { type: 'string' } });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  if (positionals[0] !== 'labels' || positionals.length !== 1) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `haystack report: the report is "labels"\n${usage}`);
  const limit = intOption('limit', values.limit, 1) ?? 1000;
  const out = await recordOutput(LABELS_REPORT, values, io, TABLE_FIELDS);
  const store = await openStore(stringOption(values.db), { readOnly: true });
  try {
    const window = await windowOption(values, () => newest(store, FILES));
    for (const r of await labelsReport(store, { window, limit })) out.emit(r as unknown as Record<string, unknown>);
  } finally {
    await store.close();
  }
  out.end();
  return 0;
}
