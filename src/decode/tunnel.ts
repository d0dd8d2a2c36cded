// Tunnels: GRE (RFC 2784/2890, PPTP's enhanced GRE RFC 2637, GRE over UDP RFC 8086, ERSPAN I/II/III), VXLAN
// (RFC 7348), Geneve (RFC 8926), IP-in-IP (RFC 2003, RFC 4213, RFC 2473), Teredo (RFC 4380), AYIYA, GTP-U
// (3GPP TS 29.281). transport() only marks a layer that carries a tunnel (meta.tunnel); the engine accounts that
// layer as a session of its own, then calls decapsulate(), which reads the tunnel header, notes the step in the
// encapsulation chain and decodes the inner packet into the same PacketMeta as the next layer.
import {
  ETHERTYPE_ERSPAN, ETHERTYPE_ERSPAN3, ETHERTYPE_PPP, ETHERTYPE_TEB, IPPROTO_GRE, IPPROTO_IPIP, IPPROTO_IPV6,
  UDP_PORT_AYIYA, UDP_PORT_GENEVE, UDP_PORT_GRE, UDP_PORT_GTPU, UDP_PORT_TEREDO, UDP_PORT_VXLAN,
} from './constants.js';
import type { Decoder } from './decoder.js';
import { decodeEthernet, decodeEthertype } from './link.js';
import type { PacketMeta } from './packet-meta.js';

/** What a layer carries (PacketMeta.tunnel). */
export const TUNNEL_NONE = 0;
export const TUNNEL_GRE = 1;
export const TUNNEL_IP4 = 2;
export const TUNNEL_IP6 = 3;
export const TUNNEL_VXLAN = 4;
export const TUNNEL_GENEVE = 5;
export const TUNNEL_GTPU = 6;
export const TUNNEL_TEREDO = 7;
export const TUNNEL_AYIYA = 8;
export const TUNNEL_GRE_UDP = 9;

/**
 * Tunnels inside tunnels decoded for one packet. Zeek's Tunnel::max_depth is 4 too; a deeper packet keeps its
 * innermost layers undecoded and raises tunnel_too_deep.
 */
export const MAX_TUNNEL_DEPTH = 4;

/** Steps of the encapsulation chain (PacketMeta.encapKind), and their names in the `encap` column. */
export const ENCAP_GRE = 1;
export const ENCAP_PPTP = 2;
export const ENCAP_ERSPAN1 = 3;
export const ENCAP_ERSPAN2 = 4;
export const ENCAP_ERSPAN3 = 5;
export const ENCAP_VXLAN = 6;
export const ENCAP_GENEVE = 7;
export const ENCAP_GTPU = 8;
export const ENCAP_TEREDO = 9;
export const ENCAP_AYIYA = 10;
export const ENCAP_4IN4 = 11;
export const ENCAP_6IN4 = 12;
export const ENCAP_4IN6 = 13;
export const ENCAP_6IN6 = 14;
export const ENCAP_GRE_UDP = 15;

const ENCAP_NAMES = [
  '', 'gre', 'pptp', 'erspan1', 'erspan2', 'erspan3', 'vxlan', 'geneve', 'gtpv1', 'teredo', 'ayiya', '4in4', '6in4', '4in6', '6in6',
  'gre',
];
/** what each step's id is */
const ENCAP_ID_NAMES = ['', 'key', 'call', '', 'session', 'session', 'vni', 'vni', 'teid', '', '', '', '', '', '', 'key'];

/**
 * The `app_proto` of a session that carries a tunnel, by the first step decapsulating it added (as Zeek's
 * conn.log service: vxlan, geneve, teredo, ayiya, gtpv1; gre and the IP-in-IP kinds for the rest).
 */
export function tunnelAppProto(kind: number): string {
  return kind === ENCAP_PPTP || kind === ENCAP_GRE_UDP ? 'gre' : ENCAP_NAMES[kind] ?? 'tunnel';
}

