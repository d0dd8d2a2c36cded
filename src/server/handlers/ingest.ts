// Upload of a capture or log by an admin: the body streamed to a private file (size-capped), ingested like a
// watched file; the answer is what became of it (ingested, already there, damaged at an offset, failed). An
// ingested upload is kept in the upload directory: its sessions' packets are carved from it later.
import { createHash } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { receiveUpload } from '../../pipeline/upload.js';
import type { Ctx, ServerDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { param } from '../request.js';

async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function postIngest(c: Ctx, deps: ServerDeps): Promise<Response> {
  if (deps.uploadDir === null || deps.ingestFile === undefined) throw new HttpError(503, 'this server does not take uploads');
  const body = c.req.raw.body;
  if (body === null) throw new HttpError(400, 'no file in the body');
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > deps.uploadMaxBytes) throw new HttpError(413, `the upload is ${declared} bytes; this server takes at most ${deps.uploadMaxBytes}`);
  const name = param(c, 'name') ?? 'upload';
  const u = c.get('user');
  const path = await receiveUpload(body as unknown as AsyncIterable<Uint8Array>, deps.uploadDir, { maxBytes: deps.uploadMaxBytes, name });
  let keep = false;
  try {
    const sha = await sha256Of(path);
    const s = await deps.ingestFile(path, name);
    await deps.audit({
      ts: deps.now(), user: u.name, role: u.role, ip: c.get('ip'), action: 'ingest', route: 'POST /api/ingest', target: name.slice(0, 200),
      sha256: sha, rows: Object.values(s.records).reduce((a, n) => a + n, 0), outcome: s.status === 'failed' ? 'failed' : 'ok',
      detail: s.error?.message ?? s.damaged?.message ?? s.status,
    });
    keep = s.status === 'ingested';
    return c.json({ ingest: s }, s.status === 'failed' ? 422 : 200);
  } finally {
    if (!keep) rmSync(path, { force: true });
  }
}
