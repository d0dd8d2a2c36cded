// Hostile archives stay within the limits and never throw: zip bombs (declared and actual ratio), 42.zip-style
// nesting and fan-out, huge declared sizes, lying directories, overlapping entries, truncation at every length,
// and random mutations of a valid archive (fast-check).
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeGzip, makeZip, nodeInflateRaw } from '../../../test/helpers/zip-writer.js';
import type { InflateRaw } from './inflate.js';
import { containerLimits, MAX_DEPTH, type ContainerLimits } from './limits.js';
import { PATH_SEPARATOR, walkObject, type WalkResult } from './walk.js';
import { xmlToText } from './xml-text.js';

const enc = new TextEncoder();

function walk(b: Uint8Array, limits: Partial<ContainerLimits> = {}, inflateRaw: InflateRaw = nodeInflateRaw): WalkResult {
  return walkObject(b, { filename: 'x.zip', declaredType: null }, { inflateRaw, limits }, 'base');
}
function names(r: WalkResult): string[] {
  return [...new Set(r.anomalies.map((a) => a.name))].sort();
}

/** Inflation counted: how many output bytes the walk asked for in all (the work it allowed itself). */
function counting(): { inflate: InflateRaw; asked: () => number; produced: () => number } {
  let asked = 0;
  let produced = 0;
  return {
    inflate: (d, max) => {
      asked += max;
      const r = nodeInflateRaw(d, max);
      if (r.ok) produced += r.bytes.length;
      return r;
    },
    asked: () => asked,
    produced: () => produced,
  };
}

/** The invariants every walk keeps, whatever the input. */
function withinLimits(r: WalkResult, lim: ContainerLimits): void {
  expect(r.expandedBytes).toBeLessThanOrEqual(lim.maxTotalBytes);
  expect(r.containers).toBeLessThanOrEqual(lim.maxContainers);
  for (const l of r.leaves) {
    expect(l.path.startsWith('base')).toBe(true);
    expect(l.path.split(PATH_SEPARATOR).filter((s) => /^(zip|gzip|pdf):/.test(s)).length).toBeLessThanOrEqual(lim.maxDepth);
  }
  for (const a of r.anomalies) expect(a.name).toMatch(/^inspect_[a-z0-9_]+$/);
}

