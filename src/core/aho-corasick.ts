// Aho-Corasick over ASCII-case-folded byte patterns: one pass over a buffer names every pattern that occurs in it.
// Shared by the rule engine's prefilter (src/detect/prefilter.ts) and content inspection's (src/inspect/engine.ts).

const lower = (b: number): number => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
/** ASCII case folding as a table (the scan loop's only per-byte work besides the transition) */
const FOLD = Uint8Array.from({ length: 256 }, (_, b) => lower(b));
/** a Uint16Array reads two bytes as b0 | b1 << 8 on a little-endian platform, b0 << 8 | b1 on a big-endian one */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
/**
 * Bytes of a pattern's start among which occurring() picks the pairs it stops at: a pattern may then begin up to
 * PAIR_SPAN - 2 bytes before a pair, each offset one bit of a pair's entry (with one bit for "one byte after").
 */
const PAIR_SPAN = 8;
/**
 * How common a folded byte is in text and protocol headers, higher is more common (a guess that only steers
 * which pairs of a pattern occurring() stops at: on binary content every byte is as common as another).
 */
const COMMON = (() => {
  const t = new Uint8Array(256);
  const ranked = ' etaoinsrhldcumfpgwybvkxjqz';
  for (let i = 0; i < ranked.length; i++) t[ranked.charCodeAt(i)] = 60 - i;
  for (const c of '0123456789\r\n/.=:,;"-') t[c.charCodeAt(0)] = 30;
  return t;
})();

/**
 * States given a full 256-entry transition row (1 KiB each, 1 MiB at most): the root and the
 * shallowest states, where a scan spends its time. Deeper states keep only their own transitions and a failure
 * link, ~20 bytes a state, so memory grows with the patterns' bytes by a small constant.
 */
export const DENSE_STATES = 1024;

/**
 * Aho-Corasick over case-folded patterns. States are numbered breadth first; the first DENSE_STATES have full
 * rows with failures folded in (a DFA there), the others a sorted list of transitions and a failure link (each
 * failure step goes to a shallower state, so a scan stays linear).
 */
export class AhoCorasick {
  /** build time only: state * 256 + byte -> child (insertion numbering) */
  private trie: Map<number, number> | null = new Map();
  /** build time only: pattern ids ending at each state (insertion numbering) */
  private ends: Map<number, number[]> | null = new Map();
  private states = 1;
  /** rows of the dense states: dense[s * 256 + byte] */
  private dense = new Int32Array(0);
  private denseCount = 0;
  /** transitions of every state: edgeByte/edgeTo[edgeStart[s] .. edgeStart[s + 1]] */
  private edgeStart = new Int32Array(0);
  private edgeByte = new Uint8Array(0);
  private edgeTo = new Int32Array(0);
  private fail = new Int32Array(0);
  /** pattern ids ending at each state: outIds[outStart[s] .. outStart[s + 1]] */
  private outStart = new Int32Array(0);
  private outIds = new Int32Array(0);
  /** the nearest state on the failure chain where a pattern ends (-1: none) */
  private dict = new Int32Array(0);
  /** states where some pattern ends (its own or one on its failure chain) */
  private final = new Uint8Array(0);
  /** bytes (raw, both cases) that leave the root state */
  private startBytes = new Uint8Array(256);
  /** depth of each state (bytes from the root): a dense row's entry is a child exactly when it goes one deeper */
  private depth = new Int32Array(1);
  /** each pattern's first PAIR_SPAN folded bytes (fewer if it is shorter) and its group, for the pair tables */
  private heads: { bytes: Uint8Array; id: number; group: number }[] = [];
  /**
   * occurring()'s tables over two raw bytes as a Uint16Array reads them, made on first use (see pairTables):
   * the groups of the patterns that stop there, and where such a pattern may begin
   */
  private pairGroups: Uint8Array | null = null;
  private pairStarts = new Uint8Array(0);
  /** the one-byte patterns, looked for by indexOf (native) apart from the pairs: [raw byte, id, group] */
  private singles: [number, number, number][] = [];
  /** some pattern has two bytes or more (the pairs have something to find) */
  private pairsWanted = false;

