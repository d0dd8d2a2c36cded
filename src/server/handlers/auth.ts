// Login, logout and "who am I": the only route open without a session is login, which is throttled, audited,
// and gives a new session id and CSRF token every time.
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Ctx, ServerDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { checkOrigin, COOKIE_OPTIONS, cookieName } from '../guard.js';
import { dummyHash, MAX_PASSWORD_BYTES, verifyPassword } from '../password.js';
import { bodyString, jsonBody } from '../request.js';

const ROUTE = 'POST /api/login';

export async function login(c: Ctx, deps: ServerDeps): Promise<Response> {
  const ip = c.get('ip');
  checkOrigin(c, deps);
  const body = await jsonBody(c);
  const name = bodyString(body, 'user', 64);
  const password = bodyString(body, 'password', MAX_PASSWORD_BYTES);
  const keys = [`ip:${ip}`, `user:${name}`];
  const wait = deps.throttle.wait(keys);
  const base = { ts: deps.now(), ip, action: 'login' as const, route: ROUTE, target: name };
  if (wait > 0) {
    await deps.audit({ ...base, user: null, role: null, outcome: 'throttled', detail: `retry after ${Math.ceil(wait / 1000)} s` });
    throw new HttpError(429, 'too many failed logins: wait before trying again', { 'retry-after': String(Math.ceil(wait / 1000)) });
  }
  const user = await deps.users.get(name);
  // an unknown or disabled account costs a verification too: the answer's timing does not tell names apart
  const ok = await verifyPassword(password, user?.hash ?? (await dummyHash()));
  if (user === null || user.disabled || !ok) {
    deps.throttle.fail(keys);
    await deps.audit({ ...base, user: null, role: null, outcome: 'failed', detail: user === null ? 'unknown user' : user.disabled ? 'disabled' : 'wrong password' });
    throw new HttpError(401, 'wrong user name or password');
  }
  deps.throttle.succeed(`user:${name}`);
  const old = getCookie(c, cookieName(deps.secure));
  if (old !== undefined) deps.sessions.destroy(old);
  const s = deps.sessions.create(user.name, user.role, ip);
  setCookie(c, cookieName(deps.secure), s.id, { ...COOKIE_OPTIONS, secure: deps.secure, maxAge: Math.floor(deps.sessions.limits.absoluteMs / 1000) });
  await deps.audit({ ...base, user: user.name, role: user.role, outcome: 'ok' });
  return c.json({ user: user.name, role: user.role, csrf: s.csrf, restrict: user.restrict });
}

export async function logout(c: Ctx, deps: ServerDeps): Promise<Response> {
  const s = c.get('session');
  deps.sessions.destroy(s.id);
  deleteCookie(c, cookieName(deps.secure), { ...COOKIE_OPTIONS, secure: deps.secure });
  await deps.audit({ ts: deps.now(), user: s.user, role: s.role, ip: c.get('ip'), action: 'logout', route: 'POST /api/logout', outcome: 'ok' });
  return c.json({ ok: true });
}

export function me(c: Ctx, deps: ServerDeps): Response {
  const s = c.get('session');
  const u = c.get('user');
  return c.json({
    user: u.name, role: u.role, csrf: s.csrf, restrict: u.restrict,
    idle_timeout_s: deps.sessions.limits.idleMs / 1000,
    expires: new Date(s.created + deps.sessions.limits.absoluteMs).toISOString(),
  });
}
