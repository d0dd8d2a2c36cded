// Login, sessions and the request guards of `haystack serve`, over real HTTP on 127.0.0.1: cookie flags (plain
// and TLS), session fixation, idle and absolute timeouts on a test clock, CSRF (token and Origin), the Host
// check, login throttling, security headers, disabled accounts, and the refusals at start.
import { request as httpsRequest } from 'node:https';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeAccount } from '../../src/server/accounts.js';
import { startServer } from '../../src/server/serve.js';
import { FileUserStore } from '../../src/server/users.js';
import { scratchDir } from '../helpers/cli.js';
import { ROOT } from '../helpers/run.js';
import { Client, PASSWORDS, startTestServer, type TestServer } from '../helpers/server.js';

const dir = scratchDir('server-auth');
let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer(dir);
});
afterAll(async () => {
  await srv?.stop();
});

describe('login and the session cookie', () => {
  it('sets an HttpOnly, SameSite=Strict, Path=/ cookie, not Secure over plain HTTP, and returns a CSRF token', async () => {
    const c = srv.client();
    const r = await c.login('analyst', PASSWORDS.analyst);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ user: 'analyst', role: 'analyst' });
    expect(r.json.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const set = r.headers['set-cookie']!;
    expect(set).toHaveLength(1);
    const cookie = set[0]!;
    expect(cookie).toMatch(/^haystack=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    expect(cookie).not.toMatch(/Domain/i);
    expect((await c.get('/api/me')).json).toMatchObject({ user: 'analyst', role: 'analyst', csrf: r.json.csrf });
  });

  it('refuses a wrong password, an unknown user and a disabled account alike, and audits each', async () => {
    const before = srv.audits.length;
    for (const [u, p] of [['analyst', 'not-the-password'], ['nobody', 'whatever-123'], ['', 'x']] as const) {
      const r = await srv.client().login(u, p);
      expect([401, 400]).toContain(r.status);
    }
    const fails = srv.audits.slice(before).filter((a) => a.action === 'login');
    expect(fails.map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed']);
    expect(fails.map((a) => a.detail)).toEqual(['wrong password', 'unknown user', 'unknown user']);
    expect(fails.every((a) => a.ip === '127.0.0.1' && a.user === null)).toBe(true);
  });

  it('gives a new session id at every login and ends the one the browser had (no fixation)', async () => {
    const victim = srv.client();
    // an attacker plants a cookie of their choosing: it is not a session
    victim.cookie = 'haystack=attacker-chosen-value-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    expect((await victim.get('/api/me')).status).toBe(401);
    const planted = victim.cookie;
    await victim.login('viewer', PASSWORDS.viewer);
    expect(victim.cookie).not.toBe(planted);
    // an attacker's own valid session, planted before the victim logs in, is ended by the login
    const attacker = await srv.as('viewer');
    const stolen = attacker.cookie!;
    const v2 = srv.client();
    v2.cookie = stolen;
    await v2.login('analyst', PASSWORDS.analyst);
    expect(v2.cookie).not.toBe(stolen);
    expect((await attacker.get('/api/me')).status).toBe(401);
    expect((await v2.get('/api/me')).json.user).toBe('analyst');
  });

  it('logs out: the cookie is cleared and the session is gone on the server', async () => {
    const c = await srv.as('viewer');
    const cookie = c.cookie;
    const r = await c.post('/api/logout', {});
    expect(r.status).toBe(200);
    expect(c.cookie).toBeNull();
    const replay = srv.client();
    replay.cookie = cookie;
    expect((await replay.get('/api/me')).status).toBe(401);
  });
});

describe('timeouts on the server clock', () => {
  it('ends a session after 30 minutes without a request', async () => {
    const c = await srv.as('viewer');
    srv.clock.t += 29 * 60_000;
    expect((await c.get('/api/me')).status).toBe(200);
    srv.clock.t += 29 * 60_000; // idle time restarts at each request
    expect((await c.get('/api/me')).status).toBe(200);
    srv.clock.t += 30 * 60_000;
    expect((await c.get('/api/me')).status).toBe(401);
  });

  it('ends a session 12 hours after login however busy it is', async () => {
    const c = await srv.as('viewer');
    for (let i = 0; i < 35; i++) {
      srv.clock.t += 20 * 60_000;
      expect((await c.get('/api/me')).status).toBe(200);
    }
    srv.clock.t += 20 * 60_000 - 1; // 11 h 59 m 59.999 s in all, each step under the idle limit
    expect((await c.get('/api/me')).status).toBe(200);
    srv.clock.t += 1;
    expect((await c.get('/api/me')).status).toBe(401);
  });
});

describe('cross-site requests', () => {
  it('refuses a state-changing request without the CSRF token, with a wrong one, or from another origin', async () => {
    const c = await srv.as('viewer');
    expect((await c.post('/api/logout', {}, { noCsrf: true })).status).toBe(403);
    expect((await c.post('/api/logout', {}, { headers: { 'x-csrf-token': 'A'.repeat(43) } })).status).toBe(403);
    expect((await c.post('/api/logout', {}, { headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await c.post('/api/logout', {}, { noOrigin: true })).status).toBe(403);
    expect((await c.post('/api/logout', {}, { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    // none of these logged the user out
    expect((await c.get('/api/me')).status).toBe(200);
    expect((await c.post('/api/logout', {})).status).toBe(200);
  });

  it('refuses a login posted from another origin (login CSRF)', async () => {
    const r = await srv.client().post('/api/login', { user: 'viewer', password: PASSWORDS.viewer }, { headers: { origin: 'http://evil.example' } });
    expect(r.status).toBe(403);
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('answers only to its own Host (a DNS-rebinding page is refused)', async () => {
    const c = await srv.as('viewer');
    const port = new URL(srv.url).port;
    expect((await c.get('/api/me', { host: `evil.example:${port}` })).status).toBe(421);
    expect((await c.get('/api/me', { host: `localhost:${port}` })).status).toBe(200);
    expect((await srv.client().post('/api/login', { user: 'viewer', password: PASSWORDS.viewer }, { headers: { host: `evil.example:${port}`, origin: `http://evil.example:${port}` } })).status).toBe(421);
  });
});

describe('headers', () => {
  it('sends a strict CSP and the other protective headers on API and page responses', async () => {
    for (const r of [await srv.client().get('/api/me'), await srv.client().get('/')]) {
      const csp = String(r.headers['content-security-policy']);
      expect(csp).toMatch(/default-src 'self'/);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).toMatch(/object-src 'none'/);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['x-powered-by']).toBeUndefined();
    }
    expect((await srv.client().get('/api/me')).headers['cache-control']).toBe('no-store');
  });
});

describe('throttling', () => {
  it('delays further attempts exponentially after five failures, per user and per address, and audits them', async () => {
    const own = await startTestServer(scratchDir('server-throttle'), { roles: ['admin', 'viewer'] });
    try {
      const c = own.client();
      for (let i = 0; i < 5; i++) expect((await c.login('viewer', `wrong-password-${i}`)).status).toBe(401);
      const r = await c.login('viewer', PASSWORDS.viewer); // even the right password waits
      expect(r.status).toBe(429);
      expect(r.headers['retry-after']).toBe('1');
      // the address is throttled too: another user from it waits as well
      expect((await c.login('admin', PASSWORDS.admin)).status).toBe(429);
      own.clock.t += 1000;
      expect((await c.login('viewer', 'wrong-again-123')).status).toBe(401);
      const r2 = await c.login('viewer', PASSWORDS.viewer);
      expect(r2.status).toBe(429);
      expect(r2.headers['retry-after']).toBe('2');
      own.clock.t += 2000;
      expect((await c.login('viewer', PASSWORDS.viewer)).status).toBe(200);
      const outcomes = own.audits.filter((a) => a.action === 'login').map((a) => a.outcome);
      expect(outcomes).toEqual(['failed', 'failed', 'failed', 'failed', 'failed', 'throttled', 'throttled', 'failed', 'throttled', 'ok']);
    } finally {
      await own.stop();
    }
  });
});

describe('accounts', () => {
  it('ends the sessions of an account that is disabled, or whose role or password changes', async () => {
    const users = new FileUserStore((srv.users as FileUserStore).path);
    const c = await srv.as('analyst');
    await changeAccount(users, 'analyst', { role: 'viewer' }, srv.clock.t * 1000 + 1);
    expect((await c.get('/api/me')).status).toBe(401);
    await changeAccount(users, 'analyst', { role: 'analyst' }, srv.clock.t * 1000 + 2);
    const d = await srv.as('analyst');
    await changeAccount(users, 'analyst', { disabled: true }, srv.clock.t * 1000 + 3);
    expect((await d.get('/api/me')).status).toBe(401);
    expect((await srv.client().login('analyst', PASSWORDS.analyst)).status).toBe(401);
    await changeAccount(users, 'analyst', { disabled: false }, srv.clock.t * 1000 + 4);
    expect((await srv.client().login('analyst', PASSWORDS.analyst)).status).toBe(200);
  });

  it('keeps the users file private (mode 0600) and holds no password in clear', () => {
    const text = readFileSync((srv.users as FileUserStore).path, 'utf8');
    expect(text).not.toContain(PASSWORDS.admin);
    expect(text).toMatch(/"hash": "scrypt\$32768\$8\$1\$/);
    expect(statSync((srv.users as FileUserStore).path).mode & 0o777).toBe(0o600);
  });
});

describe('start-up refusals', () => {
  it('will not start without an admin account, and says how to make one', async () => {
    const d = scratchDir('server-noadmin');
    await expect(startTestServer(d, { roles: ['viewer'] })).rejects.toThrow(/no admin account .*\n {2}haystack users add NAME --role admin/);
  });

  it('will not listen on a non-loopback address without TLS unless told to, and warns when told', async () => {
    const lines: string[] = [];
    const base = { store: srv.store, users: srv.users, audit: () => Promise.resolve(), log: (l: string) => void lines.push(l) };
    await expect(startServer({ ...base, listen: { host: '0.0.0.0', port: 0 } })).rejects.toThrow(/needs TLS .*--allow-plain-http/);
    expect(lines).toEqual([]);
  });
});

describe('TLS', () => {
  it('serves HTTPS with a Secure __Host- cookie and HSTS', async () => {
    const tls = { certFile: join(ROOT, 'test/fixtures/tls/server.crt'), keyFile: join(ROOT, 'test/fixtures/tls/server.key') };
    const s = await startTestServer(scratchDir('server-tls'), { tls });
    try {
      expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = readFileSync(tls.certFile);
      const body = JSON.stringify({ user: 'viewer', password: PASSWORDS.viewer });
      const u = new URL(s.url);
      const res = await new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port: u.port, method: 'POST', path: '/api/login', ca, headers: { host: u.host, origin: s.url, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (r) => {
          r.resume();
          r.on('end', () => resolve({ status: r.statusCode!, headers: r.headers }));
        });
        req.on('error', reject);
        req.end(body);
      });
      expect(res.status).toBe(200);
      const cookie = (res.headers['set-cookie'] as string[])[0]!;
      expect(cookie).toMatch(/^__Host-haystack=[A-Za-z0-9_-]{43};/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Strict/);
      expect(String(res.headers['strict-transport-security'])).toMatch(/max-age=\d+/);
    } finally {
      await s.stop();
    }
  });
});

void Client;
