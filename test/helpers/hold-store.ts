// A stand-in for `haystack serve` in another process: opens a DuckDB store for writing, claims the server lock
// as serve does (unless --no-claim), prints "ready", and lets go when its stdin closes.
// Run: node --import ./test/fuzz/register.mjs test/helpers/hold-store.ts DB URL [WATCH] [--no-claim]
import { claimServerLock } from '../../src/store/writer-lock.js';
import { openStore } from '../../src/store/open.js';

const [db, url, ...rest] = process.argv.slice(2);
if (db === undefined || url === undefined) throw new Error('usage: hold-store.ts DB URL [WATCH] [--no-claim]');
const claim = !rest.includes('--no-claim');
const watch = rest.find((a) => !a.startsWith('--')) ?? null;
const store = await openStore(db);
await store.init();
const lock = claim ? claimServerLock(db, { url, watch }) : null;
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => {
  lock?.release();
  void store.close().then(() => process.exit(0));
});
