// Link layers: Ethernet (+ 802.1Q/802.1ad stacks), Linux cooked v1/v2, BSD NULL/LOOP, raw IP, NFLOG; MPLS and PPPoE.
import {
  DLT_RAW_BSDOS, DLT_RAW_OPENBSD, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_MPLS, ETHERTYPE_MPLS_MCAST,
  ETHERTYPE_PPPOE_SESSION, ETHERTYPE_QINQ, ETHERTYPE_QINQ_9100, ETHERTYPE_VLAN, LINKTYPE_ETHERNET,
  LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP, LINKTYPE_NFLOG,
  LINKTYPE_NULL, LINKTYPE_RAW,
} from './constants.js';
import type { Decoder } from './decoder.js';

const ETH_HLEN = 14;
const SLL_HLEN = 16;
const SLL2_HLEN = 20;
const VLAN_TAG_LEN = 4;
/** tags deeper than this are not real traffic (triple tagging is the deepest in the corpus) */
export const MAX_VLAN_DEPTH = 8;
/** label stacks deeper than this are treated as malformed */
export const MAX_MPLS_DEPTH = 16;

export function decodeLink(d: Decoder, linktype: number, off: number, end: number): boolean {
  switch (linktype) {
    case LINKTYPE_ETHERNET:
      return decodeEthernet(d, off, end);
    case LINKTYPE_LINUX_SLL:
      return decodeSll(d, off, end);
    case LINKTYPE_LINUX_SLL2:
      return decodeSll2(d, off, end);
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      return decodeNull(d, linktype, off, end);
    case LINKTYPE_RAW:
    case DLT_RAW_OPENBSD:
    case DLT_RAW_BSDOS:
      return decodeRawIp(d, off, end);
    case LINKTYPE_IPV4:
      return d.ipv4(off, end);
    case LINKTYPE_IPV6:
      return d.ipv6(off, end);
    case LINKTYPE_NFLOG:
      return decodeNflog(d, off, end);
    default:
      return d.meta.fail('link_unsupported_linktype', `linktype ${linktype}`);
  }
}

/** Dispatch on an EtherType (Ethernet, VLAN tags, SLL protocol field). */
export function decodeEthertype(d: Decoder, type: number, off: number, end: number): boolean {
  switch (type) {
    case ETHERTYPE_IPV4:
      return d.ipv4(off, end);
    case ETHERTYPE_IPV6:
      return d.ipv6(off, end);
    case ETHERTYPE_VLAN:
    case ETHERTYPE_QINQ:
    case ETHERTYPE_QINQ_9100:
      return decodeVlan(d, off, end);
    case ETHERTYPE_MPLS:
    case ETHERTYPE_MPLS_MCAST:
      return decodeMpls(d, off, end);
    case ETHERTYPE_PPPOE_SESSION:
      return decodePppoe(d, off, end);
    default:
      // ARP, LLDP, STP and the rest are not IP: nothing to track, and not an anomaly
      d.meta.ipVersion = 0;
      return true;
  }
}

export function decodeEthernet(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  if (end - off < ETH_HLEN) return m.fail('ethernet_truncated');
  const type = m.view.getUint16(off + 12, false);
  if (type <= 1500) {
    // 802.3 length field: LLC/SNAP frames carry no IP we track
    return true;
  }
  return decodeEthertype(d, type, off + ETH_HLEN, end);
}

function decodeVlan(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  if (end - off < VLAN_TAG_LEN) return m.fail('vlan_truncated');
  if (m.vlanCount >= MAX_VLAN_DEPTH) return m.fail('vlan_too_deep', `more than ${MAX_VLAN_DEPTH} tags`);
  const vid = m.view.getUint16(off, false) & 0x0fff;
  if (m.vlanCount === 0) m.vlan = vid;
  else if (m.vlanCount === 1) m.innerVlan = vid;
  m.vlanCount++;
  return decodeEthertype(d, m.view.getUint16(off + 2, false), off + VLAN_TAG_LEN, end);
}

