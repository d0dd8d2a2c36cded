// Zip archives (APPNOTE.TXT 6.3.10): the end of central directory record (ZIP64 locator and record included),
// the central directory, each entry's local header. Nothing is inflated here (walk.ts does that); nothing a
// directory says is trusted past the bytes at hand: offsets and sizes are checked against the buffer, entries that
// overlap are marked, and an archive without a readable directory is read from its local headers instead.

/** One file in the archive, as its central directory (or, failing that, its local header) describes it. */
export interface ZipEntry {
  /** as stored: UTF-8 when flag bit 11 is set, otherwise one character per byte (CP437 is not mapped) */
  readonly name: string;
  /** 0 stored, 8 deflate, 99 AES (WinZip), others unsupported here */
  readonly method: number;
  readonly flags: number;
  /** flag bit 0 (ZipCrypto or strong encryption) or AES (method 99) */
  readonly encrypted: boolean;
  /** the AES extra field's actual method when method is 99 */
  readonly aesMethod: number | null;
  /** bytes of the stored data; -1 when unknown (a local header with a data descriptor, no directory) */
  readonly compressedSize: number;
  /** the declared expanded size; -1 when unknown */
  readonly size: number;
  readonly localOffset: number;
  /** where the entry's data starts (after its local header); -1 when the local header is missing or bad */
  readonly dataStart: number;
  /** the entry's [localOffset, dataStart + compressedSize) overlaps an earlier entry's */
  readonly overlaps: boolean;
}

