// Starts the console's server: opens the store (holding the DuckDB writer), the accounts beside it, the HTTP or
// HTTPS listener on loopback unless told otherwise, and the optional watched directory.
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { HaystackError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import { hasAdmin } from './accounts.js';
import { CursorSeal } from './cursor-seal.js';
import { InFlight } from './limits.js';
import { createApp } from './app.js';
import type { AuditEvent } from './audit.js';
import type { ServerDeps } from './context.js';
import { allowedHosts, isLoopback, type ListenAddress } from './listen.js';
import { DEFAULT_LIMITS, SessionStore, type SessionLimits } from './sessions.js';
import { sharedReads } from './shared-reads.js';
import { DEFAULT_THROTTLE, LoginThrottle, type ThrottleLimits } from './throttle.js';
import type { UserStore } from './users.js';

export interface ServeOptions {
  store: Store;
  users: UserStore;
  listen: ListenAddress;
  tls?: { certFile: string; keyFile: string } | null;
  allowPlainHttp?: boolean;
  extraHosts?: readonly string[];
  limits?: SessionLimits;
  throttle?: ThrottleLimits;
  filesDir?: string | null;
  uploadDir?: string | null;
  uploadMaxBytes?: number;
  webDir?: string | null;
  ingestFile?: ServerDeps['ingestFile'];
  audit(e: AuditEvent): Promise<void>;
  now?: () => number;
  /** warnings and request failures */
  log(line: string): void;
}

/** How long close() waits for requests still being answered (their clients may be gone) before it returns. */
export const CLOSE_WAIT_MS = 30_000;

/** The largest upload by default: 1 GiB (a day of a small sensor's capture). */
export const DEFAULT_UPLOAD_MAX = 1 << 30;

export interface RunningServer {
  url: string;
  deps: ServerDeps;
  close(): Promise<void>;
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const secure = o.tls !== undefined && o.tls !== null;
  if (!isLoopback(o.listen.host) && !secure) {
    if (o.allowPlainHttp !== true) {
      throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--listen ${o.listen.host}: a non-loopback address needs TLS (--tls-cert and --tls-key), or --allow-plain-http to send passwords and data in clear`);
    }
    o.log(`haystack serve: WARNING: listening on ${o.listen.host} without TLS: passwords, session cookies and data cross the network in clear`);
  }
  if (!(await hasAdmin(o.users))) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `no admin account in ${o.users.location}: create one first with\n  haystack users add NAME --role admin${o.store.location !== '' ? ` --db ${o.store.location}` : ''}`);
  }
  const now = o.now ?? Date.now;
  let hosts = new Set<string>();
  const deps: ServerDeps = {
    // identical queries running at the same time run once (shared-reads.ts); nothing is cached
    store: sharedReads(o.store),
    users: o.users,
    sessions: new SessionStore(o.limits ?? DEFAULT_LIMITS, now),
    throttle: new LoginThrottle(o.throttle ?? DEFAULT_THROTTLE, now),
    audit: o.audit,
    now,
    secure,
    allowedHosts: () => hosts,
    filesDir: o.filesDir ?? null,
    uploadDir: o.uploadDir ?? null,
    uploadMaxBytes: o.uploadMaxBytes ?? DEFAULT_UPLOAD_MAX,
    webDir: o.webDir ?? null,
    cursors: new CursorSeal(),
    inflight: new InFlight(),
    ...(o.ingestFile !== undefined ? { ingestFile: o.ingestFile } : {}),
  };
  const app = createApp(deps, o.log);
  // requests being answered: close() lets them finish (and write their audit rows) before the store is closed
  let inFlight = 0;
  let drained: (() => void) | null = null;
  const fetch = async (req: Request, env: unknown): Promise<Response> => {
    inFlight++;
    try {
      return await app.fetch(req, env);
    } finally {
      if (--inFlight === 0) drained?.();
    }
  };
  const tlsOptions = secure ? { key: readTls(o.tls!.keyFile), cert: readTls(o.tls!.certFile) } : null;
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({
      fetch,
      hostname: o.listen.host,
      port: o.listen.port,
      ...(tlsOptions !== null ? { createServer: createHttpsServer, serverOptions: tlsOptions } : {}),
    }, () => resolve(s));
    s.once('error', (e) => reject(new HaystackError('HAYSTACK_IO', `cannot listen on ${o.listen.host}:${o.listen.port}: ${e.message}`, { cause: e })));
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(o.listen.host, port, o.extraHosts ?? [], secure);
  const shown = o.listen.host.includes(':') ? `[${o.listen.host}]` : o.listen.host;
  return {
    url: `${secure ? 'https' : 'http'}://${shown}:${port}`,
    deps,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref()),
        ]);
      }
    },
  };
}

function readTls(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new HaystackError('HAYSTACK_IO', `cannot read ${file}: ${(e as Error).message}`, { file, cause: e });
  }
}
