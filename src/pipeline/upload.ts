// An uploaded body to a private file in the server's upload directory: sanitised name, mode 0600, size capped.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HaystackError } from '../core/errors.js';

/** Characters kept of an uploaded file's name: a name longer than this is cut (file systems allow 255 bytes). */
export const MAX_UPLOAD_NAME = 100;

export interface UploadOptions {
  /** the largest body accepted, in bytes; a larger one is refused and nothing of it is kept */
  maxBytes: number;
  /** the name the client gave the file (any text: only its last path part, sanitised, is used) */
  name?: string;
}

/**
 * The client's file name made safe as the last part of a path: its base name (after / or \), characters
 * other than letters, digits, `.`, `_`, `-` and `+` as `_`, no leading dots (not hidden, not `..`), at most
 * MAX_UPLOAD_NAME characters keeping the extension (`x.pcap.gz` is still known by it); `upload` if nothing
 * is left.
 */
export function sanitizeUploadName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  let s = base.normalize('NFKC').replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^[.]+/, '');
  if (s.length > MAX_UPLOAD_NAME) {
    const ext = /(\.[A-Za-z0-9]{1,8}){0,2}$/.exec(s)?.[0] ?? '';
    s = s.slice(0, MAX_UPLOAD_NAME - ext.length) + ext;
  }
  return /[A-Za-z0-9]/.test(s) ? s : 'upload';
}

/**
 * Writes an uploaded body (a Node stream or a web ReadableStream: anything async-iterable of bytes) to a new
 * file in `dir` (made 0700 if missing) named `<time>-<random>-<sanitised name>`, mode 0600, written as a
 * hidden `.part` and renamed once whole (so `dir` may even be the --watch directory). Returns its path. Over `maxBytes` (HAYSTACK_TOO_LARGE), or a body that ends in an error
 * (HAYSTACK_IO: the client went away): the partial file is removed and nothing is kept.
 */
export async function receiveUpload(body: AsyncIterable<Uint8Array>, dir: string, opts: UploadOptions): Promise<string> {
  if (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes <= 0) {
    throw new HaystackError('HAYSTACK_BAD_OPTION', `maxBytes: ${opts.maxBytes} is not a positive whole number of bytes`);
  }
  const name = sanitizeUploadName(opts.name ?? 'upload');
  const shown = opts.name !== undefined ? `upload "${name}"` : 'upload';
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new HaystackError('HAYSTACK_IO', `${dir}: cannot make the upload directory (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: dir, cause: e });
  }
  const final = `${Date.now()}-${randomBytes(6).toString('hex')}-${name}`;
  const path = join(dir, final);
  // written under a hidden temporary name and renamed when whole: a watcher of `dir` never takes half a body
  const part = join(dir, `.${final}.part`);
  let fh;
  try {
    fh = await open(part, 'wx', 0o600);
  } catch (e) {
    throw new HaystackError('HAYSTACK_IO', `${path}: cannot create (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: path, cause: e });
  }
  let received = 0;
  try {
    for await (const chunk of body) {
      received += chunk.byteLength;
      if (received > opts.maxBytes) {
        throw new HaystackError('HAYSTACK_TOO_LARGE', `${shown}: larger than the ${opts.maxBytes} bytes allowed (refused at ${received} bytes); nothing was kept`, { file: name, offset: opts.maxBytes });
      }
      for (let off = 0; off < chunk.byteLength;) off += (await fh.write(chunk, off, chunk.byteLength - off)).bytesWritten;
    }
    await fh.close();
    fh = null;
    await rename(part, path);
    return path;
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await rm(part, { force: true });
    if (e instanceof HaystackError) throw e;
    throw new HaystackError('HAYSTACK_IO', `${shown}: the body ended in an error after ${received} bytes (${(e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e))}); nothing was kept`, { file: name, cause: e });
  }
}
