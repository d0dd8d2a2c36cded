// Our own generated captures: per-session packets, IP bytes and payload bytes equal tshark's per-packet
// sums (expected/*.json), direction equals the by-construction home-network split.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../src/schema/sessions.js';
import { collect, GEN, readJson } from './helpers/run.js';
import type { TsharkConversation } from './helpers/tshark-conversation.js';

interface TsharkSession extends TsharkConversation {
  proto: string;
  duration: number;
  direction?: string;
  fin_pkts?: number;
  rst_pkts?: number;
}

interface GenExpected {
  capinfos: Record<string, string>;
  sessions: TsharkSession[];
  home_network?: string | string[];
}

/** frame.len includes the 14-byte Ethernet header (every gen capture is Ethernet on loopback, no padding). */
const ETH = 14;

function find(rows: SessionRecord[], t: TsharkSession): SessionRecord | undefined {
  if (t.proto === 'icmp') {
    return rows.find((r) => r.proto === 'icmp' && r.src_ip === t.orig_addr && r.dst_ip === t.resp_addr);
  }
  return rows.find((r) => r.proto === t.proto && r.src_ip === t.orig_addr && r.src_port === t.orig_port &&
    r.dst_ip === t.resp_addr && r.dst_port === t.resp_port);
}

for (const file of ['tls-clients.pcapng', 'smtp-attachments.pcap', 'http-put.pcap', 'mixed-home.pcap']) {
  describe(`gen/${file} sessions vs tshark`, async () => {
    const exp = readJson<GenExpected>(join(GEN, 'expected', `${file}.json`));
    const home = file === 'mixed-home.pcap' ? ['127.0.0.0/24'] : [];
    const { sessions, result } = await collect([join(GEN, file)], { homeNet: home });

    it('reads every packet, whole file', () => {
      expect(result.inputs[0]!.packets).toBe(Number(exp.capinfos['Number of packets']));
      expect(result.inputs[0]!.error).toBeNull();
      expect(result.inputs[0]!.packetBytes).toBe(Number(exp.capinfos['Data size']!.split(' ')[0]));
    });

    it('has one session per tshark stream', () => {
      expect(sessions.length).toBe(exp.sessions.length);
    });

    for (const t of exp.sessions) {
      it(`${t.proto} ${t.orig_addr}:${t.orig_port ?? ''} -> ${t.resp_addr}:${t.resp_port ?? ''}`, () => {
        const r = find(sessions, t);
        expect(r, 'session present').toBeDefined();
        expect([r!.src_pkts, r!.dst_pkts]).toEqual([t.orig_pkts, t.resp_pkts]);
        expect([r!.src_ip_bytes, r!.dst_ip_bytes]).toEqual([t.orig_bytes - ETH * t.orig_pkts, t.resp_bytes - ETH * t.resp_pkts]);
        expect([r!.src_frame_bytes, r!.dst_frame_bytes]).toEqual([t.orig_bytes, t.resp_bytes]);
        if (t.proto !== 'icmp') {
          // tshark sums tcp.len / udp payload; no retransmissions in these captures, so sequence-space sizes agree.
          // ICMP: tshark counts no payload, Zeek (and we) count the bytes after the 8-byte ICMP header.
          expect([r!.src_bytes, r!.dst_bytes]).toEqual([t.orig_payload_bytes, t.resp_payload_bytes]);
        }
        // tls-clients.pcapng has ns timestamps; records are µs (truncated), so a duration may differ by 1 µs
        expect(Math.abs(r!.duration - t.duration)).toBeLessThanOrEqual(1.01e-6);
        expect(r!.missed_bytes).toBe(0);
        if (t.direction !== undefined) expect(r!.direction).toBe(t.direction);
        if (t.proto === 'tcp' && t.fin_pkts === 2 && t.rst_pkts === 0) expect(r!.state).toBe('SF');
      });
    }
  });
}
