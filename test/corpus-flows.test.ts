// Session records against what Zeek (conn.log, community_id_v1) and Suricata (EVE flow) assert for the same
// captures in the shared corpus. Counting-rule differences are applied here; real disagreements are listed
// in test/known-differences.json with the reason.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { communityId } from '../src/flow/community-id.js';
import { formatIpv6, parseIpv6 } from '../src/core/ip.js';
import { Engine } from '../src/pipeline/engine.js';
import type { SessionRecord } from '../src/schema/sessions.js';
import { corpusDir, readJson, knownDifferences, type KnownDifference as KnownDiff } from './helpers/run.js';

const corpus = corpusDir();

interface Entry {
  file: string | string[];
  kind: string;
  format?: string;
  expect: Record<string, unknown>;
  test?: string;
  baseline?: string;
}


const known = knownDifferences();
type KnownDifference = KnownDiff;

function isKnown(file: string, field: string): KnownDifference | undefined {
  return known.find((k) => k.kind === 'flow' && (k.file === file || k.file === '*') && (k.field === field || k.field === '*'));
}

interface Observed {
  rows: SessionRecord[];
  /** link-layer frame bytes per session uid: [orig, resp] */
  frameBytes: Map<string, [number, number]>;
}

const cache = new Map<string, Promise<Observed>>();

function observe(path: string): Promise<Observed> {
  let p = cache.get(path);
  if (p === undefined) {
    p = (async () => {
      const rows: SessionRecord[] = [];
      const frameBytes = new Map<string, [number, number]>();
      const engine: Engine = new Engine({
        session: (r) => rows.push(r),
        packet: (rec, _m, s) => {
          if (s === null) return;
          let fb = frameBytes.get(s.uid);
          if (fb === undefined) frameBytes.set(s.uid, (fb = [0, 0]));
          fb[engine.flows.lastDir] += rec.origLen;
        },
      });
      await engine.run([path]);
      return { rows, frameBytes };
    })();
    cache.set(path, p);
  }
  return p;
}

const normIp = (s: string): string => (s.includes(':') ? formatIpv6(parseIpv6(s)!) : s);

function findRow(rows: SessionRecord[], sip: string, sport: number, dip: string, dport: number): SessionRecord | undefined {
  return rows.find((r) => r.src_ip === normIp(sip) && r.src_port === sport && r.dst_ip === normIp(dip) && r.dst_port === dport);
}

