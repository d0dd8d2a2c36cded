// The container formats' magic, as the walk sees them: zip (and which OOXML document a zip is, by its parts),
// gzip, tar, PDF, CFB (and which Office file, by its streams), the archives it does not open, and three image types
// for completeness. The pipeline's file-type gives the whole object's MIME type; this adds what is inside.
import { cfbKind, cfbNames, isCfb } from './cfb.js';
import { isGzip } from './gzip.js';
import { MAX_CFB_DIRECTORY_SECTORS, MAX_ENTRIES } from './limits.js';
import { isPdf } from './pdf.js';
import { isTar } from './tar.js';
import { isZip, readZip, type ZipListing } from './zip.js';

/** What the bytes are, in this module's vocabulary. */
export type MagicType =
  | 'zip' | 'docx' | 'xlsx' | 'pptx' | 'ooxml' | 'gzip' | 'tar' | 'pdf'
  | 'cfb' | 'doc' | 'xls' | 'ppt' | 'msg' | 'ooxml-encrypted'
  | 'rar' | '7z' | 'bzip2' | 'xz' | 'zstd' | 'png' | 'jpeg' | 'gif';

function starts(b: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[at + i] !== sig[i]) return false;
  return true;
}

/** Archives and compressors the walk does not open (their content is uninspectable), by magic. */
export function unsupportedArchive(b: Uint8Array): 'rar' | '7z' | 'bzip2' | 'xz' | 'zstd' | null {
  if (starts(b, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07])) return 'rar';
  if (starts(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  // "BZh" and a block size digit, then the first block's magic (pi)
  if (starts(b, [0x42, 0x5a, 0x68]) && b[3]! >= 0x31 && b[3]! <= 0x39 && starts(b, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 4)) return 'bzip2';
  if (starts(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (starts(b, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  return null;
}

/** Which OOXML document a zip listing is ([Content_Types].xml and the main part), or 'zip'. */
export function zipKind(listing: ZipListing): 'zip' | 'docx' | 'xlsx' | 'pptx' | 'ooxml' {
  const names = new Set(listing.entries.map((e) => e.name));
  if (!names.has('[Content_Types].xml')) return 'zip';
  if (names.has('word/document.xml')) return 'docx';
  if (names.has('xl/workbook.xml')) return 'xlsx';
  if (names.has('ppt/presentation.xml')) return 'pptx';
  return 'ooxml';
}

/** The bytes' type by magic (zip and CFB looked into), or null when none of these. */
export function magicType(b: Uint8Array): MagicType | null {
  if (isZip(b)) return zipKind(readZip(b, MAX_ENTRIES));
  if (isGzip(b)) return 'gzip';
  if (isTar(b)) return 'tar';
  if (isCfb(b)) return cfbKind(cfbNames(b, MAX_CFB_DIRECTORY_SECTORS).names);
  if (isPdf(b)) return 'pdf';
  if (starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (starts(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts(b, [0x47, 0x49, 0x46, 0x38]) && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61) return 'gif';
  return unsupportedArchive(b);
}
