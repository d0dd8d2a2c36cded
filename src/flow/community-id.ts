// Community ID v1 (corelight/community-id-spec): base64(sha1(seed, ordered addresses, proto, ports)).
import { sha1Base64Short } from '../core/sha1.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from '../decode/constants.js';

/** ICMPv4 types with a counterpart: request -> reply and back (the spec's two-way mapping). */
export const ICMP4_PAIRS: ReadonlyMap<number, number> = new Map([
  [8, 0], [0, 8], [13, 14], [14, 13], [15, 16], [16, 15], [17, 18], [18, 17], [10, 9], [9, 10],
]);
export const ICMP6_PAIRS: ReadonlyMap<number, number> = new Map([
  [128, 129], [129, 128], [133, 134], [134, 133], [135, 136], [136, 135], [130, 131], [131, 130],
  [139, 140], [140, 139], [144, 145], [145, 144],
]);

/**
 * ICMP "ports" for flow keys and the Community ID: the type and its counterpart for request/reply types,
 * else type and code, flagged one-way.
 */
export function icmpPorts(v6: boolean, type: number, code: number): { sport: number; dport: number; oneWay: boolean } {
  const peer = (v6 ? ICMP6_PAIRS : ICMP4_PAIRS).get(type);
  if (peer === undefined) return { sport: type, dport: code, oneWay: true };
  return { sport: type, dport: peer, oneWay: false };
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** The hashed tuple: seed (2), two addresses (16 at most each), protocol and a zero (2), ports (4). */
const TUPLE = new Uint8Array(40);

function hasPortsOf(proto: number): boolean {
  return proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP ||
    proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
}

/**
 * @param src originator address (4 or 16 bytes), @param dst responder address
 * @param sport/dport ports, or for ICMP the values from icmpPorts
 * @param oneWay ICMP type without a request/reply counterpart: the tuple is hashed in the given order
 */
export function communityId(
  src: Uint8Array, dst: Uint8Array, proto: number, sport: number, dport: number, oneWay = false, seed = 0,
): string {
  const hasPorts = hasPortsOf(proto);
  const c = compareBytes(src, dst);
  // order by (address, port) so both directions hash alike; ICMP one-way types (no counterpart) keep the
  // sender first, as the spec says
  const swap = !oneWay && (c > 0 || (c === 0 && hasPorts && sport > dport));
  const t = TUPLE;
  t[0] = (seed >>> 8) & 255;
  t[1] = seed & 255;
  t.set(swap ? dst : src, 2);
  t.set(swap ? src : dst, 2 + src.length);
  return hashTuple(2 + src.length * 2, proto, hasPorts, swap ? dport : sport, swap ? sport : dport);
}

/** communityId of two IPv4 addresses given as 32-bit numbers (the flow table's), without their bytes. */
export function communityIdV4(
  src: number, dst: number, proto: number, sport: number, dport: number, oneWay = false, seed = 0,
): string {
  const hasPorts = hasPortsOf(proto);
  const a = src >>> 0;
  const b = dst >>> 0;
  const swap = !oneWay && (a > b || (a === b && hasPorts && sport > dport));
  const t = TUPLE;
  t[0] = (seed >>> 8) & 255;
  t[1] = seed & 255;
  putV4(t, 2, swap ? b : a);
  putV4(t, 6, swap ? a : b);
  return hashTuple(10, proto, hasPorts, swap ? dport : sport, swap ? sport : dport);
}

function putV4(t: Uint8Array, at: number, v: number): void {
  t[at] = v >>> 24;
  t[at + 1] = (v >>> 16) & 255;
  t[at + 2] = (v >>> 8) & 255;
  t[at + 3] = v & 255;
}

/** Appends protocol and ports to TUPLE[0, p) (addresses written) and hashes it. */
function hashTuple(p: number, proto: number, hasPorts: boolean, pa: number, pb: number): string {
  const t = TUPLE;
  t[p++] = proto;
  t[p++] = 0;
  if (hasPorts) {
    t[p++] = pa >>> 8;
    t[p++] = pa & 255;
    t[p++] = pb >>> 8;
    t[p++] = pb & 255;
  }
  const c = CODES;
  sha1Base64Short(t, p, c, 2);
  // one flat string ("1:" and the base64 text), not a concatenation that would stay a tree in every record
  return String.fromCharCode(
    c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!,
    c[15]!, c[16]!, c[17]!, c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!, c[26]!, c[27]!,
    c[28]!, c[29]!,
  );
}

/** "1:" and the 28 base64 codes of a Community ID. */
const CODES = Uint8Array.of(49, 58, ...new Uint8Array(28));
