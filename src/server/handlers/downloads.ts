// Downloads for analysts: a session's packets carved as pcap, its TCP transcript, an extracted file by sha256.
// Each is an attachment of type application/octet-stream with a sanitised name (never rendered), only for a
// session or file the account's restriction lets it see, and audited with the SHA-256 of what was sent.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable, Transform, pipeline } from 'node:stream';
import { parseFilter, type Expr } from '../../query/filter.js';
import { FILES } from '../../schema/files.js';
import type { RecordSchema } from '../../schema/schema.js';
import { SESSIONS } from '../../schema/sessions.js';
import { openCarve, writeCarve } from '../../pipeline/carve.js';
import { DEFAULT_TRANSCRIPT_LIMIT, MAX_TRANSCRIPT_LIMIT, sessionTranscript } from '../../pipeline/transcript.js';
import { records } from '../../store/search-records.js';
import type { Ctx, ServerDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { restrictionFor } from '../policy.js';
import { badRequest, enumParam, intParam, param } from '../request.js';

const SHA256 = /^[0-9a-f]{64}$/;
/** uids are made by Haystack (base62) or imported (Zeek's C..., EVE flow ids): letters, digits, - and _ */
const UID = /^[A-Za-z0-9_-]{1,64}$/;

/** A download name: letters, digits, dot, dash and underscore only, no leading dot, at most 100 characters. */
export function downloadName(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '').slice(0, 100);
  return clean === '' ? 'download' : clean;
}

function attachment(name: string, length?: number): Record<string, string> {
  return {
    'content-type': 'application/octet-stream',
    'content-disposition': `attachment; filename="${downloadName(name)}"`,
    ...(length !== undefined ? { 'content-length': String(length) } : {}),
  };
}

/** The one row of a table matching `field = value` that the account may see, or 404. */
async function visible(c: Ctx, deps: ServerDeps, schema: RecordSchema, field: string, value: string, capture?: string): Promise<Record<string, unknown>> {
  const restrict = restrictionFor(c.get('user'), schema);
  if (restrict === null) throw new HttpError(404, `no such ${schema.name === FILES.name ? 'file' : 'session'}`);
  const where: Expr[] = [parseFilter(`${field} = ${JSON.stringify(value)}`, schema, 'key'), ...restrict];
  if (capture !== undefined) where.push(parseFilter(`capture_id = ${JSON.stringify(capture)}`, schema, 'capture'));
  const page = await records(deps.store, { table: schema.name, where, from: null, to: null, order: 'asc', limit: 1 });
  const row = page.rows[0];
  if (row === undefined) throw new HttpError(404, `no such ${schema.name === FILES.name ? 'file' : 'session'}`);
  return row;
}

function uidParam(c: Ctx): string {
  const uid = c.req.param('uid') ?? '';
  if (!UID.test(uid)) throw new HttpError(400, 'uid: 1 to 64 letters, digits, - or _');
  return uid;
}

/** `capture`: the session's capture_id, for a uid that two captures hold (optional). */
function captureParam(c: Ctx): string | undefined {
  const v = param(c, 'capture');
  if (v === undefined || v === '') return undefined;
  if (!UID.test(v)) throw new HttpError(400, 'capture: a capture_id (letters, digits, - or _)');
  return v;
}

function audit(c: Ctx, deps: ServerDeps, route: string, target: string, sha256: string | null, outcome: string, detail: string): Promise<void> {
  const u = c.get('user');
  return deps.audit({ ts: deps.now(), user: u.name, role: u.role, ip: c.get('ip'), action: 'download', route, target, sha256, outcome, detail });
}

/**
 * The bytes of a download as they leave: hashed, counted, and audited at the end (ok, with the SHA-256) or
 * when the client goes away first (aborted, with the bytes sent). The row that the download started is
 * written before the first byte (handlers await it), so no payload leaves unaudited.
 */
