// IPv6 (RFC 8200): fixed header, extension-header chain with a depth limit, fragments to the defragmenter.
import {
  IPPROTO_AH, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT, IPPROTO_HOPOPTS, IPPROTO_MH, IPPROTO_ROUTING,
} from './constants.js';
import type { Decoder } from './decoder.js';

const IPV6_HLEN = 40;
/** RFC 8200 allows each extension header once (destination options twice); more than this is an attack */
export const MAX_IPV6_EXT_HEADERS = 8;

export function decodeIpv6(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  const v = m.view;
  if (end - off < IPV6_HLEN) return m.fail('ipv6_truncated_header');
  if (m.buf[off]! >>> 4 !== 6) return m.fail('ipv6_wrong_version', `version ${m.buf[off]! >>> 4}`);
  const plen = v.getUint16(off + 4, false);
  m.ipVersion = 6;
  m.ipOff = off;
  m.src6 = off + 8;
  m.dst6 = off + 24;
  m.ttl = m.buf[off + 7]!;
  m.ipLen = IPV6_HLEN + plen;
  let ipEnd = off + IPV6_HLEN + plen;
  if (plen === 0) {
    // jumbogram (RFC 2675) or a bogus zero: take what was captured
    ipEnd = end;
    m.ipLen = end - off;
  } else if (ipEnd > end) {
    m.fail('ipv6_truncated', `payload length ${plen}, ${end - off - IPV6_HLEN} captured`);
    ipEnd = end;
  }
  m.ipEnd = ipEnd;
  return ipv6Chain(d, off, m.buf[off + 6]!, off + IPV6_HLEN, ipEnd);
}

/** Walks extension headers from `p` with next-header `nh`; used again after fragment reassembly. */
export function ipv6Chain(d: Decoder, ipOff: number, nh: number, p: number, ipEnd: number): boolean {
  const m = d.meta;
  for (let n = 0; ; n++) {
    if (n > MAX_IPV6_EXT_HEADERS) return m.fail('ipv6_too_many_ext_headers');
    switch (nh) {
      case IPPROTO_HOPOPTS:
      case IPPROTO_ROUTING:
      case IPPROTO_DSTOPTS:
      case IPPROTO_MH: {
        if (ipEnd - p < 8) return m.fail('ipv6_truncated_ext_header');
        const len = (m.buf[p + 1]! + 1) * 8;
        if (ipEnd - p < len) return m.fail('ipv6_truncated_ext_header');
        nh = m.buf[p]!;
        p += len;
        continue;
      }
      case IPPROTO_AH: {
        if (ipEnd - p < 8) return m.fail('ipv6_truncated_ext_header');
        const len = (m.buf[p + 1]! + 2) * 4; // RFC 4302: in 4-octet units, minus 2
        if (ipEnd - p < len) return m.fail('ipv6_truncated_ext_header');
        nh = m.buf[p]!;
        p += len;
        continue;
      }
      case IPPROTO_FRAGMENT: {
        if (ipEnd - p < 8) return m.fail('ipv6_truncated_ext_header');
        const fo = m.view.getUint16(p + 2, false);
        const fragOff = fo & 0xfff8;
        const more = (fo & 1) !== 0;
        const id = m.view.getUint32(p + 4, false);
        m.ipProto = m.buf[p]!;
        if (fragOff === 0 && !more) {
          // atomic fragment (RFC 6946): not really fragmented
          nh = m.buf[p]!;
          p += 8;
          continue;
        }
        return d.defrag.ipv6(d, ipOff, p, ipEnd, fragOff, more, id, m.buf[p]!);
      }
      default:
        m.ipProto = nh;
        return d.transport(nh, p, ipEnd);
    }
  }
}
