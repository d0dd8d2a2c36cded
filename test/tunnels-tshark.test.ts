// The corpus tunnel captures against tshark's conversation tables (issue 16 §1): every TCP and UDP conversation
// tshark finds, outer and inner, is one session of ours with the same packets, frame bytes and payload bytes each
// way. The expectations are tshark's (test/expected/tunnels-tshark/*.json, made by tools/tunnel-gen/corpus-expected.py
// with the commands in their README); the captures are read in place from the corpus. Where tshark and we count
// differently on purpose, test/known-differences.json's `tunnel-tshark` entries say why and what is still checked.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIpv6, parseIpv6 } from '../src/core/ip.js';
import type { SessionRecord } from '../src/schema/sessions.js';
import { collect, corpusDir, knownDifferences, readJson, ROOT } from './helpers/run.js';
import type { TsharkConversation as Conversation } from './helpers/tshark-conversation.js';

const corpus = corpusDir();
const EXPECTED = join(ROOT, 'test/expected/tunnels-tshark');
const known = knownDifferences().filter((k) => k.kind === 'tunnel-tshark');

interface Side { pkts: number; bytes: number; payload: number }
interface TsharkConversation extends Conversation {
  proto: 'tcp' | 'udp';
  stream: number;
  protocols: string;
  /** the frames of the other IP fragments of datagrams in this conversation (tshark counts the last one only) */
  fragment_frame_bytes: { orig: number; resp: number };
}
interface Expectation { file: string; packets: number; sessions: TsharkConversation[] }

const norm = (ip: string): string => (ip.includes(':') ? formatIpv6(parseIpv6(ip)!) : ip);

/** A conversation is inner when an IP header sits below another on its path (GRE, VXLAN, GTP, IP-in-IP...). */
const isInner = (protocols: string): boolean => protocols.split(':').filter((p) => p === 'ip' || p === 'ipv6').length > 1;

function knownFor(file: string, t: TsharkConversation | null, field: string): boolean {
  return known.some((k) => (k.file === file || k.file === '*') && k.field === field &&
    (t === null || k.match === undefined || Object.entries(k.match).every(([key, v]) => (t as unknown as Record<string, unknown>)[key] === v)));
}

describe.skipIf(corpus === null)('corpus tunnel captures vs tshark conversations', () => {
  const files = readdirSync(EXPECTED).filter((f) => f.endsWith('.json')).sort();

  it('has the expectations of every tunnel capture', () => expect(files.length).toBeGreaterThanOrEqual(50));

  it('every tunnel-tshark known difference names a capture with an expectation here (or all of them)', () => {
    const captures = new Set(files.map((f) => readJson<Expectation>(join(EXPECTED, f)).file));
    for (const k of known) expect(k.file === '*' || captures.has(k.file), k.file).toBe(true);
  });

  for (const f of files) {
    const exp = readJson<Expectation>(join(EXPECTED, f));
    it(`${exp.file}: ${exp.sessions.length} conversations`, async () => {
      const { sessions, result } = await collect([join(corpus!, exp.file)]);
      expect(result.inputs[0]!.packets, 'packets read').toBe(exp.packets);
      for (const t of exp.sessions) {
        const label = `${t.proto} stream ${t.stream} ${t.orig_addr}:${t.orig_port} -> ${t.resp_addr}:${t.resp_port} (${t.protocols})`;
        if (knownFor(exp.file, t, '*')) continue;
        const [a, b] = [norm(t.orig_addr), norm(t.resp_addr)];
        const same = sessions.filter((r) => r.proto === t.proto && r.src_ip === a && r.src_port === t.orig_port && r.dst_ip === b && r.dst_port === t.resp_port);
        const back = sessions.filter((r) => r.proto === t.proto && r.src_ip === b && r.src_port === t.resp_port && r.dst_ip === a && r.dst_port === t.orig_port);
        const all: [SessionRecord, boolean][] = [...same.map((r): [SessionRecord, boolean] => [r, false]), ...back.map((r): [SessionRecord, boolean] => [r, true])];
        // known: a conversation with a long silence is several sessions of ours (UDP inactivity timeout)
        expect(all.length, `${label}: one session`).toBe(knownFor(exp.file, t, 'inactivity_split') ? 2 : 1);
        const o: Side = { pkts: 0, bytes: 0, payload: 0 };
        const p: Side = { pkts: 0, bytes: 0, payload: 0 };
        for (const [r, swapped] of all) {
          const [x, y] = swapped ? [p, o] : [o, p];
          x.pkts += r.src_pkts;
          x.bytes += r.src_frame_bytes;
          x.payload += r.src_bytes;
          y.pkts += r.dst_pkts;
          y.bytes += r.dst_frame_bytes;
          y.payload += r.dst_bytes;
        }
        const r = all[0]![0];
        const frag = knownFor(exp.file, t, 'fragment_frame_bytes') ? t.fragment_frame_bytes : { orig: 0, resp: 0 };
        expect([o.pkts, p.pkts], `${label}: packets each way`).toEqual([t.orig_pkts, t.resp_pkts]);
        expect([o.bytes, p.bytes], `${label}: frame bytes each way`).toEqual([t.orig_bytes + frag.orig, t.resp_bytes + frag.resp]);
        const missed = all.reduce((n, [x]) => n + x.missed_bytes, 0);
        if (missed > 0 && knownFor(exp.file, t, 'tcp_missed_bytes')) {
          // known: ours count the gaps (sequence numbers), tshark's the segments present
          expect(o.payload + p.payload - missed, `${label}: payload bytes less the gaps`).toBe(t.orig_payload_bytes + t.resp_payload_bytes);
          expect(o.payload, `${label}: orig payload`).toBeGreaterThanOrEqual(t.orig_payload_bytes);
          expect(p.payload, `${label}: resp payload`).toBeGreaterThanOrEqual(t.resp_payload_bytes);
        } else {
          expect([o.payload, p.payload], `${label}: payload bytes each way`).toEqual([t.orig_payload_bytes, t.resp_payload_bytes]);
        }
        if (!knownFor(exp.file, t, 'tunnel_parents')) {
          if (isInner(t.protocols)) expect(r.tunnel_parents?.length ?? 0, `${label}: inside a tunnel`).toBeGreaterThan(0);
          else expect(r.tunnel_parents, `${label}: not inside a tunnel`).toBeNull();
        } else {
          // known: tshark names it by its first packet's path (no tunnel), ours by the tunnel it was also seen in
          expect(isInner(t.protocols)).toBe(false);
          expect(r.tunnel_parents?.length ?? 0, `${label}: a tunnel parent`).toBeGreaterThan(0);
        }
      }
    });
  }
});
