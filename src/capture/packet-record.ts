// The packet record the capture readers hand to their consumer: one object, reused for every packet.

export class PacketRecord {
  /** µs since the epoch (pcapng if_tsoffset applied; nanoseconds truncated) */
  ts = 0;
  /** LINKTYPE_* of the packet's interface */
  linktype = 0;
  /** interface index within its section (0 for classic pcap) */
  iface = 0;
  /** bytes present in the capture */
  caplen = 0;
  /** bytes on the wire */
  origLen = 0;
  /** backing bytes: the packet is buf[off, off + caplen); valid only during the callback */
  buf: Uint8Array = new Uint8Array(0);
  /** DataView over the whole of `buf` */
  view: DataView = new DataView(new ArrayBuffer(0));
  off = 0;
  /** byte offset of the packet's record (pcap record header or pcapng block) in the input */
  fileOffset = 0;
  /** bytes of that record (header, data, padding, options): the next record starts at fileOffset + recordLen */
  recordLen = 0;
  /** 1-based packet number in the input */
  index = 0;
}

export interface InterfaceInfo {
  linktype: number;
  snaplen: number;
  name: string | null;
  description: string | null;
  /** if_tsresol as written (default 6 = µs) */
  tsresol: number;
  /** if_tsoffset in seconds */
  tsoffset: number;
}

export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcap-modified' | 'pcapng';
