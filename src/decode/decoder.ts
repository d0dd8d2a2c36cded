// Decodes one captured packet into the shared PacketMeta: link layer, IP (with defragmentation), transport.
import type { AnomalyLog } from '../core/anomaly.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from './constants.js';
import { Defragmenter } from './defrag.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeLink } from './link.js';
import { PacketMeta } from './packet-meta.js';
import { decodeIcmp, decodeSctp, decodeTcp, decodeUdp } from './transport.js';
import { decapsulate, ipTunnelKind, MAX_TUNNEL_DEPTH, UDP_TUNNEL_PORTS, udpTunnel } from './tunnel.js';

export class Decoder {
  readonly meta = new PacketMeta();
  readonly defrag = new Defragmenter();
  readonly anomalies: AnomalyLog;

  constructor(anomalies: AnomalyLog) {
    this.anomalies = anomalies;
  }

  /**
   * Decodes buf[off, off + caplen). Returns true when the packet decoded cleanly; on false `meta.anomaly`
   * names the problem (the layers decoded before it stay filled in).
   * @param buf valid only for the duration of the call
   * @param frameLen the frame's wire length (pcap orig_len), caplen when not known
   */
  decode(buf: Uint8Array, view: DataView, off: number, caplen: number, ts: number, linktype: number, frameLen = caplen): boolean {
    const m = this.meta;
    m.reset(buf, view, ts, linktype, frameLen);
    return decodeLink(this, linktype, off, off + caplen) && m.anomaly === null;
  }

  ipv4(off: number, end: number): boolean {
    return decodeIpv4(this, off, end);
  }

  ipv6(off: number, end: number): boolean {
    return decodeIpv6(this, off, end);
  }

  transport(proto: number, off: number, end: number): boolean {
    const m = this.meta;
    switch (proto) {
      case IPPROTO_TCP:
        return decodeTcp(m, off, end);
      case IPPROTO_UDP:
        if (!decodeUdp(m, off, end)) return false;
        // the one check a datagram pays for tunnels: a tunnel port, or an IPv6 version nibble (Teredo elsewhere)
        if ((UDP_TUNNEL_PORTS[m.dport]! | UDP_TUNNEL_PORTS[m.sport]!) !== 0 || (m.buf[m.payloadOff]! & 0xf0) === 0x60) udpTunnel(m);
        return true;
      case IPPROTO_ICMP:
        return decodeIcmp(m, off, end, false);
      case IPPROTO_ICMPV6:
        return decodeIcmp(m, off, end, true);
      case IPPROTO_SCTP:
        return decodeSctp(m, off, end);
      default: {
        // other transports (GRE, ESP, ...) are tracked by address pair and protocol
        m.l4 = false;
        const t = ipTunnelKind(proto);
        if (t !== 0) {
          m.tunnel = t;
          m.tunnelOff = off;
          m.tunnelEnd = end;
        }
        return true;
      }
    }
  }

  /**
   * Decodes the packet inside the tunnel the current layer carries (meta.tunnel, set by transport()) as the
   * next layer of the same meta. Returns true when an inner layer was decoded (cleanly or with its anomaly in
   * meta); false when not, meta.anomaly naming why (a malformed tunnel header, tunnel_too_deep) or null when
   * the datagram was not a tunnel after all.
   */
  decapsulate(): boolean {
    const m = this.meta;
    const kind = m.tunnel;
    m.tunnel = 0;
    if (m.depth >= MAX_TUNNEL_DEPTH) {
      m.anomaly = null;
      return m.fail('tunnel_too_deep', `more than ${MAX_TUNNEL_DEPTH} tunnels inside each other`);
    }
    return decapsulate(this, kind, m.tunnelOff, m.tunnelEnd);
  }
}