  /** @param maxPatternBytes a longer pattern is indexed by its first this many bytes (bounds its states) */
  constructor(private readonly maxPatternBytes: number) {}

  /**
   * @param group 0-7: occurring() skips the patterns of the groups its caller no longer wants (default 0)
   */
  add(pattern: Uint8Array, id: number, group = 0): void {
    if (!Number.isInteger(group) || group < 0 || group > 7) throw new Error(`aho-corasick: group ${group} is not 0-7`);
    const trie = this.trie!;
    let s = 0;
    for (let i = 0; i < pattern.length && i < this.maxPatternBytes; i++) {
      const key = s * 256 + lower(pattern[i]!);
      let t = trie.get(key);
      if (t === undefined) trie.set(key, (t = this.states++));
      s = t;
    }
    this.heads.push({ bytes: Uint8Array.from(pattern.subarray(0, Math.min(PAIR_SPAN, pattern.length, this.maxPatternBytes)), lower), id, group });
    const list = this.ends!.get(s);
    if (list === undefined) this.ends!.set(s, [id]);
    else list.push(id);
  }

  /** Numbers the states breadth first, lays out the transitions, failure and output links. */
  build(): void {
    const n = this.states;
    const trie = this.trie!;
    // children of each state (insertion numbering), by counting
    const count = new Int32Array(n + 1);
    for (const key of trie.keys()) count[Math.floor(key / 256) + 1]!++;
    for (let s = 0; s < n; s++) count[s + 1]! += count[s]!;
    const childByte = new Uint8Array(trie.size);
    const childOld = new Int32Array(trie.size);
    const fill = count.slice(0, n);
    for (const [key, t] of trie) {
      const k = fill[Math.floor(key / 256)]!++;
      childByte[k] = key % 256;
      childOld[k] = t;
    }
    this.trie = null;
    // breadth-first order: order[new] = old
    const order = new Int32Array(n);
    const newOf = new Int32Array(n);
    let tail = 1;
    for (let h = 0; h < tail; h++) {
      const old = order[h]!;
      for (let k = count[old]!; k < count[old + 1]!; k++) {
        newOf[childOld[k]!] = tail;
        order[tail++] = childOld[k]!;
      }
    }
    this.edgeStart = new Int32Array(n + 1);
    this.edgeByte = new Uint8Array(childByte.length);
    this.edgeTo = new Int32Array(childByte.length);
    let e = 0;
    for (let s = 0; s < n; s++) {
      this.edgeStart[s] = e;
      const old = order[s]!;
      for (let k = count[old]!; k < count[old + 1]!; k++) {
        this.edgeByte[e] = childByte[k]!;
        this.edgeTo[e++] = newOf[childOld[k]!]!;
      }
    }
    this.edgeStart[n] = e;
    // outputs, in the new numbering
    this.outStart = new Int32Array(n + 1);
    let outs = 0;
    for (const ids of this.ends!.values()) outs += ids.length;
    this.outIds = new Int32Array(outs);
    let o = 0;
    for (let s = 0; s < n; s++) {
      this.outStart[s] = o;
      for (const id of this.ends!.get(order[s]!) ?? []) this.outIds[o++] = id;
    }
    this.outStart[n] = o;
    this.ends = null;
    // failure links and dense rows, breadth first: a state's failure is shallower, so it is done already
    this.denseCount = Math.min(n, DENSE_STATES);
    this.dense = new Int32Array(this.denseCount * 256);
    this.fail = new Int32Array(n);
    this.dict = new Int32Array(n).fill(-1);
    this.depth = new Int32Array(n);
    this.final = new Uint8Array(n);
    for (let s = 0; s < n; s++) {
      const f = this.fail[s]!;
      if (s > 0) {
        this.dict[s] = this.outStart[f + 1]! > this.outStart[f]! ? f : this.dict[f]!;
        this.final[s] = this.outStart[s + 1]! > this.outStart[s]! || this.dict[s]! >= 0 ? 1 : 0;
      }
      if (s < this.denseCount) {
        // a dense state's row: its transitions, the rest as its failure state's row (the root's: back to it)
        if (s > 0) this.dense.copyWithin(s * 256, f * 256, f * 256 + 256);
        for (let k = this.edgeStart[s]!; k < this.edgeStart[s + 1]!; k++) this.dense[s * 256 + this.edgeByte[k]!] = this.edgeTo[k]!;
      }
      for (let k = this.edgeStart[s]!; k < this.edgeStart[s + 1]!; k++) {
        this.fail[this.edgeTo[k]!] = s === 0 ? 0 : this.step(f, this.edgeByte[k]!);
        this.depth[this.edgeTo[k]!] = this.depth[s]! + 1;
      }
    }
    this.startBytes = Uint8Array.from({ length: 256 }, (_, b) => (this.dense[FOLD[b]!]! !== 0 ? 1 : 0));
  }