function audited(c: Ctx, deps: ServerDeps, route: string, target: string, expect: string | null = null): Transform {
  const h = createHash('sha256');
  let bytes = 0;
  let finished = false;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      h.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      finished = true;
      const sha = h.digest('hex');
      const ok = expect === null || sha === expect;
      void audit(c, deps, route, target, sha, ok ? 'ok' : 'error', ok ? `${bytes} bytes` : `the stored file's hash is ${sha}`).catch(() => undefined);
      done();
    },
  });
  t.on('close', () => {
    if (!finished) void audit(c, deps, route, target, null, 'aborted', `${bytes} bytes sent before the download ended`).catch(() => undefined);
  });
  return t;
}

export async function getPcap(c: Ctx, deps: ServerDeps): Promise<Response> {
  const uid = uidParam(c);
  const capture = captureParam(c);
  await visible(c, deps, SESSIONS, 'uid', uid, capture);
  const route = 'GET /api/sessions/:uid/pcap';
  let plan;
  try {
    plan = await openCarve(deps.store, uid, capture !== undefined ? { capture } : {});
  } catch (e) {
    await audit(c, deps, route, uid, null, 'failed', e instanceof Error ? e.message : String(e));
    throw e;
  }
  const headers = attachment(`haystack-${uid}.pcap`);
  // HEAD: the answer's headers only; no carve is started for a body nobody reads
  if (c.req.method === 'HEAD') return new Response(null, { status: 200, headers });
  await audit(c, deps, route, uid, null, 'started', `capture ${plan.source.capture.capture_id}`);
  const out = new PassThrough();
  const tap = audited(c, deps, route, uid);
  // the client going away destroys tap, then out, and the carve stops at its next write (its file closed)
  pipeline(out, tap, () => undefined);
  writeCarve(plan, out).catch((e: unknown) => {
    tap.destroy(e instanceof Error ? e : new Error(String(e)));
  });
  return new Response(Readable.toWeb(tap) as ReadableStream, { status: 200, headers });
}

export async function getTranscript(c: Ctx, deps: ServerDeps): Promise<Response> {
  const uid = uidParam(c);
  const capture = captureParam(c);
  await visible(c, deps, SESSIONS, 'uid', uid, capture);
  const format = enumParam(c, 'format', ['text', 'hex'] as const, 'text');
  const limit = intParam(c, 'limit', 1, MAX_TRANSCRIPT_LIMIT, DEFAULT_TRANSCRIPT_LIMIT);
  let t;
  try {
    t = await sessionTranscript(deps.store, uid, { format, limit, ...(capture !== undefined ? { capture } : {}) });
  } catch (e) {
    return badRequest(e);
  }
  const body = Buffer.from(t.text, 'utf8');
  const sha = createHash('sha256').update(body).digest('hex');
  await audit(c, deps, 'GET /api/sessions/:uid/transcript', uid, sha, 'ok', `${format}, ${t.bytes} bytes of payload${t.truncated ? ', truncated' : ''}`);
  return c.body(body, 200, attachment(`haystack-${uid}-${format}.txt`, body.length));
}

export async function getFile(c: Ctx, deps: ServerDeps): Promise<Response> {
  const sha = (c.req.param('sha256') ?? '').toLowerCase();
  if (!SHA256.test(sha)) throw new HttpError(400, 'sha256: 64 hexadecimal digits');
  if (deps.filesDir === null) throw new HttpError(404, 'this server keeps no extracted files (--files)');
  const row = await visible(c, deps, FILES, 'sha256', sha);
  // content-addressed (pipeline/objects.ts): the path is made from the validated hash, never from a stored string
  const path = join(deps.filesDir, 'files', sha.slice(0, 2), sha);
  const st = await stat(path).catch(() => null);
  if (st === null || !st.isFile()) throw new HttpError(410, 'the file was recorded but is not in the files directory (not stored, or removed)');
  const route = 'GET /api/files/:sha256';
  const name = typeof row.filename === 'string' && row.filename !== '' ? `${sha.slice(0, 12)}_${row.filename}.bin` : `${sha}.bin`;
  const headers = attachment(name, st.size);
  if (c.req.method === 'HEAD') return new Response(null, { status: 200, headers });
  await audit(c, deps, route, sha, null, 'started', `${st.size} bytes`);
  const tap = audited(c, deps, route, sha, sha);
  pipeline(createReadStream(path), tap, () => undefined);
  return new Response(Readable.toWeb(tap) as ReadableStream, { status: 200, headers });
}
