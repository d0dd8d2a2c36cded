// SHA-256 of a capture file on a worker thread, so that a large capture is hashed while it is being read and
// decoded (one pass of hashing is ~0.2 s per 250 MB: a tenth of an ingest) instead of before.
import { Worker } from 'node:worker_threads';

/** Plain CommonJS (an eval worker): it runs the same whether Haystack is compiled or run from source. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
let fd = -1;
try {
  fd = fs.openSync(workerData.path, 'r');
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(workerData.chunk);
  let size = 0;
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, size);
    if (n === 0) break;
    h.update(buf.subarray(0, n));
    size += n;
  }
  parentPort.postMessage({ sha256: h.digest('hex'), size });
} catch (e) {
  parentPort.postMessage({ error: (e && e.code) || String(e) });
} finally {
  if (fd >= 0) fs.closeSync(fd);
}
`;

export interface FileHash {
  sha256: string;
  size: number;
}

/**
 * Hashes a file on its own thread. Rejects with the error code as text (ENOENT, EIO, ...); the caller knows
 * the file and words the error.
 */
export function hashFileOnWorker(path: string, chunk = 1 << 20): Promise<FileHash> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { path, chunk } });
    let settled = false;
    w.once('message', (m: FileHash | { error: string }) => {
      settled = true;
      if ('error' in m) reject(new Error(m.error));
      else resolve(m);
    });
    w.once('error', (e) => {
      if (!settled) reject(e);
      settled = true;
    });
    w.once('exit', (code) => {
      if (!settled) reject(new Error(`hash worker exited with ${code}`));
    });
  });
}