describe('zip bombs', () => {
  const zeros = new Uint8Array(8 * 1024 * 1024);
  const small = { ratioFloorBytes: 64 * 1024, maxRatio: 100 };

  it('an honest bomb (1000:1 declared) is not inflated at all', () => {
    const c = counting();
    const r = walk(makeZip([{ name: 'zeros.bin', data: zeros }]), small, c.inflate);
    expect(names(r)).toEqual(['inspect_limit_ratio']);
    expect(r.uninspectable.map((u) => [u.path, u.reason])).toEqual([['base › zip:x.zip › zeros.bin', 'limit']]);
    expect(c.asked()).toBe(0);
    expect(r.leaves).toEqual([]);
  });

  it('a bomb that declares a small size is cut at the ratio bound while inflating', () => {
    const c = counting();
    const z = makeZip([{ name: 'zeros.bin', data: zeros, declaredSize: 100 }]);
    const r = walk(z, small, c.inflate);
    expect(names(r)).toEqual(['inspect_limit_ratio']);
    expect(c.produced()).toBe(0);
    // asked for at most max(floor, compressed * ratio)
    expect(c.asked()).toBeLessThanOrEqual(Math.max(64 * 1024, z.length * 100));
    expect(r.expandedBytes).toBe(c.asked());
  });

  it('the entry and total bounds: big entries cut, the budget spent across entries, later ones refused', () => {
    const text = enc.encode('abcdefghij'.repeat(30_000)); // 300 KB, compresses well under the ratio
    const one = walk(makeZip([{ name: 'big.txt', data: text }]), { maxEntryBytes: 100_000 });
    expect(names(one)).toEqual(['inspect_limit_entry_size']);
    const lim = { maxTotalBytes: 700_000 };
    const many = walk(makeZip(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.txt`, data: text }))), lim);
    expect(many.leaves.map((l) => l.path)).toEqual(['base › zip:x.zip › f0.txt', 'base › zip:x.zip › f1.txt']);
    expect(names(many)).toEqual(['inspect_limit_total_size']);
    withinLimits(many, containerLimits(lim));
  });

  it('a ZIP64 entry declaring 1 TiB is refused without inflating; a stored entry lying about its size is cut to the file', () => {
    const c = counting();
    const huge = walk(makeZip([{ name: 'huge.bin', data: 'tiny', zip64: true, declaredSize: 2 ** 40 }], { zip64Eocd: true }), {}, c.inflate);
    expect(names(huge)).toEqual(['inspect_limit_entry_size']);
    expect(c.asked()).toBe(0);
    const lying = walk(makeZip([{ name: 's.txt', data: 'short', method: 0, declaredCompressedSize: 0x7fffffff, declaredSize: 0x7fffffff }]));
    expect(names(lying)).toEqual(['inspect_zip_size_mismatch', 'inspect_zip_truncated']);
    expect(lying.leaves.length).toBe(1);
  });

  it('overlapping entries (many directory records over one body) are read once', () => {
    const body = { name: 'kernel', data: 'k'.repeat(1000) };
    const z = makeZip([body, ...Array.from({ length: 50 }, (_, i) => ({ name: `alias${i}`, data: 'k'.repeat(1000), localOffset: 0 }))]);
    const r = walk(z);
    expect(r.leaves.map((l) => l.path)).toEqual(['base › zip:x.zip › kernel']);
    expect(names(r)).toEqual(['inspect_zip_overlapping_entries']);
  });

  it('a directory declaring more entries than it holds, and one declaring far more than MAX_ENTRIES', () => {
    const few = walk(makeZip([{ name: 'a', data: 'a' }], { declaredEntries: 40000 }));
    expect(names(few)).toEqual(['inspect_zip_bad_central_directory']);
    expect(few.leaves.length).toBe(1);
    const r = walk(makeZip(Array.from({ length: 30 }, (_, i) => ({ name: `e${i}`, data: 'x', method: 0 }))), { maxEntries: 10 });
    expect(r.leaves.length).toBe(10);
    expect(names(r)).toEqual(['inspect_limit_entries']);
  });
});

describe('nesting', () => {
  it('a zip nested deeper than MAX_DEPTH stops at the bound, with the path of the refused container', () => {
    let b: Uint8Array = enc.encode('core');
    for (let i = 0; i < MAX_DEPTH + 3; i++) b = makeZip([{ name: `l${i}.zip`, data: b }]);
    const r = walk(b);
    expect(r.leaves).toEqual([]);
    expect(names(r)).toEqual(['inspect_limit_depth']);
    expect(r.containers).toBe(MAX_DEPTH);
    expect(r.uninspectable[0]!.path.split(PATH_SEPARATOR).length).toBe(MAX_DEPTH + 2);
    withinLimits(r, containerLimits());
  });

  it('gzip and zip alternate under the same depth bound', () => {
    let b: Uint8Array = enc.encode('core');
    for (let i = 0; i < 4; i++) b = i % 2 === 0 ? makeGzip(b) : makeZip([{ name: `l${i}`, data: b }]);
    const r = walk(b, { maxDepth: 3 });
    expect(names(r)).toEqual(['inspect_limit_depth']);
    expect(walk(b, { maxDepth: 4 }).leaves.map((l) => new TextDecoder().decode(l.bytes))).toEqual(['core']);
  });

  it('42.zip-style fan-out (16 per level) is cut by MAX_CONTAINERS and the byte budget, fast', () => {
    let b: Uint8Array = makeZip([{ name: 'bomb.bin', data: new Uint8Array(1024 * 1024) }]);
    for (let level = 0; level < 3; level++) b = makeZip(Array.from({ length: 16 }, (_, i) => ({ name: `${level}-${i}.zip`, data: b })));
    const lim = { maxContainers: 200, maxTotalBytes: 64 * 1024 * 1024 };
    const t0 = performance.now();
    const r = walk(b, lim);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(r.containers).toBe(200);
    expect(names(r)).toContain('inspect_limit_containers');
    withinLimits(r, containerLimits(lim));
    // the anomalies of one name are kept to a few lines plus a count
    expect(r.anomalies.filter((a) => a.name === 'inspect_limit_containers').length).toBe(17);
    const cut = r.uninspectable.filter((u) => u.detail.startsWith('inspect_limit_containers'));
    expect(cut.length).toBe(17);
    expect(cut[16]!).toMatchObject({ path: 'base', reason: 'limit' });
    expect(cut[16]!.detail).toMatch(/^inspect_limit_containers: \d+ more like the above in this object$/);
  });
});

describe('mutations never throw and stay within the limits', () => {
  const inner = makeZip([{ name: 'in.txt', data: 'inner 4111 1111 1111 1111' }]);
  const valid = makeZip([
    { name: 'a.csv', data: 'n,card\nx,4111 1111 1111 1111\n'.repeat(20) },
    { name: 'b.txt', data: 'stored text', method: 0 },
    { name: 'n.zip', data: inner, method: 0 },
    { name: 'g.gz', data: makeGzip('gz content'), method: 0 },
    { name: 'd.bin', data: 'descriptor entry', descriptor: true },
  ]);
  const lim = containerLimits({ maxTotalBytes: 4 * 1024 * 1024, maxEntryBytes: 1024 * 1024 });

  it('the valid archive itself', () => {
    const r = walk(valid, lim);
    expect(r.leaves.length).toBe(5);
    expect(r.anomalies).toEqual([]);
  });

  it('truncated at every length', () => {
    for (let n = 0; n <= valid.length; n++) withinLimits(walk(valid.subarray(0, n), lim), lim);
  });

  it('random byte changes, insertions and cuts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 12 }),
        fc.option(fc.nat(), { nil: undefined }),
        (edits, cut) => {
          let b = Array.from(valid);
          for (const [pos, v, op] of edits) {
            const p = pos % (b.length + 1);
            if (op === 'set' && p < b.length) b[p] = v;
            else if (op === 'insert') b.splice(p, 0, v);
            else if (op === 'delete') b.splice(p, 1);
          }
          if (cut !== undefined) b = b.slice(0, cut % (b.length + 1));
          withinLimits(walk(Uint8Array.from(b), lim), lim);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('random deflate streams and random bytes as zip entry data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (data, raw) => {
        // raw: random bytes as an entry's deflate data; otherwise a valid deflate stream stored as an entry
        const z = makeZip([raw ? { name: 'r', data, method: 8, raw: data } : { name: 'r', data: deflateRawSync(data), method: 0 }]);
        withinLimits(walk(z, lim), lim);
      }),
      { numRuns: 300 },
    );
  });

  it('an inflater that breaks its contract (throws, overshoots maxOut, lies about consumed) is held to it', () => {
    const liar: InflateRaw = (d, max) => {
      if (d.length % 3 === 0) throw new Error('boom');
      if (d.length % 3 === 1) return { ok: true, bytes: new Uint8Array(max + 10), consumed: -5, complete: true };
      return { ok: true, bytes: new Uint8Array(Math.min(max, 10)), consumed: 1e12, complete: true };
    };
    for (let n = 10; n < 40; n++) {
      const z = makeZip([{ name: 'e', data: 'x'.repeat(n * 10) }]);
      withinLimits(walk(z, lim, liar), lim);
      withinLimits(walk(makeGzip('y'.repeat(n * 10)), lim, liar), lim);
    }
  });
});

describe('other formats under mutation', () => {
  const FIX = fileURLToPath(new URL('../../../test/fixtures/containers/', import.meta.url));
  const lim = containerLimits({ maxTotalBytes: 4 * 1024 * 1024 });
  for (const f of ['text.pdf', 'letter.pdf', 'encrypted-xref.pdf', 'encrypted.xlsx', 'letter.doc', 'cards.xlsx', 'members.gz', 'bundle.tar.gz', 'pax.tar']) {
    it(`${f}: random byte changes and cuts`, () => {
      const valid = Array.from(readFileSync(FIX + f));
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 16 }), fc.nat(), (edits, cut) => {
          const b = valid.slice();
          for (const [pos, v] of edits) b[pos % b.length] = v;
          withinLimits(walk(Uint8Array.from(b.slice(0, b.length - (cut % 64))), lim), lim);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('xmlToText: any bytes, never longer than the input', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), fc.constantFrom('ooxml' as const, 'generic' as const), (b, mode) => {
      expect(xmlToText(b, mode).length).toBeLessThanOrEqual(b.length);
    }), { numRuns: 1000 });
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('<', '>', '&', '#', 'x', ';', '"', '/', 'a', '1', '!', '[', ']', '-', '?') }), (s) => {
      const b = enc.encode(s);
      expect(xmlToText(b).length).toBeLessThanOrEqual(b.length);
    }), { numRuns: 1000 });
  });
});
