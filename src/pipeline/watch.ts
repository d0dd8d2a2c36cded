// Watches a drop directory (`serve --watch DIR`): each file that appears is handed over once it is complete.
import { opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HaystackError } from '../core/errors.js';

/**
 * Names never handed over: dotfiles, and the temporary names of writers that rename into place when done
 * (`x.part`, `x.tmp`, `x.partial`, `x.crdownload`, `x.filepart`, `x.swp`, `x~`, `#x#`, `x.1234.tmp`).
 */
export const IGNORED_NAME = /^\.|^#.*#$|~$|\.(part|partial|tmp|temp|crdownload|filepart|swp|download)$/i;

/** Poll interval bounds: a tight loop of readdir+stat would busy the disk; more than a minute is not watching. */
export const MIN_POLL_MS = 10;
export const MAX_POLL_MS = 60_000;
/** Stability bounds: an hour of waiting for a quiet writer is more than any rotation interval needs. */
export const MAX_STABLE_MS = 3_600_000;
/** Defaults of `serve --watch`: a poll a second, a file unchanged for five seconds is complete. */
export const DEFAULT_POLL_MS = 1000;
export const DEFAULT_STABLE_MS = 5000;

/** Time as the watcher sees it (a seam for tests): monotonic milliseconds, and an abortable sleep. */
export interface WatchClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface WatchOptions {
  /** A complete file. Awaited: files are handed over one at a time (the store has one writer). */
  onReady(path: string): Promise<void>;
  /** A file whose onReady failed (not retried until the file changes), or a directory that cannot be read. */
  onError(path: string, error: unknown): void;
  /** how often the directory is listed (default 1000 ms) */
  pollMs?: number;
  /** how long size, mtime and inode must stay the same before a file counts as complete (default 5000 ms) */
  stableMs?: number;
  /** stops the watcher (the file being handed over finishes first) */
  signal?: AbortSignal;
  clock?: WatchClock;
}

export interface DirectoryWatch {
  /** Stops polling; resolves once the current onReady (if any) is done. */
  stop(): Promise<void>;
  /** resolves when the watcher has stopped */
  readonly stopped: Promise<void>;
}

/** What one poll knows of a file. */
interface Seen {
  version: string;
  /** clock time at which this version was first seen */
  since: number;
  /** this version was handed over */
  done: boolean;
}

const realClock: WatchClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
};

function intOption(name: string, v: number | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new HaystackError('HAYSTACK_BAD_OPTION', `${name}: ${v} is not a whole number of milliseconds from ${min} to ${max}`);
  return v;
}

/**
 * Watches `dir` by polling (fs.watch misses events on network file systems and differs across platforms).
 * A regular file in `dir` itself (not its subdirectories: a drop box, where the server's files or archives
 * may sit in subfolders) is complete when its size, mtime and inode have stayed the same for `stableMs`;
 * a file renamed into place is therefore handed over `stableMs` after it appears. Each version of a file
 * (path, inode, size, mtime) is handed over once; one that changes later is handed over again once stable
 * (ingest knows a capture by its sha256: the same bytes are not stored twice). Files that disappear are
 * forgotten. Throws HAYSTACK_IO at once if `dir` is not a readable directory; later listing errors go to
 * onError and polling goes on.
 */
export async function watchDirectory(dir: string, opts: WatchOptions): Promise<DirectoryWatch> {
  const pollMs = intOption('pollMs', opts.pollMs, DEFAULT_POLL_MS, MIN_POLL_MS, MAX_POLL_MS);
  const stableMs = intOption('stableMs', opts.stableMs, DEFAULT_STABLE_MS, pollMs, MAX_STABLE_MS);
  const clock = opts.clock ?? realClock;
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await (await opendir(dir)).close();
  } catch (e) {
    throw new HaystackError('HAYSTACK_IO', `${dir}: cannot watch (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: dir, cause: e });
  }
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted === true) stop.abort();
  const seen = new Map<string, Seen>();

  const poll = async (): Promise<void> => {
    const names: string[] = [];
    try {
      for await (const e of await opendir(dir)) if (e.isFile() && !IGNORED_NAME.test(e.name)) names.push(e.name);
    } catch (e) {
      opts.onError(dir, new HaystackError('HAYSTACK_IO', `${dir}: cannot list the watched directory (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: dir, cause: e }));
      return;
    }
    const present = new Set<string>();
    for (const name of names.sort()) {
      if (stop.signal.aborted) return;
      const path = join(dir, name);
      let version: string;
      try {
        const st = await stat(path);
        if (!st.isFile()) continue;
        version = `${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        continue; // gone between the listing and the stat
      }
      present.add(path);
      const now = clock.now();
      const s = seen.get(path);
      if (s === undefined || s.version !== version) {
        seen.set(path, { version, since: now, done: false });
        continue;
      }
      if (s.done || now - s.since < stableMs) continue;
      s.done = true;
      try {
        await opts.onReady(path);
      } catch (e) {
        opts.onError(path, e);
      }
    }
    for (const path of seen.keys()) if (!present.has(path)) seen.delete(path);
  };

  const stopped = (async () => {
    try {
      while (!stop.signal.aborted) {
        try {
          await poll();
        } catch (e) {
          // a bug in a callback (onError threw): reported once more, the watcher goes on
          try {
            opts.onError(dir, e);
          } catch {
            // nowhere left to report it
          }
        }
        if (!stop.signal.aborted) await clock.sleep(pollMs, stop.signal);
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  })();
  return {
    stopped,
    stop: async () => {
      stop.abort();
      await stopped;
    },
  };
}
