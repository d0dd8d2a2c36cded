// The multi-pattern prefilter: one Aho-Corasick automaton per buffer over every rule's fast pattern (case
// folded), so a scan of each buffer names the few rules worth evaluating; rules without a content are always
// evaluated. The detector keeps one prefilter per port set (as Snort's port groups): traffic on a port is
// scanned only for the rules that can apply to it.
import type { BufferName, Rule } from './rule.js';
import { bufferOf } from './transforms.js';

const lower = (b: number): number => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
/** ASCII case folding as a table (the scan loop's only per-byte work besides the transition) */
const FOLD = Uint8Array.from({ length: 256 }, (_, b) => lower(b));

class Automaton {
  /** goto[state * 256 + byte] after construction (a full DFA: no failure walks at scan time) */
  private next: Int32Array = new Int32Array(256).fill(-1);
  private outputs: number[][] = [[]];
  private states = 1;

  add(pattern: Uint8Array, id: number): void {
    let s = 0;
    for (const raw of pattern) {
      const b = lower(raw);
      let t = this.next[s * 256 + b]!;
      if (t < 0) {
        t = this.states++;
        if (this.next.length < this.states * 256) {
          const grown = new Int32Array(Math.max(this.states * 256, this.next.length * 2)).fill(-1);
          grown.set(this.next);
          this.next = grown;
        }
        this.next[s * 256 + b] = t;
        this.outputs.push([]);
      }
      s = t;
    }
    this.outputs[s]!.push(id);
  }

  /** Turns the trie into a DFA with failure links folded in. */
  build(): void {
    const fail = new Int32Array(this.states);
    const queue: number[] = [];
    for (let b = 0; b < 256; b++) {
      const t = this.next[b]!;
      if (t < 0) this.next[b] = 0;
      else {
        fail[t] = 0;
        queue.push(t);
      }
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      this.outputs[s]!.push(...this.outputs[fail[s]!]!);
      for (let b = 0; b < 256; b++) {
        const t = this.next[s * 256 + b]!;
        if (t < 0) this.next[s * 256 + b] = this.next[fail[s]! * 256 + b]!;
        else {
          fail[t] = this.next[fail[s]! * 256 + b]!;
          queue.push(t);
        }
      }
    }
    this.next = this.next.slice(0, this.states * 256);
    this.final = Uint8Array.from(this.outputs, (o) => (o.length > 0 ? 1 : 0));
    this.starts = Uint8Array.from({ length: 256 }, (_, b) => (this.next[FOLD[b]!]! !== 0 ? 1 : 0));
  }

  /** bytes (raw, both cases) that leave the root state */
  private starts = new Uint8Array(256);

  /** states where some pattern ends */
  private final = new Uint8Array(0);

  scan(buf: Uint8Array, hit: (id: number) => void): void {
    const next = this.next;
    const final = this.final;
    const starts = this.starts;
    const n = buf.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      if (s === 0) {
        // at the root most bytes start no pattern: skip them in a tight loop
        while (i < n && starts[buf[i]!] === 0) i++;
        if (i === n) break;
      }
      s = next[(s << 8) | FOLD[buf[i]!]!]!;
      if (final[s] === 1) for (const id of this.outputs[s]!) hit(id);
    }
  }
}

/** The IP protocols a rule can apply to (-1: any), from its header protocol. */
export function ipProtocols(r: Rule): readonly number[] {
  if (r.header.ipProto !== null) return [-1];
  switch (r.proto) {
    case 'tcp': case 'http': case 'smtp': return [6];
    case 'udp': case 'quic': return [17];
    case 'tls': case 'dns': return [6, 17];
    case 'icmp': return [1, 58];
    case 'ip': return [-1];
  }
}

export class Prefilter {
  private readonly automata = new Map<BufferName, Automaton>();
  /**
   * Rules evaluated whatever the payload (no content to prefilter on), by IP protocol (-1: any): a TCP packet
   * does not walk the ICMP rules' list (the community ruleset has hundreds of content-less ICMP rules).
   */
  private readonly always = new Map<number, number[]>();

  /** @param rules the rules with the ids the candidates are reported by */
  constructor(rules: readonly (readonly [Rule, number])[]) {
    rules.forEach(([r, id]) => {
      const fp = r.fastPattern;
      if (fp === null) {
        for (const proto of ipProtocols(r)) {
          const list = this.always.get(proto);
          if (list === undefined) this.always.set(proto, [id]);
          else list.push(id);
        }
        return;
      }
      const name = fp.buffer === 'raw' ? 'pkt' : fp.buffer;
      let a = this.automata.get(name);
      if (a === undefined) this.automata.set(name, (a = new Automaton()));
      a.add(fp.bytes, id);
    });
    for (const a of this.automata.values()) a.build();
  }

  /** Rules whose fast pattern occurs in the given buffers (each rule once), plus the always-evaluated ones of this IP protocol. */
  candidates(buffers: Partial<Record<BufferName, Uint8Array>>, seen: Uint8Array, out: number[], proto: number): void {
    for (const [name, a] of this.automata) {
      const b = bufferOf(buffers, name);
      if (b === undefined || b.length === 0) continue;
      a.scan(b, (id) => {
        if (seen[id] === 1) return;
        seen[id] = 1;
        out.push(id);
      });
    }
    for (const list of [this.always.get(proto), this.always.get(-1)]) {
      if (list === undefined) continue;
      for (const id of list) {
        if (seen[id] === 1) continue;
        seen[id] = 1;
        out.push(id);
      }
    }
  }
}
