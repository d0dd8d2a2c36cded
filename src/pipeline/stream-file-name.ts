// tcpflow's stream file names (SRC.SPORT-DST.DPORT, IPv4 octets and ports zero-padded) as flat strings.
import { formatIpv6 } from '../core/ip.js';
import type { Session } from '../flow/session.js';
import { ORIG, type Dir } from '../reassembly/stream-analyzer.js';

/**
 * Longest name: two IPv6 texts (at most 45 characters each, "::ffff:255.255.255.255" style included), two
 * 5-digit ports, the dots and dash, and a reuse suffix ("c" and up to 16 digits).
 */
const MAX_NAME_CHARS = 2 * (45 + 6) + 1 + 17;
/** The characters of the name being built: one latin1 slice makes one flat string (no cons-string tree). */
const scratch = Buffer.alloc(MAX_NAME_CHARS);

function digits(x: number, width: number, at: number): number {
  for (let i = at + width - 1; i >= at; i--) {
    scratch[i] = 0x30 + (x % 10);
    x = Math.floor(x / 10);
  }
  return at + width;
}

function endpoint(s: Session, a: boolean, at: number): number {
  if (s.v6) {
    at += scratch.write(formatIpv6(a ? s.a6! : s.b6!), at, 'latin1');
  } else {
    const ip = a ? s.a4 : s.b4;
    at = digits(ip >>> 24, 3, at);
    scratch[at++] = 0x2e;
    at = digits((ip >>> 16) & 255, 3, at);
    scratch[at++] = 0x2e;
    at = digits((ip >>> 8) & 255, 3, at);
    scratch[at++] = 0x2e;
    at = digits(ip & 255, 3, at);
  }
  scratch[at++] = 0x2e;
  return digits(a ? s.aPort : s.bPort, 5, at);
}

/**
 * The file name of one direction of a session: the sender's endpoint, a dash, the receiver's; `reuse` > 0 adds
 * tcpflow's suffix for a 4-tuple seen before ("c1", "c2", ...). One flat string: a name lives as long as the run
 * (it keys the reuse map), and a template-built one is a tree of ~8 strings.
 */
export function streamFileName(s: Session, dir: Dir, reuse = 0): string {
  const fromA = dir === ORIG;
  let at = endpoint(s, fromA, 0);
  scratch[at++] = 0x2d;
  at = endpoint(s, !fromA, at);
  if (reuse > 0) {
    scratch[at++] = 0x63;
    at += scratch.write(String(reuse), at, 'latin1');
  }
  return scratch.toString('latin1', 0, at);
}

/** murmur3's 32-bit finalizer: every input bit moves the low bits the table is indexed by. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Slots of the reuse table at first (64 KiB); it doubles when half full. */
const INITIAL_SLOTS = 4096;
/** Uint32 words per slot: sender address, receiver address, both ports, times named (0: empty slot). */
const SLOT_WORDS = 4;

/**
 * How many times each directed IPv4 4-tuple was named before, in an open-addressing table of typed arrays: 16
 * bytes a tuple and no string or object per stream that lives for the run (a Map keyed by names held one of
 * each, ~150 bytes, all copied by the young-generation collector). IPv6 tuples, rare, are counted by name.
 * It grows with the distinct tuples of the run, as tcpflow's suffixes need.
 */
export class StreamNameReuse {
  private slots = new Uint32Array(INITIAL_SLOTS * SLOT_WORDS);
  private used = 0;
  private readonly v6 = new Map<string, number>();

  /** Counts one more stream of this session direction's tuple; returns the times it was named before. */
  next(s: Session, dir: Dir): number {
    if (s.v6) {
      const name = streamFileName(s, dir);
      const n = this.v6.get(name) ?? 0;
      this.v6.set(name, n + 1);
      return n;
    }
    const fromA = dir === ORIG;
    const src = (fromA ? s.a4 : s.b4) >>> 0;
    const dst = (fromA ? s.b4 : s.a4) >>> 0;
    const ports = (((fromA ? s.aPort : s.bPort) << 16) | (fromA ? s.bPort : s.aPort)) >>> 0;
    const i = this.find(src, dst, ports);
    const t = this.slots;
    const n = t[i + 3]!;
    if (n === 0) {
      t[i] = src;
      t[i + 1] = dst;
      t[i + 2] = ports;
      if (++this.used * 2 > t.length / SLOT_WORDS) {
        t[i + 3] = 1;
        this.grow();
        return 0;
      }
    }
    t[i + 3] = n + 1;
    return n;
  }

  /** The slot (word index) holding the tuple, or the empty one where it goes (linear probing). */
  private find(src: number, dst: number, ports: number): number {
    const t = this.slots;
    const mask = t.length / SLOT_WORDS - 1;
    const h = mix(mix(mix(ports) ^ dst) ^ src);
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const i = k * SLOT_WORDS;
      if (t[i + 3] === 0 || (t[i] === src && t[i + 1] === dst && t[i + 2] === ports)) return i;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += SLOT_WORDS) {
      if (old[i + 3] === 0) continue;
      const j = this.find(old[i]!, old[i + 1]!, old[i + 2]!);
      const t = this.slots;
      t[j] = old[i]!;
      t[j + 1] = old[i + 1]!;
      t[j + 2] = old[i + 2]!;
      t[j + 3] = old[i + 3]!;
    }
  }
}
