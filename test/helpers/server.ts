// A console server for tests: a scratch DuckDB store, accounts of each role, a real listener on 127.0.0.1 and
// an HTTP client that keeps its cookie and CSRF token and can send any header (Host, Origin) as a browser or an
// attacker would.
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { AuditEvent } from '../../src/server/audit.js';
import { addAccount } from '../../src/server/accounts.js';
import { storeAudit } from '../../src/server/audit-sink.js';
import type { Role } from '../../src/server/roles.js';
import { startServer, type RunningServer, type ServeOptions } from '../../src/server/serve.js';
import { FileUserStore, usersFileOf, type UserStore } from '../../src/server/users.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';

export const PASSWORDS: Record<Role, string> = { viewer: 'viewer-pass-123', analyst: 'analyst-pass-123', admin: 'admin-pass-1234' };

export interface TestServer extends RunningServer {
  store: Store;
  users: UserStore;
  audits: AuditEvent[];
  /** the test clock, ms (advance it to test timeouts) */
  clock: { t: number };
  client(): Client;
  /** a client logged in as the user named after the role */
  as(role: Role): Promise<Client>;
  stop(): Promise<void>;
}

export interface Reply {
  /** 0: the connection was reset before an answer (a request Node refused while it was being sent) */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class Client {
  cookie: string | null = null;
  csrf: string | null = null;

  constructor(readonly base: string) {}

  async send(method: string, path: string, opts: { body?: unknown; raw?: Buffer | string; headers?: Record<string, string>; noCsrf?: boolean; noOrigin?: boolean } = {}): Promise<Reply> {
    const u = new URL(path, this.base);
    const headers: Record<string, string> = { host: u.host };
    if (!opts.noOrigin && method !== 'GET') headers.origin = this.base;
    if (this.cookie !== null) headers.cookie = this.cookie;
    if (this.csrf !== null && !opts.noCsrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    let payload: Buffer | null = null;
    if (opts.body !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.body));
      headers['content-type'] = 'application/json';
    } else if (opts.raw !== undefined) {
      payload = Buffer.from(opts.raw);
    }
    Object.assign(headers, opts.headers ?? {});
    for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
    if (payload !== null) headers['content-length'] = String(payload.length);
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: u.hostname, port: u.port, method, path: u.pathname + u.search, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          let json: unknown = undefined;
          if (/json/.test(String(res.headers['content-type']))) json = JSON.parse(text);
          const set = res.headers['set-cookie'];
          for (const c of set ?? []) {
            const pair = c.split(';')[0]!;
            this.cookie = /=$/.test(pair) || /max-age=0/i.test(c) ? null : pair;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json });
        });
      });
      // a request Node refuses before the application sees it (headers past its limit) may end in a reset
      // while it is still being sent (Node 24 closes at once): the reply is then status 0, "reset"
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNRESET' || e.code === 'EPIPE') resolve({ status: 0, headers: {}, body: Buffer.alloc(0), text: '', json: undefined });
        else reject(e);
      });
      if (payload !== null) req.write(payload);
      req.end();
    });
  }

  get(path: string, headers?: Record<string, string>): Promise<Reply> {
    return this.send('GET', path, headers !== undefined ? { headers } : {});
  }

  post(path: string, body: unknown, opts: { headers?: Record<string, string>; noCsrf?: boolean; noOrigin?: boolean } = {}): Promise<Reply> {
    return this.send('POST', path, { ...opts, body });
  }

  async login(user: string, password: string): Promise<Reply> {
    const r = await this.post('/api/login', { user, password });
    if (r.status === 200) this.csrf = r.json.csrf;
    return r;
  }
}

export async function startTestServer(dir: string, opts: Partial<ServeOptions> & { roles?: Role[]; dbUrl?: string } = {}): Promise<TestServer> {
  const dbPath = join(dir, 'store.duckdb');
  const store = opts.store ?? await openStore(opts.dbUrl ?? dbPath);
  await store.init();
  const users = opts.users ?? new FileUserStore(usersFileOf(join(dir, 'store.duckdb')));
  for (const role of opts.roles ?? (['viewer', 'analyst', 'admin'] as Role[])) {
    if ((await users.get(role)) === null) await addAccount(users, { name: role, role, password: PASSWORDS[role], restrict: null }, Date.now() * 1000);
  }
  const audits: AuditEvent[] = [];
  const toStore = storeAudit(store);
  const clock = { t: Date.now() };
  const running = await startServer({
    store,
    users,
    listen: { host: '127.0.0.1', port: 0 },
    // the store's audit table, as `haystack serve` writes it, and a list the tests read at once
    audit: (e) => {
      audits.push(e);
      return toStore(e);
    },
    now: () => clock.t,
    log: () => undefined,
    ...opts,
  });
  return {
    ...running,
    store,
    users,
    audits,
    clock,
    client: () => new Client(running.url),
    async as(role) {
      const c = new Client(running.url);
      const r = await c.login(role, PASSWORDS[role]);
      if (r.status !== 200) throw new Error(`login as ${role}: ${r.status} ${r.text}`);
      return c;
    },
    async stop() {
      await running.close();
      if (opts.store === undefined) await store.close();
    },
  };
}