  /** The state after folded byte b from state s (failure links followed from a sparse state). */
  private step(s: number, b: number): number {
    for (;;) {
      if (s < this.denseCount) return this.dense[(s << 8) | b]!;
      const end = this.edgeStart[s + 1]!;
      for (let k = this.edgeStart[s]!; k < end; k++) if (this.edgeByte[k] === b) return this.edgeTo[k]!;
      s = this.fail[s]!;
    }
  }

  get size(): number {
    return this.states;
  }

  /** Typed-array bytes the automaton holds (a deterministic measure of its memory). */
  get bytes(): number {
    return this.dense.byteLength + this.edgeStart.byteLength + this.edgeByte.byteLength + this.edgeTo.byteLength + this.fail.byteLength
      + this.outStart.byteLength + this.outIds.byteLength + this.dict.byteLength + this.final.byteLength + this.startBytes.byteLength
      + this.depth.byteLength + (this.pairGroups?.byteLength ?? 0) + this.pairStarts.byteLength;
  }

  // A scan loop of its own (a caller counting something else in the same pass) steps the automaton with these.

  /** The state after raw byte b (ASCII case folded here) from state s. */
  next(s: number, b: number): number {
    return s < this.denseCount ? this.dense[(s << 8) | FOLD[b]!]! : this.step(s, FOLD[b]!);
  }

  /** Does some pattern end at state s? */
  isFinal(s: number): boolean {
    return this.final[s] === 1;
  }

  /** Does raw byte b leave the root state (can a pattern start with it)? */
  starts(b: number): boolean {
    return this.startBytes[b] === 1;
  }

  /** Reports the patterns that end at state s. */
  matches(s: number, hit: (id: number) => void): void {
    this.found(s, hit);
  }

