// Input sources: files or stdin, gzip and zstd detected by content (magic bytes), read in large chunks.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { HaystackError } from '../core/errors.js';

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
 */
export async function* readSource(path: string, info: Partial<SourceInfo> = {}): AsyncGenerator<Uint8Array> {
  info.name = path;
  if (path === '-') {
    yield* decompressing(process.stdin, info);
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
    const bufs = [new Uint8Array(CHUNK_SIZE), new Uint8Array(CHUNK_SIZE)];
    const file = fh;
    let pos = 0;
    const readInto = (b: Uint8Array): Promise<number> => file.read(b, 0, b.length, pos).then((r) => {
      pos += r.bytesRead;
      return r.bytesRead;
    });
    let which = 0;
    let pending = readInto(bufs[0]!);
    try {
      for (;;) {
        const n = await pending;
        if (n === 0) break;
        const cur = bufs[which]!;
        which ^= 1;
        pending = readInto(bufs[which]!);
        yield cur.subarray(0, n);
      }
    } finally {
      // a consumer that stops early leaves one read in flight: let it land before the file closes
      await pending.catch(() => 0);
    }
  } finally {
    await fh?.close();
  }
}

async function* decompressing(stream: NodeJS.ReadableStream, info: Partial<SourceInfo>): AsyncGenerator<Uint8Array> {
  const name = info.name ?? '-';
  let first = true;
  let mode: Compression = 'none';
  let gunzip: ReturnType<typeof createGunzip> | null = null;
  let zstd: Decompress | null = null;
  let out: Uint8Array[] = [];
  let failure: unknown = null;
  for await (const raw of stream) {
    const chunk = raw instanceof Uint8Array ? raw : new TextEncoder().encode(String(raw));
    if (first) {
      first = false;
      mode = compressionOf(chunk);
      info.compression = mode;
      if (mode === 'gzip') {
        gunzip = createGunzip();
        gunzip.on('data', (d: Uint8Array) => out.push(d));
        gunzip.on('error', (e) => {
          failure = e;
        });
      } else if (mode === 'zstd') {
        zstd = new Decompress((d) => {
          out.push(d);
        });
      }
    }
    if (mode === 'none') {
      yield chunk;
      continue;
    }
    if (gunzip !== null) {
      await new Promise<void>((resolve) => gunzip!.write(chunk, () => resolve()));
    } else if (zstd !== null) {
      try {
        zstd.push(chunk);
      } catch (e) {
        failure = e;
      }
    }
    if (failure !== null) break;
    const ready = out;
    out = [];
    for (const d of ready) yield d;
  }
  if (gunzip !== null && failure === null) {
    await new Promise<void>((resolve) => gunzip!.end(() => resolve()));
    await new Promise<void>((resolve) => setImmediate(resolve));
  } else if (zstd !== null && failure === null) {
    try {
      zstd.push(new Uint8Array(0), true);
    } catch (e) {
      failure = e;
    }
  }
  for (const d of out) yield d;
  if (failure !== null) {
    throw new HaystackError('HAYSTACK_CAPTURE_TRUNCATED', `${name}: ${mode} stream is damaged or cut short (${String((failure as Error).message ?? failure)})`, {
      file: name,
      cause: failure,
    });
  }
}
