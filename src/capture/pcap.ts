// Classic libpcap files: both byte orders, µs and ns magic, and the "modified" (Kuznetzov) variant.
import { CORRUPT, type CaptureSink, type FormatParser } from './format-parser.js';
import type { PacketRecord, CaptureFormat, InterfaceInfo } from './packet-record.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
const FILE_HEADER_LEN = 24;
/** libpcap's MAXIMUM_SNAPLEN: a larger incl_len means the record header is garbage */
export const MAX_PCAP_RECORD = 262144;
/**
 * The subsecond field counts µs (or ns) within its second: 10^6 (10^9) or more is damage. Such a time is taken
 * as the second's last µs (pcap_bad_subsecond): carrying it over would move the packet up to 71 minutes
 * (2^32 µs) and end every open session on timeout; clamped, it stays in its second.
 */
export const PCAP_US_PER_SECOND = 1_000_000;
export const PCAP_NS_PER_SECOND = 1_000_000_000;

export class PcapParser implements FormatParser {
  corruptReason = '';
  format: CaptureFormat = 'pcap';
  readonly interfaces: InterfaceInfo[] = [];
  private le = true;
  private headerDone = false;
  private recHeaderLen = 16;
  private nanos = false;
  private linktype = 0;
  private readonly rec: PacketRecord;
  private readonly sink: CaptureSink;

  constructor(sink: CaptureSink, rec: PacketRecord) {
    this.sink = sink;
    this.rec = rec;
  }

  needed(_buf: Uint8Array, view: DataView, off: number, avail: number): number {
    if (!this.headerDone) return FILE_HEADER_LEN;
    if (avail < this.recHeaderLen) return this.recHeaderLen;
    const incl = view.getUint32(off + 8, this.le);
    if (incl > MAX_PCAP_RECORD) {
      this.corruptReason = `record length ${incl} exceeds ${MAX_PCAP_RECORD}`;
      return CORRUPT;
    }
    return this.recHeaderLen + incl;
  }

  record(buf: Uint8Array, view: DataView, off: number, len: number, fileOffset: number): boolean {
    if (!this.headerDone) return this.fileHeader(view, off);
    const le = this.le;
    const r = this.rec;
    const sec = view.getUint32(off, le);
    let frac = view.getUint32(off + 4, le);
    const perSecond = this.nanos ? PCAP_NS_PER_SECOND : PCAP_US_PER_SECOND;
    if (frac >= perSecond) {
      this.sink.anomaly?.('pcap_bad_subsecond', `${this.nanos ? 'nanosecond' : 'microsecond'} field ${frac} is not below ${perSecond}; taken as ${perSecond - 1}`, fileOffset);
      frac = perSecond - 1;
    }
    r.ts = sec * 1_000_000 + (this.nanos ? Math.floor(frac / 1000) : frac);
    r.caplen = len - this.recHeaderLen;
    r.origLen = view.getUint32(off + 12, le);
    r.linktype = this.linktype;
    r.iface = 0;
    r.buf = buf;
    r.view = view;
    r.off = off + this.recHeaderLen;
    r.fileOffset = fileOffset;
    r.recordLen = len;
    r.index++;
    this.sink.packet(r);
    return true;
  }

  private fileHeader(view: DataView, off: number): boolean {
    const magicLe = view.getUint32(off, true);
    const magicBe = view.getUint32(off, false);
    let magic: number;
    if (magicLe === PCAP_MAGIC_US || magicLe === PCAP_MAGIC_NS || magicLe === PCAP_MAGIC_MODIFIED) {
      this.le = true;
      magic = magicLe;
    } else if (magicBe === PCAP_MAGIC_US || magicBe === PCAP_MAGIC_NS || magicBe === PCAP_MAGIC_MODIFIED) {
      this.le = false;
      magic = magicBe;
    } else {
      this.corruptReason = 'not a pcap file header';
      return false;
    }
    this.nanos = magic === PCAP_MAGIC_NS;
    this.format = magic === PCAP_MAGIC_NS ? 'pcap-ns' : magic === PCAP_MAGIC_MODIFIED ? 'pcap-modified' : 'pcap';
    // the modified format appends ifindex, protocol, pkt_type and padding to each record header
    this.recHeaderLen = magic === PCAP_MAGIC_MODIFIED ? 24 : 16;
    const snaplen = view.getUint32(off + 16, this.le);
    // the top bits of the link-type field carry the FCS length (pcap-savefile(5)); the type is the low 28
    this.linktype = view.getUint32(off + 20, this.le) & 0x0fffffff;
    this.interfaces.push({ linktype: this.linktype, snaplen, name: null, description: null, tsresol: this.nanos ? 9 : 6, tsoffset: 0 });
    this.headerDone = true;
    return true;
  }
}
