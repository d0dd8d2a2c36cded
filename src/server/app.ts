// The HTTP application: security headers and the Host check on everything, the guard from the route table in
// front of every API route, the console's static files, and one error path (JSON, no internals).
import { existsSync } from 'node:fs';
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Env, ServerDeps } from './context.js';
import { HttpError, httpFailure } from './errors.js';
import { authGuard, cookieName, hostGuard } from './guard.js';
import { MAX_JSON_BYTES } from './request.js';
import { ROUTES } from './routes.js';

/** The console's policy: everything from this origin only, no inline script or style, no eval, no framing. */
export const CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export function createApp(deps: ServerDeps, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Hono<Env> {
  const app = new Hono<Env>();
  app.use('*', secureHeaders({
    contentSecurityPolicy: CSP,
    referrerPolicy: 'no-referrer',
    xFrameOptions: 'DENY',
    xContentTypeOptions: 'nosniff',
    crossOriginOpenerPolicy: 'same-origin',
    crossOriginResourcePolicy: 'same-origin',
    strictTransportSecurity: deps.secure ? 'max-age=31536000' : false,
    removePoweredBy: true,
  }));
  app.use('*', hostGuard(deps));
  app.use('/api/*', async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  });
  // bodies are read up to MAX_JSON_BYTES whatever their framing (a chunked body has no Content-Length to check);
  // uploads have their own cap, enforced as they are written
  const small = bodyLimit({ maxSize: MAX_JSON_BYTES, onError: () => { throw new HttpError(413, `the body is larger than ${MAX_JSON_BYTES} bytes`); } });
  app.use('/api/*', (c, next) => (c.req.method === 'POST' && c.req.path === '/api/ingest' ? next() : small(c, next)));
  for (const r of ROUTES) {
    const route = `${r.method} ${r.path}`;
    const handler = (c: Parameters<RouteDefHandler>[0]): Response | Promise<Response> => r.handler(c, deps);
    if (r.role === 'public') app.on(r.method, r.path, handler);
    else app.on(r.method, r.path, authGuard(deps, r.role, route), handler);
  }
  // an unknown API path says "login required" to a client without a session (it learns nothing of the routes)
  app.all('/api/*', (c) => {
    if (deps.sessions.touch(getCookie(c, cookieName(deps.secure))) === null) throw new HttpError(401, 'login required');
    throw new HttpError(404, 'no such API route');
  });
  if (deps.webDir !== null && existsSync(deps.webDir)) {
    const root = deps.webDir;
    app.get('/assets/*', serveStatic({ root }));
    // a missing asset is a 404, not the page (a script tag must not get HTML)
    app.get('/assets/*', (c) => c.json({ error: 'not found' }, 404));
    app.get('*', serveStatic({ root, rewriteRequestPath: () => '/index.html' }));
  } else {
    app.get('/', (c) => c.text('Haystack API server: the console is not built (npm run build).\n'));
  }
  app.onError((e, c) => {
    const f = httpFailure(e);
    if (f.status === 500) log(`haystack serve: ${c.req.method} ${c.req.path}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    for (const [k, v] of Object.entries(f.headers)) c.header(k, v);
    return c.json({ error: f.message }, f.status);
  });
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  return app;
}

type RouteDefHandler = (c: Parameters<(typeof ROUTES)[number]['handler']>[0]) => unknown;
