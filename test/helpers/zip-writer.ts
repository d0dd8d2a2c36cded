// Test helpers: a tiny zip writer (APPNOTE.TXT: local headers, central directory, end record, ZIP64 on demand)
// whose every field can be made to lie, for building archives by construction; and (re-exported) the pipeline's
// node:zlib inflater behind the container walk's InflateRaw contract.
import { crc32, deflateRawSync } from 'node:zlib';

export interface WriterEntry {
  name: string;
  data: Uint8Array | string;
  /** 0 stored, 8 deflate (default 8) */
  method?: number;
  /** extra general-purpose flags (bit 0: encrypted) */
  flags?: number;
  /** write a data descriptor (flag bit 3, zero sizes in the local header) */
  descriptor?: boolean;
  /** ZIP64 extra fields (0xFFFFFFFF in the 32-bit fields) */
  zip64?: boolean;
  /** lies: the central directory's expanded and compressed sizes, local header offset */
  declaredSize?: number;
  declaredCompressedSize?: number;
  localOffset?: number;
  /** a different method in the local header than in the directory */
  localMethod?: number;
  /** the stored bytes instead of the compressed data (e.g. ciphertext) */
  raw?: Uint8Array;
  /** an AES extra field (0x9901) and method 99 */
  aes?: boolean;
}

export interface WriterOptions {
  /** write the ZIP64 end record and locator */
  zip64Eocd?: boolean;
  /** bytes before the archive (offsets are written as if they were not there) */
  prefix?: Uint8Array;
  /** entries the end record declares (default: the number written) */
  declaredEntries?: number;
  comment?: string;
}

const enc = new TextEncoder();

function u16(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff];
}
function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}
function u64(n: number): number[] {
  return [...u32(n % 0x100000000), ...u32(Math.floor(n / 0x100000000))];
}

/** A zip archive of `entries`, built field by field. */
export function makeZip(entries: WriterEntry[], opts: WriterOptions = {}): Uint8Array {
  const out: number[] = [];
  const central: number[] = [];
  const push = (to: number[], b: ArrayLike<number>): void => {
    for (let i = 0; i < b.length; i++) to.push(b[i]!);
  };
  for (const e of entries) {
    const data = typeof e.data === 'string' ? enc.encode(e.data) : e.data;
    const method = e.aes === true ? 99 : (e.method ?? 8);
    const stored = e.raw ?? (method === 8 ? new Uint8Array(deflateRawSync(data)) : data);
    const crc = crc32(data);
    const name = enc.encode(e.name);
    const flags = (e.flags ?? 0) | (e.descriptor === true ? 8 : 0) | 0x800;
    const offset = out.length;
    const z64 = e.zip64 === true;
    const extra: number[] = [];
    if (z64) push(extra, [...u16(1), ...u16(24), ...u64(e.declaredSize ?? data.length), ...u64(e.declaredCompressedSize ?? stored.length), ...u64(e.localOffset ?? offset)]);
    if (e.aes === true) push(extra, [...u16(0x9901), ...u16(7), ...u16(2), 0x41, 0x45, 3, ...u16(e.method ?? 8)]);
    const localExtra: number[] = z64 ? [...u16(1), ...u16(16), ...u64(data.length), ...u64(stored.length)] : [];
    if (e.aes === true) push(localExtra, [...u16(0x9901), ...u16(7), ...u16(2), 0x41, 0x45, 3, ...u16(e.method ?? 8)]);
    const dd = e.descriptor === true;
    push(out, [...u32(0x04034b50), ...u16(z64 ? 45 : 20), ...u16(flags), ...u16(e.localMethod ?? method), ...u16(0), ...u16(0x21),
      ...u32(dd ? 0 : crc), ...u32(dd ? 0 : z64 ? 0xffffffff : stored.length), ...u32(dd ? 0 : z64 ? 0xffffffff : data.length), ...u16(name.length), ...u16(localExtra.length)]);
    push(out, name);
    push(out, localExtra);
    push(out, stored);
    if (dd) push(out, [...u32(0x08074b50), ...u32(crc), ...u32(stored.length), ...u32(data.length)]);
    push(central, [...u32(0x02014b50), ...u16(0x031e), ...u16(z64 ? 45 : 20), ...u16(flags), ...u16(method), ...u16(0), ...u16(0x21), ...u32(crc),
      ...u32(z64 ? 0xffffffff : (e.declaredCompressedSize ?? stored.length)), ...u32(z64 ? 0xffffffff : (e.declaredSize ?? data.length)),
      ...u16(name.length), ...u16(extra.length), ...u16(0), ...u16(0), ...u16(0), ...u32(0o100644 << 16), ...u32(z64 ? 0xffffffff : (e.localOffset ?? offset))]);
    push(central, name);
    push(central, extra);
  }
  const cdOffset = out.length;
  push(out, central);
  const count = opts.declaredEntries ?? entries.length;
  if (opts.zip64Eocd === true) {
    const z = out.length;
    push(out, [...u32(0x06064b50), ...u64(44), ...u16(45), ...u16(45), ...u32(0), ...u32(0), ...u64(count), ...u64(count), ...u64(central.length), ...u64(cdOffset)]);
    push(out, [...u32(0x07064b50), ...u32(0), ...u64(z), ...u32(1)]);
  }
  const comment = enc.encode(opts.comment ?? '');
  const z64 = opts.zip64Eocd === true;
  push(out, [...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(z64 ? 0xffff : count), ...u16(z64 ? 0xffff : count),
    ...u32(z64 ? 0xffffffff : central.length), ...u32(z64 ? 0xffffffff : cdOffset), ...u16(comment.length)]);
  push(out, comment);
  const zip = Uint8Array.from(out);
  if (opts.prefix === undefined) return zip;
  const all = new Uint8Array(opts.prefix.length + zip.length);
  all.set(opts.prefix);
  all.set(zip, opts.prefix.length);
  return all;
}

/** A gzip member of `data` (FNAME when `name` is given), by construction (RFC 1952). */
export function makeGzip(data: Uint8Array | string, name?: string): Uint8Array {
  const d = typeof data === 'string' ? enc.encode(data) : data;
  const body = deflateRawSync(d);
  const fname = name === undefined ? [] : [...enc.encode(name), 0];
  return Uint8Array.from([0x1f, 0x8b, 8, name === undefined ? 0 : 8, 0, 0, 0, 0, 0, 3, ...fname, ...body, ...u32(crc32(d)), ...u32(d.length)]);
}

export { nodeInflateRaw } from '../../src/pipeline/inflate-raw.js';