  /** Reports every pattern occurrence in buf (an id once per occurrence). */
  scan(buf: Uint8Array, hit: (id: number) => void): void {
    const dense = this.dense;
    const denseCount = this.denseCount;
    const final = this.final;
    const starts = this.startBytes;
    const n = buf.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      if (s === 0) {
        // at the root most bytes start no pattern: skip them in a tight loop
        while (i < n && starts[buf[i]!] === 0) i++;
        if (i === n) break;
      }
      s = s < denseCount ? dense[(s << 8) | FOLD[buf[i]!]!]! : this.step(s, FOLD[buf[i]!]!);
      if (final[s] === 1) this.found(s, hit);
    }
  }

  /**
   * Calls hit(id) for every pattern of the groups in `groups` (a bit mask, bit g for group g) that occurs in buf,
   * at least once per pattern (perhaps more often, and perhaps for patterns of other groups too); hit returns
   * the groups still wanted, and the scan ends when none is. For a caller that wants the set of patterns
   * present, not their places. Reads four bytes at a time, looks their two pairs up in a 64 Ki-entry table and
   * looks closer only where a pair could belong to a wanted pattern (see pairTables): on binary content a pair
   * in a few hundred for a few dozen patterns, where scan() takes a step on every byte that begins one.
   */
  occurring(buf: Uint8Array, hit: (id: number) => number, groups = 0xff): void {
    const n = buf.length;
    if (n === 0 || this.states === 1 || (groups & 0xff) === 0) return;
    if (this.pairGroups === null) this.pairTables();
    const table = this.pairGroups!;
    let mask = groups;
    for (const [b, id, group] of this.singles) {
      if ((mask & (1 << group)) !== 0 && buf.indexOf(b) >= 0 && (mask = hit(id)) === 0) return;
    }
    if (!this.pairsWanted) return;
    // pairs start at even addresses (buf[o], buf[o + 2], ...), read four bytes at a time from the first address
    // that is a multiple of 4; buf[0] outside every pair may begin a pattern of two bytes, checked alone (the
    // last byte outside every pair could only be a one-byte pattern, a single). No closure here: `mask` stays
    // a local of this loop.
    const o = buf.byteOffset & 1;
    if (o === 1 && (mask = this.startsAt(buf, 0, mask, hit)) === 0) return;
    const start = Math.min(n, (4 - (buf.byteOffset & 3)) & 3);
    let q = o;
    for (; q < start && q + 1 < n; q += 2) if ((mask = this.visit(buf, this.pairAt(buf, q), q, mask, hit)) === 0) return;
    const words = (n - start) >> 2;
    if (words > 0) {
      const w = new Uint32Array(buf.buffer, buf.byteOffset + start, words);
      const low = LITTLE_ENDIAN ? 0 : 2; // where the pair in a word's low half starts
      let j = 0;
      // two words a step while nothing is wanted from either
      for (; j + 1 < words; j += 2) {
        const x = w[j]!;
        const y = w[j + 1]!;
        if (((table[x & 0xffff]! | table[x >>> 16]! | table[y & 0xffff]! | table[y >>> 16]!) & mask) !== 0) break;
      }
      for (; j < words; j++) {
        const x = w[j]!;
        if (((table[x & 0xffff]! | table[x >>> 16]!) & mask) === 0) continue;
        const at = start + 4 * j;
        if ((mask = this.visit(buf, x & 0xffff, at + low, mask, hit)) === 0) return;
        if ((mask = this.visit(buf, x >>> 16, at + 2 - low, mask, hit)) === 0) return;
        // back to two words a step
        for (j++; j + 1 < words; j += 2) {
          const x2 = w[j]!;
          const y2 = w[j + 1]!;
          if (((table[x2 & 0xffff]! | table[x2 >>> 16]! | table[y2 & 0xffff]! | table[y2 >>> 16]!) & mask) !== 0) break;
        }
        j--;
      }
    }
    for (q = start + 4 * words; q + 1 < n; q += 2) if ((mask = this.visit(buf, this.pairAt(buf, q), q, mask, hit)) === 0) return;
  }

  /** The pair at buf[q], buf[q + 1] as a Uint16Array reads it. */
  private pairAt(buf: Uint8Array, q: number): number {
    return LITTLE_ENDIAN ? buf[q]! | (buf[q + 1]! << 8) : (buf[q]! << 8) | buf[q + 1]!;
  }

  /** The pair x at buf[q], buf[q + 1]: checks where its wanted patterns may begin; the groups left. */
  private visit(buf: Uint8Array, x: number, q: number, groups: number, hit: (id: number) => number): number {
    let mask = groups;
    if ((this.pairGroups![x]! & mask) === 0) return mask;
    // bit d < 7: a pattern may begin d bytes before the pair; bit 7: one byte after its first
    for (let bits = this.pairStarts[x]!, d = 0; bits !== 0 && mask !== 0; bits >>>= 1, d++) {
      if ((bits & 1) === 0) continue;
      const p = d === 7 ? q + 1 : q - d;
      if (p >= 0) mask = this.startsAt(buf, p, mask, hit);
    }
    return mask;
  }

  /**
   * The pairs occurring() stops at (as a Uint16Array reads two bytes b0 b1, any case): every occurrence of a
   * pattern holds one. The pairs start every other byte, so an occurrence at p of a pattern of 3 bytes or more
   * holds the pairs at its even offsets or those at its odd ones: the pattern marks one of each (the rarest by
   * COMMON, among its first PAIR_SPAN bytes). One of 2 bytes holds the pair at p or ends the pair at p - 1 (b1 is
   * its byte 0). One of 1 byte is looked for alone (singles).
   */
  private pairTables(): void {
    const groups = new Uint8Array(65536); // by folded pair (b0 << 8 | b1)
    const starts = new Uint8Array(65536);
    const mark = (b0: number, b1: number, group: number, bit: number): void => {
      groups[(b0 << 8) | b1]! |= 1 << group;
      starts[(b0 << 8) | b1]! |= bit;
    };
    const cost = (h: Uint8Array, d: number): number => COMMON[h[d]!]! + COMMON[h[d + 1]!]!;
    for (const { bytes: h, id, group } of this.heads) {
      if (h.length === 0) continue; // an empty pattern is never reported
      if (h.length === 1) {
        const upper = h[0]! >= 0x61 && h[0]! <= 0x7a ? h[0]! - 0x20 : h[0]!;
        this.singles.push([h[0]!, id, group]);
        if (upper !== h[0]) this.singles.push([upper, id, group]);
        continue;
      }
      this.pairsWanted = true;
      if (h.length === 2) {
        for (let b = 0; b < 256; b++) mark(b, h[0]!, group, 1 << 7);
        mark(h[0]!, h[1]!, group, 1);
        continue;
      }
      for (const first of [0, 1]) {
        let best = first;
        for (let d = first + 2; d + 1 < h.length; d += 2) if (cost(h, d) < cost(h, best)) best = d;
        mark(h[best]!, h[best + 1]!, group, 1 << best);
      }
    }
    this.pairGroups = new Uint8Array(65536);
    this.pairStarts = new Uint8Array(65536);
    for (let x = 0; x < 65536; x++) {
      const f = (FOLD[LITTLE_ENDIAN ? x & 0xff : x >>> 8]! << 8) | FOLD[LITTLE_ENDIAN ? x >>> 8 : x & 0xff]!;
      this.pairGroups[x] = groups[f]!;
      this.pairStarts[x] = starts[f]!;
    }
  }

  /** Calls hit for each pattern that begins at buf[p] (walking the trie, no failure links); the groups left. */
  private startsAt(buf: Uint8Array, p: number, groups: number, hit: (id: number) => number): number {
    const n = buf.length;
    let mask = groups;
    let s = 0;
    for (let k = p; k < n; k++) {
      const b = FOLD[buf[k]!]!;
      let t = -1;
      if (s < this.denseCount) {
        const d = this.dense[(s << 8) | b]!;
        if (this.depth[d] === this.depth[s]! + 1) t = d;
      } else {
        for (let e = this.edgeStart[s]!; e < this.edgeStart[s + 1]!; e++) {
          if (this.edgeByte[e] === b) {
            t = this.edgeTo[e]!;
            break;
          }
        }
      }
      if (t < 0) return mask;
      s = t;
      for (let e = this.outStart[s]!; e < this.outStart[s + 1]!; e++) if ((mask = hit(this.outIds[e]!)) === 0) return 0;
    }
    return mask;
  }

  /** The patterns that end at state s: its own, then those down its failure chain. */
  private found(s: number, hit: (id: number) => void): void {
    for (let t = s; t >= 0; t = this.dict[t]!) for (let k = this.outStart[t]!; k < this.outStart[t + 1]!; k++) hit(this.outIds[k]!);
  }
}
