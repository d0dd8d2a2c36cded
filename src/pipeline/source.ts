// Input sources: files or stdin, gzip and zstd detected by content (magic bytes), read in large chunks.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { HaystackError, isHaystackError } from '../core/errors.js';

/** 4 MiB reads: large enough that per-chunk costs vanish, small enough to stay cache- and RSS-friendly. */
export const CHUNK_SIZE = 4 * 1024 * 1024;

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];

export type Compression = 'none' | 'gzip' | 'zstd';

export function compressionOf(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === GZIP[0] && head[1] === GZIP[1]) return 'gzip';
  if (head.length >= 4 && ZSTD.every((b, i) => head[i] === b)) return 'zstd';
  return 'none';
}

export interface SourceInfo {
  name: string;
  compression: Compression;
  /** compressed size on disk (files only) */
  size: number | null;
}

/**
 * Yields the (decompressed) bytes of a file or of stdin ("-"). Chunks of an uncompressed file share one
 * buffer: each is valid only until the next is requested.
 * @param buffer the buffer each read of an uncompressed file fills (a caller that keeps its chunks, as the
 *   threaded run's shared slots do, gives a fresh one each call); default: two buffers of CHUNK_SIZE, alternating
 */
export async function* readSource(path: string, info: Partial<SourceInfo> = {}, buffer?: () => Uint8Array): AsyncGenerator<Uint8Array> {
  info.name = path;
  if (path === '-') {
    yield* decompressing(process.stdin as AsyncIterable<unknown>, info);
    return;
  }
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new HaystackError('HAYSTACK_IO', `${path}: cannot open (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: path, cause: e });
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new HaystackError('HAYSTACK_IO', `${path}: is a directory`, { file: path });
    info.size = st.size;
    const head = new Uint8Array(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    const c = compressionOf(head.subarray(0, bytesRead));
    info.compression = c;
    if (c !== 'none') {
      await fh.close();
      fh = undefined;
      yield* decompressing(createReadStream(path, { highWaterMark: 1024 * 1024 }), info);
      return;
    }
    // two buffers: the next read runs while the consumer parses the current chunk (read-ahead), and a
    // buffer is refilled only after the chunk that used it has been handed back
    const bufs = buffer === undefined ? [new Uint8Array(CHUNK_SIZE), new Uint8Array(CHUNK_SIZE)] : [];
    let which = 1;
    const next = buffer ?? ((): Uint8Array => bufs[which ^= 1]!);
    const file = fh;
    let pos = 0;
    const readInto = (b: Uint8Array): Promise<number> => file.read(b, 0, b.length, pos).then((r) => {
      pos += r.bytesRead;
      return r.bytesRead;
    });
    let cur = next();
    let pending = readInto(cur);
    try {
      for (;;) {
        const n = await pending;
        if (n === 0) break;
        const full = cur;
        cur = next();
        pending = readInto(cur);
        yield full.subarray(0, n);
      }
    } finally {
      // a consumer that stops early leaves one read in flight: let it land before the file closes
      await pending.catch(() => 0);
    }
  } finally {
    await fh?.close();
  }
}

/** Yields the (decompressed) bytes of a stream (stdin, or a stand-in for it). */
export function readStream(stream: AsyncIterable<unknown>, info: Partial<SourceInfo> = {}): AsyncGenerator<Uint8Array> {
  info.name ??= '-';
  return decompressing(stream, info);
}

/** zstd input is pushed in slices this small so that one push cannot expand into more than a few blocks. */
const ZSTD_SLICE = 256;

/**
 * Stream bytes, decompressed when they start with a gzip or zstd magic. Output is produced and handed on a
 * piece at a time (a small compressed file can expand enormously), and a damaged or cut stream ends with a
 * HAYSTACK_CAPTURE_TRUNCATED error after the bytes that did decompress.
 */
async function* decompressing(stream: AsyncIterable<unknown>, info: Partial<SourceInfo>): AsyncGenerator<Uint8Array> {
  const name = info.name ?? '-';
  const it = stream[Symbol.asyncIterator]();
  const next = async (): Promise<Uint8Array | null> => {
    const r = await it.next();
    if (r.done === true) return null;
    const v = r.value;
    return v instanceof Uint8Array ? v : new TextEncoder().encode(String(v));
  };
  // the magic needs 4 bytes, which a pipe may deliver in several pieces
  let head = new Uint8Array(0);
  let chunk: Uint8Array | null;
  while (head.length < 4 && (chunk = await next()) !== null) {
    const joined = new Uint8Array(head.length + chunk.length);
    joined.set(head);
    joined.set(chunk, head.length);
    head = joined;
  }
  const mode = compressionOf(head);
  info.compression = mode;
  const rest = async function* (): AsyncGenerator<Uint8Array> {
    if (head.length > 0) yield head;
    let c: Uint8Array | null;
    while ((c = await next()) !== null) yield c;
  };
  const damaged = (e: unknown): HaystackError =>
    new HaystackError('HAYSTACK_CAPTURE_TRUNCATED', `${name}: ${mode} stream is damaged or cut short (${(e as Error).message ?? String(e)})`, {
      file: name,
      cause: e,
    });
  if (mode === 'none') {
    yield* rest();
    return;
  }
  if (mode === 'gzip') {
    // the gunzip stream applies backpressure and reports errors (also "unexpected end of file") in order
    const gunzip = createGunzip();
    const src = Readable.from(rest());
    src.on('error', (e) => gunzip.destroy(e));
    src.pipe(gunzip);
    try {
      for await (const d of gunzip) yield d as Uint8Array;
    } catch (e) {
      throw isHaystackError(e) ? e : damaged(e);
    }
    return;
  }
  let out: Uint8Array[] = [];
  const zstd = new Decompress((d) => void out.push(d));
  try {
    for await (const c of rest()) {
      for (let p = 0; p < c.length; p += ZSTD_SLICE) {
        zstd.push(c.subarray(p, Math.min(c.length, p + ZSTD_SLICE)));
        if (out.length > 0) {
          const ready = out;
          out = [];
          yield* ready;
        }
      }
    }
    zstd.push(new Uint8Array(0), true);
  } catch (e) {
    yield* out;
    throw damaged(e);
  }
  yield* out;
}
