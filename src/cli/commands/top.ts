// `haystack top`: keys (ports, protocols, addresses, SNIs) by bytes into and out of the home network.
import { HaystackError } from '../../core/errors.js';
import { SESSIONS } from '../../schema/sessions.js';
import { openStore } from '../../store/open.js';
import { BYTE_LEVELS, newest, top, TOP_KEYS, type ByteLevel, type TopKey } from '../../store/reports.js';
import { homeNetOption, intOption, parse, stringOption } from '../args.js';
import type { CliIo } from '../io.js';
import { DB_OPTION, WINDOW_OPTIONS, windowOption, writeResult } from '../store-args.js';

export const usage = `haystack top [--by ${TOP_KEYS.join('|')}] [--since 1h | --from T --to T] [--now]
             [--home-net CIDR,...] [--bytes ${BYTE_LEVELS.join('|')}] [--limit 10] [--db URL] [--format ...]
Columns bytes_to_mynet, bytes_from_mynet, total_bytes (inbound + outbound sessions; internal and external
ones do not count). --since is relative to the newest session (--now: to the wall clock). Without
--home-net the direction stored at ingest is used. --bytes: frame (default, as tshark sums frame.len),
ip, or payload.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse('top', argv, {
    ...DB_OPTION,
    ...WINDOW_OPTIONS,
    by: { type: 'string' },
    'home-net': { type: 'string', multiple: true },
    bytes: { type: 'string' },
    limit: { type: 'string' },
    format: { type: 'string' },
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const by = (stringOption(values.by) ?? 'dst_port') as TopKey;
  if (!TOP_KEYS.includes(by)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--by must be one of ${TOP_KEYS.join(', ')}`);
  const bytes = (stringOption(values.bytes) ?? 'frame') as ByteLevel;
  if (!BYTE_LEVELS.includes(bytes)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--bytes must be one of ${BYTE_LEVELS.join(', ')}`);
  const limit = intOption('limit', values.limit, 1) ?? 10;
  const home = homeNetOption(values['home-net']);
  const store = await openStore(stringOption(values.db), { readOnly: true });
  try {
    const window = await windowOption(values, () => newest(store, SESSIONS));
    writeResult(await top(store, { by, bytes, limit, window, homeNet: home.length > 0 ? home : null }), values, io);
  } finally {
    await store.close();
  }
  return 0;
}
