// Community ID v1 (corelight/community-id-spec): base64(sha1(seed, ordered addresses, proto, ports)).
import { base64, sha1 } from '../core/sha1.js';
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

/**
 * @param src originator address (4 or 16 bytes), @param dst responder address
 * @param sport/dport ports, or for ICMP the values from icmpPorts
 * @param oneWay ICMP type without a request/reply counterpart: the tuple is hashed in the given order
 */
export function communityId(
  src: Uint8Array, dst: Uint8Array, proto: number, sport: number, dport: number, oneWay = false, seed = 0,
): string {
  const hasPorts = proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP ||
    proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
  let a = src;
  let b = dst;
  let pa = sport;
  let pb = dport;
  const c = compareBytes(src, dst);
  // order by (address, port) so both directions hash alike; ICMP one-way types (no counterpart) keep the
  // sender first, as the spec says
  const swap = !oneWay && (c > 0 || (c === 0 && hasPorts && sport > dport));
  if (swap) {
    a = dst;
    b = src;
    pa = dport;
    pb = sport;
  }
  const buf = new Uint8Array(2 + a.length * 2 + 2 + (hasPorts ? 4 : 0));
  buf[0] = (seed >>> 8) & 255;
  buf[1] = seed & 255;
  buf.set(a, 2);
  buf.set(b, 2 + a.length);
  let p = 2 + a.length * 2;
  buf[p++] = proto;
  buf[p++] = 0;
  if (hasPorts) {
    buf[p++] = pa >>> 8;
    buf[p++] = pa & 255;
    buf[p++] = pb >>> 8;
    buf[p] = pb & 255;
  }
  return `1:${base64(sha1(buf))}`;
}
