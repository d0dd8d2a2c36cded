// TCP, UDP, ICMP and ICMPv6 headers: ports, flags, sequence numbers, the payload window.
import type { PacketMeta } from './packet-meta.js';

const TCP_MIN_HLEN = 20;
const UDP_HLEN = 8;
const ICMP_HLEN = 8;

export function decodeTcp(m: PacketMeta, off: number, end: number): boolean {
  if (end - off < TCP_MIN_HLEN) return m.fail('tcp_truncated_header');
  const v = m.view;
  const hlen = (m.buf[off + 12]! >>> 4) * 4;
  if (hlen < TCP_MIN_HLEN) return m.fail('tcp_hlen_too_small', `data offset ${hlen}`);
  if (end - off < hlen) return m.fail('tcp_truncated_options');
  m.sport = v.getUint16(off, false);
  m.dport = v.getUint16(off + 2, false);
  m.seq = v.getUint32(off + 4, false);
  m.ack = v.getUint32(off + 8, false);
  m.tcpFlags = m.buf[off + 13]!;
  m.window = v.getUint16(off + 14, false);
  m.l4 = true;
  m.l4Off = off;
  m.l4End = end;
  m.payloadOff = off + hlen;
  m.payloadLen = end - off - hlen;
  return true;
}

export function decodeUdp(m: PacketMeta, off: number, end: number): boolean {
  if (end - off < UDP_HLEN) return m.fail('udp_truncated_header');
  const v = m.view;
  const ulen = v.getUint16(off + 4, false);
  m.sport = v.getUint16(off, false);
  m.dport = v.getUint16(off + 2, false);
  m.l4 = true;
  m.l4Off = off;
  if (ulen < UDP_HLEN) {
    m.fail('udp_len_too_small', `length ${ulen}`);
    m.l4End = end;
  } else if (off + ulen > end) {
    m.fail('udp_truncated', `length ${ulen}, ${end - off} present`);
    m.l4End = end;
  } else {
    m.l4End = off + ulen;
  }
  m.payloadOff = off + UDP_HLEN;
  m.payloadLen = Math.max(0, m.l4End - off - UDP_HLEN);
  // cut by the snap length: the UDP length counts, as far as the IP header's own length agrees
  m.udpWireLen = Math.max(m.payloadLen, Math.min(ulen, m.ipOff + m.ipLen - off) - UDP_HLEN);
  return true;
}

/** ICMP and ICMPv6 share the type/code/checksum start; the payload is what follows the 8-byte header. */
export function decodeIcmp(m: PacketMeta, off: number, end: number, v6: boolean): boolean {
  if (end - off < 4) return m.fail(v6 ? 'icmpv6_truncated' : 'icmp_truncated');
  m.icmpType = m.buf[off]!;
  m.icmpCode = m.buf[off + 1]!;
  m.l4 = true;
  m.l4Off = off;
  m.l4End = end;
  m.payloadOff = Math.min(end, off + ICMP_HLEN);
  m.payloadLen = Math.max(0, end - off - ICMP_HLEN);
  return true;
}

const SCTP_HLEN = 12;

/** SCTP common header (RFC 9260 §3.1): ports for the flow key; the chunks are the payload. */
export function decodeSctp(m: PacketMeta, off: number, end: number): boolean {
  if (end - off < SCTP_HLEN) return m.fail('sctp_truncated_header');
  m.sport = m.view.getUint16(off, false);
  m.dport = m.view.getUint16(off + 2, false);
  m.l4 = true;
  m.l4Off = off;
  m.l4End = end;
  m.payloadOff = off + SCTP_HLEN;
  m.payloadLen = end - off - SCTP_HLEN;
  return true;
}
