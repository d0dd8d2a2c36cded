// Login, logout and "who am I": the only route open without a session is login, which is throttled, audited,
// and gives a new session id and CSRF token every time.
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Ctx, ServerDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { checkOrigin, COOKIE_OPTIONS, cookieName } from '../guard.js';
import { dummyHash, MAX_PASSWORD_BYTES, verifyPassword } from '../password.js';
import { bodyString, jsonBody } from '../request.js';

const ROUTE = 'POST /api/login';

/**
 * Password checks running at once, server-wide: each costs ~50-100 ms of a core and 32 MiB; past this a login
 * is answered 503 at once (a flood of logins cannot take the CPU from queries).
 */
export const MAX_CONCURRENT_LOGINS = 4;
let checking = 0;

export async function login(c: Ctx, deps: ServerDeps): Promise<Response> {
  const ip = c.get('ip');
  checkOrigin(c, deps);
  const base = { ts: deps.now(), ip, action: 'login' as const, route: ROUTE };
  let name: string;
  let password: string;
  try {
    const body = await jsonBody(c);
    name = bodyString(body, 'user', 64);
    password = bodyString(body, 'password', MAX_PASSWORD_BYTES);
  } catch (e) {
    // a malformed login is a failed one: audited, and counted against the address
    deps.throttle.fail([`ip:${ip}`]);
    await deps.audit({ ...base, user: null, role: null, outcome: 'failed', detail: `malformed: ${e instanceof Error ? e.message : String(e)}` });
    throw e;
  }
  const keys = [`ip:${ip}`, `user:${name}`];
  const wait = deps.throttle.wait(keys);
  if (wait > 0) {
    await deps.audit({ ...base, target: name, user: null, role: null, outcome: 'throttled', detail: `retry after ${Math.ceil(wait / 1000)} s` });
    throw new HttpError(429, 'too many failed logins: wait before trying again', { 'retry-after': String(Math.ceil(wait / 1000)) });
  }
  if (checking >= MAX_CONCURRENT_LOGINS) {
    await deps.audit({ ...base, target: name, user: null, role: null, outcome: 'throttled', detail: 'too many logins at once' });
    throw new HttpError(503, 'too many logins at once: try again in a moment', { 'retry-after': '1' });
  }
  // counted as failed before the (slow) check: attempts sent together each see the others
  deps.throttle.fail(keys);
  checking++;
  let ok: boolean;
  let user;
  try {
    user = await deps.users.get(name);
    // an unknown or disabled account costs a verification too: the answer's timing does not tell names apart
    ok = await verifyPassword(password, user?.hash ?? (await dummyHash()));
  } finally {
    checking--;
  }
  if (user === null || user.disabled || !ok) {
    await deps.audit({ ...base, target: name, user: null, role: null, outcome: 'failed', detail: user === null ? 'unknown user' : user.disabled ? 'disabled' : 'wrong password' });
    throw new HttpError(401, 'wrong user name or password');
  }
  deps.throttle.succeed(`user:${name}`);
  deps.throttle.undo(`ip:${ip}`);
  const old = getCookie(c, cookieName(deps.secure));
  if (old !== undefined) deps.sessions.destroy(old);
  const s = deps.sessions.create(user.name, user.role, ip);
  if (s === null) {
    await deps.audit({ ...base, target: name, user: user.name, role: user.role, outcome: 'refused', detail: 'the server holds its most sessions' });
    throw new HttpError(503, 'the server holds as many sessions as it may: try again later', { 'retry-after': '60' });
  }
  setCookie(c, cookieName(deps.secure), s.id, { ...COOKIE_OPTIONS, secure: deps.secure, maxAge: Math.floor(deps.sessions.limits.absoluteMs / 1000) });
  await deps.audit({ ...base, target: name, user: user.name, role: user.role, outcome: 'ok' });
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
