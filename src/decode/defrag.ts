// IPv4 and IPv6 fragment reassembly with limits on size, count and age; first copy wins on overlap.
import type { Decoder } from './decoder.js';
import { ipv6Chain } from './ipv6.js';

/** Largest datagram a fragment chain may build: the 16-bit IP length field (RFC 791, RFC 8200 §4.5). */
export const MAX_DATAGRAM = 65535;
/** Datagrams being rebuilt at once; beyond this the oldest is dropped (memory bound: 4096 x 64 KiB worst case). */
export const MAX_PENDING_DATAGRAMS = 4096;
/** Fragments per datagram: 65535 / 8-byte minimum fragments would be an attack, real chains are short. */
export const MAX_FRAGMENTS = 128;
/** Reassembly timeout: 30 s for IPv4 (Linux ipfrag_time), 60 s for IPv6 (RFC 8200 §4.5). */
export const FRAG_TIMEOUT_V4_US = 30_000_000;
export const FRAG_TIMEOUT_V6_US = 60_000_000;

interface Frag {
  off: number;
  data: Uint8Array;
}

interface Pending {
  key: string;
  v6: boolean;
  firstTs: number;
  frags: Frag[];
  /** payload length once the last fragment (MF=0) is seen, else -1 */
  total: number;
  /** the unfragmentable part (IPv4 header / IPv6 header + extension headers before Fragment) from offset 0 */
  header: Uint8Array | null;
  nextHeader: number;
  bytes: number;
  /** wire length of the fragments' frames so far */
  frameBytes: number;
}

export class Defragmenter {
  private readonly pending = new Map<string, Pending>();
  private lastSweep = 0;

  ipv4(d: Decoder, ipOff: number, hlen: number, ipEnd: number, fragOff: number, more: boolean): boolean {
    const m = d.meta;
    const id = m.view.getUint16(ipOff + 4, false);
    const key = `4:${m.src4}:${m.dst4}:${m.ipProto}:${id}:${m.vlan}`;
    const header = fragOff === 0 ? m.buf.slice(ipOff, ipOff + hlen) : null;
    const p = this.add(d, key, false, fragOff, more, m.buf.subarray(ipOff + hlen, ipEnd), header, m.ipProto);
    if (p === null) {
      m.fragmentPending = true;
      return true;
    }
    // rebuild: header with total length set and fragment fields cleared, then the payload
    const hdr = p.header!;
    const buf = assemble(p, hdr);
    const view = new DataView(buf.buffer);
    view.setUint16(2, buf.length, false);
    view.setUint16(6, 0, false);
    m.buf = buf;
    m.view = view;
    m.ipOff = 0;
    m.ipEnd = buf.length;
    m.ipLen = buf.length;
    m.frameLen = p.frameBytes;
    m.reassembled = true;
    return d.transport(m.ipProto, hdr.length, buf.length);
  }

  ipv6(d: Decoder, ipOff: number, fragHdr: number, ipEnd: number, fragOff: number, more: boolean, id: number, nh: number): boolean {
    const m = d.meta;
    const key = `6:${hex16(m.buf, m.src6)}:${hex16(m.buf, m.dst6)}:${id}:${m.vlan}`;
    // unfragmentable part: everything before the Fragment header, whose next-header byte must become nh
    const header = fragOff === 0 ? m.buf.slice(ipOff, fragHdr) : null;
    const p = this.add(d, key, true, fragOff, more, m.buf.subarray(fragHdr + 8, ipEnd), header, nh);
    if (p === null) {
      m.fragmentPending = true;
      return true;
    }
    const hdr = p.header!;
    const buf = assemble(p, hdr);
    const view = new DataView(buf.buffer);
    view.setUint16(4, buf.length - 40, false);
    m.buf = buf;
    m.view = view;
    m.ipOff = 0;
    m.src6 = 8;
    m.dst6 = 24;
    m.ipEnd = buf.length;
    m.ipLen = buf.length;
    m.frameLen = p.frameBytes;
    m.reassembled = true;
    return ipv6Chain(d, 0, p.nextHeader, hdr.length, buf.length);
  }