/** The chain as the `encap` column writes it: `vxlan(vni 42)`, `gre>erspan2(session 1, vlan 10)`, `4in6>gre(key 5)`. */
export function encapText(m: PacketMeta): string {
  let out = '';
  for (let i = 0; i < m.encapCount; i++) {
    const k = m.encapKind[i]!;
    const id = m.encapId[i]!;
    const vlan = m.encapVlan[i]!;
    let args = '';
    if (id >= 0 && ENCAP_ID_NAMES[k] !== '') args = `${ENCAP_ID_NAMES[k]} ${id}`;
    if (vlan > 0) args += `${args === '' ? '' : ', '}vlan ${vlan}`;
    out += `${i === 0 ? '' : '>'}${ENCAP_NAMES[k] ?? '?'}${args === '' ? '' : `(${args})`}`;
  }
  return out;
}

/**
 * Tunnel kind by UDP port (0 = none): one load per port and packet is all a capture without tunnels pays.
 * Teredo also runs on other ports (between a client and a peer); teredoAnyPort() finds those by content.
 */
export const UDP_TUNNEL_PORTS = new Uint8Array(65536);
UDP_TUNNEL_PORTS[UDP_PORT_VXLAN] = TUNNEL_VXLAN;
UDP_TUNNEL_PORTS[UDP_PORT_GENEVE] = TUNNEL_GENEVE;
UDP_TUNNEL_PORTS[UDP_PORT_GTPU] = TUNNEL_GTPU;
UDP_TUNNEL_PORTS[UDP_PORT_TEREDO] = TUNNEL_TEREDO;
UDP_TUNNEL_PORTS[UDP_PORT_AYIYA] = TUNNEL_AYIYA;
UDP_TUNNEL_PORTS[UDP_PORT_GRE] = TUNNEL_GRE_UDP;

/** The IP protocols that are tunnels themselves (no ports): GRE, IPv4 and IPv6 in IP. */
export function ipTunnelKind(proto: number): number {
  return proto === IPPROTO_GRE ? TUNNEL_GRE : proto === IPPROTO_IPIP ? TUNNEL_IP4 : proto === IPPROTO_IPV6 ? TUNNEL_IP6 : TUNNEL_NONE;
}

/**
 * Called for a UDP datagram whose port or first payload byte looked like a tunnel: sets meta.tunnel when it is
 * one by port, or a bare Teredo packet on another port (an IPv6 header whose length fills the datagram, from or
 * to a Teredo address 2001:0::/32, as Zeek's Teredo signature asks).
 */
export function udpTunnel(m: PacketMeta): void {
  const byPort = UDP_TUNNEL_PORTS[m.dport]! || UDP_TUNNEL_PORTS[m.sport]!;
  const off = m.payloadOff;
  const end = m.l4End;
  if (byPort !== TUNNEL_NONE) {
    m.tunnel = byPort;
  } else if (end - off >= 40 && m.buf[off]! >>> 4 === 6 && m.view.getUint16(off + 4, false) + 40 === end - off &&
    (teredoAddr(m.view, off + 8) || teredoAddr(m.view, off + 24))) {
    m.tunnel = TUNNEL_TEREDO;
  } else {
    return;
  }
  m.tunnelOff = off;
  m.tunnelEnd = end;
}

function teredoAddr(v: DataView, off: number): boolean {
  return v.getUint32(off, false) === 0x20010000;
}

/**
 * Reads the tunnel header of the layer just accounted (meta.tunnel) and decodes the inner packet as the next
 * layer. Returns true when an inner layer was decoded (cleanly or not: its anomaly is in meta); false when
 * none was, with meta.anomaly naming a malformed header, or null when the datagram was not a tunnel after all
 * (a port is only a hint: DNS on port 2152 is DNS).
 */
