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
