// tar (POSIX ustar, with GNU long names and pax path records): 512-byte headers, each file's data after its
// header padded to 512. Entries are views into the buffer: a tar expands nothing, so only the entry count bounds it.

/** One regular file in the archive. */
export interface TarEntry {
  readonly name: string;
  readonly dataStart: number;
  /** the declared size (the data may be cut short by the end of the buffer) */
  readonly size: number;
}

const BLOCK = 512;

function ascii(b: Uint8Array, start: number, len: number): string {
  let s = '';
  for (let i = start; i < start + len && b[i] !== 0; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** The header checksum (bytes summed, the checksum field counted as spaces) agrees with the stored octal value. */
function checksumOk(b: Uint8Array, at: number): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[at + i]!;
  const stored = parseInt(ascii(b, at + 148, 8).trim(), 8);
  return stored === sum;
}

/** A size field: octal text, or base-256 when its first byte has the high bit (GNU, for sizes past 8 GiB). */
function sizeOf(b: Uint8Array, at: number): number {
  if ((b[at + 124]! & 0x80) !== 0) {
    let v = 0;
    for (let i = 1; i < 12; i++) v = v * 256 + b[at + 124 + i]!;
    return v;
  }
  const v = parseInt(ascii(b, at + 124, 12).trim() || '0', 8);
  return Number.isFinite(v) ? v : -1;
}

/** Does the buffer start with a ustar header whose checksum holds? */
export function isTar(b: Uint8Array): boolean {
  return b.length >= BLOCK && ascii(b, 257, 5) === 'ustar' && checksumOk(b, 0);
}

/** The regular files of a tar archive (at most `maxEntries`), and what stopped the listing early. */
export function readTar(b: Uint8Array, maxEntries: number): { entries: TarEntry[]; problem: string | null; more: boolean } {
  const entries: TarEntry[] = [];
  let p = 0;
  let longName: string | null = null;
  while (p + BLOCK <= b.length) {
    if (b[p] === 0 && b.subarray(p, p + BLOCK).every((x) => x === 0)) return { entries, problem: null, more: false };
    if (!checksumOk(b, p)) return { entries, problem: `bad header checksum at offset ${p}`, more: false };
    const size = sizeOf(b, p);
    if (size < 0) return { entries, problem: `bad size field at offset ${p}`, more: false };
    const type = b[p + 156]!;
    const data = p + BLOCK;
    const next = data + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 0x4c /* L: GNU long name */) {
      longName = ascii(b, data, Math.min(size, b.length - data, 4096));
    } else if (type === 0x78 /* x: pax */) {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(ascii(b, data, Math.min(size, b.length - data, 65536)));
      if (m !== null) longName = m[1]!;
    } else {
      if (type === 0x30 || type === 0 || type === 0x37 /* regular, old regular, contiguous */) {
        if (entries.length >= maxEntries) return { entries, problem: null, more: true };
        const prefix = ascii(b, p + 345, 155);
        const name = longName ?? (prefix !== '' && ascii(b, p + 257, 6) === 'ustar' ? `${prefix}/${ascii(b, p, 100)}` : ascii(b, p, 100));
        entries.push({ name, dataStart: data, size });
      }
      longName = null;
    }
    if (next > b.length) return { entries, problem: `the entry at offset ${p} runs ${next - b.length} bytes past the end`, more: false };
    p = next;
  }
  return { entries, problem: p < b.length ? 'the archive ends inside a header' : null, more: false };
}
