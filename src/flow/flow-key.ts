// A session's flow key taken from one decoded packet, to pick the packets of that flow out again (carving):
// the same fields the flow table matches on (protocol, VLANs, addresses, ports or ICMP type pairs), either way.
import { IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../decode/constants.js';
import type { PacketMeta } from '../decode/packet-meta.js';
import { communityId, icmpPorts } from './community-id.js';

/** The ports the flow table keys a packet by: TCP/UDP/SCTP ports, ICMP type pairs, 0 without a transport. */
function portsOf(m: PacketMeta): { sport: number; dport: number; oneWay: boolean } {
  if (!m.l4) return { sport: 0, dport: 0, oneWay: false };
  if (m.ipProto === IPPROTO_ICMP || m.ipProto === IPPROTO_ICMPV6) return icmpPorts(m.ipProto === IPPROTO_ICMPV6, m.icmpType, m.icmpCode);
  return { sport: m.sport, dport: m.dport, oneWay: false };
}

export class FlowKey {
  private constructor(
    readonly proto: number,
    readonly v6: boolean,
    readonly vlan: number,
    readonly innerVlan: number,
    /** source and destination of the packet the key was taken from (4 or 16 bytes) */
    readonly a: Uint8Array,
    readonly b: Uint8Array,
    readonly aPort: number,
    readonly bPort: number,
    readonly oneWay: boolean,
  ) {}

  /** The key of a decoded IP packet (meta as the flow table takes it: IP decoded, fragments whole). */
  static of(m: PacketMeta): FlowKey {
    const p = portsOf(m);
    const v6 = m.ipVersion === 6;
    const a = v6 ? m.buf.slice(m.src6, m.src6 + 16) : u32(m.src4);
    const b = v6 ? m.buf.slice(m.dst6, m.dst6 + 16) : u32(m.dst4);
    return new FlowKey(m.ipProto, v6, m.vlan, m.innerVlan, a, b, p.sport, p.dport, p.oneWay);
  }

  /** Community ID v1 (seed 0) of the flow: the session record's community_id when the key is its flow's. */
  get communityId(): string {
    return communityId(this.a, this.b, this.proto, this.aPort, this.bPort, this.oneWay);
  }

  /** Is the packet of this flow, in either direction? */
  matches(m: PacketMeta): boolean {
    if (m.ipProto !== this.proto || (m.ipVersion === 6) !== this.v6 || m.vlan !== this.vlan || m.innerVlan !== this.innerVlan) return false;
    const p = portsOf(m);
    if (p.sport === this.aPort && p.dport === this.bPort && this.same(m, this.a, this.b)) return true;
    return p.sport === this.bPort && p.dport === this.aPort && this.same(m, this.b, this.a);
  }

  private same(m: PacketMeta, src: Uint8Array, dst: Uint8Array): boolean {
    if (!this.v6) return m.src4 === word(src) && m.dst4 === word(dst);
    const buf = m.buf;
    for (let i = 0; i < 16; i++) if (buf[m.src6 + i] !== src[i] || buf[m.dst6 + i] !== dst[i]) return false;
    return true;
  }
}

function u32(a: number): Uint8Array {
  return new Uint8Array([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255]);
}

function word(b: Uint8Array): number {
  return ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
}
