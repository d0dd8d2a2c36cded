// Anomalies against Zeek's core.reassembly baseline for tcp/reassembly.pcap: the snapped IP packets
// (truncated_IP_len) and the retransmissions whose bytes differ from what was delivered (rexmit_inconsistency).
import { describe, expect, it } from 'vitest';
import type { AnomalyEvent } from '../src/core/anomaly.js';
import { Engine } from '../src/pipeline/engine.js';
import type { SessionRecord } from '../src/schema/sessions.js';
import { corpusDir } from './helpers/run.js';
import { readFileSync } from 'node:fs';

const corpus = corpusDir();

describe.skipIf(corpus === null)('anomalies vs Zeek core.reassembly', () => {
  const dir = corpus!;
  const baseline = readFileSync(`${dir}/pcap/zeek/baselines/core.reassembly/output`, 'utf8').split('----------------------');
  // the fifth section is tcp/reassembly.pcap (the others are the four ipv4/fragmented-N traces)
  const section = baseline[5]!;
  const zeekTruncated = section.split('\n').filter((l) => l.startsWith('net_weird, truncated_IP_len')).length;
  const zeekRexmit = section.split('\n').filter((l) => l.startsWith('rexmit_inconsistency')).length;

  it('flags the same snapped packets and inconsistent retransmissions, on the same session', async () => {
    const anomalies: AnomalyEvent[] = [];
    const sessions: SessionRecord[] = [];
    // a stream consumer is attached so delivered bytes are kept until acknowledged (as Zeek keeps them)
    const engine = new Engine(
      { anomaly: (a) => anomalies.push(a), session: (s) => sessions.push(s) },
      { streams: () => ({ deliver: () => undefined, gap: () => undefined, end: () => undefined }) },
    );
    await engine.run([`${dir}/pcap/zeek/tcp/reassembly.pcap`]);
    expect(zeekTruncated).toBe(5);
    expect(anomalies.filter((a) => a.name === 'ipv4_truncated').length).toBe(zeekTruncated);
    const rexmit = anomalies.filter((a) => a.name === 'tcp_rexmit_inconsistency');
    // Zeek reports once per overlapping block compared (6); we report once per retransmitted segment that
    // differs (5): same session, coarser count (test/known-differences.json)
    expect(zeekRexmit).toBe(6);
    expect(rexmit.length).toBe(5);
    const s = sessions.find((x) => x.src_ip === '63.193.213.194' && x.src_port === 2564 && x.dst_ip === '128.3.97.175' && x.dst_port === 80);
    expect(s).toBeDefined();
    expect(new Set(rexmit.map((a) => a.uid))).toEqual(new Set([s!.uid]));
  });
});