export function decapsulate(d: Decoder, kind: number, off: number, end: number): boolean {
  const m = d.meta;
  m.anomaly = null;
  m.anomalyDetail = null;
  switch (kind) {
    case TUNNEL_GRE:
      return gre(d, off, end, ENCAP_GRE);
    case TUNNEL_GRE_UDP:
      return gre(d, off, end, ENCAP_GRE_UDP);
    case TUNNEL_IP4:
    case TUNNEL_IP6:
      return ipInIp(d, kind === TUNNEL_IP6, off, end);
    case TUNNEL_VXLAN:
      return vxlan(d, off, end);
    case TUNNEL_GENEVE:
      return geneve(d, off, end);
    case TUNNEL_GTPU:
      return gtpu(d, off, end);
    case TUNNEL_TEREDO:
      return teredo(d, off, end);
    case TUNNEL_AYIYA:
      return ayiya(d, off, end);
    default:
      return false;
  }
}

/** The inner layer starts: what the outer layers decoded goes, the chain stays. */
function inner(m: PacketMeta): void {
  m.resetLayer();
  m.depth++;
}

const GRE_C = 0x8000;
const GRE_R = 0x4000;
const GRE_K = 0x2000;
const GRE_S = 0x1000;
/** enhanced GRE's acknowledgment number present */
const GRE_A = 0x0080;

function gre(d: Decoder, off: number, end: number, step: number): boolean {
  const m = d.meta;
  const v = m.view;
  if (end - off < 4) return m.fail('gre_truncated');
  const fv = v.getUint16(off, false);
  const version = fv & 7;
  const proto = v.getUint16(off + 2, false);
  let p = off + 4;
  let id = -1;
  if (version === 0) {
    // RFC 1701 source routing (R) is obsolete and not decoded, as in Zeek
    if (fv & GRE_R) return m.fail('gre_routing_unsupported');
    if (fv & GRE_C) p += 4;
    if (fv & GRE_K) {
      if (end - p < 4) return m.fail('gre_truncated');
      id = v.getUint32(p, false);
      p += 4;
    }
    if (fv & GRE_S) p += 4;
  } else if (version === 1) {
    // PPTP: key present (payload length, call id), PPP inside
    if ((fv & GRE_K) === 0 || proto !== ETHERTYPE_PPP) return m.fail('gre_pptp_malformed', `flags 0x${fv.toString(16)}, protocol 0x${proto.toString(16)}`);
    if (end - p < 4) return m.fail('gre_truncated');
    id = v.getUint16(p + 2, false);
    p += 4;
    if (fv & GRE_S) p += 4;
    if (fv & GRE_A) p += 4;
    step = ENCAP_PPTP;
  } else {
    return m.fail('gre_unknown_version', `version ${version}`);
  }
  if (p > end) return m.fail('gre_truncated');
  m.encap(step, id);
  switch (proto) {
    case ETHERTYPE_TEB:
      inner(m);
      decodeEthernet(d, p, end);
      return true;
    case ETHERTYPE_ERSPAN:
      // type II has the sequence number and an 8-byte header; type I has neither
      if ((fv & GRE_S) === 0) {
        m.encap(ENCAP_ERSPAN1);
        inner(m);
        decodeEthernet(d, p, end);
        return true;
      }
      if (end - p < 8) return m.fail('erspan_truncated');
      if (m.buf[p]! >>> 4 !== 1) return m.fail('erspan_unknown_version', `version ${m.buf[p]! >>> 4}`);
      m.encap(ENCAP_ERSPAN2, v.getUint16(p + 2, false) & 0x3ff, v.getUint16(p, false) & 0x0fff);
      inner(m);
      decodeEthernet(d, p + 8, end);
      return true;
    case ETHERTYPE_ERSPAN3: {
      if (end - p < 12) return m.fail('erspan_truncated');
      if (m.buf[p]! >>> 4 !== 2) return m.fail('erspan_unknown_version', `version ${m.buf[p]! >>> 4}`);
      m.encap(ENCAP_ERSPAN3, v.getUint16(p + 2, false) & 0x3ff, v.getUint16(p, false) & 0x0fff);
      // O: an 8-byte platform-specific subheader follows
      const hlen = m.buf[p + 11]! & 1 ? 20 : 12;
      if (end - p < hlen) return m.fail('erspan_truncated');
      inner(m);
      decodeEthernet(d, p + hlen, end);
      return true;
    }
    case ETHERTYPE_PPP:
      return ppp(d, p, end);
    default:
      inner(m);
      decodeEthertype(d, proto, p, end);
      return true;
  }
}

