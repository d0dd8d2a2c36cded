// Admin routes over accounts: list (no hashes), add, change; every change is audited and ends the account's
// open sessions.
import type { Ctx, ServerDeps } from '../context.js';
import { addAccount, changeAccount, checkRole, publicAccount, type AccountChange } from '../accounts.js';
import { HttpError } from '../errors.js';
import { MAX_PASSWORD_BYTES } from '../password.js';
import { badRequest, bodyString, jsonBody } from '../request.js';

export async function listUsers(c: Ctx, deps: ServerDeps): Promise<Response> {
  const users = (await deps.users.list()).map(publicAccount);
  const u = c.get('user');
  await deps.audit({ ts: deps.now(), user: u.name, role: u.role, ip: c.get('ip'), action: 'query', route: 'GET /api/users', target: 'accounts', rows: users.length, outcome: 'ok' });
  return c.json({ users });
}

function auditUser(c: Ctx, deps: ServerDeps, route: string, target: string, detail: string): Promise<void> {
  const u = c.get('user');
  return deps.audit({ ts: deps.now(), user: u.name, role: u.role, ip: c.get('ip'), action: 'user', route, target, outcome: 'ok', detail });
}

export async function addUser(c: Ctx, deps: ServerDeps): Promise<Response> {
  const b = await jsonBody(c);
  const restrict = b.restrict === undefined || b.restrict === null ? null : bodyString(b, 'restrict');
  try {
    const u = await addAccount(deps.users, {
      name: bodyString(b, 'name', 64), role: checkRole(bodyString(b, 'role', 16)), password: bodyString(b, 'password', MAX_PASSWORD_BYTES), restrict,
    }, deps.now() * 1000);
    await auditUser(c, deps, 'POST /api/users', u.name, `added, role ${u.role}${restrict !== null ? ', restricted' : ''}`);
    return c.json({ user: publicAccount(u) }, 201);
  } catch (e) {
    return badRequest(e);
  }
}

export async function changeUser(c: Ctx, deps: ServerDeps): Promise<Response> {
  const name = c.req.param('name') ?? '';
  const b = await jsonBody(c);
  const ch: AccountChange = {};
  const said: string[] = [];
  try {
    if (b.role !== undefined) {
      ch.role = checkRole(bodyString(b, 'role', 16));
      said.push(`role ${ch.role}`);
    }
    if (b.password !== undefined) {
      ch.password = bodyString(b, 'password', MAX_PASSWORD_BYTES);
      said.push('password');
    }
    if (b.disabled !== undefined) {
      if (typeof b.disabled !== 'boolean') throw new HttpError(400, '"disabled" must be true or false');
      ch.disabled = b.disabled;
      said.push(b.disabled ? 'disabled' : 'enabled');
    }
    if (b.restrict !== undefined) {
      ch.restrict = b.restrict === null ? null : bodyString(b, 'restrict');
      said.push(ch.restrict === null ? 'unrestricted' : 'restricted');
    }
    if (said.length === 0) throw new HttpError(400, 'nothing to change: give role, password, disabled or restrict');
    const u = await changeAccount(deps.users, name, ch, deps.now() * 1000);
    deps.sessions.destroyUser(u.name);
    await auditUser(c, deps, 'PATCH /api/users/:name', u.name, said.join(', '));
    return c.json({ user: publicAccount(u) });
  } catch (e) {
    return badRequest(e);
  }
}
