// The decoded view of one packet: one object, reused for every packet, filled layer by layer.

/** Encapsulation steps kept for one packet (tunnel layers x the steps of one, e.g. gre>erspan2). */
export const MAX_ENCAP_STEPS = 16;

export class PacketMeta {
  /** bytes the layers below point into (the capture chunk, or a reassembled datagram) */
  buf: Uint8Array = new Uint8Array(0);
  view: DataView = new DataView(new ArrayBuffer(0));
  ts = 0;
  linktype = 0;
  /** wire length of the frame (pcap orig_len); a reassembled datagram: the sum over its fragments' frames */
  frameLen = 0;
  /** first anomaly this packet raised (the decode stopped there unless it was recoverable), or null */
  anomaly: string | null = null;
  anomalyDetail: string | null = null;
  /** outermost and second VLAN id, -1 when absent */
  vlan = -1;
  innerVlan = -1;
  vlanCount = 0;
  /** 4 or 6 when an IP header decoded, else 0 */
  ipVersion = 0;
  ipOff = 0;
  /** end of the IP datagram (total length), which trims link-layer padding */
  ipEnd = 0;
  /** IP-level length of the datagram (IPv4 total length; IPv6 40 + payload length) */
  ipLen = 0;
  src4 = 0;
  dst4 = 0;
  /** offsets of the 16-byte IPv6 addresses in buf */
  src6 = 0;
  dst6 = 0;
  ttl = 0;
  /** transport protocol after IPv6 extension headers */
  ipProto = -1;
  /** set when this packet is a datagram rebuilt from fragments */
  reassembled = false;
  /** set when this packet is a fragment of a datagram not yet complete */
  fragmentPending = false;
  /** true when the transport header decoded */
  l4 = false;
  l4Off = 0;
  l4End = 0;
  sport = 0;
  dport = 0;
  tcpFlags = 0;
  seq = 0;
  ack = 0;
  window = 0;
  icmpType = 0;
  icmpCode = 0;
  payloadOff = 0;
  payloadLen = 0;
  /**
   * UDP: the payload length the UDP header states. A datagram cut by the snap length counts at it in the session's
   * bytes, as Zeek and tshark count it (payloadLen stays what is present, for reading).
   */
  udpWireLen = 0;
  // ---- tunnels (src/decode/tunnel.ts): the layer above is accounted first, then the engine decapsulates
  /** a tunnel this layer carries (TUNNEL_* in tunnel.ts), 0 when none: the one check a packet without tunnels pays */
  tunnel = 0;
  /** where the tunnel's header starts and the carrying datagram ends */
  tunnelOff = 0;
  tunnelEnd = 0;
  /** decapsulations done so far: 0 for the outermost layer */
  depth = 0;
  /** the encapsulation chain down to the current layer (ENCAP_* in tunnel.ts), with ids (VNI, key, TEID; -1 none) and VLANs (-1 none) */
  encapCount = 0;
  readonly encapKind = new Uint8Array(MAX_ENCAP_STEPS);
  readonly encapId = new Float64Array(MAX_ENCAP_STEPS);
  readonly encapVlan = new Int32Array(MAX_ENCAP_STEPS);

  reset(buf: Uint8Array, view: DataView, ts: number, linktype: number, frameLen: number): void {
    this.frameLen = frameLen;
    this.buf = buf;
    this.view = view;
    this.ts = ts;
    this.linktype = linktype;
    // a small method the optimizer inlines: the per-packet cost is the same as the fields written here
    this.resetLayer();
    this.reassembled = false;
    this.depth = 0;
    this.encapCount = 0;
  }

  /**
   * Starts the next layer down, inside a tunnel: what the layers above decoded is forgotten except the bytes,
   * time, frame length and the chain; the anomaly of the layer above was reported already.
   */
  resetLayer(): void {
    this.anomaly = null;
    this.anomalyDetail = null;
    this.vlan = -1;
    this.innerVlan = -1;
    this.vlanCount = 0;
    this.ipVersion = 0;
    this.ipProto = -1;
    this.fragmentPending = false;
    this.l4 = false;
    this.sport = 0;
    this.dport = 0;
    this.tcpFlags = 0;
    this.payloadLen = 0;
    this.udpWireLen = 0;
    this.tunnel = 0;
  }

  /** Adds a step to the encapsulation chain (steps past MAX_ENCAP_STEPS are not kept: the depth limit stops sooner). */
  encap(kind: number, id = -1, vlan = -1): void {
    const n = this.encapCount;
    if (n >= MAX_ENCAP_STEPS) return;
    this.encapKind[n] = kind;
    this.encapId[n] = id;
    this.encapVlan[n] = vlan;
    this.encapCount = n + 1;
  }

  /** Records the packet's anomaly (the first one wins) and returns false so decoders can `return m.fail(...)`. */
  fail(name: string, detail: string | null = null): false {
    if (this.anomaly === null) {
      this.anomaly = name;
      this.anomalyDetail = detail;
    }
    return false;
  }
}
