// Whole TCP conversations for synthetic tests: handshake, each side's data cut into MSS-sized segments and
// acknowledged, then FIN/FIN/ACK; written as classic pcap (Ethernet, IPv4). Sequence numbers and ACKs are
// consistent, so the reassembler and the analyzers see what a real capture of the dialogue would give.
import { writePcap, type WritePacket } from '../../src/capture/pcap-writer.js';
import { ACK, FIN_ACK, PSH_ACK, SYN, SYN_ACK, tcpFrame } from './frames.js';

export interface ConversationSpec {
  client?: string;
  server?: string;
  sport?: number;
  dport: number;
  /** µs since the epoch of the SYN; every later packet is 100 µs after the one before */
  start?: number;
  /** payload bytes per segment (default 1460) */
  mss?: number;
  /** leave the connection open (no FIN exchange) */
  open?: boolean;
}

/** One side's bytes, in order; consecutive turns of the same side are sent back to back. */
export interface Turn {
  from: 'client' | 'server';
  data: Uint8Array | string;
}

const enc = new TextEncoder();

/** The packets of one TCP conversation. */
export function tcpConversation(spec: ConversationSpec, turns: readonly Turn[]): WritePacket[] {
  const client = spec.client ?? '10.0.0.1';
  const server = spec.server ?? '10.0.0.2';
  const sport = spec.sport ?? 40000;
  const dport = spec.dport;
  const mss = spec.mss ?? 1460;
  let ts = spec.start ?? Date.UTC(2026, 0, 12, 10, 0, 0) * 1000;
  let cseq = 1000;
  let sseq = 5000;
  const out: WritePacket[] = [];
  const c2s = (flags: number, payload?: Uint8Array): void => {
    out.push({ ts, data: tcpFrame({ src: client, dst: server, sport, dport, seq: cseq, ack: sseq, flags, ...(payload ? { payload } : {}) }) });
    ts += 100;
  };
  const s2c = (flags: number, payload?: Uint8Array): void => {
    out.push({ ts, data: tcpFrame({ src: server, dst: client, sport: dport, dport: sport, seq: sseq, ack: cseq, flags, ...(payload ? { payload } : {}) }) });
    ts += 100;
  };
  out.push({ ts, data: tcpFrame({ src: client, dst: server, sport, dport, seq: cseq - 1, ack: 0, flags: SYN }) });
  ts += 100;
  out.push({ ts, data: tcpFrame({ src: server, dst: client, sport: dport, dport: sport, seq: sseq - 1, ack: cseq, flags: SYN_ACK }) });
  ts += 100;
  c2s(ACK);
  for (const t of turns) {
    const bytes = typeof t.data === 'string' ? enc.encode(t.data) : t.data;
    for (let off = 0; off < bytes.length; off += mss) {
      const seg = bytes.subarray(off, Math.min(bytes.length, off + mss));
      if (t.from === 'client') {
        c2s(PSH_ACK, seg);
        cseq = (cseq + seg.length) >>> 0;
        s2c(ACK);
      } else {
        s2c(PSH_ACK, seg);
        sseq = (sseq + seg.length) >>> 0;
        c2s(ACK);
      }
    }
  }
  if (spec.open !== true) {
    c2s(FIN_ACK);
    cseq = (cseq + 1) >>> 0;
    s2c(FIN_ACK);
    sseq = (sseq + 1) >>> 0;
    c2s(ACK);
  }
  return out;
}

/** Classic pcap (Ethernet) of one or more conversations, their packets in time order. */
export function conversationsPcap(...conversations: WritePacket[][]): Uint8Array {
  const all = conversations.flat().sort((a, b) => a.ts - b.ts);
  return writePcap(all, { linktype: 1 });
}
