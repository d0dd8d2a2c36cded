// `haystack serve`: the console and its API over the store, on 127.0.0.1:8450 unless told otherwise; holds the
// DuckDB writer (and says so beside the file), ingests what appears in --watch DIR and what admins upload.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HaystackError } from '../../core/errors.js';
import { ingestOne } from '../../pipeline/ingest-one.js';
import { DEFAULT_POLL_MS, DEFAULT_STABLE_MS, MIN_POLL_MS, watchDirectory, type DirectoryWatch } from '../../pipeline/watch.js';
import { storeAudit } from '../../server/audit-sink.js';
import { DEFAULT_LISTEN, parseListen } from '../../server/listen.js';
import { startServer } from '../../server/serve.js';
import { DEFAULT_LIMITS } from '../../server/sessions.js';
import { userStoreOf } from '../../server/user-store-of.js';
import { openStore } from '../../store/open.js';
import { parseStoreUrl } from '../../store/url.js';
import { claimServerLock, type ServerLock } from '../../store/writer-lock.js';
import { homeNetOption, intOption, parse, stringOption } from '../args.js';
import type { CliIo } from '../io.js';
import { DB_OPTION, parseDuration } from '../store-args.js';

/** A search that runs longer is stopped (503): a console user waits this long at most, and holds a reader no longer. */
const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

export const usage = `haystack serve [--db URL] [--listen ${DEFAULT_LISTEN}] [--tls-cert FILE --tls-key FILE] [--allow-plain-http]
               [--allowed-host NAME ...] [--files DIR] [--uploads DIR] [--watch DIR [--watch-settle 5s]] [--home-net CIDR,...] [--sensor NAME]
               [--idle-timeout 30m] [--session-max 12h] [--upload-max-mb 1024] [--query-timeout 30s]
Every route needs a login (haystack users add NAME --role admin first). A non-loopback --listen needs TLS
or --allow-plain-http. --allowed-host: names (host or host:port) the server answers to besides its address,
e.g. behind a reverse proxy; any other Host header is refused (DNS rebinding). --watch DIR: captures and logs
that appear in DIR are ingested once complete (unchanged for --watch-settle, or renamed into place). --uploads DIR: where
captures uploaded by admins are kept (default: haystack-uploads beside the DuckDB file).`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse('serve', argv, {
    ...DB_OPTION,
    listen: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'allow-plain-http': { type: 'boolean' },
    'allowed-host': { type: 'string', multiple: true },
    files: { type: 'string' },
    uploads: { type: 'string' },
    watch: { type: 'string' },
    'watch-settle': { type: 'string' },
    'home-net': { type: 'string', multiple: true },
    sensor: { type: 'string' },
    'idle-timeout': { type: 'string' },
    'session-max': { type: 'string' },
    'upload-max-mb': { type: 'string' },
    'query-timeout': { type: 'string' },
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const listen = parseListen(stringOption(values.listen) ?? DEFAULT_LISTEN);
  const cert = stringOption(values['tls-cert']);
  const key = stringOption(values['tls-key']);
  if ((cert === undefined) !== (key === undefined)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', '--tls-cert and --tls-key go together');
  const idleMs = values['idle-timeout'] !== undefined ? parseDuration(stringOption(values['idle-timeout'])!, '--idle-timeout') / 1000 : DEFAULT_LIMITS.idleMs;
  const absoluteMs = values['session-max'] !== undefined ? parseDuration(stringOption(values['session-max'])!, '--session-max') / 1000 : DEFAULT_LIMITS.absoluteMs;
  if (idleMs < 60_000 || absoluteMs < idleMs) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', '--idle-timeout must be at least 1m and --session-max at least the idle timeout');
  const uploadMax = (intOption('upload-max-mb', values['upload-max-mb'], 1, 1 << 20) ?? 1024) * 1024 * 1024;
  const homeNet = homeNetOption(values['home-net']);
  const sensor = stringOption(values.sensor) ?? null;
  const dbUrl = stringOption(values.db);
  const queryTimeoutMs = values['query-timeout'] !== undefined ? parseDuration(stringOption(values['query-timeout'])!, '--query-timeout') / 1000 : DEFAULT_QUERY_TIMEOUT_MS;
  const store = await openStore(dbUrl, { queryTimeoutMs });
  const users = userStoreOf(dbUrl, store);
  const parsed = parseStoreUrl(dbUrl, process.env.HAYSTACK_DB);
  const filesDir = stringOption(values.files) ?? (store.dialect === 'duckdb' ? dirname(store.location) : null);
  // uploads are kept (their sessions are carved from them): beside a DuckDB file, else in the working directory
  const uploadDir = resolve(stringOption(values.uploads) ?? join(store.dialect === 'duckdb' ? dirname(store.location) : '.', 'haystack-uploads'));
  mkdirSync(uploadDir, { recursive: true, mode: 0o700 });
  const ingestFile = (path: string, name?: string): ReturnType<typeof ingestOne> =>
    ingestOne(store, path, { homeNet, sensor, filesDir, ...(name !== undefined ? { name } : {}) });
  let lock: ServerLock | null = null;
  let watcher: DirectoryWatch | null = null;
  const log = (l: string): void => io.stderr(`${l}\n`);
  try {
    await store.init();
    const server = await startServer({
      store, users, listen,
      tls: cert !== undefined ? { certFile: cert, keyFile: key! } : null,
      allowPlainHttp: values['allow-plain-http'] === true,
      extraHosts: (values['allowed-host'] as string[] | undefined) ?? [],
      limits: { idleMs, absoluteMs },
      filesDir, uploadDir, uploadMaxBytes: uploadMax,
      webDir: resolve(dirname(fileURLToPath(import.meta.url)), '../../web'),
      ingestFile,
      audit: storeAudit(store),
      log,
    });
    const watchDir = stringOption(values.watch) ?? null;
    if (parsed.kind === 'duckdb') lock = claimServerLock(parsed.path, { url: server.url, watch: watchDir });
    if (watchDir !== null) {
      const settle = values['watch-settle'] !== undefined ? parseDuration(stringOption(values['watch-settle'])!, '--watch-settle') / 1000 : DEFAULT_STABLE_MS;
      watcher = await watchDirectory(watchDir, {
        stableMs: settle,
        pollMs: Math.max(MIN_POLL_MS, Math.min(DEFAULT_POLL_MS, Math.floor(settle / 4))),
        onReady: async (p) => {
          const s = await ingestFile(p);
          log(`haystack serve: ${s.name}: ${s.status}${s.error !== null ? `: ${s.error.message}` : ''}${s.damaged !== null ? ` (damaged: ${s.damaged.message})` : ''}`);
        },
        onError: (p, e) => log(`haystack serve: ${p}: ${e instanceof Error ? e.message : String(e)}`),
      });
    }
    log(`haystack serve: listening on ${server.url} (store ${store.location}, accounts ${users.location}${watchDir !== null ? `, watching ${watchDir}` : ''})`);
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    log('haystack serve: stopping');
    await watcher?.stop();
    watcher = null;
    await server.close();
  } finally {
    await watcher?.stop();
    lock?.release();
    await store.close();
  }
  return 0;
}
