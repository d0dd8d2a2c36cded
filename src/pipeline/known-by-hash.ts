// A log or an import is known by the SHA-256 of what was read: the id a writer begins with, and the check made at
// the end of a read whose hash was not known before it (standard input, a gzip-rotated log).
import { randomBytes, type Hash } from 'node:crypto';
import type { CaptureRecord } from '../schema/captures.js';
import type { CaptureWriter, Store } from '../store/store.js';

/** What a read is known by: the SHA-256 of its bytes as read, and how many. */
export interface ReadId {
  sha256: string;
  size: number;
}

/**
 * The id a writer begins with: the hash's when it is known first; else none where the store takes it at commit
 * (DuckDB), else a random stand-in (the hash still decides at the end whether it was stored before).
 */
export function beginId(store: Store, id: ReadId | null): string | null {
  return id !== null ? id.sha256.slice(0, 16) : store.idAtCommit ? null : randomBytes(8).toString('hex');
}

/**
 * At the end of a read whose hash was not known first: its id, or the capture the store already has under that
 * hash, in which case the writer is aborted (nothing of this read is kept: it was stored before).
 */
export async function idAtEnd(store: Store, w: CaptureWriter, hash: Hash, size: number): Promise<{ id: ReadId; known: null } | { id: null; known: CaptureRecord }> {
  const id = { sha256: hash.digest('hex'), size };
  const known = await store.findCapture(id.sha256);
  if (known === null) return { id, known: null };
  await w.abort();
  return { id: null, known };
}