function decodeMpls(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  for (let depth = 0; ; depth++) {
    if (end - off < 4) return m.fail('mpls_truncated');
    if (depth >= MAX_MPLS_DEPTH) return m.fail('mpls_too_deep');
    const bottom = (m.buf[off + 2]! & 0x01) !== 0;
    off += 4;
    if (bottom) break;
  }
  // no payload type in MPLS: the IP version nibble tells (RFC 4385's control word starts with 0)
  if (end - off < 1) return m.fail('mpls_truncated');
  const v = m.buf[off]! >>> 4;
  if (v === 4) return d.ipv4(off, end);
  if (v === 6) return d.ipv6(off, end);
  return true;
}

function decodePppoe(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  if (end - off < 8) return m.fail('pppoe_truncated');
  const len = m.view.getUint16(off + 4, false);
  const proto = m.view.getUint16(off + 6, false);
  const bodyEnd = Math.min(end, off + 6 + len);
  if (proto === 0x0021) return d.ipv4(off + 8, bodyEnd);
  if (proto === 0x0057) return d.ipv6(off + 8, bodyEnd);
  return true;
}

function decodeSll(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  if (end - off < SLL_HLEN) return m.fail('sll_truncated');
  return decodeEthertype(d, m.view.getUint16(off + 14, false), off + SLL_HLEN, end);
}

function decodeSll2(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  if (end - off < SLL2_HLEN) return m.fail('sll2_truncated');
  return decodeEthertype(d, m.view.getUint16(off, false), off + SLL2_HLEN, end);
}

/** BSD loopback: a 4-byte address family in the writer's byte order (NULL) or network order (LOOP). */
function decodeNull(d: Decoder, linktype: number, off: number, end: number): boolean {
  const m = d.meta;
  if (end - off < 4) return m.fail('null_truncated');
  let af = m.view.getUint32(off, linktype === LINKTYPE_LOOP ? false : true);
  if (linktype === LINKTYPE_NULL && af > 0xffff) af = m.view.getUint32(off, false);
  // AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (BSDs), 28 (FreeBSD), 30 (macOS)
  if (af === 2) return d.ipv4(off + 4, end);
  if (af === 10 || af === 24 || af === 28 || af === 30) return d.ipv6(off + 4, end);
  return true;
}

function decodeRawIp(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  if (end - off < 1) return m.fail('raw_truncated');
  const v = m.buf[off]! >>> 4;
  if (v === 4) return d.ipv4(off, end);
  if (v === 6) return d.ipv6(off, end);
  return m.fail('raw_unknown_ip_version', `version ${v}`);
}

const NFLOG_HLEN = 4;
const NFULA_PAYLOAD = 9;
/** TLVs read per NFLOG packet before giving up (the kernel writes about a dozen types) */
const MAX_NFLOG_TLVS = 64;

/**
 * Linux NFLOG (LINKTYPE_NFLOG): family, version, resource id, then TLVs (length including its 4-byte header,
 * type; both in the byte order of the host that wrote the file, each padded to 4 bytes). The packet is the
 * NFULA_PAYLOAD TLV's value, an IP datagram without link header; a record without one carries nothing to track.
 */
function decodeNflog(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  const v = m.view;
  if (end - off < NFLOG_HLEN) return m.fail('nflog_truncated');
  // type numbers are small: a type that does not fit a byte in little-endian order means the file is big-endian
  let p = off + NFLOG_HLEN;
  const le = end - p < 4 || v.getUint16(p + 2, true) <= 0xff;
  for (let n = 0; end - p >= 4; n++) {
    if (n >= MAX_NFLOG_TLVS) return m.fail('nflog_too_many_tlvs');
    const len = v.getUint16(p, le);
    const type = v.getUint16(p + 2, le) & 0x7fff;
    if (len < 4 || len > end - p) return m.fail('nflog_bad_tlv_length', `TLV type ${type} length ${len}, ${end - p} left`);
    if (type === NFULA_PAYLOAD) {
      const body = p + 4;
      const bodyEnd = p + len;
      if (bodyEnd - body < 1) return m.fail('nflog_truncated');
      const ver = m.buf[body]! >>> 4;
      if (ver === 4) return d.ipv4(body, bodyEnd);
      if (ver === 6) return d.ipv6(body, bodyEnd);
      return m.fail('nflog_unknown_ip_version', `version ${ver}`);
    }
    p += (len + 3) & ~3;
  }
  return true;
}