/** PPP in enhanced GRE: address/control maybe compressed away, protocol field maybe 1 byte (RFC 1661 §6.5-6.6). */
function ppp(d: Decoder, p: number, end: number): boolean {
  const m = d.meta;
  if (end - p >= 2 && m.buf[p] === 0xff && m.buf[p + 1] === 0x03) p += 2;
  if (end - p < 1) return m.fail('ppp_truncated');
  let proto = m.buf[p]!;
  if (proto & 1) {
    p += 1;
  } else {
    if (end - p < 2) return m.fail('ppp_truncated');
    proto = m.view.getUint16(p, false);
    p += 2;
  }
  // LCP, CCP, compressed frames and the rest carry no IP we can read
  if (proto !== 0x21 && proto !== 0x57) return false;
  inner(m);
  if (proto === 0x21) d.ipv4(p, end);
  else d.ipv6(p, end);
  return true;
}

function ipInIp(d: Decoder, v6inner: boolean, off: number, end: number): boolean {
  const m = d.meta;
  const outer6 = m.ipVersion === 6;
  if (end - off < 1) return m.fail('ipip_truncated');
  const version = m.buf[off]! >>> 4;
  if (version !== (v6inner ? 6 : 4)) {
    return m.fail('ipip_wrong_version', `IP protocol ${v6inner ? 41 : 4} carries version ${version}`);
  }
  m.encap(v6inner ? (outer6 ? ENCAP_6IN6 : ENCAP_6IN4) : outer6 ? ENCAP_4IN6 : ENCAP_4IN4);
  inner(m);
  if (v6inner) d.ipv6(off, end);
  else d.ipv4(off, end);
  return true;
}

function vxlan(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  if (end - off < 8) return m.fail('vxlan_truncated');
  // the I flag says the VNI is valid (RFC 7348 §5); without it this is not VXLAN
  if ((m.buf[off]! & 0x08) === 0) return false;
  m.encap(ENCAP_VXLAN, m.view.getUint32(off + 4, false) >>> 8);
  inner(m);
  decodeEthernet(d, off + 8, end);
  return true;
}

function geneve(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  if (end - off < 8) return m.fail('geneve_truncated');
  const b0 = m.buf[off]!;
  if (b0 >>> 6 !== 0) return m.fail('geneve_unknown_version', `version ${b0 >>> 6}`);
  // options are skipped by their total length (6 bits, in 4-byte words)
  const hlen = 8 + (b0 & 0x3f) * 4;
  if (end - off < hlen) return m.fail('geneve_truncated', `header with options ${hlen} bytes, ${end - off} present`);
  const proto = m.view.getUint16(off + 2, false);
  m.encap(ENCAP_GENEVE, m.view.getUint32(off + 4, false) >>> 8);
  inner(m);
  if (proto === ETHERTYPE_TEB) decodeEthernet(d, off + hlen, end);
  else decodeEthertype(d, proto, off + hlen, end);
  return true;
}

const GTP_GPDU = 0xff;

