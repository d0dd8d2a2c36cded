// AhoCorasick.occurring (pairs read four at a time, one-byte patterns by indexOf) names exactly the patterns a
// plain byte-by-byte walk of the automaton finds (next() on every byte, no skipping), and a naive search too, on
// random bytes with patterns planted in any case at random offsets, at any buffer alignment; it honours groups
// and stops when told.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AhoCorasick, DENSE_STATES } from './aho-corasick.js';

const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const fold = (b: number): number => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);

/** The ids a byte-by-byte walk finds: next() on every byte from the root, matches() wherever a pattern ends. */
function walked(ac: AhoCorasick, buf: Uint8Array): Set<number> {
  const ids = new Set<number>();
  let s = 0;
  for (const b of buf) {
    s = ac.next(s, b);
    if (ac.isFinal(s)) ac.matches(s, (id) => ids.add(id));
  }
  return ids;
}

/** The ids whose pattern (its first `max` bytes) occurs in buf, any ASCII case: the definition itself. */
function naive(patterns: readonly Uint8Array[], buf: Uint8Array, max: number): Set<number> {
  const ids = new Set<number>();
  patterns.forEach((p0, id) => {
    const p = p0.subarray(0, max);
    if (p.length === 0) return;
    for (let i = 0; i + p.length <= buf.length; i++) {
      let k = 0;
      while (k < p.length && fold(buf[i + k]!) === fold(p[k]!)) k++;
      if (k === p.length) {
        ids.add(id);
        return;
      }
    }
  });
  return ids;
}

// small alphabets, both cases, so that patterns overlap, share prefixes and occur by chance; bytes >= 0x80 too
const alphabet = ['a', 'B', 'c', 'D', '_', '-', '@', '1', ' ', '\x00', '\xc1', '\xe1'];
const pattern = fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 12 }).map((a) => bytesOf(a.join('')));
/** a pattern as it may appear: each letter in either case */
const anyCase = (p: Uint8Array, flips: readonly boolean[]): number[] => [...p].map((b, i) => (flips[i % flips.length] && ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a) ? b ^ 0x20 : b));

const input = fc.record({
  patterns: fc.array(pattern, { minLength: 1, maxLength: 12 }),
  groups: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 12, maxLength: 12 }),
  noise: fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.array(fc.constantFrom(...alphabet), { maxLength: 600 }).map((a) => bytesOf(a.join('')))),
  // planted copies: which pattern, where, which letters flipped
  plants: fc.array(fc.record({ which: fc.nat(), at: fc.nat(), flips: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }) }), { maxLength: 6 }),
  // the buffer starts at this offset of a larger one: every alignment of the four-byte reads
  offset: fc.integer({ min: 0, max: 7 }),
  tail: fc.integer({ min: 0, max: 7 }),
  max: fc.constantFrom(64, 3, 2),
});

function build(patterns: readonly Uint8Array[], groups: readonly number[], max: number): AhoCorasick {
  const ac = new AhoCorasick(max);
  patterns.forEach((p, id) => ac.add(p, id, groups[id]!));
  ac.build();
  return ac;
}

function plant(noise: Uint8Array, patterns: readonly Uint8Array[], plants: readonly { which: number; at: number; flips: boolean[] }[], offset: number, tail: number): Uint8Array {
  const bytes = [...noise];
  for (const p of plants) {
    const at = bytes.length === 0 ? 0 : p.at % (bytes.length + 1);
    bytes.splice(at, 0, ...anyCase(patterns[p.which % patterns.length]!, p.flips));
  }
  const big = new Uint8Array(offset + bytes.length + tail).fill(0x61);
  big.set(bytes, offset);
  return big.subarray(offset, offset + bytes.length);
}

