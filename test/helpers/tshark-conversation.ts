// A conversation as the committed tshark expectations list it (tools/*/expected.py: per-packet sums of tshark's
// fields), the counts each of the tests comparing sessions with them reads.

/** Endpoints and per-direction counts of one tshark conversation. */
export interface TsharkConversation {
  orig_addr: string;
  orig_port: number | null;
  resp_addr: string;
  resp_port: number | null;
  orig_pkts: number;
  resp_pkts: number;
  /** frame bytes */
  orig_bytes: number;
  resp_bytes: number;
  orig_payload_bytes: number;
  resp_payload_bytes: number;
}
