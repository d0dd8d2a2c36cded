// pcapng (draft-ietf-opsawg-pcapng): sections of either byte order, interfaces with their own link type,
// if_tsresol and if_tsoffset, EPB, SPB and the obsolete packet block; every other block is counted and skipped.
import { CORRUPT, type CaptureSink, type FormatParser } from './format-parser.js';
import type { InterfaceInfo, PacketRecord } from './packet-record.js';
import { TimestampConverter } from './timestamp.js';

export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 0x00000001;
export const BT_OPB = 0x00000002;
export const BT_SPB = 0x00000003;
export const BT_NRB = 0x00000004;
export const BT_ISB = 0x00000005;
export const BT_EPB = 0x00000006;
export const BT_DSB = 0x0000000a;
export const BT_CB = 0x00000bad;
export const BT_DCB = 0x40000bad;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Short names as the pcapng test generator and Wireshark use them. */
export const BLOCK_NAMES: ReadonlyMap<number, string> = new Map([
  [BT_SHB, 'SHB'], [BT_IDB, 'IDB'], [BT_OPB, 'PB'], [BT_SPB, 'SPB'], [BT_NRB, 'NRB'], [BT_ISB, 'ISB'],
  [BT_EPB, 'EPB'], [BT_DSB, 'DSB'], [BT_CB, 'CB'], [BT_DCB, 'DCB'], [0x00000007, 'IRIG'], [0x00000008, 'AFDX'],
  [0x00000009, 'SJEB'], [0x80000001, 'DPEB'],
]);

/**
 * Wireshark refuses blocks above 16 MiB (MAX_BLOCK_SIZE in wiretap/pcapng.c); a larger length field means
 * the framing is lost.
 */
export const MAX_BLOCK_LEN = 16 * 1024 * 1024;
/** Distinct block names counted before the rest go under "other". */
const MAX_BLOCK_NAMES = 64;
const OPT_IF_NAME = 2;
const OPT_IF_DESCRIPTION = 3;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

interface Iface extends InterfaceInfo {
  conv: TimestampConverter;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export class PcapngParser implements FormatParser {
  corruptReason = '';
  readonly format = 'pcapng' as const;
  /** interfaces of every section, in order of appearance */
  readonly interfaces: InterfaceInfo[] = [];
  private readonly blockCounts = new Map<string, number>();
  private epbs = 0;
  /** block names in file order, only when asked for (tests of the block structure) */
  readonly blockSequence: string[] | null;
  sections = 0;
  private le = true;
  private section: Iface[] = [];
  private lastTs = 0;
  private readonly rec: PacketRecord;
  private readonly sink: CaptureSink;

  constructor(sink: CaptureSink, rec: PacketRecord, keepSequence = false) {
    this.sink = sink;
    this.rec = rec;
    this.blockSequence = keepSequence ? [] : null;
  }

  /** Blocks seen, by short name, in order of first appearance. */
  counts(): Map<string, number> {
    const out = new Map(this.blockCounts);
    if (this.epbs > 0) out.set('EPB', (out.get('EPB') ?? 0) + this.epbs);
    return out;
  }

  needed(_buf: Uint8Array, view: DataView, off: number, avail: number): number {
    if (avail < 12) return 12;
    const typeLe = view.getUint32(off, true);
    if (typeLe === BT_SHB) {
      const bom = view.getUint32(off + 8, true);
      if (bom === BYTE_ORDER_MAGIC) this.le = true;
      else if (bom === 0x4d3c2b1a) this.le = false;
      else {
        this.corruptReason = 'section header block with an invalid byte-order magic';
        return CORRUPT;
      }
    }
    const len = view.getUint32(off + 4, this.le);
    if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK_LEN) {
      this.corruptReason = `impossible block length ${len}`;
      return CORRUPT;
    }
    return len;
  }

  record(buf: Uint8Array, view: DataView, off: number, len: number, fileOffset: number): boolean {
    const le = this.le;
    const type = view.getUint32(off, le);
    if (view.getUint32(off + len - 4, le) !== len) {
      this.corruptReason = 'block length and trailing length differ';
      return false;
    }
    if (type === BT_EPB && this.blockSequence === null) {
      // the common case, counted without a map lookup (see counts()); the map keeps its place in the order
      if (this.epbs++ === 0 && !this.blockCounts.has('EPB')) this.blockCounts.set('EPB', 0);
    } else {
      let name = BLOCK_NAMES.get(type) ?? `0x${type.toString(16).padStart(8, '0')}`;
      // unknown types are counted by name up to a point; a crafted file must not grow the map without end
      if (!this.blockCounts.has(name) && this.blockCounts.size >= MAX_BLOCK_NAMES) name = 'other';
      this.blockCounts.set(name, (this.blockCounts.get(name) ?? 0) + 1);
      this.blockSequence?.push(name);
    }
    switch (type) {
      case BT_EPB:
        return this.packetBlock(buf, view, off, len, fileOffset, view.getUint32(off + 8, le), 12, 28);
      case BT_OPB:
        return this.packetBlock(buf, view, off, len, fileOffset, view.getUint16(off + 8, le), 12, 28);
      case BT_SPB:
        return this.simplePacket(buf, view, off, len, fileOffset);
      case BT_IDB:
        this.sink.structure?.(fileOffset, len);
        return this.interfaceBlock(buf, view, off, len, fileOffset);
      case BT_SHB:
        if (len < 28) {
          this.corruptReason = 'section header block shorter than 28 bytes';
          return false;
        }
        this.sections++;
        this.section = [];
        this.sink.structure?.(fileOffset, len);
        return true;
      default:
        return true;
    }
  }

