// The route inventory: every route the application has is in the route table with a role, and every route but
// login and the console's static files answers 401 without a session and 403 to a role below its need; a role
// at or above it gets past the guard. A route added later without a role cannot pass this test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { ROLES, roleAtLeast, type Role } from '../../src/server/roles.js';
import { ROUTES } from '../../src/server/routes.js';
import { scratchDir } from '../helpers/cli.js';
import { startTestServer, type Client, type TestServer } from '../helpers/server.js';

const SAMPLE: Record<string, string> = {
  table: 'sessions', name: 'viewer', uid: 'CAAAAAAAAAAAAAAAAAAA', sha256: '0'.repeat(64), field: 'proto', kind: 'sni',
  value: 'example.com', id: 'q1', report: 'top',
};

function concrete(path: string): string {
  return path.replace(/:([a-z0-9_]+)(\{[^}]*\})?/g, (_, p: string) => {
    if (SAMPLE[p] === undefined) throw new Error(`no sample value for :${p} in ${path}: add one to SAMPLE`);
    return encodeURIComponent(SAMPLE[p]);
  });
}

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer(scratchDir('server-routes'));
});
afterAll(async () => {
  await srv?.stop();
});

describe('route inventory', () => {
  it('every route the application registers comes from the route table (plus the catch-all and static files)', () => {
    const app = createApp(srv.deps, () => undefined);
    const table = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    const extra = new Set<string>();
    for (const r of app.routes) {
      const key = `${r.method} ${r.path}`;
      if (r.path === '/*' && r.method === 'ALL') continue; // headers and Host check on everything
      if (r.path === '/api/*') continue; // cache-control middleware and the 401/404 catch-all
      if (!table.has(key)) extra.add(key);
    }
    // the console's files: GET / (or /assets/* and the page for every other path when dist/web is built)
    for (const e of extra) expect(['GET /', 'GET /assets/*', 'GET *']).toContain(e);
    expect(ROUTES.length).toBeGreaterThan(5);
    expect(ROUTES.filter((r) => r.role === 'public').map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/login']);
  });

  const clients = new Map<Role, Client>();
  async function as(role: Role): Promise<Client> {
    let c = clients.get(role);
    if (c === undefined || (await c.get('/api/me')).status !== 200) {
      c = await srv.as(role);
      clients.set(role, c);
    }
    return c;
  }

  for (const r of ROUTES.filter((x) => x.role !== 'public')) {
    const path = concrete(r.path);
    it(`${r.method} ${r.path} needs ${r.role}`, async () => {
      const anon = await srv.client().send(r.method, path, r.method === 'GET' ? {} : { body: {} });
      expect(anon.status, 'without a session').toBe(401);
      for (const role of ROLES) {
        const c = await as(role);
        const res = await c.send(r.method, path, r.method === 'GET' ? {} : { body: {} });
        if (roleAtLeast(role, r.role as Role)) {
          expect([401, 403], `${role} must get past the guard (got ${res.status} ${res.text.slice(0, 200)})`).not.toContain(res.status);
        } else {
          expect(res.status, `${role} is below ${r.role}`).toBe(403);
        }
      }
    });
  }

  it('the findings report is in the table for viewers (its rows\' excerpt is for analysts: policy.ts)', () => {
    expect(ROUTES.filter((r) => r.path === '/api/reports/findings').map((r) => [r.method, r.role])).toEqual([['GET', 'viewer']]);
  });

  it('an unknown API path is 401 without a session and 404 with one', async () => {
    expect((await srv.client().get('/api/no-such-route')).status).toBe(401);
    expect((await (await as('admin')).get('/api/no-such-route')).status).toBe(404);
  });

  it('a refusal for the role is audited', () => {
    expect(srv.audits.some((a) => a.action === 'denied' && a.user === 'viewer' && a.outcome === 'refused')).toBe(true);
  });
});
