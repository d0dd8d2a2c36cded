// One session (Zeek's connection, Suricata's flow): key, counters, TCP endpoint states and streams.
import type { TcpDirection } from '../reassembly/tcp-reassembler.js';
import type { StreamAnalyzer } from '../reassembly/stream-analyzer.js';
import { TCP_INACTIVE } from './conn-state.js';

/** Which timeout list a session is on. */
export const LIST_TCP = 0;
export const LIST_DATAGRAM = 1;
export const LIST_CLOSING = 2;

export class Session {
  // ---- key (a = originator, b = responder)
  proto = 0;
  v6 = false;
  vlan = -1;
  innerVlan = -1;
  a4 = 0;
  b4 = 0;
  a6: Uint8Array | null = null;
  b6: Uint8Array | null = null;
  aPort = 0;
  bPort = 0;
  /** ICMP type without a request/reply counterpart (Community ID one-way) */
  icmpOneWay = false;
  hash = 0;
  nextInBucket: Session | null = null;
  // ---- timeout lists
  prev: Session | null = null;
  next: Session | null = null;
  list = -1;
  // ---- identity and time
  uid = '';
  /** sequence number of the session in its input (1-based), for stable uids */
  seqNo = 0;
  start = 0;
  last = 0;
  // ---- counters: [originator, responder]
  origPkts = 0;
  respPkts = 0;
  origIpBytes = 0;
  respIpBytes = 0;
  /** wire length of the frames (pcap orig_len) */
  origFrameBytes = 0;
  respFrameBytes = 0;
  /** payload bytes for UDP/ICMP/other; TCP sizes come from sequence numbers */
  origPayload = 0;
  respPayload = 0;
  origFlags = 0;
  respFlags = 0;
  // ---- TCP
  origState = TCP_INACTIVE;
  respState = TCP_INACTIVE;
  origSyn = false;
  respSynAck = false;
  origStream: TcpDirection | null = null;
  respStream: TcpDirection | null = null;
  /** the stream consumer, made on the session's first payload byte or gap (most sessions of a scan have none) */
  analyzer: StreamAnalyzer | null = null;
  /** a consumer is wanted and not made yet */
  analyzerPending = false;
  /** detected application protocol (set by analyzers), null while unknown */
  appProto: string | null = null;
  /** the proxy prelude the stream opened with ("socks5 host:port", analyzers/prelude), null without one */
  proxy: string | null = null;
  // ---- where its packets lie in the input (records' byte offsets): set by the engine, for carving
  /** offset of the first packet's record, -1 before it (or -2: the session spans inputs, no one range) */
  pcapStart = -1;
  /** offset just past the last packet's record */
  pcapEnd = 0;
  /** which input of the run pcapStart is in */
  pcapInput = 0;
  // ---- tunnels: set for a session whose packets came out of a tunnel
  /** uids of the sessions whose tunnels carried it (the layer right above, as Zeek's tunnel_parents) */
  tunnelParents: string[] | null = null;
  /** the encapsulation chain of its first packet (encapText), null outside tunnels */
  encap: string | null = null;
  /** uid of the control session that announced this one (an FTP data channel), null otherwise */
  controlUid: string | null = null;
  /** set once the session was emitted */
  done = false;
}
