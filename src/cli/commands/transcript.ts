// `haystack transcript --uid UID [--hex] [--limit N]`: a TCP session of the store reassembled, for reading.
import { sessionTranscript } from '../../pipeline/transcript.js';
import { openStore } from '../../store/open.js';
import { intOption, parse, stringOption } from '../args.js';
import { EXIT_USAGE, type CliIo } from '../io.js';
import { DB_OPTION } from '../store-args.js';

export const usage = `haystack transcript --uid UID [--capture ID] [--hex] [--limit BYTES] [--db URL]
  --uid UID       the session (a TCP session of the sessions table)
  --capture ID    its capture's capture_id, when the uid is in two captures (the same packets ingested twice)
  --hex           a hex dump instead of text
  --limit BYTES   payload bytes shown before the transcript is cut (default 1048576)
Lines: "> " client to server, "< " server to client, "! " notes (missing bytes, the cut). In text, bytes
that are not printable ASCII are written \\xHH (\\t, \\r named, a backslash doubled); a line feed ends a line.
The packets are read again from the session's capture, which must be unchanged since it was ingested.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('transcript', argv, {
    ...DB_OPTION,
    uid: { type: 'string' },
    capture: { type: 'string' },
    hex: { type: 'boolean' },
    limit: { type: 'string' },
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const uid = stringOption(values.uid);
  if (uid === undefined || positionals.length > 0) {
    io.stderr(`haystack transcript: give --uid\n${usage}\n`);
    return EXIT_USAGE;
  }
  const limit = intOption('limit', values.limit, 1);
  const store = await openStore(stringOption(values.db), { readOnly: true });
  try {
    const capture = stringOption(values.capture);
    const t = await sessionTranscript(store, uid, { format: values.hex === true ? 'hex' : 'text', ...(limit !== undefined ? { limit } : {}), ...(capture !== undefined ? { capture } : {}) });
    // the text is escaped already (only printable ASCII and line feeds): data, written as it is
    io.stdout(t.text);
  } finally {
    await store.close();
  }
  return 0;
}
