// `haystack carve --uid UID -o out.pcap`: a session's packets back out of its capture, as the store recorded them.
import { HaystackError } from '../../core/errors.js';
import { carveSession } from '../../pipeline/carve.js';
import { openStore } from '../../store/open.js';
import { parse, stringOption } from '../args.js';
import { EXIT_USAGE, type CliIo } from '../io.js';
import { DB_OPTION } from '../store-args.js';

export const usage = `haystack carve --uid UID -o FILE [--db URL] [--full-check]
  --uid UID      the session (its uid in the sessions table)
  -o FILE        the pcap to write (classic pcap, the frames and times of the capture)
  --full-check   hash the whole capture even when its size and modification time are as ingested
The session's capture must still be where it was ingested, unchanged (SHA-256): otherwise nothing is written.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('carve', argv, {
    ...DB_OPTION,
    uid: { type: 'string' },
    output: { type: 'string', short: 'o' },
    'full-check': { type: 'boolean' },
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const uid = stringOption(values.uid);
  const out = stringOption(values.output);
  if (uid === undefined || out === undefined || positionals.length > 0) {
    io.stderr(`haystack carve: give --uid and -o\n${usage}\n`);
    return EXIT_USAGE;
  }
  if (out === '-') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'carve: -o needs a file (pcap is binary: not written to stdout)');
  const store = await openStore(stringOption(values.db), { readOnly: true });
  try {
    const r = await carveSession(store, uid, out, { fullCheck: values['full-check'] === true });
    const note = r.skippedLinktype > 0 ? `; ${r.skippedLinktype} packets of another link type left out` : '';
    io.stderr(`haystack carve: ${r.packets} packets (${r.bytes} bytes) of ${r.uid} from ${r.capturePath} (checked by ${r.verified}) to ${out}${note}\n`);
  } finally {
    await store.close();
  }
  return 0;
}
