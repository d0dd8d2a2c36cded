// IPv4 (RFC 791): guards in order, options skipped by length, fragments handed to the defragmenter.
import type { Decoder } from './decoder.js';

const IPV4_MIN_HLEN = 20;

export function decodeIpv4(d: Decoder, off: number, end: number): boolean {
  const m = d.meta;
  const v = m.view;
  if (end - off < IPV4_MIN_HLEN) return m.fail('ipv4_truncated_header');
  const vihl = m.buf[off]!;
  if (vihl >>> 4 !== 4) return m.fail('ipv4_wrong_version', `version ${vihl >>> 4}`);
  const hlen = (vihl & 0x0f) * 4;
  if (hlen < IPV4_MIN_HLEN) return m.fail('ipv4_hlen_too_small', `header length ${hlen}`);
  let total = v.getUint16(off + 2, false);
  if (total === 0) {
    // TCP segmentation offload: the NIC fills the length in later, so the capture shows 0 (Zeek: ip_hdr_len_zero)
    m.fail('ipv4_total_length_zero', 'taken from the captured length (segmentation offload)');
    total = Math.min(end - off, 65535);
  }
  if (total < hlen) return m.fail('ipv4_len_smaller_than_hlen', `total length ${total} < header ${hlen}`);
  if (end - off < hlen) return m.fail('ipv4_truncated_header');
  m.ipVersion = 4;
  m.ipOff = off;
  m.src4 = v.getUint32(off + 12, false);
  m.dst4 = v.getUint32(off + 16, false);
  m.ttl = m.buf[off + 8]!;
  m.ipProto = m.buf[off + 9]!;
  m.ipLen = total;
  let ipEnd = off + total;
  if (ipEnd > end) {
    // snapped capture: keep what is there; counters use the IP length, payload stops at the snap
    m.fail('ipv4_truncated', `total length ${total}, ${end - off} captured`);
    ipEnd = end;
  }
  m.ipEnd = ipEnd;
  const fragField = v.getUint16(off + 6, false);
  const moreFrags = (fragField & 0x2000) !== 0;
  const fragOff = (fragField & 0x1fff) * 8;
  if (moreFrags || fragOff !== 0) return d.defrag.ipv4(d, off, hlen, ipEnd, fragOff, moreFrags);
  return d.transport(m.ipProto, off + hlen, ipEnd);
}