function gtpu(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  const v = m.view;
  if (end - off < 8) return m.fail('gtpu_truncated');
  const b0 = m.buf[off]!;
  // version 1, protocol type GTP (not GTP'): anything else on the port is not GTP-U
  if (b0 >>> 5 !== 1 || (b0 & 0x10) === 0) return false;
  const len = v.getUint16(off + 2, false);
  const teid = v.getUint32(off + 4, false);
  const msgEnd = Math.min(end, off + 8 + len);
  if (off + 8 + len > end) return m.fail('gtpu_truncated', `length ${len}, ${end - off - 8} present`);
  let p = off + 8;
  if (b0 & 0x07) {
    // sequence number, N-PDU number and next extension header type follow when any of E, S, PN is set
    if (msgEnd - p < 4) return m.fail('gtpu_truncated');
    let next = m.buf[p + 3]!;
    p += 4;
    for (let n = 0; next !== 0 && (b0 & 0x04) !== 0; n++) {
      if (n >= 16 || msgEnd - p < 4) return m.fail('gtpu_bad_extension_header');
      const elen = m.buf[p]! * 4;
      if (elen === 0 || msgEnd - p < elen) return m.fail('gtpu_bad_extension_header', `length ${elen}`);
      next = m.buf[p + elen - 1]!;
      p += elen;
    }
  }
  // echo, error indication, end marker: signalling, no user packet
  if (m.buf[off + 1] !== GTP_GPDU) return false;
  if (msgEnd - p < 1) return m.fail('gtpu_truncated');
  const version = m.buf[p]! >>> 4;
  if (version !== 4 && version !== 6) return m.fail('gtpu_unknown_payload', `IP version ${version}`);
  m.encap(ENCAP_GTPU, teid);
  inner(m);
  if (version === 4) d.ipv4(p, msgEnd);
  else d.ipv6(p, msgEnd);
  return true;
}

/** Teredo: optional authentication and origin indication headers, then an IPv6 packet that fills the datagram. */
function teredo(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  let p = off;
  if (end - p >= 4 && m.buf[p] === 0 && m.buf[p + 1] === 1) {
    // authentication: id length, auth length, id, auth value, nonce (8), confirmation (1)
    p += 4 + m.buf[p + 2]! + m.buf[p + 3]! + 9;
  }
  if (end - p >= 8 && m.buf[p] === 0 && m.buf[p + 1] === 0) p += 8;
  if (end - p < 40 || m.buf[p]! >>> 4 !== 6) return false;
  const plen = m.view.getUint16(p + 4, false);
  // a bubble (no next header, no payload) with bytes after it is still Teredo (Zeek: Teredo_bubble_with_payload)
  const bubbleWithPayload = plen === 0 && m.buf[p + 6] === 59 && end - p > 40;
  if (plen + 40 !== end - p && !bubbleWithPayload) return false;
  m.encap(ENCAP_TEREDO);
  inner(m);
  d.ipv6(p, bubbleWithPayload ? p + 40 : end);
  if (bubbleWithPayload) m.fail('teredo_bubble_with_payload', `${end - p - 40} bytes after the bubble`);
  return true;
}

/** AYIYA (Anything In Anything): identity and signature lengths in the first two bytes; opcode 1 forwards a packet. */
function ayiya(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  if (end - off < 8) return m.fail('ayiya_truncated');
  const hlen = 8 + (1 << (m.buf[off]! >>> 4)) + (m.buf[off + 1]! >>> 4) * 4;
  if (end - off < hlen) return m.fail('ayiya_truncated', `header ${hlen} bytes, ${end - off} present`);
  if ((m.buf[off + 2]! & 0x0f) !== 1) return false;
  const next = m.buf[off + 3]!;
  if (next !== IPPROTO_IPIP && next !== IPPROTO_IPV6) return false;
  const p = off + hlen;
  if (end - p < 1) return false;
  const version = m.buf[p]! >>> 4;
  if (version !== (next === IPPROTO_IPV6 ? 6 : 4)) return m.fail('ayiya_wrong_version', `next header ${next} carries IP version ${version}`);
  m.encap(ENCAP_AYIYA);
  inner(m);
  if (version === 4) d.ipv4(p, end);
  else d.ipv6(p, end);
  return true;
}
