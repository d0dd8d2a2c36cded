// Compound File Binary (MS-CFB, "OLE2"): the header, the FAT reached through the DIFAT, and the directory's
// chain of sectors, enough to list the names of a file's streams and storages. An encrypted OOXML document
// (MS-OFFCRYPTO) is such a file holding "EncryptionInfo" and "EncryptedPackage"; legacy Office files name
// their main stream ("WordDocument", "Workbook", "PowerPoint Document").

const MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const HEADER = 512;
const DIR_ENTRY = 128;
/** chain markers (MS-CFB 2.2): anything at or above MAXREGSECT ends or breaks a chain */
const MAXREGSECT = 0xfffffffa;
/** the header lists the first 109 FAT sectors itself */
const HEADER_DIFAT = 109;

/** Does the buffer start with the CFB signature? */
export function isCfb(b: Uint8Array): boolean {
  if (b.length < HEADER) return false;
  for (let i = 0; i < MAGIC.length; i++) if (b[i] !== MAGIC[i]) return false;
  return true;
}

function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** The directory's names, or why they could not be read. */
export type CfbListing = { readonly names: string[]; readonly problem: string | null };

/**
 * Names of the streams and storages in a CFB file's directory (at most `maxSectors` directory sectors followed).
 * A broken chain stops the listing: the names read so far are kept and `problem` says where it broke.
 */
export function cfbNames(b: Uint8Array, maxSectors: number): CfbListing {
  if (!isCfb(b)) return { names: [], problem: 'no CFB signature' };
  const shift = b[0x1e]! | (b[0x1f]! << 8);
  if (shift !== 9 && shift !== 12) return { names: [], problem: `sector shift ${shift} (9 or 12 expected)` };
  const size = 1 << shift;
  const sectors = Math.floor((b.length - HEADER) / size) + (((b.length - HEADER) % size) > 0 ? 1 : 0);
  const at = (s: number): number => HEADER + s * size;
  // FAT sector numbers: the header's 109, then the DIFAT chain's (each sector: size/4 - 1 numbers and the next)
  const fat: number[] = [];
  const nFat = u32(b, 0x2c);
  for (let i = 0; i < HEADER_DIFAT && fat.length < nFat; i++) fat.push(u32(b, 0x4c + i * 4));
  let difat = u32(b, 0x44);
  for (let hops = 0; fat.length < nFat && difat < MAXREGSECT && difat < sectors && hops < sectors; hops++) {
    const o = at(difat);
    if (o + size > b.length) break;
    for (let i = 0; i < size / 4 - 1 && fat.length < nFat; i++) fat.push(u32(b, o + i * 4));
    difat = u32(b, o + size - 4);
  }
  const next = (s: number): number => {
    const fs = fat[Math.floor((s * 4) / size)];
    if (fs === undefined || fs >= sectors) return MAXREGSECT + 1;
    const o = at(fs) + ((s * 4) % size);
    return o + 4 <= b.length ? u32(b, o) : MAXREGSECT + 1;
  };
  const names: string[] = [];
  const seen = new Set<number>();
  let s = u32(b, 0x30);
  while (s < MAXREGSECT) {
    if (s >= sectors || seen.has(s)) return { names, problem: `directory chain ${seen.has(s) ? 'loops at' : 'points past the file at'} sector ${s}` };
    if (seen.size >= maxSectors) return { names, problem: `directory longer than ${maxSectors} sectors` };
    seen.add(s);
    const o = at(s);
    for (let e = o; e + DIR_ENTRY <= Math.min(o + size, b.length); e += DIR_ENTRY) {
      const type = b[e + 66]!;
      const len = b[e + 64]! | (b[e + 65]! << 8);
      if (type === 0 || len < 2 || len > 64) continue;
      let name = '';
      for (let i = 0; i + 2 < len; i += 2) name += String.fromCharCode(b[e + i]! | (b[e + i + 1]! << 8));
      names.push(name);
    }
    s = next(s);
  }
  return { names, problem: null };
}

/** An encrypted OOXML package (MS-OFFCRYPTO 2.3.4: EncryptionInfo and EncryptedPackage streams). */
export function isEncryptedOoxml(names: readonly string[]): boolean {
  return names.includes('EncryptionInfo') && names.includes('EncryptedPackage');
}

/** What a CFB file holds, by its stream names: doc, xls, ppt, msg, encrypted OOXML, or a plain CFB. */
export function cfbKind(names: readonly string[]): 'ooxml-encrypted' | 'doc' | 'xls' | 'ppt' | 'msg' | 'cfb' {
  if (isEncryptedOoxml(names)) return 'ooxml-encrypted';
  if (names.includes('WordDocument')) return 'doc';
  if (names.includes('Workbook') || names.includes('Book')) return 'xls';
  if (names.includes('PowerPoint Document')) return 'ppt';
  if (names.some((n) => n.startsWith('__substg1.0_'))) return 'msg';
  return 'cfb';
}
