// Writes classic pcap and pcapng bytes (tests, fixtures, and carved sessions).

export interface WritePacket {
  /** µs since the epoch */
  ts: number;
  data: Uint8Array;
  /** wire length, default data.length */
  origLen?: number;
  /** pcapng interface index */
  iface?: number;
}

export interface PcapWriteOptions {
  linktype: number;
  littleEndian?: boolean;
  nanos?: boolean;
  snaplen?: number;
}

/** Bytes of a classic pcap file header, and of each record's header. */
export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

/** Writes a classic pcap file header (version 2.4) at `p`. */
export function putPcapFileHeader(v: DataView, p: number, o: PcapWriteOptions): void {
  const le = o.littleEndian ?? true;
  v.setUint32(p, o.nanos === true ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint16(p + 4, 2, le);
  v.setUint16(p + 6, 4, le);
  v.setUint32(p + 8, 0, le);
  v.setUint32(p + 12, 0, le);
  v.setUint32(p + 16, o.snaplen ?? 262144, le);
  v.setUint32(p + 20, o.linktype, le);
}

/** Writes a record header at `p` (the caplen bytes of the packet follow it). @param ts µs since the epoch */
export function putPcapRecordHeader(v: DataView, p: number, ts: number, caplen: number, origLen: number, o: PcapWriteOptions): void {
  const le = o.littleEndian ?? true;
  const sec = Math.floor(ts / 1e6);
  const us = ts - sec * 1e6;
  v.setUint32(p, sec, le);
  v.setUint32(p + 4, o.nanos === true ? us * 1000 : us, le);
  v.setUint32(p + 8, caplen, le);
  v.setUint32(p + 12, origLen, le);
}

export function writePcap(packets: readonly WritePacket[], o: PcapWriteOptions): Uint8Array {
  const size = PCAP_FILE_HEADER_LEN + packets.reduce((a, p) => a + PCAP_RECORD_HEADER_LEN + p.data.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  putPcapFileHeader(v, 0, o);
  let p = PCAP_FILE_HEADER_LEN;
  for (const pkt of packets) {
    putPcapRecordHeader(v, p, pkt.ts, pkt.data.length, pkt.origLen ?? pkt.data.length, o);
    out.set(pkt.data, p + PCAP_RECORD_HEADER_LEN);
    p += PCAP_RECORD_HEADER_LEN + pkt.data.length;
  }
  return out;
}

export interface NgInterface {
  linktype: number;
  snaplen?: number;
  /** if_tsresol byte; default 6 (µs) */
  tsresol?: number;
  /** if_tsoffset in seconds */
  tsoffset?: number;
}

/** One pcapng section: SHB, the IDBs, then an EPB per packet (timestamps in each interface's resolution). */
export function writePcapng(packets: readonly WritePacket[], ifaces: readonly NgInterface[], littleEndian = true): Uint8Array {
  const blocks: Uint8Array[] = [];
  const block = (type: number, body: Uint8Array): void => {
    const len = 12 + ((body.length + 3) & ~3);
    const b = new Uint8Array(len);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, littleEndian);
    v.setUint32(4, len, littleEndian);
    b.set(body, 8);
    v.setUint32(len - 4, len, littleEndian);
    blocks.push(b);
  };
  const shb = new Uint8Array(16);
  const sv = new DataView(shb.buffer);
  sv.setUint32(0, 0x1a2b3c4d, littleEndian);
  sv.setUint16(4, 1, littleEndian);
  sv.setUint16(6, 0, littleEndian);
  sv.setInt32(8, -1, littleEndian);
  sv.setInt32(12, -1, littleEndian);
  block(0x0a0d0d0a, shb);
  for (const i of ifaces) {
    const body = new Uint8Array(8 + 8 + 16 + 4);
    const v = new DataView(body.buffer);
    v.setUint16(0, i.linktype, littleEndian);
    v.setUint32(4, i.snaplen ?? 262144, littleEndian);
    let p = 8;
    if (i.tsresol !== undefined) {
      v.setUint16(p, 9, littleEndian);
      v.setUint16(p + 2, 1, littleEndian);
      body[p + 4] = i.tsresol;
      p += 8;
    }
    if (i.tsoffset !== undefined) {
      v.setUint16(p, 14, littleEndian);
      v.setUint16(p + 2, 8, littleEndian);
      v.setBigInt64(p + 4, BigInt(i.tsoffset), littleEndian);
      p += 12;
    }
    // opt_endofopt
    p += 4;
    block(1, body.subarray(0, p));
  }
  for (const pkt of packets) {
    const iface = ifaces[pkt.iface ?? 0]!;
    const resol = iface.tsresol ?? 6;
    const rel = BigInt(pkt.ts) - BigInt(iface.tsoffset ?? 0) * 1_000_000n;
    const units = resol & 0x80 ? (rel << BigInt(resol & 0x7f)) / 1_000_000n : resol >= 6 ? rel * 10n ** BigInt(resol - 6) : rel / 10n ** BigInt(6 - resol);
    const body = new Uint8Array(20 + ((pkt.data.length + 3) & ~3));
    const v = new DataView(body.buffer);
    v.setUint32(0, pkt.iface ?? 0, littleEndian);
    v.setUint32(4, Number(units >> 32n), littleEndian);
    v.setUint32(8, Number(units & 0xffffffffn), littleEndian);
    v.setUint32(12, pkt.data.length, littleEndian);
    v.setUint32(16, pkt.origLen ?? pkt.data.length, littleEndian);
    body.set(pkt.data, 20);
    block(6, body);
  }
  const total = blocks.reduce((a, b) => a + b.length, 0);
  const out = new Uint8Array(total);
  let p = 0;
  for (const b of blocks) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}