describe.skipIf(corpus === null)('flows vs Zeek and Suricata', () => {
  const dir = corpus!;
  const entries = readJson<{ entries: Entry[] }>(`${dir}/expected.json`).entries.filter((e) => e.kind === 'flow');

  const zeekConn = entries.filter((e) => e.format?.startsWith('zeek log') && 'id.orig_h' in e.expect);
  const zeekCid = entries.filter((e) => e.format?.startsWith('zeek community_id'));
  const suri = entries.filter((e) => e.format?.startsWith('suricata-eve') && 'src_ip' in (e.expect.match as object));

  it('has the expectations', () => {
    expect(zeekConn.length).toBeGreaterThanOrEqual(10);
    expect(zeekCid.length).toBeGreaterThanOrEqual(19);
    expect(suri.length).toBeGreaterThanOrEqual(8);
  });

  for (const e of zeekConn) {
    const file = e.file as string;
    const x = e.expect as Record<string, string>;
    it(`zeek conn ${file} ${x['id.orig_h']}:${x['id.orig_p']} -> ${x['id.resp_h']}:${x['id.resp_p']}`, async () => {
      const { rows } = await observe(`${dir}/${file}`);
      const r = findRow(rows, x['id.orig_h']!, Number(x['id.orig_p']), x['id.resp_h']!, Number(x['id.resp_p']));
      expect(r, 'session with the same originator').toBeDefined();
      const checks: [string, unknown, unknown][] = [
        ['proto', r!.proto, x.proto],
        ['duration', r!.duration.toFixed(6), x.duration],
        ['orig_bytes', r!.src_bytes, x.orig_bytes === undefined ? undefined : Number(x.orig_bytes)],
        ['resp_bytes', r!.dst_bytes, x.resp_bytes === undefined ? undefined : Number(x.resp_bytes)],
        ['conn_state', r!.state, x.conn_state],
        ['missed_bytes', r!.missed_bytes, x.missed_bytes === undefined ? undefined : Number(x.missed_bytes)],
        ['orig_pkts', r!.src_pkts, x.orig_pkts === undefined ? undefined : Number(x.orig_pkts)],
        ['orig_ip_bytes', r!.src_ip_bytes, x.orig_ip_bytes === undefined ? undefined : Number(x.orig_ip_bytes)],
        ['resp_pkts', r!.dst_pkts, x.resp_pkts === undefined ? undefined : Number(x.resp_pkts)],
        ['resp_ip_bytes', r!.dst_ip_bytes, x.resp_ip_bytes === undefined ? undefined : Number(x.resp_ip_bytes)],
      ];
      for (const [name, ours, theirs] of checks) {
        if (theirs === undefined || isKnown(file, name) !== undefined) continue;
        expect(ours, name).toBe(theirs);
      }
    });
  }

  for (const e of zeekCid) {
    const file = e.file as string;
    const x = e.expect as Record<string, string | number>;
    it(`zeek community id ${file} ${x.orig_h} ${x.orig_p} -> ${x.resp_h} ${x.resp_p}`, async () => {
      const { rows } = await observe(`${dir}/${file}`);
      if (isKnown(file, 'community_id') !== undefined) {
        // same function on Zeek's tuple (Zeek hashed SCTP with ports 0); and the session is there
        const b = (ip: string): Uint8Array => (ip.includes(':') ? parseIpv6(ip)! : Uint8Array.from(ip.split('.').map(Number)));
        expect(communityId(b(String(x.orig_h)), b(String(x.resp_h)), Number(x.proto), 0, 0)).toBe(x.community_id);
        expect(rows.some((r) => [r.src_ip, r.dst_ip].sort().join() === [normIp(String(x.orig_h)), normIp(String(x.resp_h))].sort().join())).toBe(true);
        return;
      }
      const hit = rows.find((r) => r.community_id === x.community_id);
      expect(hit, `a session with ${String(x.community_id)}`).toBeDefined();
      const ends = [normIp(String(x.orig_h)), normIp(String(x.resp_h))].sort();
      expect([hit!.src_ip, hit!.dst_ip].sort()).toEqual(ends);
    });
  }

  for (const e of suri) {
    const file = e.file as string;
    const x = e.expect.match as Record<string, unknown>;
    it(`suricata flow ${e.test ?? file} ${String(x.src_ip)}:${String(x.src_port)} -> ${String(x.dest_ip)}:${String(x.dest_port)}`, async () => {
      const { rows, frameBytes } = await observe(`${dir}/${file}`);
      if (x.event_type === 'netflow') {
        // netflow records are one per direction: find the session either way round
        const fwd = findRow(rows, String(x.src_ip), Number(x.src_port), String(x.dest_ip), Number(x.dest_port));
        const rev = findRow(rows, String(x.dest_ip), Number(x.dest_port), String(x.src_ip), Number(x.src_port));
        const s = fwd ?? rev;
        expect(s, 'session in either direction').toBeDefined();
        const d = fwd !== undefined ? 0 : 1;
        expect(d === 0 ? s!.src_pkts : s!.dst_pkts).toBe(x['netflow.pkts']);
        expect(frameBytes.get(s!.uid)![d]).toBe(x['netflow.bytes']);
        return;
      }
      const r = findRow(rows, String(x.src_ip), Number(x.src_port), String(x.dest_ip), Number(x.dest_port));
      expect(r, 'session with the same originator').toBeDefined();
      if (x.community_id !== undefined) {
        // suricata-verify sets community-id-seed in the test's suricata.yaml (7 in community-id-ipv4)
        const yaml = existsSync(`${dir}/pcap/suricata-verify/${e.test}/suricata.yaml`)
          ? readFileSync(`${dir}/pcap/suricata-verify/${e.test}/suricata.yaml`, 'utf8') : '';
        const seed = Number(/community-id-seed:\s*(\d+)/.exec(yaml)?.[1] ?? 0);
        const bytes = (ip: string): Uint8Array => (ip.includes(':') ? parseIpv6(ip)! : Uint8Array.from(ip.split('.').map(Number)));
        const proto = r!.proto === 'tcp' ? 6 : r!.proto === 'udp' ? 17 : 1;
        expect(communityId(bytes(r!.src_ip), bytes(r!.dst_ip), proto, r!.src_port, r!.dst_port, false, seed)).toBe(x.community_id);
        if (seed === 0) expect(r!.community_id).toBe(x.community_id);
      }
      // Suricata counts whole frames (link header included) per direction
      const fb = frameBytes.get(r!.uid)!;
      const checks: [string, unknown, unknown][] = [
        ['flow.pkts_toserver', r!.src_pkts, x['flow.pkts_toserver']],
        ['flow.pkts_toclient', r!.dst_pkts, x['flow.pkts_toclient']],
        ['flow.bytes_toserver', fb[0], x['flow.bytes_toserver']],
        ['flow.bytes_toclient', fb[1], x['flow.bytes_toclient']],
        ['tcp.tcp_flags_ts', r!.tcp_flags_src?.toString(16).padStart(2, '0'), x['tcp.tcp_flags_ts']],
        ['tcp.tcp_flags_tc', r!.tcp_flags_dst?.toString(16).padStart(2, '0'), x['tcp.tcp_flags_tc']],
      ];
      for (const [name, ours, theirs] of checks) {
        if (theirs === undefined || isKnown(file, name) !== undefined) continue;
        expect(ours, name).toBe(theirs);
      }
    });
  }

  const vlan = entries.filter((e) => e.format?.startsWith('suricata-eve') && Array.isArray((e.expect.match as Record<string, unknown>).vlan));
  for (const e of vlan) {
    it(`suricata vlan ${e.test ?? ''}`, async () => {
      const { rows } = await observe(`${dir}/${e.file as string}`);
      const want = ((e.expect.match as Record<string, unknown>).vlan as number[])[0];
      expect(rows.filter((r) => r.vlan === want).length).toBeGreaterThanOrEqual(Number(e.expect.count));
    });
  }
});