/** The archive's entries and what was wrong with its structure. */
export interface ZipListing {
  readonly entries: ZipEntry[];
  /** snake_case anomaly names (`inspect_zip_*`) and details */
  readonly problems: { name: string; detail: string }[];
  /** the entries came from the central directory, or from a scan of local headers (no usable directory) */
  readonly source: 'central' | 'local';
  /** entries the archive declares (the central directory's count; the local scan's count otherwise) */
  readonly declaredEntries: number;
  /** bytes before the archive's first local header that belong to something else (a self-extractor, a polyglot) */
  readonly prefixBytes: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_DESCRIPTOR = 0x08074b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
/** the EOCD's comment is at most 65535 bytes, so the record starts within this many bytes of the end */
const EOCD_SEARCH = EOCD_SIZE + 0xffff;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

const utf8 = new TextDecoder('utf-8');

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
/** a little-endian 64-bit field; values past 2^53 come back as Infinity (no buffer is that large) */
function u64(b: Uint8Array, o: number): number {
  const hi = u32(b, o + 4);
  return hi >= 0x200000 ? Infinity : hi * 0x100000000 + u32(b, o);
}
function has(b: Uint8Array, o: number, n: number): boolean {
  return o >= 0 && n >= 0 && o + n <= b.length;
}

function nameOf(b: Uint8Array, start: number, len: number, flags: number): string {
  const raw = b.subarray(start, start + len);
  if ((flags & 0x800) !== 0) return utf8.decode(raw);
  let s = '';
  for (let i = 0; i < raw.length; i++) s += String.fromCharCode(raw[i]!);
  return s;
}

/** Does the buffer start with a zip record (a local header, or the end record of an empty archive)? */
export function isZip(b: Uint8Array): boolean {
  return b.length >= 4 && (u32(b, 0) === SIG_LOCAL || (u32(b, 0) === SIG_EOCD && b.length >= EOCD_SIZE));
}

interface Eocd {
  pos: number;
  entries: number;
  cdSize: number;
  cdOffset: number;
  zip64: boolean;
}

/** The last end-of-central-directory record whose comment fits the buffer, its ZIP64 record applied. */
function findEocd(b: Uint8Array, problems: ZipListing['problems']): Eocd | null {
  const stop = Math.max(0, b.length - EOCD_SEARCH);
  for (let p = b.length - EOCD_SIZE; p >= stop; p--) {
    if (b[p] !== 0x50 || u32(b, p) !== SIG_EOCD) continue;
    if (p + EOCD_SIZE + u16(b, p + 20) > b.length) continue;
    const e: Eocd = { pos: p, entries: u16(b, p + 10), cdSize: u32(b, p + 12), cdOffset: u32(b, p + 16), zip64: false };
    if (u16(b, p + 4) !== 0 || u16(b, p + 6) !== 0) problems.push({ name: 'inspect_zip_multi_disk', detail: `disk ${u16(b, p + 4)} of a spanned archive: only what this part holds is read` });
    const needs64 = e.entries === U16_MAX || e.cdSize === U32_MAX || e.cdOffset === U32_MAX;
    const loc = p - 20;
    if (has(b, loc, 20) && u32(b, loc) === SIG_ZIP64_LOCATOR) {
      const r = u64(b, loc + 8);
      if (Number.isFinite(r) && has(b, r, 56) && u32(b, r) === SIG_ZIP64_EOCD) {
        e.entries = u64(b, r + 32);
        e.cdSize = u64(b, r + 40);
        e.cdOffset = u64(b, r + 48);
        e.zip64 = true;
      } else {
        problems.push({ name: 'inspect_zip_bad_zip64', detail: `the ZIP64 locator points at ${r}, where no ZIP64 end record is` });
      }
    } else if (needs64) {
      problems.push({ name: 'inspect_zip_bad_zip64', detail: 'the end record asks for ZIP64 values but has no ZIP64 locator' });
    }
    return e;
  }
  return null;
}

interface Extra {
  size: number;
  compressedSize: number;
  localOffset: number;
  aesMethod: number | null;
}

/** The ZIP64 (0x0001) and AES (0x9901) extra fields of a central directory entry. */
function readExtra(b: Uint8Array, start: number, end: number, x: Extra): void {
  let p = start;
  while (p + 4 <= end) {
    const id = u16(b, p);
    const n = u16(b, p + 2);
    const d = p + 4;
    if (d + n > end) break;
    if (id === 0x0001) {
      let q = d;
      const take = (): number => {
        if (q + 8 > d + n) return U32_MAX;
        const v = u64(b, q);
        q += 8;
        return v;
      };
      if (x.size === U32_MAX) x.size = take();
      if (x.compressedSize === U32_MAX) x.compressedSize = take();
      if (x.localOffset === U32_MAX) x.localOffset = take();
    } else if (id === 0x9901 && n >= 7) {
      x.aesMethod = u16(b, d + 5);
    }
    p = d + n;
  }
}

/** The start of an entry's data after its local header at `off`, or -1 (with a problem) when that header is not there. */
function localDataStart(b: Uint8Array, off: number, name: string, problems: ZipListing['problems']): number {
  if (!has(b, off, LOCAL_SIZE) || u32(b, off) !== SIG_LOCAL) {
    problems.push({ name: 'inspect_zip_bad_local_header', detail: `${name}: no local header at offset ${off}` });
    return -1;
  }
  const start = off + LOCAL_SIZE + u16(b, off + 26) + u16(b, off + 28);
  if (start > b.length) {
    problems.push({ name: 'inspect_zip_truncated', detail: `${name}: the local header at ${off} runs past the end of the archive` });
    return -1;
  }
  return start;
}

/** Marks entries whose bytes overlap an earlier entry's (the "overlapping files" bomb shares one body among many). */
function markOverlaps(entries: ZipEntry[], problems: ZipListing['problems']): ZipEntry[] {
  const order = entries.map((_, i) => i).sort((a, c) => entries[a]!.localOffset - entries[c]!.localOffset);
  let reach = -1;
  let overlapping = 0;
  const out = entries.slice();
  for (const i of order) {
    const e = entries[i]!;
    const end = e.dataStart < 0 ? e.localOffset + LOCAL_SIZE : e.dataStart + Math.max(0, e.compressedSize);
    if (e.localOffset < reach) {
      out[i] = { ...e, overlaps: true };
      overlapping++;
    } else {
      reach = end;
    }
  }
  if (overlapping > 0) problems.push({ name: 'inspect_zip_overlapping_entries', detail: `${overlapping} of ${entries.length} entries overlap another entry's bytes and are not read` });
  return out;
}

/** The central directory's entries (at most `maxEntries`), or null when there is no usable directory. */
function readCentral(b: Uint8Array, maxEntries: number, problems: ZipListing['problems']): { entries: ZipEntry[]; declared: number; prefix: number } | null {
  const eocd = findEocd(b, problems);
  if (eocd === null) return null;
  let cd = eocd.cdOffset;
  let prefix = 0;
  if (!(has(b, cd, 4) && u32(b, cd) === SIG_CENTRAL) && eocd.entries > 0) {
    // bytes before the archive (a self-extractor stub, an archive appended to another file) shift every offset
    const guess = eocd.pos - eocd.cdSize - (eocd.zip64 ? 76 : 0);
    if (has(b, guess, 4) && u32(b, guess) === SIG_CENTRAL && guess > cd) {
      prefix = guess - cd;
      cd = guess;
    } else {
      problems.push({ name: 'inspect_zip_bad_central_directory', detail: `no central directory at offset ${eocd.cdOffset} (${eocd.entries} entries declared)` });
      return null;
    }
  }
  const entries: ZipEntry[] = [];
  let p = cd;
  let count = 0;
  while (count < eocd.entries) {
    if (count >= maxEntries) break;
    if (!has(b, p, CENTRAL_SIZE) || u32(b, p) !== SIG_CENTRAL) {
      problems.push({ name: 'inspect_zip_bad_central_directory', detail: `entry ${count + 1} of ${eocd.entries}: no central directory record at offset ${p}` });
      break;
    }
    const flags = u16(b, p + 8);
    const method = u16(b, p + 10);
    const nameLen = u16(b, p + 28);
    const extraLen = u16(b, p + 30);
    const commentLen = u16(b, p + 32);
    if (!has(b, p + CENTRAL_SIZE, nameLen + extraLen + commentLen)) {
      problems.push({ name: 'inspect_zip_truncated', detail: `entry ${count + 1} of ${eocd.entries}: its central directory record runs past the end` });
      break;
    }
    const name = nameOf(b, p + CENTRAL_SIZE, nameLen, flags);
    const x: Extra = { size: u32(b, p + 24), compressedSize: u32(b, p + 20), localOffset: u32(b, p + 42), aesMethod: null };
    readExtra(b, p + CENTRAL_SIZE + nameLen, p + CENTRAL_SIZE + nameLen + extraLen, x);
    const localOffset = x.localOffset + prefix;
    const dataStart = Number.isFinite(localOffset) ? localDataStart(b, localOffset, name, problems) : -1;
    entries.push({
      name, method, flags, encrypted: (flags & 1) !== 0 || method === 99, aesMethod: method === 99 ? x.aesMethod : null,
      compressedSize: x.compressedSize, size: x.size, localOffset: Number.isFinite(localOffset) ? localOffset : b.length, dataStart, overlaps: false,
    });
    if (dataStart >= 0) {
      const lf = u16(b, localOffset + 6);
      const lm = u16(b, localOffset + 8);
      if (lm !== method || (lf & 1) !== (flags & 1)) {
        problems.push({ name: 'inspect_zip_header_mismatch', detail: `${name}: the local header says method ${lm}${lf & 1 ? ' encrypted' : ''}, the directory method ${method}${flags & 1 ? ' encrypted' : ''}; the directory is followed` });
      }
    }
    p += CENTRAL_SIZE + nameLen + extraLen + commentLen;
    count++;
  }
  return { entries, declared: eocd.entries, prefix };
}

/** The next local header signature at or after `from`, or -1. */
function nextLocal(b: Uint8Array, from: number): number {
  for (let p = from; p + 4 <= b.length; p++) if (b[p] === 0x50 && b[p + 1] === 0x4b && u32(b, p) === SIG_LOCAL) return p;
  return -1;
}

/**
 * Entries from their local headers, front to back (a truncated archive: no end record, or a directory that does
 * not parse). Sizes behind a data descriptor are unknown (-1): the data runs to the next local header at most.
 */
function readLocal(b: Uint8Array, maxEntries: number): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let p = nextLocal(b, 0);
  while (p >= 0 && entries.length < maxEntries) {
    if (!has(b, p, LOCAL_SIZE)) break;
    const flags = u16(b, p + 6);
    const method = u16(b, p + 8);
    const nameLen = u16(b, p + 26);
    const extraLen = u16(b, p + 28);
    const dataStart = p + LOCAL_SIZE + nameLen + extraLen;
    if (dataStart > b.length) break;
    const name = nameOf(b, p + LOCAL_SIZE, nameLen, flags);
    const x: Extra = { size: u32(b, p + 22), compressedSize: u32(b, p + 18), localOffset: 0, aesMethod: null };
    readExtra(b, p + LOCAL_SIZE + nameLen, dataStart, x);
    let csize = x.compressedSize;
    let size = x.size;
    if ((flags & 8) !== 0 && csize === 0) {
      csize = -1;
      size = -1;
      if (method === 0) {
        // stored behind a descriptor: the data ends where a descriptor says it does
        for (let q = dataStart; q + 16 <= b.length; q++) {
          if (b[q] === 0x50 && u32(b, q) === SIG_DESCRIPTOR && u32(b, q + 8) === q - dataStart) {
            csize = size = q - dataStart;
            break;
          }
        }
      }
    }
    const next = csize >= 0 ? dataStart + csize : -1;
    entries.push({
      name, method, flags, encrypted: (flags & 1) !== 0 || method === 99, aesMethod: method === 99 ? x.aesMethod : null,
      compressedSize: csize, size, localOffset: p, dataStart, overlaps: false,
    });
    p = nextLocal(b, next >= 0 && next <= b.length ? next : dataStart);
  }
  return entries;
}

