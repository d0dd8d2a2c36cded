// The checks in front of every route, in order: Host (DNS rebinding), session (401), role (403), and for
// state-changing methods a same-origin Origin header and the session's CSRF token (403).
import { timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { getCookie } from 'hono/cookie';
import type { MiddlewareHandler } from 'hono';
import type { Ctx, Env, ServerDeps } from './context.js';
import { HttpError } from './errors.js';
import { roleAtLeast, type Role } from './roles.js';

/** Methods that change state: they need the CSRF token and a same-origin Origin. */
export const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const CSRF_HEADER = 'x-csrf-token';

/** The session cookie's name: __Host- prefixed under TLS (Secure, Path=/, no Domain, cannot be set by a sibling host). */
export function cookieName(secure: boolean): string {
  return secure ? '__Host-haystack' : 'haystack';
}

/** The session cookie: script cannot read it, other sites' requests do not carry it, Path=/ and no Domain. */
export const COOKIE_OPTIONS = { httpOnly: true, sameSite: 'Strict', path: '/' } as const;

/** The client's address as the socket gives it (no proxy headers are trusted). */
export function clientIp(c: Ctx): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Refuses a Host the server does not answer to (a rebinding page's requests carry its own name). */
export function hostGuard(deps: ServerDeps): MiddlewareHandler<Env> {
  return async (c, next) => {
    const host = c.req.header('host')?.toLowerCase();
    if (host === undefined || !deps.allowedHosts().has(host)) {
      return c.json({ error: 'unknown Host: this server answers to its own address only' }, 421);
    }
    c.set('ip', clientIp(c));
    await next();
    return undefined;
  };
}

/** A state-changing request must come from a page of this origin (Origin header, and Sec-Fetch-Site if sent). */
export function checkOrigin(c: Ctx, deps: ServerDeps): void {
  const origin = c.req.header('origin');
  const want = `${deps.secure ? 'https' : 'http'}://${c.req.header('host')?.toLowerCase() ?? ''}`;
  if (origin === undefined || origin.toLowerCase() !== want) {
    throw new HttpError(403, 'cross-origin request refused: Origin must be this server');
  }
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') throw new HttpError(403, 'cross-site request refused');
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Login required, then the route's role. The user's account is read again at every request: a disabled
 * account, a changed role or password ends its sessions at once.
 */
export function authGuard(deps: ServerDeps, needs: Role, route: string): MiddlewareHandler<Env> {
  return async (c, next) => {
    const id = getCookie(c, cookieName(deps.secure));
    const session = deps.sessions.touch(id);
    if (session === null) throw new HttpError(401, 'login required');
    const user = await deps.users.get(session.user);
    if (user === null || user.disabled || user.role !== session.role || user.changed > session.created * 1000) {
      deps.sessions.destroy(session.id);
      throw new HttpError(401, 'login required');
    }
    if (!roleAtLeast(user.role, needs)) {
      await deps.audit({ ts: deps.now(), user: user.name, role: user.role, ip: c.get('ip'), action: 'denied', route, outcome: 'refused', detail: `needs ${needs}` });
      throw new HttpError(403, `this needs the ${needs} role`);
    }
    if (UNSAFE_METHODS.has(c.req.method)) {
      try {
        checkOrigin(c, deps);
        const token = c.req.header(CSRF_HEADER);
        if (token === undefined || !sameToken(token, session.csrf)) throw new HttpError(403, 'missing or wrong CSRF token');
      } catch (e) {
        // a cross-site attempt riding on a live session: worth a row
        await deps.audit({ ts: deps.now(), user: user.name, role: user.role, ip: c.get('ip'), action: 'denied', route, outcome: 'refused', detail: e instanceof Error ? e.message : String(e) });
        throw e;
      }
    }
    c.set('session', session);
    c.set('user', user);
    await deps.inflight.run(user.name, () => next());
  };
}
