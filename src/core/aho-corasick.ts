// Aho-Corasick over ASCII-case-folded byte patterns: one pass over a buffer names every pattern that occurs in it.
// Shared by the rule engine's prefilter (src/detect/prefilter.ts) and content inspection's (src/inspect/engine.ts).

const lower = (b: number): number => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
/** ASCII case folding as a table (the scan loop's only per-byte work besides the transition) */
const FOLD = Uint8Array.from({ length: 256 }, (_, b) => lower(b));

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

  /** @param maxPatternBytes a longer pattern is indexed by its first this many bytes (bounds its states) */
  constructor(private readonly maxPatternBytes: number) {}

  add(pattern: Uint8Array, id: number): void {
    const trie = this.trie!;
    let s = 0;
    for (let i = 0; i < pattern.length && i < this.maxPatternBytes; i++) {
      const key = s * 256 + lower(pattern[i]!);
      let t = trie.get(key);
      if (t === undefined) trie.set(key, (t = this.states++));
      s = t;
    }
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
      for (let k = this.edgeStart[s]!; k < this.edgeStart[s + 1]!; k++) this.fail[this.edgeTo[k]!] = s === 0 ? 0 : this.step(f, this.edgeByte[k]!);
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
      + this.outStart.byteLength + this.outIds.byteLength + this.dict.byteLength + this.final.byteLength + this.startBytes.byteLength;
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

  /** The patterns that end at state s: its own, then those down its failure chain. */
  private found(s: number, hit: (id: number) => void): void {
    for (let t = s; t >= 0; t = this.dict[t]!) for (let k = this.outStart[t]!; k < this.outStart[t + 1]!; k++) hit(this.outIds[k]!);
  }
}
