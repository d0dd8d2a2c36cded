// Decodes one captured packet into the shared PacketMeta: link layer, IP (with defragmentation), transport.
import type { AnomalyLog } from '../core/anomaly.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from './constants.js';
import { Defragmenter } from './defrag.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeLink } from './link.js';
import { PacketMeta } from './packet-meta.js';
import { decodeIcmp, decodeSctp, decodeTcp, decodeUdp } from './transport.js';

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
        return decodeUdp(m, off, end);
      case IPPROTO_ICMP:
        return decodeIcmp(m, off, end, false);
      case IPPROTO_ICMPV6:
        return decodeIcmp(m, off, end, true);
      case IPPROTO_SCTP:
        return decodeSctp(m, off, end);
      default:
        // other transports (GRE, ESP, ...) are tracked by address pair and protocol
        m.l4 = false;
        return true;
    }
  }
}
