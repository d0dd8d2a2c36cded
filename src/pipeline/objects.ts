// Objects taken out of traffic (mail parts, HTTP bodies): hashes, the real type from the bytes, the
// label/content mismatch check, file ids, and the content-addressed store. Shared by mail.ts and http.ts.
import { latin1 } from '../core/latin1.js';
import { createHash } from 'node:crypto';
import type * as FileType from 'file-type';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cannotWrite, HaystackError, isHaystackError } from '../core/errors.js';
export { typeMismatch } from '../core/file-type.js';

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** "F" + 17 base62 digits from the session uid and the object's place (same capture, same fuid). */
export function makeFuid(...parts: (string | number)[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest();
  let s = 'F';
  for (let i = 0; s.length < 18; i++) s += B62[h[i]! % 62]!;
  return s;
}

/** md5 and sha1 by sha256 (traffic repeats the same objects: they are hashed three ways once), bounded. */
const OTHER_HASHES = new Map<string, { md5: string; sha1: string }>();

export function hashes(b: Uint8Array): { md5: string; sha1: string; sha256: string } {
  const sha256 = createHash('sha256').update(b).digest('hex');
  let o = OTHER_HASHES.get(sha256);
  if (o === undefined) {
    o = { md5: createHash('md5').update(b).digest('hex'), sha1: createHash('sha1').update(b).digest('hex') };
    if (OTHER_HASHES.size >= MAX_REMEMBERED) OTHER_HASHES.clear();
    OTHER_HASHES.set(sha256, o);
  }
  return { md5: o.md5, sha1: o.sha1, sha256 };
}
/** Real types by sha256 (the same content has the same type), bounded. */
const TYPES = new Map<string, string | null>();

/** realType(b) for content whose sha256 is known, looked up once per distinct content. */
export async function realTypeOf(b: Uint8Array, sha256: string): Promise<string | null> {
  const hit = TYPES.get(sha256);
  if (hit !== undefined || TYPES.has(sha256)) return hit ?? null;
  const t = await realType(b);
  if (TYPES.size >= MAX_REMEMBERED) TYPES.clear();
  TYPES.set(sha256, t);
  return t;
}

let fileType: Promise<typeof FileType> | null = null;

/** The type the bytes say (magic numbers), else text or octet-stream by content; null for nothing. */
export async function realType(b: Uint8Array): Promise<string | null> {
  if (b.length === 0) return null;
  // loaded on first use: a run that types no object (sessions, alerts) does not pay for its import (~60 ms)
  const { fileTypeFromBuffer } = await (fileType ??= import('file-type'));
  const t = await fileTypeFromBuffer(b);
  if (t !== undefined) return t.mime;
  // markup that magic numbers do not cover (libmagic calls these text/html and text/xml too)
  const head = latin1(b, 0, 512).trimStart().toLowerCase();
  if (/^(<!doctype html|<html|<head|<body|<meta|<!--[\s\S]*?-->\s*<html)/.test(head)) return 'text/html';
  if (head.startsWith('<?xml')) return 'text/xml';
  let binary = 0;
  const n = Math.min(b.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0 || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b)) binary++;
  }
  return binary === 0 ? 'text/plain' : 'application/octet-stream';
}

/** Contents known to be stored already, by directory (a capture repeats the same objects thousands of times). */
const STORED = new Map<string, Set<string>>();
/** Bound on remembered contents per directory (a set of hex strings: ~10 MB at the bound). */
const MAX_REMEMBERED = 100_000;

/** Directories made already (256 per store at most). */
const MADE = new Set<string>();

/** Writes `files/ab/<sha256>` under dir once (same content, same file); returns the relative path. */
export async function store(dir: string, sha256: string, data: Uint8Array): Promise<string> {
  const rel = join('files', sha256.slice(0, 2), sha256);
  const full = join(dir, rel);
  let known = STORED.get(dir);
  if (known === undefined) STORED.set(dir, (known = new Set()));
  if (known.has(sha256)) return rel;
  if (known.size >= MAX_REMEMBERED) known.clear();
  known.add(sha256);
  try {
    await stat(full);
    return rel;
  } catch {
    // not there yet
  }
  const sub = join(dir, 'files', sha256.slice(0, 2));
  // an output that cannot be written (a full disk, a file where a directory goes) ends the run, named
  if (!MADE.has(sub)) {
    await mkdir(sub, { recursive: true }).catch((e: unknown) => Promise.reject(cannotWrite(sub, e)));
    MADE.add(sub);
  }
  const tmp = `${full}.tmp-${process.pid}`;
  await writeFile(tmp, data).catch((e: unknown) => Promise.reject(cannotWrite(tmp, e)));
  await rename(tmp, full).catch((e: unknown) => Promise.reject(cannotWrite(full, e)));
  return rel;
}

/**
 * Object writes that go on in the background while packets are read (ingest: the files must be there when
 * the capture commits, not as each record is made; ~1 ms of waiting per object otherwise). At most `bytes`
 * of objects are waiting after settle(bytes); settle() waits for all and reports the first failure.
 */
export class ObjectWrites {
  private readonly pending = new Set<Promise<void>>();
  private failure: HaystackError | null = null;
  private bytes = 0;

  /** Starts storing `data` under dir (as store() does); returns its relative path at once. */
  put(dir: string, sha256: string, data: Uint8Array): string {
    const p: Promise<void> = store(dir, sha256, data).then(
      () => undefined,
      (e: unknown) => {
        const code = (e as NodeJS.ErrnoException).code ?? String(e);
        this.failure ??= isHaystackError(e) ? e : new HaystackError('HAYSTACK_IO', `${join(dir, 'files')}: cannot store an extracted object (${code})`, { file: dir, cause: e });
      },
    ).finally(() => {
      this.pending.delete(p);
      this.bytes -= data.length;
    });
    this.pending.add(p);
    this.bytes += data.length;
    return join('files', sha256.slice(0, 2), sha256);
  }

  async settle(bytes = 0): Promise<void> {
    while (this.pending.size > 0 && (bytes === 0 || this.bytes > bytes)) await Promise.race(this.pending);
    if (this.failure !== null) throw this.failure;
  }
}
