// Our own tunnel capture (tools/tunnel-gen/make.sh: curl to python's http.server through kernel VXLAN and
// fourteen userspace tunnels between two network namespaces): every TCP and UDP conversation tshark finds,
// inner and outer, with its packets, frame bytes and payload bytes each way (expected/tunnels.pcap.json, from
// tshark); each inner session's chain and parent by construction (the tunnels the script made).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../src/schema/sessions.js';
import type { AnomalyEvent } from '../src/core/anomaly.js';
import { analysis } from '../src/pipeline/analyzers.js';
import { Engine } from '../src/pipeline/engine.js';
import { GEN, knownDifferences, readJson } from './helpers/run.js';
import type { TsharkConversation } from './helpers/tshark-conversation.js';

const quotedKnown = knownDifferences().find((k) => k.kind === 'tunnel' && k.file === 'test/fixtures/gen/tunnels.pcap' && k.field === 'icmp_quoted');

interface TsharkSession extends TsharkConversation {
  proto: string;
  protocols: string;
  /** ICMP errors quoting this conversation's header, which tshark counts into it (included in the totals above) */
  icmp_quoted: Record<'orig_pkts' | 'resp_pkts' | 'orig_bytes' | 'resp_bytes' | 'orig_payload_bytes' | 'resp_payload_bytes', number>;
}

/** What make.sh built, by the inner server's address: the chain, and the outer session's app_proto. */
const BUILT: Record<string, [string, string]> = {
  '10.100.1.2': ['vxlan(vni 42)', 'vxlan'],
  '10.100.2.2': ['gre(key 5)', 'gre'],
  '10.100.3.2': ['gre', 'gre'],
  '10.100.4.2': ['gre>erspan2(session 1, vlan 10)', 'gre'],
  '10.100.5.2': ['gre>erspan3(session 3, vlan 20)', 'gre'],
  '10.100.6.2': ['pptp(call 4660)', 'gre'],
  '10.100.7.2': ['gre', 'gre'],
  '10.100.8.2': ['geneve(vni 7)', 'geneve'],
  '10.100.9.2': ['4in4', '4in4'],
  'fd00:10::2': ['6in4', '6in4'],
  '10.100.11.2': ['4in6', '4in6'],
  'fd00:12::2': ['6in6', '6in6'],
  '2001:0:a63:1::2': ['teredo', 'teredo'],
  'fd00:14::2': ['ayiya', 'ayiya'],
  '10.100.15.2': ['gtpv1(teid 256)', 'gtpv1'],
};

describe('gen/tunnels.pcap: inner and outer conversations vs tshark', async () => {
  const exp = readJson<{ packets: number; sessions: TsharkSession[] }>(join(GEN, 'expected', 'tunnels.pcap.json'));
  // with protocol detection, as `haystack sessions` runs when app_proto is shown: the inner HTTP is found
  const sessions: SessionRecord[] = [];
  const anomalies: AnomalyEvent[] = [];
  const an = analysis({ sessions: true }, () => engine);
  const engine: Engine = new Engine({ ...an.handlers, session: (r) => sessions.push(r), anomaly: (a) => anomalies.push(a) }, an.options);
  const result = await engine.run([join(GEN, 'tunnels.pcap')]);
  const byUid = new Map(sessions.map((s) => [s.uid, s]));
  const find = (t: TsharkSession): SessionRecord | undefined => sessions.find((r) => r.proto === t.proto &&
    r.src_ip === t.orig_addr && r.src_port === t.orig_port && r.dst_ip === t.resp_addr && r.dst_port === t.resp_port);

  it('reads every packet, without anomalies', () => {
    expect(result.inputs[0]!.packets).toBe(exp.packets);
    expect(anomalies).toEqual([]);
  });

  it('has an inner HTTP session for each of the fifteen tunnels', () => {
    expect(exp.sessions.filter((t) => t.proto === 'tcp').map((t) => t.resp_addr).sort()).toEqual(Object.keys(BUILT).sort());
  });

  for (const t of exp.sessions) {
    it(`${t.proto} ${t.orig_addr}:${t.orig_port} -> ${t.resp_addr}:${t.resp_port} (${t.protocols})`, () => {
      const r = find(t);
      expect(r, 'session').toBeDefined();
      // known difference: an ICMP error quoting the datagram is the ICMP session's packet, not this one's
      const q = quotedKnown === undefined ? { orig_pkts: 0, resp_pkts: 0, orig_bytes: 0, resp_bytes: 0, orig_payload_bytes: 0, resp_payload_bytes: 0 } : t.icmp_quoted;
      expect([r!.src_pkts, r!.dst_pkts]).toEqual([t.orig_pkts - q.orig_pkts, t.resp_pkts - q.resp_pkts]);
      expect([r!.src_frame_bytes, r!.dst_frame_bytes]).toEqual([t.orig_bytes - q.orig_bytes, t.resp_bytes - q.resp_bytes]);
      expect([r!.src_bytes, r!.dst_bytes]).toEqual([t.orig_payload_bytes - q.orig_payload_bytes, t.resp_payload_bytes - q.resp_payload_bytes]);
      if (q.orig_pkts + q.resp_pkts > 0) {
        // those packets are in an ICMP session between the same hosts, as Zeek keeps them
        const icmp = sessions.filter((x) => x.proto === 'icmp' && [x.src_ip, x.dst_ip].sort().join() === [t.orig_addr, t.resp_addr].sort().join());
        expect(icmp.reduce((n, x) => n + x.src_pkts + x.dst_pkts, 0)).toBeGreaterThanOrEqual(q.orig_pkts + q.resp_pkts);
      }
      const built = BUILT[t.resp_addr];
      if (built === undefined) {
        // an outer (underlay) conversation: not inside anything, named by the tunnel it carries
        expect(r!.tunnel_parents).toBeNull();
        expect(r!.encap).toBeNull();
        expect(['vxlan', 'gre', 'geneve', 'teredo', 'ayiya', 'gtpv1']).toContain(r!.app_proto);
        return;
      }
      expect(r!.encap).toBe(built[0]);
      expect(r!.app_proto).toBe('http');
      expect(r!.tunnel_parents).toHaveLength(built[1] === 'vxlan' ? 2 : 1);
      for (const p of r!.tunnel_parents!) {
        const outer = byUid.get(p)!;
        expect(outer.app_proto).toBe(built[1]);
        // the underlay: IPv6 for 4in6 and 6in6, IPv4 for the rest
        expect([outer.src_ip, outer.dst_ip].sort()).toEqual(built[1] === '4in6' || built[1] === '6in6' ? ['fd99::1', 'fd99::2'] : ['10.99.0.1', '10.99.0.2']);
      }
    });
  }
});
