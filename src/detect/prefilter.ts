// The multi-pattern prefilter: one Aho-Corasick automaton per buffer over every rule's fast pattern (case
// folded; its first PREFILTER_PATTERN_BYTES), so a scan of each buffer names the few rules worth evaluating; rules without a content are always
// evaluated. The detector keeps one prefilter per port set (as Snort's port groups): traffic on a port is
// scanned only for the rules that can apply to it.
import type { BufferName, Rule } from './rule.js';
import { bufferOf } from './transforms.js';
import { AhoCorasick } from '../core/aho-corasick.js';

export { DENSE_STATES } from '../core/aho-corasick.js';

/**
 * Bytes of a fast pattern the automaton indexes: a longer pattern is indexed by its first this many (any part
 * of it names the rule as well; the evaluation checks the whole content), so no rule adds more than this
 * many states, and a stream's rescanned overlap stays this short.
 */
export const PREFILTER_PATTERN_BYTES = 64;

/** Bytes each fast pattern of a rule can straddle between two deliveries of a stream. */
export function prefilterOverlap(r: Rule): number {
  return Math.min(r.fastPattern?.bytes.length ?? 1, PREFILTER_PATTERN_BYTES) - 1;
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
  private readonly automata = new Map<BufferName, AhoCorasick>();
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
      if (a === undefined) this.automata.set(name, (a = new AhoCorasick(PREFILTER_PATTERN_BYTES)));
      a.add(fp.bytes, id);
    });
    for (const a of this.automata.values()) a.build();
  }

  /** States of the automata. */
  get states(): number {
    let n = 0;
    for (const a of this.automata.values()) n += a.size;
    return n;
  }

  /** Typed-array bytes of the automata (a deterministic measure of the prefilter's memory). */
  get bytes(): number {
    let n = 0;
    for (const a of this.automata.values()) n += a.bytes;
    return n;
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
