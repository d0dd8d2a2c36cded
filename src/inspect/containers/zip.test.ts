// readZip: archives by construction (every field chosen, some lying) and Info-ZIP/LibreOffice archives listed by
// python's zipfile (test/fixtures/containers/expected.json).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeZip } from '../../../test/helpers/zip-writer.js';
import { appendedZipStart, isZip, readZip } from './zip.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/containers/', import.meta.url));
interface PeerEntry { name: string; size: number; compressed: number; method: number; encrypted: boolean; descriptor: boolean }
const expected = JSON.parse(readFileSync(`${FIX}expected.json`, 'utf8')) as { zip: Record<string, PeerEntry[]> };

describe('readZip on archives by construction', () => {
  it('lists stored and deflated entries with their sizes, methods and data offsets', () => {
    const z = makeZip([{ name: 'a.txt', data: 'hello', method: 0 }, { name: 'dir/b.csv', data: 'x'.repeat(1000), method: 8 }]);
    const l = readZip(z, 100);
    expect(l.source).toBe('central');
    expect(l.problems).toEqual([]);
    expect(l.entries.map((e) => [e.name, e.method, e.size, e.encrypted])).toEqual([['a.txt', 0, 5, false], ['dir/b.csv', 8, 1000, false]]);
    const a = l.entries[0]!;
    expect(new TextDecoder().decode(z.subarray(a.dataStart, a.dataStart + a.compressedSize))).toBe('hello');
  });

  it('reads ZIP64 end records and extra fields', () => {
    const z = makeZip([{ name: 'big.bin', data: 'abc', method: 0, zip64: true }], { zip64Eocd: true });
    const l = readZip(z, 100);
    expect(l.problems).toEqual([]);
    expect(l.entries.map((e) => [e.name, e.size, e.compressedSize])).toEqual([['big.bin', 3, 3]]);
  });

  it('marks ZipCrypto (flag bit 0) and AES (method 99, extra 0x9901) entries as encrypted', () => {
    const l = readZip(makeZip([{ name: 'z.txt', data: 'x', method: 0, flags: 1 }, { name: 'a.txt', data: 'y', aes: true, method: 8, raw: new Uint8Array(28) }]), 100);
    expect(l.entries.map((e) => [e.name, e.encrypted, e.method, e.aesMethod])).toEqual([['z.txt', true, 0, null], ['a.txt', true, 99, 8]]);
  });

  it('finds an archive after a prefix (a self-extractor stub) and one appended to other content', () => {
    const prefix = new TextEncoder().encode('\xff\xd8\xff\xe0 a jpeg, say');
    const z = makeZip([{ name: 'in.txt', data: 'inside' }], { prefix });
    expect(isZip(z)).toBe(false);
    expect(appendedZipStart(z)).toBe(prefix.length);
    const l = readZip(z, 100);
    expect(l.prefixBytes).toBe(prefix.length);
    expect(l.entries[0]!.dataStart).toBeGreaterThan(prefix.length);
    expect(appendedZipStart(makeZip([{ name: 'x', data: 'y' }]))).toBe(-1);
  });

  it('reads local headers when the end record is cut off (data descriptors included)', () => {
    const z = makeZip([{ name: 'one.txt', data: 'first entry', method: 8, descriptor: true }, { name: 'two.txt', data: 'second', method: 0, descriptor: true }]);
    const cut = z.subarray(0, z.length - 30);
    const l = readZip(cut, 100);
    expect(l.source).toBe('local');
    expect(l.problems.map((p) => p.name)).toContain('inspect_zip_no_central_directory');
    expect(l.entries.map((e) => [e.name, e.method])).toEqual([['one.txt', 8], ['two.txt', 0]]);
    // the deflated one's size is unknown (the inflater finds its end); the stored one is found by its descriptor
    expect(l.entries[0]!.compressedSize).toBe(-1);
    expect(l.entries[1]!.compressedSize).toBe(6);
  });

  it('marks entries whose bytes overlap an earlier one (two directory records, one local header)', () => {
    const l = readZip(makeZip([{ name: 'a', data: 'aaaa' }, { name: 'b', data: 'bbbb', localOffset: 0 }]), 100);
    expect(l.entries.map((e) => e.overlaps)).toEqual([false, true]);
    expect(l.problems.map((p) => p.name)).toContain('inspect_zip_overlapping_entries');
  });

  it('reports a directory that disagrees with the local header, an offset with no header, and stops at maxEntries', () => {
    const l = readZip(makeZip([{ name: 'a', data: 'aaaa', method: 0, localMethod: 8 }, { name: 'b', data: 'b', localOffset: 9999 }]), 100);
    expect(l.problems.map((p) => p.name).sort()).toEqual(['inspect_zip_bad_local_header', 'inspect_zip_header_mismatch']);
    expect(l.entries[1]!.dataStart).toBe(-1);
    const many = makeZip(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, data: 'x', method: 0 })));
    const cut = readZip(many, 5);
    expect(cut.entries.length).toBe(5);
    expect(cut.declaredEntries).toBe(20);
  });

  it('falls back to local headers when the directory is not where the end record says', () => {
    const z = makeZip([{ name: 'a.txt', data: 'payload', method: 0 }]);
    // point the end record's directory offset (last 22 bytes, offset 16) at nothing
    const bad = z.slice();
    bad[bad.length - 22 + 16] = 0x7f;
    const l = readZip(bad, 100);
    expect(l.source).toBe('local');
    expect(l.problems.map((p) => p.name)).toContain('inspect_zip_bad_central_directory');
    expect(l.entries.map((e) => e.name)).toEqual(['a.txt']);
  });
});

describe('readZip on peer-made archives (listed by python zipfile)', () => {
  for (const [file, peer] of Object.entries(expected.zip)) {
    it(`${file}: the same entries, sizes, methods and encryption flags`, () => {
      const l = readZip(new Uint8Array(readFileSync(FIX + file)), 1000);
      expect(l.source).toBe('central');
      expect(l.problems).toEqual([]);
      expect(l.entries.map((e) => ({ name: e.name, size: e.size, compressed: e.compressedSize, method: e.method, encrypted: e.encrypted, descriptor: (e.flags & 8) !== 0 })))
        .toEqual(peer);
    });
  }
});