  /** Adds a fragment; returns the completed datagram (and forgets it) or null while it is incomplete. */
  private add(
    d: Decoder, key: string, v6: boolean, off: number, more: boolean, data: Uint8Array,
    header: Uint8Array | null, nextHeader: number,
  ): Pending | null {
    const m = d.meta;
    const prefix = v6 ? 'ipv6' : 'ipv4';
    this.sweep(d, m.ts);
    if (off + data.length > MAX_DATAGRAM) {
      m.fail(`${prefix}_fragment_too_large`, `fragment ends at ${off + data.length}`);
      return null;
    }
    if (more && data.length % 8 !== 0) m.fail(`${prefix}_fragment_bad_length`, `${data.length} bytes, not a multiple of 8`);
    let p = this.pending.get(key);
    if (p === undefined) {
      if (this.pending.size >= MAX_PENDING_DATAGRAMS) {
        const oldest = this.pending.keys().next().value!;
        this.pending.delete(oldest);
        d.anomalies.add(m.ts, null, `${prefix}_fragment_table_full`, `more than ${MAX_PENDING_DATAGRAMS} datagrams in reassembly`);
      }
      p = { key, v6, firstTs: m.ts, frags: [], total: -1, header: null, nextHeader, bytes: 0, frameBytes: 0 };
      this.pending.set(key, p);
    }
    if (p.frags.length >= MAX_FRAGMENTS) {
      m.fail(`${prefix}_too_many_fragments`);
      this.pending.delete(key);
      return null;
    }
    if (header !== null && p.header === null) {
      p.header = header;
      p.nextHeader = nextHeader;
    }
    if (p.total >= 0 && off + data.length > p.total) m.fail(`${prefix}_fragment_past_end`);
    if (!more) {
      if (p.total >= 0 && p.total !== off + data.length) m.fail(`${prefix}_fragment_inconsistent_end`);
      if (p.total < 0) p.total = off + data.length;
    }
    this.insert(m, p, off, data, prefix);
    p.frameBytes += m.frameLen;
    if (p.total < 0 || p.header === null || p.bytes < p.total) return null;
    // complete when the fragments cover [0, total) without holes
    let cover = 0;
    for (const f of p.frags) {
      if (f.off > cover) return null;
      cover = Math.max(cover, f.off + f.data.length);
    }
    if (cover < p.total) return null;
    this.pending.delete(key);
    return p;
  }

  /** Inserts only the bytes no earlier fragment covered (first copy wins); differing overlaps are flagged. */
  private insert(m: Decoder['meta'], p: Pending, off: number, data: Uint8Array, prefix: string): void {
    let start = off;
    const end = off + data.length;
    let overlapDiffers = false;
    let overlapped = false;
    const add: Frag[] = [];
    const sorted = p.frags;
    for (const f of sorted) {
      const fEnd = f.off + f.data.length;
      if (fEnd <= start || f.off >= end) continue;
      overlapped = true;
      const a = Math.max(start, f.off);
      const b = Math.min(end, fEnd);
      for (let i = a; i < b; i++) {
        if (f.data[i - f.off] !== data[i - off]) {
          overlapDiffers = true;
          break;
        }
      }
      if (f.off > start) add.push({ off: start, data: data.slice(start - off, f.off - off) });
      start = Math.max(start, fEnd);
    }
    if (start < end) add.push({ off: start, data: data.slice(start - off) });
    for (const f of add) {
      sorted.push(f);
      p.bytes += f.data.length;
    }
    sorted.sort((x, y) => x.off - y.off);
    if (overlapDiffers) m.fail(`${prefix}_fragment_overlap_inconsistent`);
    else if (overlapped) m.fail(`${prefix}_fragment_overlap`);
  }

  private sweep(d: Decoder, now: number): void {
    if (now - this.lastSweep < 1_000_000) return;
    this.lastSweep = now;
    for (const p of this.pending.values()) {
      const limit = p.v6 ? FRAG_TIMEOUT_V6_US : FRAG_TIMEOUT_V4_US;
      if (now - p.firstTs <= limit) continue;
      this.pending.delete(p.key);
      d.anomalies.add(now, null, `${p.v6 ? 'ipv6' : 'ipv4'}_fragment_timeout`, `${p.bytes} bytes never completed`);
    }
  }

}

/** Header + payload; bytes of fragments that run past the datagram's end (a lying last fragment) are cut. */
function assemble(p: Pending, hdr: Uint8Array): Uint8Array {
  const buf = new Uint8Array(hdr.length + p.total);
  buf.set(hdr, 0);
  for (const f of p.frags) {
    if (f.off >= p.total) continue;
    buf.set(f.off + f.data.length > p.total ? f.data.subarray(0, p.total - f.off) : f.data, hdr.length + f.off);
  }
  return buf;
}

function hex16(b: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += b[off + i]!.toString(16).padStart(2, '0');
  return s;
}
