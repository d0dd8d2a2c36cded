// The input side of a carve: is the capture still the file that was ingested, and the bytes a capture reader
// needs to read one session's range again (file header or pcapng section/interface blocks, then the range).
import { open, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { HaystackError } from '../core/errors.js';
import { BT_SHB } from '../capture/pcapng.js';
import type { CarveSource } from '../store/carve-lookup.js';
import { fileSha256, mtimeMicros } from './ingest.js';
import { CHUNK_SIZE, compressionOf, readSource, type Compression } from './source.js';

/** How the capture was found to be the one ingested. */
export type Verified = 'mtime' | 'sha256';

export interface CarveInput {
  /** absolute path of the capture */
  path: string;
  compression: Compression;
  verified: Verified;
  start: number;
  end: number;
}

/** A classic pcap file header; its records follow it directly. */
const PCAP_HEADER_LEN = 24;
/** A pcapng block's type, length and the section header's byte-order magic. */
const BLOCK_HEAD_LEN = 12;
const PCAPNG_BOM = 0x1a2b3c4d;

function gone(src: CarveSource, why: string): HaystackError {
  return new HaystackError('HAYSTACK_GONE', `session ${src.uid}: ${why}`, { file: src.capture.path });
}

/**
 * Checks that the capture is where it was and is the same file: its size, then either its modification time
 * as recorded at ingest (the quick check: the file was not rewritten) or, when that differs or was not
 * recorded (or `fullCheck`), its SHA-256. Anything else is HAYSTACK_GONE.
 */
export async function checkCapture(src: CarveSource, fullCheck: boolean): Promise<CarveInput> {
  const cap = src.capture;
  if (src.pcap_start === null || src.pcap_end === null || src.pcap_end <= src.pcap_start) {
    throw gone(src, 'the store has no byte range for it (ingested before carving was supported); ingest the capture into a new store to carve it');
  }
  if (cap.path === '-') throw gone(src, 'its capture was read from stdin (haystack ingest -): there is no file to carve from (haystack sensor keeps its ring files)');
  const path = isAbsolute(cap.path) ? cap.path : resolve(cap.path);
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw gone(src, `its capture ${path} cannot be opened (${e.code ?? String(e)}): moved or deleted since it was ingested`);
  });
  if (!st.isFile()) throw gone(src, `its capture ${path} is no longer a file`);
  if (st.size !== cap.size) throw gone(src, `its capture ${path} changed since it was ingested (${st.size} bytes, ingested with ${cap.size})`);
  let verified: Verified = 'mtime';
  if (fullCheck || cap.mtime === null || mtimeMicros(st.mtimeMs) !== cap.mtime) {
    const h = await fileSha256(path).catch((e: unknown) => {
      throw gone(src, `its capture ${path} cannot be read (${e instanceof Error ? e.message : String(e)})`);
    });
    if (h.sha256 !== cap.sha256) throw gone(src, `its capture ${path} changed since it was ingested (sha256 ${h.sha256}, ingested ${cap.sha256})`);
    verified = 'sha256';
  }
  const fh = await open(path, 'r');
  let compression: Compression;
  try {
    const head = new Uint8Array(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    compression = compressionOf(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
  return { path, compression, verified, start: src.pcap_start, end: src.pcap_end };
}

/** The bytes to feed a capture reader, and below which stream offset its packets are not the range's. */
export interface RangeFeed {
  chunks: AsyncGenerator<Uint8Array>;
  /** packets whose record starts before this offset of the fed stream are before the range */
  rangeStart: number;
}

/**
 * The range with what must precede it, read as little as the file allows: an uncompressed pcap is its 24-byte
 * header and the range; an uncompressed pcapng whose section and interface blocks were recorded at ingest is
 * those blocks (of the section the range is in) and the range; anything else (gzip, zstd, or a pcapng without
 * the record) is the stream from its start to the range's end, the reader skipping packets before the range.
 */
export async function rangeFeed(input: CarveInput, format: string | null, headerBlocks: readonly number[]): Promise<RangeFeed> {
  if (input.compression === 'none') {
    if (format !== null && format !== 'pcapng') {
      const head = await readAt(input.path, 0, PCAP_HEADER_LEN);
      return { chunks: withPrefix(head, fileRange(input.path, input.start, input.end)), rangeStart: head.length };
    }
    if (format === 'pcapng' && headerBlocks.length > 0) {
      const head = await sectionHead(input.path, headerBlocks, input.start);
      if (head !== null) return { chunks: withPrefix(head, fileRange(input.path, input.start, input.end)), rangeStart: head.length };
    }
    return { chunks: fileRange(input.path, 0, input.end), rangeStart: input.start };
  }
  return { chunks: streamTo(input.path, input.end), rangeStart: input.start };
}

/** The section header and interface blocks in effect at `start`, concatenated; null if the list does not fit the file. */
async function sectionHead(path: string, offsets: readonly number[], start: number): Promise<Uint8Array | null> {
  const fh = await open(path, 'r');
  try {
    let kept: Uint8Array[] = [];
    let le = true;
    for (const off of offsets) {
      if (off >= start) break;
      const h = new Uint8Array(BLOCK_HEAD_LEN);
      if ((await fh.read(h, 0, BLOCK_HEAD_LEN, off)).bytesRead < BLOCK_HEAD_LEN) return null;
      const v = new DataView(h.buffer);
      if (v.getUint32(0, true) === BT_SHB) {
        const bom = v.getUint32(8, true);
        if (bom !== PCAPNG_BOM && bom !== 0x4d3c2b1a) return null;
        le = bom === PCAPNG_BOM;
        kept = [];
      }
      const len = v.getUint32(4, le);
      if (len < BLOCK_HEAD_LEN || off + len > start) return null;
      const block = new Uint8Array(len);
      if ((await fh.read(block, 0, len, off)).bytesRead < len) return null;
      kept.push(block);
    }
    if (kept.length === 0) return null;
    const out = new Uint8Array(kept.reduce((a, b) => a + b.length, 0));
    let p = 0;
    for (const b of kept) {
      out.set(b, p);
      p += b.length;
    }
    return out;
  } finally {
    await fh.close();
  }
}

async function readAt(path: string, pos: number, len: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const b = new Uint8Array(len);
    const { bytesRead } = await fh.read(b, 0, len, pos);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function* withPrefix(head: Uint8Array, rest: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield head;
  yield* rest;
}

/** Bytes [from, to) of an uncompressed file, a chunk at a time (each valid until the next is asked for). */
async function* fileRange(path: string, from: number, to: number): AsyncGenerator<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(Math.min(CHUNK_SIZE, Math.max(to - from, 1)));
    for (let pos = from; pos < to;) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, to - pos), pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/** The decompressed stream of a file up to offset `to` (a compressed stream cannot be entered in the middle). */
async function* streamTo(path: string, to: number): AsyncGenerator<Uint8Array> {
  let pos = 0;
  for await (const c of readSource(path)) {
    if (pos + c.length >= to) {
      yield c.subarray(0, to - pos);
      return;
    }
    pos += c.length;
    yield c;
  }
}
