// DNS transactions: any TCP segmentation gives the same records; queries, responses, duplicates and strays
// pair as the record says; content decides on ports that are not DNS ports.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyLog, type AnomalyEvent } from '../../core/anomaly.js';
import { Session } from '../../flow/session.js';
import { ORIG, RESP, type Dir } from '../../reassembly/stream-analyzer.js';
import type { DnsRecord } from '../../schema/dns.js';
import { ROOT } from '../../../test/helpers/run.js';
import { frames } from '../../../test/fuzz/seeds.js';
import { Decoder } from '../../decode/decoder.js';
import { DnsTcp, DnsTransactions } from './dns-analyzer.js';

/** The UDP DNS messages of the gen capture, in order, with their direction (queries ORIG). */
function genMessages(): { dir: Dir; msg: Uint8Array }[] {
  const d = new Decoder(new AnomalyLog(() => undefined));
  const out: { dir: Dir; msg: Uint8Array }[] = [];
  for (const f of frames(new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/dns/dns-gen.pcap'))))) {
    d.decode(f.data, new DataView(f.data.buffer), 0, f.data.length, 0, f.linktype);
    const m = d.meta;
    if (m.l4 && m.ipProto === 17 && m.payloadLen > 0) out.push({ dir: m.dport === 5399 ? ORIG : RESP, msg: m.buf.slice(m.payloadOff, m.payloadOff + m.payloadLen) });
  }
  return out;
}

function session(): Session {
  const s = new Session();
  s.uid = 'Ctest';
  s.proto = 6;
  s.a4 = 0x7f000001;
  s.b4 = 0x7f000001;
  s.aPort = 40000;
  s.bPort = 5399;
  return s;
}

/** The records of one TCP session carrying `msgs`, each direction's stream cut at `cuts` (fractions). */
function overTcp(msgs: { dir: Dir; msg: Uint8Array }[], cuts: number[][]): { records: DnsRecord[]; anomalies: AnomalyEvent[] } {
  const records: DnsRecord[] = [];
  const anomalies: AnomalyEvent[] = [];
  const s = session();
  const a = new DnsTcp({ session: s, anomalies: new AnomalyLog((x) => void anomalies.push(x)), emit: (r) => void records.push(r) });
  const streams = [ORIG, RESP].map((dir) => {
    const parts = msgs.filter((m) => m.dir === dir).map((m) => Uint8Array.from([m.msg.length >> 8, m.msg.length & 0xff, ...m.msg]));
    return Uint8Array.from(parts.flatMap((p) => [...p]));
  });
  // the client's stream first, then the server's: every response after its query, however they are cut
  for (const dir of [ORIG, RESP]) {
    const b = streams[dir]!;
    const at = [...new Set(cuts[dir]!.map((c) => Math.floor(c * b.length)))].sort((x, y) => x - y);
    let p = 0;
    for (const c of [...at, b.length]) {
      if (c <= p) continue;
      a.deliver(dir, b.slice(p, c));
      p = c;
    }
  }
  a.end(ORIG);
  a.end(RESP);
  return { records, anomalies };
}

describe('DnsTcp', () => {
  const msgs = genMessages();

  it('reads the gen capture\'s messages as DNS over TCP on port 5399, by content', () => {
    const { records, anomalies } = overTcp(msgs, [[], []]);
    expect(records.length).toBe(msgs.filter((m) => m.dir === ORIG).length);
    expect(records.every((r) => r.outcome === 'answered' && r.transport === 'tcp')).toBe(true);
    expect(anomalies).toEqual([]);
  });

  it('gives the same records however the streams are segmented', () => {
    const whole = overTcp(msgs, [[], []]);
    const cut = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 });
    fc.assert(fc.property(cut, cut, (o, r) => {
      expect(overTcp(msgs, [o, r])).toEqual(whole);
    }), { numRuns: 200, seed: 16 });
    // one byte at a time
    const bytes = (n: number): number[] => Array.from({ length: n }, (_, i) => i / n);
    expect(overTcp(msgs, [bytes(3000), bytes(9000)])).toEqual(whole);
  });

  it('steps aside from a stream that is not DNS', () => {
    const s = session();
    const a = new DnsTcp({ session: s, anomalies: new AnomalyLog(() => undefined), emit: () => undefined });
    a.deliver(ORIG, Uint8Array.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n', (c) => c.charCodeAt(0)));
    expect([a.active, s.appProto]).toEqual([false, null]);
  });
});

describe('DnsTransactions', () => {
  const msgs = genMessages();
  const run = (seq: { dir: Dir; msg: Uint8Array }[]): DnsRecord[] => {
    const out: DnsRecord[] = [];
    const s = session();
    s.proto = 17;
    const t = new DnsTransactions({ session: s, transport: 'udp', anomalies: new AnomalyLog(() => undefined), emit: (r) => void out.push(r) });
    seq.forEach((m, i) => t.message(m.dir, m.msg, 1_000_000 + i * 1000));
    t.finish();
    return out;
  };

  it('pairs, repeats, strays and unanswered queries', () => {
    const [q, r] = [msgs[0]!, msgs[1]!];
    expect(run([q, r]).map((x) => [x.outcome, x.rtt])).toEqual([['answered', 0.001]]);
    expect(run([q, r, r]).map((x) => x.outcome)).toEqual(['answered', 'duplicate']);
    expect(run([r]).map((x) => [x.outcome, x.src_port, x.dst_port])).toEqual([['response_only', 40000, 5399]]);
    expect(run([q, q, r]).map((x) => [x.outcome, x.rtt])).toEqual([['answered', 0.002], ['unanswered', null]]);
    expect(run([q]).map((x) => [x.outcome, x.rcode, x.aa])).toEqual([['unanswered', null, null]]);
  });
});
