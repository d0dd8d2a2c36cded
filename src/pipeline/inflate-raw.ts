// node:zlib's raw inflate behind the container walk's InflateRaw contract (src/inspect/containers/inflate.ts):
// the pure walk gets decompression from here.
import { constants, inflateRawSync } from 'node:zlib';
import type { InflateRaw } from '../inspect/containers/inflate.js';

/**
 * node:zlib's inflateRawSync under the InflateRaw contract: `maxOutputLength` bounds the output (ERR_BUFFER_TOO_LARGE
 * is too_large), `info` gives the input consumed, and input that ends early is inflated again with Z_SYNC_FLUSH for
 * what it holds.
 */
export const nodeInflateRaw: InflateRaw = (data, maxOut) => {
  try {
    const r = inflateRawSync(data, { maxOutputLength: Math.max(1, maxOut), info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    if (r.buffer.length > maxOut) return { ok: false, error: 'too_large', detail: `over ${maxOut} bytes` };
    return { ok: true, bytes: new Uint8Array(r.buffer.buffer, r.buffer.byteOffset, r.buffer.length), consumed: r.engine.bytesWritten, complete: true };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') return { ok: false, error: 'too_large', detail: `over ${maxOut} bytes` };
    if (code === 'Z_BUF_ERROR') {
      try {
        const b = inflateRawSync(data, { maxOutputLength: Math.max(1, maxOut), finishFlush: constants.Z_SYNC_FLUSH });
        if (b.length > maxOut) return { ok: false, error: 'too_large', detail: `over ${maxOut} bytes` };
        return { ok: true, bytes: new Uint8Array(b.buffer, b.byteOffset, b.length), consumed: data.length, complete: false };
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { ok: false, error: 'too_large', detail: `over ${maxOut} bytes` };
        return { ok: false, error: 'corrupt', detail: (e2 as Error).message };
      }
    }
    return { ok: false, error: 'corrupt', detail: (e as Error).message };
  }
};