describe('AhoCorasick.occurring', () => {
  it('names the patterns a byte-by-byte walk finds, and a naive search, at every alignment', () => {
    let found = 0;
    let absent = 0;
    fc.assert(fc.property(input, ({ patterns, groups, noise, plants, offset, tail, max }) => {
      const ac = build(patterns, groups, max);
      const buf = plant(noise, patterns, plants, offset, tail);
      const got = new Set<number>();
      ac.occurring(buf, (id) => {
        got.add(id);
        return 0xff;
      });
      const want = walked(ac, buf);
      expect([...got].sort((a, b) => a - b)).toEqual([...want].sort((a, b) => a - b));
      expect(want).toEqual(naive(patterns, buf, max));
      found += want.size;
      absent += patterns.length - want.size;
    }), { numRuns: 1500 });
    // both outcomes are common
    expect(found).toBeGreaterThan(1500);
    expect(absent).toBeGreaterThan(1500);
  });

  it('finds the patterns of the groups still wanted, names only patterns that occur, and stops when told', () => {
    fc.assert(fc.property(input, fc.integer({ min: 1, max: 255 }), ({ patterns, groups, noise, plants, offset, tail, max }, wanted) => {
      const ac = build(patterns, groups, max);
      const buf = plant(noise, patterns, plants, offset, tail);
      const present = walked(ac, buf);
      // as the engine does: a group is given up once one of its patterns is found
      let mask = wanted;
      const got = new Set<number>();
      ac.occurring(buf, (id) => {
        got.add(id);
        mask &= ~(1 << groups[id]!);
        return mask;
      }, wanted);
      for (const id of got) expect(present.has(id)).toBe(true);
      // every wanted group with a pattern present was found (and so given up)
      for (const id of present) if ((wanted & (1 << groups[id]!)) !== 0) expect(mask & (1 << groups[id]!)).toBe(0);
      let calls = 0;
      ac.occurring(buf, () => {
        calls++;
        return 0;
      });
      expect(calls).toBe(present.size > 0 ? 1 : 0);
    }), { numRuns: 800 });
  });

  it('agrees with the walk past DENSE_STATES, where states keep sparse transitions', () => {
    // a wide alphabet, so that the patterns share little and make thousands of states
    const wide = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-@ '];
    const long = fc.array(fc.constantFrom(...wide), { minLength: 8, maxLength: 14 }).map((a) => bytesOf(a.join('')));
    fc.assert(fc.property(fc.array(long, { minLength: 200, maxLength: 260 }), fc.array(fc.record({ which: fc.nat(), at: fc.nat(), flips: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }) }), { maxLength: 20 }), fc.array(fc.constantFrom(...wide), { maxLength: 3000 }), fc.integer({ min: 0, max: 3 }), (patterns, plants, noise, offset) => {
      const ac = build(patterns, patterns.map((_, i) => i % 8), 64);
      expect(ac.size).toBeGreaterThan(DENSE_STATES);
      const buf = plant(bytesOf(noise.join('')), patterns, plants, offset, 0);
      const got = new Set<number>();
      ac.occurring(buf, (id) => {
        got.add(id);
        return 0xff;
      });
      expect([...got].sort((a, b) => a - b)).toEqual([...walked(ac, buf)].sort((a, b) => a - b));
    }), { numRuns: 40 });
  });

  it('finds a pattern at either end of a buffer and in buffers of 0 to 9 bytes', () => {
    const ac = build([bytesOf('xyz'), bytesOf('@'), bytesOf('Q-'), bytesOf('longer pattern')], [0, 1, 2, 3], 64);
    const ids = (s: string, offset: number): number[] => {
      const big = new Uint8Array(offset + s.length);
      big.set(bytesOf(s), offset);
      const got = new Set<number>();
      ac.occurring(big.subarray(offset), (id) => {
        got.add(id);
        return 0xff;
      });
      return [...got].sort();
    };
    for (let offset = 0; offset < 4; offset++) {
      expect(ids('', offset)).toEqual([]);
      expect(ids('@', offset)).toEqual([1]);
      expect(ids('q-', offset)).toEqual([2]);
      expect(ids('xYz', offset)).toEqual([0]);
      expect(ids('.xyz', offset)).toEqual([0]);
      expect(ids('xyz.', offset)).toEqual([0]);
      expect(ids('..xyz', offset)).toEqual([0]);
      expect(ids('.q-..', offset)).toEqual([2]);
      expect(ids('....q-', offset)).toEqual([2]);
      expect(ids('a LONGER PATTERN', offset)).toEqual([3]);
      expect(ids('xy z q - longer patter', offset)).toEqual([]);
    }
  });

  it('refuses a group outside 0-7', () => {
    const ac = new AhoCorasick(64);
    expect(() => ac.add(bytesOf('a'), 0, 8)).toThrow(/group/);
    expect(() => ac.add(bytesOf('a'), 0, -1)).toThrow(/group/);
  });
});
