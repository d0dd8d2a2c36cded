// gzip (RFC 1952): a member's header (FEXTRA, FNAME, FCOMMENT, FHCRC skipped over; FNAME kept as the member's
// name) and its 8-byte trailer. Members follow one another; gunzip concatenates them, and so does walk.ts.

/** A member's header, read. */
export interface GzipHeader {
  /** where the DEFLATE data starts */
  readonly dataStart: number;
  /** FNAME (ISO 8859-1), or null */
  readonly name: string | null;
}

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
/** FNAME is a file name: anything longer than a path may be is not one (and bounds the read) */
const MAX_FNAME = 4096;

/** Does the buffer start a gzip member (ID1 ID2 and CM = 8, deflate)? */
export function isGzip(b: Uint8Array, at = 0): boolean {
  return b.length >= at + 10 && b[at] === 0x1f && b[at + 1] === 0x8b && b[at + 2] === 8;
}

/** The header of the member at `at`, or a reason it is not a usable one. */
export function readGzipHeader(b: Uint8Array, at: number): GzipHeader | { error: string } {
  if (!isGzip(b, at)) return { error: `no gzip member at offset ${at}` };
  const flg = b[at + 3]!;
  if ((flg & 0xe0) !== 0) return { error: `reserved flag bits set (${flg}) at offset ${at}` };
  let p = at + 10;
  if ((flg & FEXTRA) !== 0) {
    if (p + 2 > b.length) return { error: 'truncated FEXTRA' };
    p += 2 + (b[p]! | (b[p + 1]! << 8));
  }
  let name: string | null = null;
  if ((flg & FNAME) !== 0) {
    const end = b.indexOf(0, p);
    if (end < 0) return { error: 'truncated FNAME' };
    name = '';
    for (let i = p; i < end && i < p + MAX_FNAME; i++) name += String.fromCharCode(b[i]!);
    p = end + 1;
  }
  if ((flg & FCOMMENT) !== 0) {
    const end = b.indexOf(0, p);
    if (end < 0) return { error: 'truncated FCOMMENT' };
    p = end + 1;
  }
  if ((flg & FHCRC) !== 0) p += 2;
  if (p > b.length) return { error: 'truncated header' };
  return { dataStart: p, name };
}

/** The trailer's ISIZE (the member's expanded size modulo 2^32) after DEFLATE data ending at `end`, or null when cut. */
export function gzipTrailerSize(b: Uint8Array, end: number): number | null {
  if (end + 8 > b.length) return null;
  return (b[end + 4]! | (b[end + 5]! << 8) | (b[end + 6]! << 16) | (b[end + 7]! << 24)) >>> 0;
}