  private packetBlock(
    buf: Uint8Array, view: DataView, off: number, len: number, fileOffset: number,
    ifId: number, tsOff: number, dataOff: number,
  ): boolean {
    const le = this.le;
    if (len < dataOff + 4) {
      this.corruptReason = 'packet block too short for its fixed fields';
      return false;
    }
    const caplen = view.getUint32(off + tsOff + 8, le);
    if (dataOff + caplen + 4 > len) {
      this.corruptReason = `captured length ${caplen} runs past the end of its block`;
      return false;
    }
    const iface = this.section[ifId];
    if (iface === undefined) {
      this.sink.anomaly?.('pcapng_unknown_interface', `packet block names interface ${ifId}, section has ${this.section.length}`, fileOffset);
      return true;
    }
    const r = this.rec;
    const conv = iface.conv;
    const hi = view.getUint32(off + tsOff, le);
    const lo = view.getUint32(off + tsOff + 4, le);
    const ts = conv.micros ? hi * 4294967296 + lo + conv.offsetUs : conv.toMicros(hi, lo);
    if (Number.isSafeInteger(ts)) {
      this.lastTs = ts;
    } else {
      // beyond 2^53 µs (year 2255) the value is garbage, not time: keep the previous packet's
      this.sink.anomaly?.('pcapng_bad_timestamp', `timestamp out of range (${ts} µs)`, fileOffset);
    }
    r.ts = this.lastTs;
    r.caplen = caplen;
    r.origLen = view.getUint32(off + tsOff + 12, le);
    r.linktype = iface.linktype;
    r.iface = ifId;
    r.buf = buf;
    r.view = view;
    r.off = off + dataOff;
    r.fileOffset = fileOffset;
    r.recordLen = len;
    r.index++;
    this.sink.packet(r);
    return true;
  }

  /** SPB: no interface id (always 0) and no timestamp: the previous packet's time is used. */
  private simplePacket(buf: Uint8Array, view: DataView, off: number, len: number, fileOffset: number): boolean {
    const iface = this.section[0];
    if (iface === undefined) {
      this.sink.anomaly?.('pcapng_unknown_interface', 'simple packet block before any interface description', fileOffset);
      return true;
    }
    if (len < 16) {
      this.corruptReason = 'simple packet block too short';
      return false;
    }
    const origLen = view.getUint32(off + 8, this.le);
    let caplen = Math.min(origLen, len - 16);
    if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
    const r = this.rec;
    r.ts = this.lastTs;
    r.caplen = caplen;
    r.origLen = origLen;
    r.linktype = iface.linktype;
    r.iface = 0;
    r.buf = buf;
    r.view = view;
    r.off = off + 12;
    r.fileOffset = fileOffset;
    r.recordLen = len;
    r.index++;
    this.sink.packet(r);
    return true;
  }

  private interfaceBlock(buf: Uint8Array, view: DataView, off: number, len: number, fileOffset: number): boolean {
    const le = this.le;
    if (len < 20) {
      this.corruptReason = 'interface description block too short';
      return false;
    }
    const info: InterfaceInfo = {
      linktype: view.getUint16(off + 8, le),
      snaplen: view.getUint32(off + 12, le),
      name: null,
      description: null,
      tsresol: 6,
      tsoffset: 0,
    };
    // options: code(2) length(2) value padded to 4, ending with opt_endofopt or the block's end
    let p = off + 16;
    const end = off + len - 4;
    while (p + 4 <= end) {
      const code = view.getUint16(p, le);
      const olen = view.getUint16(p + 2, le);
      if (code === 0) break;
      if (p + 4 + olen > end) {
        this.sink.anomaly?.('pcapng_bad_option', `option ${code} runs past its block`, fileOffset);
        break;
      }
      const v = p + 4;
      if (code === OPT_IF_TSRESOL && olen >= 1) info.tsresol = buf[v]!;
      else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        info.tsoffset = Number(view.getBigInt64(v, le));
      } else if (code === OPT_IF_NAME) info.name = utf8.decode(buf.subarray(v, v + olen));
      else if (code === OPT_IF_DESCRIPTION) info.description = utf8.decode(buf.subarray(v, v + olen));
      p = v + ((olen + 3) & ~3);
    }
    this.interfaces.push(info);
    this.section.push({ ...info, conv: new TimestampConverter(info.tsresol, info.tsoffset) });
    return true;
  }
}
