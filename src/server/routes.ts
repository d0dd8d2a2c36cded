// The route table: every API route with the role it needs, in one place. app.ts puts the guard in front of
// each from this table, so a route cannot be added without a role; the inventory test walks it.
import type { Ctx, ServerDeps } from './context.js';
import { login, logout, me } from './handlers/auth.js';
import { tables } from './handlers/meta.js';
import { addUser, changeUser, listUsers } from './handlers/users.js';
import type { Role } from './roles.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteDef {
  method: Method;
  path: string;
  /** 'public': no session (login only) */
  role: Role | 'public';
  handler(c: Ctx, deps: ServerDeps): Response | Promise<Response>;
}

export const ROUTES: readonly RouteDef[] = [
  { method: 'POST', path: '/api/login', role: 'public', handler: login },
  { method: 'POST', path: '/api/logout', role: 'viewer', handler: logout },
  { method: 'GET', path: '/api/me', role: 'viewer', handler: me },
  { method: 'GET', path: '/api/tables', role: 'viewer', handler: tables },
  { method: 'GET', path: '/api/users', role: 'admin', handler: listUsers },
  { method: 'POST', path: '/api/users', role: 'admin', handler: addUser },
  { method: 'PATCH', path: '/api/users/:name', role: 'admin', handler: changeUser },
];

/** The routes open without a session. */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(ROUTES.filter((r) => r.role === 'public').map((r) => `${r.method} ${r.path}`));
