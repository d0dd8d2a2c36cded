// `haystack sql "<query>"`: a read-only query over the store, printed in the output formats.
import { openStore } from '../../store/open.js';
import { parse, stringOption } from '../args.js';
import { EXIT_USAGE, type CliIo } from '../io.js';
import { DB_OPTION, writeResult } from '../store-args.js';

export const usage = `haystack sql "<query>" [--db URL] [--format table|jsonl|csv]
Only SELECT-like statements run; anything that would write is refused. Tables: sessions, tls, http, smtp,
files, alerts, logs, anomalies, captures; the console's audit, triage, saved_queries (ClickHouse keeps timestamps
as Int64 microseconds; quote the columns "user", "table" and "range").`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('sql', argv, { ...DB_OPTION, format: { type: 'string' } });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    io.stderr(`haystack sql: give exactly one query (quoted)\n${usage}\n`);
    return EXIT_USAGE;
  }
  const store = await openStore(stringOption(values.db), { readOnly: true });
  try {
    writeResult(await store.query(positionals[0]!), values, io);
  } finally {
    await store.close();
  }
  return 0;
}
