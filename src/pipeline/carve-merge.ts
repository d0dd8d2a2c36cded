// Carved sessions merged into one pcap (`haystack carve --filter EXPR -o out.pcap`): the packets of every
// session's own carve, in time order, as one classic pcap of the first session's link type.
import { open, type FileHandle } from 'node:fs/promises';
import { cannotWrite, HaystackError } from '../core/errors.js';
import { PCAP_FILE_HEADER_LEN, PCAP_RECORD_HEADER_LEN, putPcapFileHeader } from '../capture/pcap-writer.js';

/** What the merge wrote. */
export interface MergeResult {
  packets: number;
  bytes: number;
  linktype: number;
  /** packets of sessions whose link type differs from the first session's (a pcap file has one link type) */
  skippedLinktype: number;
  /** sessions left out for that reason */
  skippedSessions: number;
}

/** Snap length of the merged file, as a single carve's (libpcap's MAXIMUM_SNAPLEN). */
const MERGE_SNAPLEN = 262144;
/** Bytes read from a carved file at once while indexing it, and written to the output at once. */
const IO_PIECE = 1 << 20;

/**
 * One packet of the merge: which carve, where its record lies there, and its time. Kept as parallel number
 * arrays (a million packets are a few tens of MB, not a million objects).
 */
class PacketIndex {
  readonly file: number[] = [];
  readonly offset: number[] = [];
  readonly length: number[] = [];
  readonly ts: number[] = [];

  add(file: number, offset: number, length: number, ts: number): void {
    this.file.push(file);
    this.offset.push(offset);
    this.length.push(length);
    this.ts.push(ts);
  }

  /** Positions in time order; equal times keep the order they were added in (a session's own order). */
  order(): Uint32Array {
    const idx = new Uint32Array(this.ts.length);
    for (let i = 0; i < idx.length; i++) idx[i] = i;
    const ts = this.ts;
    return idx.sort((a, b) => ts[a]! - ts[b]! || a - b);
  }
}

/**
 * Merges classic pcaps written by the carve (little-endian, µs, one link type each) into `out`. A file of another
 * link type than the first is left out and counted. The output is written only after every input was read.
 */
export async function mergeCarves(files: readonly string[], out: string): Promise<MergeResult> {
  const index = new PacketIndex();
  let linktype = -1;
  let skippedLinktype = 0;
  let skippedSessions = 0;
  const kept: string[] = [];
  for (const f of files) {
    const r = await indexCarve(f, kept.length, index, linktype);
    if (r.linktype !== linktype && linktype !== -1) {
      skippedLinktype += r.packets;
      skippedSessions++;
      continue;
    }
    linktype = r.linktype;
    kept.push(f);
  }
  if (linktype === -1) throw new HaystackError('HAYSTACK_NOT_FOUND', 'no packets to merge');
  const handles: FileHandle[] = [];
  let w: FileHandle;
  try {
    w = await open(out, 'w');
  } catch (e) {
    throw cannotWrite(out, e);
  }
  let bytes = 0;
  try {
    for (const f of kept) handles.push(await open(f, 'r'));
    const buf = new Uint8Array(IO_PIECE);
    const head = new DataView(buf.buffer);
    putPcapFileHeader(head, 0, { linktype, snaplen: MERGE_SNAPLEN });
    let used = PCAP_FILE_HEADER_LEN;
    const order = index.order();
    for (const i of order) {
      const len = index.length[i]!;
      if (used + len > buf.length) {
        bytes += await writeAll(w, buf.subarray(0, used), out);
        used = 0;
      }
      if (len > buf.length) {
        // a record larger than the piece (snaplen is at most 256 KiB, so only with a huge carve piece): alone
        const big = new Uint8Array(len);
        await readFull(handles[index.file[i]!]!, big, index.offset[i]!, kept[index.file[i]!]!);
        bytes += await writeAll(w, big, out);
        continue;
      }
      await readFull(handles[index.file[i]!]!, buf.subarray(used, used + len), index.offset[i]!, kept[index.file[i]!]!);
      used += len;
    }
    bytes += await writeAll(w, buf.subarray(0, used), out);
  } finally {
    for (const h of handles) await h.close();
    await w.close();
  }
  return { packets: index.ts.length, bytes, linktype, skippedLinktype, skippedSessions };
}

/** Reads a carve's record headers into the index (as file `fileNo`, unless its link type is not `want`). */
async function indexCarve(path: string, fileNo: number, index: PacketIndex, want: number): Promise<{ linktype: number; packets: number }> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(PCAP_FILE_HEADER_LEN);
    await readFull(fh, head, 0, path);
    const hv = new DataView(head.buffer);
    // the carve writes little-endian µs pcap (pcap-writer's default): anything else is not one of its files
    if (hv.getUint32(0, true) !== 0xa1b2c3d4) throw new HaystackError('HAYSTACK_CAPTURE_CORRUPT', `${path}: not a carve's pcap (byte 0)`, { file: path, offset: 0 });
    const linktype = hv.getUint32(20, true);
    const size = (await fh.stat()).size;
    const rh = new Uint8Array(PCAP_RECORD_HEADER_LEN);
    const rv = new DataView(rh.buffer);
    let p = PCAP_FILE_HEADER_LEN;
    let packets = 0;
    while (p + PCAP_RECORD_HEADER_LEN <= size) {
      await readFull(fh, rh, p, path);
      const caplen = rv.getUint32(8, true);
      const len = PCAP_RECORD_HEADER_LEN + caplen;
      if (p + len > size) throw new HaystackError('HAYSTACK_CAPTURE_CORRUPT', `${path}: record cut short at byte ${p}`, { file: path, offset: p });
      if (want === -1 || linktype === want) index.add(fileNo, p, len, rv.getUint32(0, true) * 1e6 + rv.getUint32(4, true));
      packets++;
      p += len;
    }
    return { linktype, packets };
  } finally {
    await fh.close();
  }
}

async function readFull(fh: FileHandle, into: Uint8Array, at: number, path: string): Promise<void> {
  let got = 0;
  while (got < into.length) {
    const { bytesRead } = await fh.read(into, got, into.length - got, at + got);
    if (bytesRead === 0) throw new HaystackError('HAYSTACK_CAPTURE_CORRUPT', `${path}: ends at byte ${at + got}, inside a record`, { file: path, offset: at + got });
    got += bytesRead;
  }
}

async function writeAll(w: FileHandle, bytes: Uint8Array, name: string): Promise<number> {
  try {
    let done = 0;
    while (done < bytes.length) done += (await w.write(bytes, done, bytes.length - done)).bytesWritten;
  } catch (e) {
    throw cannotWrite(name, e);
  }
  return bytes.length;
}
