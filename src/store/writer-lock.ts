// The sidecar by which `haystack serve` says it holds a DuckDB file (`<db>.serve.json`: pid, URL, start, watch dir).
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { HaystackError } from '../core/errors.js';

/** What a running server publishes beside the DuckDB file it holds. */
export interface ServerLockInfo {
  pid: number;
  /** where the console listens, e.g. http://127.0.0.1:8450 */
  url: string;
  /** ISO 8601 UTC */
  started: string;
  /** the server's --watch directory, if it has one */
  watch: string | null;
}

/** A claimed sidecar; release() removes it (once; also done at process exit if never called). */
export interface ServerLock {
  readonly path: string;
  readonly info: ServerLockInfo;
  release(): void;
}

/** The sidecar's path for a DuckDB file. */
export function serverLockPath(dbPath: string): string {
  return `${dbPath}.serve.json`;
}

/**
 * Publishes that this process serves `dbPath`. Call it once the store is open for writing: DuckDB's own file
 * lock is what keeps other writers out; the sidecar only names the holder in their error (and a sidecar left
 * by a server that died, or naming another process than the one DuckDB reports, is ignored). Written to a
 * temporary name and renamed (readers never see half of it), mode 0600 (it names the server's URL).
 */
export function claimServerLock(dbPath: string, opts: { url: string; watch?: string | null }): ServerLock {
  const path = serverLockPath(dbPath);
  const info: ServerLockInfo = { pid: process.pid, url: opts.url, started: new Date().toISOString(), watch: opts.watch ?? null };
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(info)}\n`, { mode: 0o600, flag: 'w' });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new HaystackError('HAYSTACK_STORE', `${path}: cannot write the server's lock file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e, file: path });
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // only our own sidecar goes (a later server may have replaced it)
    const now = readSidecar(path);
    if (now !== null && now.pid === info.pid && now.started === info.started) rmSync(path, { force: true });
  };
  process.on('exit', release);
  return { path, info, release };
}

/** The server holding `dbPath` by its sidecar, or null (no sidecar, unreadable, or its process is gone). */
export function readServerLock(dbPath: string): ServerLockInfo | null {
  const info = readSidecar(serverLockPath(dbPath));
  return info !== null && processAlive(info.pid) ? info : null;
}

function readSidecar(path: string): ServerLockInfo | null {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (!Number.isSafeInteger(o.pid) || (o.pid as number) <= 0 || typeof o.url !== 'string' || typeof o.started !== 'string') return null;
  return { pid: o.pid as number, url: o.url, started: o.started, watch: typeof o.watch === 'string' ? o.watch : null };
}

/** Is there a process with this id (one we may not signal is still alive)? */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The one line a verb gets when the server holds the file: who holds it, and what to do instead (writers:
 * upload through the console or drop the file into the watched directory; readers: ask the server).
 */
export function heldByServerMessage(dbPath: string, info: ServerLockInfo, access: 'read' | 'write'): string {
  const held = `${dbPath} is held by haystack serve (pid ${info.pid}, ${info.url})`;
  if (access === 'read') return `${held}: query it through the server's console or API, or stop the server first`;
  if (info.watch !== null) return `${held}: upload through the console or put the file in ${info.watch} (the server's --watch directory)`;
  return `${held}: upload through the console (or run the server with --watch DIR and put files there)`;
}
