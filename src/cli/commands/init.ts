// `haystack init`: creates the store's tables (ingest does it too; a ClickHouse cluster needs it on every node).
import { openStore } from '../../store/open.js';
import { parse, stringOption } from '../args.js';
import type { CliIo } from '../io.js';
import { DB_OPTION } from '../store-args.js';

export const usage = `haystack init [--db URL]
On clickhouse://host/db?cluster=NAME it creates <table>_local (MergeTree) and <table> (Distributed) on that
node; without ZooKeeper there is no ON CLUSTER, so each node is initialised on its own.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse('init', argv, DB_OPTION);
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const store = await openStore(stringOption(values.db));
  try {
    await store.init();
    io.stderr(`haystack init: tables ready in ${store.location}\n`);
  } finally {
    await store.close();
  }
  return 0;
}