/**
 * Lists a zip archive: its central directory when it has a usable one, its local headers otherwise (a truncated
 * capture). Never throws; `maxEntries` bounds the work whatever the archive declares.
 */
export function readZip(b: Uint8Array, maxEntries: number): ZipListing {
  const problems: ZipListing['problems'] = [];
  const central = readCentral(b, maxEntries, problems);
  if (central !== null && (central.entries.length > 0 || central.declared === 0)) {
    return { entries: markOverlaps(central.entries, problems), problems, source: 'central', declaredEntries: central.declared, prefixBytes: central.prefix };
  }
  if (central === null && !problems.some((x) => x.name === 'inspect_zip_bad_central_directory')) {
    problems.push({ name: 'inspect_zip_no_central_directory', detail: 'no end of central directory record (a truncated archive?): entries read from their local headers' });
  }
  const entries = readLocal(b, maxEntries);
  return { entries: markOverlaps(entries, problems), problems, source: 'local', declaredEntries: entries.length, prefixBytes: 0 };
}

/** A zip archive after other bytes (a polyglot: a JPEG or PDF with an archive appended)? Returns where it starts, or -1. */
export function appendedZipStart(b: Uint8Array): number {
  if (b.length < EOCD_SIZE || isZip(b)) return -1;
  const problems: ZipListing['problems'] = [];
  const eocd = findEocd(b, problems);
  if (eocd === null || eocd.entries === 0) return -1;
  const cd = eocd.pos - eocd.cdSize - (eocd.zip64 ? 76 : 0);
  if (!has(b, cd, 4) || u32(b, cd) !== SIG_CENTRAL) return -1;
  const start = cd - eocd.cdOffset;
  return start > 0 && has(b, start, 4) && u32(b, start) === SIG_LOCAL ? start : -1;
}
