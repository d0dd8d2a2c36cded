#!/usr/bin/env node
// bench/lib/serve-clickhouse.mjs — the console's server over a ClickHouse store for bench/server.mjs: the same
// startServer, routes, guard and audit sink as `haystack serve` (from dist/), with the accounts in a file the
// benchmark names, because `haystack serve --db clickhouse://...` has no account store yet (userStoreOf).
//
//   node bench/lib/serve-clickhouse.mjs --db clickhouse://127.0.0.1:PORT/DB --users FILE --user NAME   (password: stdin)
import { parseArgs } from 'node:util';
import { addAccount } from '../../dist/server/accounts.js';
import { storeAudit } from '../../dist/server/audit-sink.js';
import { startServer } from '../../dist/server/serve.js';
import { FileUserStore } from '../../dist/server/users.js';
import { openStore } from '../../dist/store/open.js';

const a = parseArgs({ options: { db: { type: 'string' }, users: { type: 'string' }, user: { type: 'string' } }, strict: true }).values;
let password = '';
for await (const chunk of process.stdin) password += chunk;
password = password.split('\n')[0];
const store = await openStore(a.db);
await store.init();
const users = new FileUserStore(a.users);
if ((await users.get(a.user)) === null) await addAccount(users, { name: a.user, role: 'admin', password, restrict: null }, Date.now() * 1000);
const log = (l) => process.stderr.write(`${l}\n`);
const server = await startServer({ store, users, listen: { host: '127.0.0.1', port: 0 }, audit: storeAudit(store), log });
log(`haystack serve: listening on ${server.url} (store ${store.location}, accounts ${users.location})`);
await new Promise((done) => {
  process.once('SIGINT', done);
  process.once('SIGTERM', done);
});
await server.close();
await store.close();
