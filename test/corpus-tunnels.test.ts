// Tunnels against the peers (issue 16 §1): tcpdump's decoded text of vxlan/geneve/nflog, the inner TCP SYNs
// the JA4T/JA4L outputs describe (FoxIO's rust CLI snapshots, ja4.py and the Wireshark plugin), Zeek's conn.log
// (tunnel_parents, service, packet counts) and tunnel.log baselines for its tunnel traces, and the facts its
// printout-only tunnel baselines state (ERSPAN's VLAN, IP-in-IP chains, GTP, Geneve options, the depth limit,
// known services). tshark's conversation tables are in test/tunnels-tshark.test.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnomalyEvent } from '../src/core/anomaly.js';
import { formatIpv6, parseIpv6 } from '../src/core/ip.js';
import { TH_ACK, TH_SYN } from '../src/decode/constants.js';
import { analysis } from '../src/pipeline/analyzers.js';
import { Engine } from '../src/pipeline/engine.js';
import type { SessionRecord } from '../src/schema/sessions.js';
import { corpusDir, knownDifferences } from './helpers/run.js';
import { baselineTraces, readZeekLog, type ZeekRow } from './helpers/zeek-log.js';

const corpus = corpusDir();
const known = knownDifferences().filter((k) => k.kind === 'tunnel');

function isKnown(file: string, field: string): boolean {
  return known.some((k) => (k.file === file || k.file === '*') && k.field === field);
}

/** An inner TCP packet with SYN set: what JA4T and JA4L are made of. */
interface Syn {
  ts: number;
  uid: string;
  flags: number;
  window: number;
  ttl: number;
  options: Uint8Array;
}

interface Observed {
  rows: SessionRecord[];
  anomalies: AnomalyEvent[];
  syns: Syn[];
  /** ts of each inner TCP packet by uid (for JA4L's ACK after the SYN-ACK) */
  innerTcp: Map<string, { ts: number; flags: number; ttl: number; outerTtl: number; len: number; seq: number; ack: number; sport: number }[]>;
}

const cache = new Map<string, Promise<Observed>>();

function observe(path: string): Promise<Observed> {
  let p = cache.get(path);
  if (p === undefined) {
    p = (async () => {
      const o: Observed = { rows: [], anomalies: [], syns: [], innerTcp: new Map() };
      let outerTtl = 0;
      const engine = new Engine({
        session: (r) => o.rows.push(r),
        anomaly: (a) => o.anomalies.push(a),
        packet: (_rec, m, s) => {
          if (m.depth === 0) outerTtl = m.ttl;
          if (m.depth === 0 || s === null || m.ipProto !== 6 || !m.l4) return;
          let l = o.innerTcp.get(s.uid);
          if (l === undefined) o.innerTcp.set(s.uid, (l = []));
          l.push({ ts: m.ts, flags: m.tcpFlags, ttl: m.ttl, outerTtl, len: m.payloadLen, seq: m.seq, ack: m.ack, sport: m.sport });
          if (m.tcpFlags & TH_SYN) {
            o.syns.push({ ts: m.ts, uid: s.uid, flags: m.tcpFlags, window: m.window, ttl: m.ttl, options: m.buf.slice(m.l4Off + 20, m.payloadOff) });
          }
        },
      });
      await engine.run([path]);
      return o;
    })();
    cache.set(path, p);
  }
  return p;
}

const norm = (ip: string): string => (ip.includes(':') ? formatIpv6(parseIpv6(ip)!) : ip);

/** The session of a 5-tuple seen either way round. */
function findSession(rows: SessionRecord[], proto: string | null, a: string, ap: number, b: string, bp: number): SessionRecord | undefined {
  const [na, nb] = [norm(a), norm(b)];
  return rows.find((r) => (proto === null || r.proto === proto) &&
    ((r.src_ip === na && r.src_port === ap && r.dst_ip === nb && r.dst_port === bp) ||
      (r.src_ip === nb && r.src_port === bp && r.dst_ip === na && r.dst_port === ap)));
}

const TCPDUMP_TUPLE = /(\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): |(\d+\.\d+\.\d+\.\d+) > (\d+\.\d+\.\d+\.\d+): ICMP/g;

/** tcpdump's printout as packets: the innermost tuple after the tunnel marker (if any), and the VNI. */
function tcpdumpPackets(text: string, marker: RegExp | null): { proto: string; a: string; ap: number; b: string; bp: number; vni: number | null }[] {
  const packets: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\s*\d+\s+\d{4}-/.test(line)) packets.push(line);
    else if (line.trim() !== '' && packets.length > 0) packets[packets.length - 1] += ` ${line}`;
  }
  const out: ReturnType<typeof tcpdumpPackets> = [];
  for (const p of packets) {
    let body = p;
    let vni: number | null = null;
    if (marker !== null) {
      const mk = marker.exec(p);
      if (mk === null) continue;
      body = p.slice(mk.index + mk[0].length);
      vni = Number(mk[1]);
    }
    const tuples = [...body.matchAll(TCPDUMP_TUPLE)];
    if (tuples.length === 0) continue; // ARP inside the tunnel: no session
    const t = tuples[tuples.length - 1]!;
    if (t[1] !== undefined) {
      const proto = /: Flags \[/.test(body.slice(t.index)) ? 'tcp' : 'udp';
      out.push({ proto, a: t[1], ap: Number(t[2]), b: t[3]!, bp: Number(t[4]), vni });
    } else {
      out.push({ proto: 'icmp', a: t[5]!, ap: -1, b: t[6]!, bp: -1, vni });
    }
  }
  return out;
}

describe.skipIf(corpus === null)('tunnels vs tcpdump (vxlan, geneve, nflog)', () => {
  const dir = corpus!;
  const cases: [string, string, RegExp | null, string][] = [
    ['pcap/tcpdump/vxlan.pcap', 'pcap/tcpdump/vxlan.out', /VXLAN, flags \[I\] \(0x08\), vni (\d+)\s*/, 'vxlan'],
    ['pcap/tcpdump/geneve.pcap', 'pcap/tcpdump/geneve-tcp.out', /Geneve, Flags \[[^\]]*\], vni (0x[0-9a-f]+)(?:, options \[[^\]]*\])?: /, 'geneve'],
    ['pcap/tcpdump/nflog.pcap', 'pcap/tcpdump/nflog-e.out', null, ''],
  ];
  for (const [cap, out, marker, kind] of cases) {
    it(`${cap}: every inner flow tcpdump prints is a session with its packets${kind === '' ? '' : `, its ${kind} parent and VNI`}`, async () => {
      const o = await observe(join(dir, cap));
      const pkts = tcpdumpPackets(readFileSync(join(dir, out), 'utf8'), marker);
      expect(pkts.length).toBeGreaterThan(3);
      const flows = new Map<string, { p: (typeof pkts)[number]; n: number; vnis: Set<number> }>();
      for (const p of pkts) {
        const k = [p.proto, ...[`${p.a}:${p.ap}`, `${p.b}:${p.bp}`].sort()].join(' ');
        const f = flows.get(k) ?? { p, n: 0, vnis: new Set<number>() };
        f.n++;
        if (p.vni !== null) f.vnis.add(p.vni);
        flows.set(k, f);
      }
      for (const { p, n, vnis } of flows.values()) {
        const r = p.proto === 'icmp'
          ? o.rows.find((x) => x.proto === 'icmp' && [x.src_ip, x.dst_ip].sort().join() === [p.a, p.b].sort().join())
          : findSession(o.rows, p.proto, p.a, p.ap, p.b, p.bp);
        expect(r, `${p.proto} ${p.a}:${p.ap} ${p.b}:${p.bp}`).toBeDefined();
        expect(r!.src_pkts + r!.dst_pkts, 'packets').toBe(n);
        if (kind === '') {
          expect(r!.tunnel_parents).toBeNull();
          continue;
        }
        const m = /^(\w+)\(vni (\d+)\)$/.exec(r!.encap ?? '');
        expect(m?.[1]).toBe(kind);
        expect(vnis.has(Number(m![2]))).toBe(true);
        for (const uid of r!.tunnel_parents ?? []) expect(o.rows.find((x) => x.uid === uid)?.app_proto).toBe(kind);
        expect(r!.tunnel_parents!.length).toBeGreaterThan(0);
      }
      expect(o.anomalies.filter((a) => /^(gre|vxlan|geneve|nflog|tunnel)_/.test(a.name))).toEqual([]);
    });
  }
});

/** The rust ja4 CLI's insta snapshot (a YAML list of flat maps; values kept as text, `8192__0_0` stays a string). */
function readSnap(path: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n').slice(4)) {
    const m = /^(- | {2})(\w+): (.*)$/.exec(line);
    if (m === null) continue;
    if (m[1] === '- ') out.push({});
    out[out.length - 1]![m[2]!] = m[3]!.replace(/^"(.*)"$/, '$1');
  }
  return out;
}

/** The TCP header facts JA4T is built from: window, option kinds in order, MSS, window scale. */
function synFacts(s: Syn): string {
  const kinds: number[] = [];
  let mss = 0;
  let ws = 0;
  const o = s.options;
  for (let i = 0; i < o.length;) {
    const k = o[i]!;
    kinds.push(k);
    if (k === 0) break;
    if (k === 1) {
      i++;
      continue;
    }
    const len = o[i + 1] ?? 2;
    if (k === 2) mss = (o[i + 2]! << 8) | o[i + 3]!;
    if (k === 3) ws = o[i + 2]!;
    i += Math.max(2, len);
  }
  return `${s.window}_${kinds.join('-')}_${mss}_${ws}`;
}

describe.skipIf(corpus === null)('tunnels vs the JA4T/JA4L outputs (FoxIO rust CLI snapshots)', () => {
  const dir = corpus!;
  for (const name of ['gre-erspan-vxlan', 'gre-sample', 'tcpdump-geneve']) {
    const snap = join(dir, `pcap/ja4/expected/rust/ja4__insta@${name}.pcap.snap`);
    it(`${name}: the inner TCP flow, its SYN's window/options/MSS/scale and its TTLs are what JA4T and JA4L state`, async () => {
      const o = await observe(join(dir, `pcap/ja4/${name}.pcap`));
      const entries = readSnap(snap).filter((e) => e.transport === 'tcp');
      expect(entries.length).toBeGreaterThan(0);
      for (const e of entries) {
        const r = findSession(o.rows, 'tcp', e.src!, Number(e.src_port), e.dst!, Number(e.dst_port));
        expect(r, `${e.src}:${e.src_port} -> ${e.dst}:${e.dst_port}`).toBeDefined();
        expect(r!.src_ip).toBe(e.src);
        expect(r!.tunnel_parents).not.toBeNull();
        const syn = o.syns.find((s) => s.uid === r!.uid && (s.flags & (TH_SYN | TH_ACK)) === TH_SYN);
        const synAck = o.syns.find((s) => s.uid === r!.uid && (s.flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK));
        // JA4T lists option kinds with '-' and leaves the part empty without options ("8192__0_0")
        expect(synFacts(syn!)).toBe(e.ja4t);
        // JA4L: latency in µs _ TTL; client: SYN-ACK -> ACK, server: SYN -> SYN-ACK (halved, rounded down)
        const pk = o.innerTcp.get(r!.uid)!;
        const sa = pk.find((x) => x.ts === synAck!.ts && (x.flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK))!;
        const ack = pk.find((x) => x.ts >= synAck!.ts && (x.flags & (TH_SYN | TH_ACK)) === TH_ACK)!;
        // known: the rust CLI takes the TTL of the outermost IP header (the tunnel's), which differs here
        const ttl = (p: { ttl: number; outerTtl: number }): number => (isKnown(`pcap/ja4/${name}.pcap`, 'ja4l_ttl') ? p.outerTtl : p.ttl);
        expect(`${Math.floor((synAck!.ts - syn!.ts) / 2)}_${ttl(sa)}`).toBe(e.ja4l_s);
        expect(`${Math.floor((ack.ts - synAck!.ts) / 2)}_${ttl(ack)}`).toBe(e.ja4l_c);
      }
    });
  }
});

/** ja4.py's JSON output for a capture: one entry per TCP stream. */
interface Ja4Py { stream: number; src: string; dst: string; srcport: string; dstport: string; client_ttl: string; server_ttl: string; 'JA4L-S': string; 'JA4L-C': string }
/** Wireshark's ja4 plugin (tshark -T ek): the ja4.* fields of each frame that has any. */
function readWiresharkJa4(path: string): { frame: number; fields: Record<string, string> }[] {
  const out: { frame: number; fields: Record<string, string> }[] = [];
  for (const e of JSON.parse(readFileSync(path, 'utf8')) as { _source: { layers: Record<string, string[]> } }[]) {
    const l = e._source.layers;
    out.push({ frame: Number(l['frame.number']![0]), fields: Object.fromEntries(Object.entries(l).filter(([k]) => k.startsWith('ja4.')).map(([k, v]) => [k, v[0]!])) });
  }
  return out;
}
/** JA4T as the Wireshark plugin renders it: "00" for an empty option list and for an absent MSS or window scale. */
function wiresharkJa4t(s: Syn): string {
  const [win, kinds, mss, ws] = synFacts(s).split('_');
  return `${win}_${kinds === '' ? '00' : kinds}_${mss === '0' ? '00' : mss}_${ws === '0' ? '00' : ws}`;
}

describe.skipIf(corpus === null)('tunnels vs the JA4T/JA4L outputs of ja4.py and the Wireshark plugin', () => {
  const dir = corpus!;
  const knownPy = (field: string): boolean => isKnown('pcap/ja4/expected/python', field);
  for (const name of ['gre-erspan-vxlan', 'gre-sample', 'tcpdump-geneve']) {
    it(`${name}: ja4.py's stream, its JA4L-S, its JA4L-C and TTLs`, async () => {
      const o = await observe(join(dir, `pcap/ja4/${name}.pcap`));
      const py = JSON.parse(readFileSync(join(dir, `pcap/ja4/expected/python/${name}.pcap.json`), 'utf8')) as Ja4Py[];
      expect(py.length).toBe(1);
      for (const e of py) {
        // known: ja4.py names the stream by the outermost IP header's addresses (the tunnel's endpoints) and the
        // inner TCP ports; the inner session with those ports is ours, its outermost tunnel those addresses
        expect(knownPy('addresses')).toBe(true);
        const r = o.rows.find((x) => x.proto === 'tcp' && x.src_port === Number(e.srcport) && x.dst_port === Number(e.dstport))!;
        expect(r, `${e.srcport} -> ${e.dstport}`).toBeDefined();
        const outermost = o.rows.find((x) => x.uid === r.tunnel_parents![0])!;
        let top = outermost;
        while (top.tunnel_parents !== null) top = o.rows.find((x) => x.uid === top.tunnel_parents![0])!;
        expect([e.src, e.dst].sort()).toEqual([top.src_ip, top.dst_ip].sort());
        const pk = o.innerTcp.get(r.uid)!;
        const syn = pk.find((x) => (x.flags & (TH_SYN | TH_ACK)) === TH_SYN)!;
        const synAck = pk.find((x) => (x.flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK))!;
        // known: ja4.py's TTLs are the outermost IP header's (the SYN's for the client, the SYN-ACK's for the server)
        expect(knownPy('ttl')).toBe(true);
        expect([e.client_ttl, e.server_ttl]).toEqual([String(syn.outerTtl), String(synAck.outerTtl)]);
        expect(e['JA4L-S']).toBe(`${Math.floor((synAck.ts - syn.ts) / 2)}_${synAck.outerTtl}`);
        // known: ja4.py's JA4L-C ends at the last packet (either way) with relative seq 1 and ack 1 before the
        // client's first payload, which is the server's SSH banner when the server speaks first, not the ACK
        // that completes the handshake
        expect(knownPy('ja4l_c')).toBe(true);
        const fromSrc = (x: (typeof pk)[number]): boolean => x.sport === r.src_port;
        const rel = (x: (typeof pk)[number]): [number, number] => (fromSrc(x)
          ? [(x.seq - syn.seq) >>> 0, (x.ack - synAck.seq) >>> 0] : [(x.seq - synAck.seq) >>> 0, (x.ack - syn.seq) >>> 0]);
        const firstData = pk.findIndex((x) => fromSrc(x) && x.len > 0);
        const c = pk.slice(0, firstData).filter((x) => x.ts > synAck.ts && (x.flags & TH_SYN) === 0 && rel(x).join() === '1,1').at(-1)!;
        expect(e['JA4L-C']).toBe(`${Math.floor((c.ts - synAck.ts) / 2)}_${syn.outerTtl}`);
      }
    });

    it(`${name}: the Wireshark plugin's JA4T, JA4TS and JA4L on the inner handshake`, async () => {
      const o = await observe(join(dir, `pcap/ja4/${name}.pcap`));
      const ws = readWiresharkJa4(join(dir, `pcap/ja4/expected/wireshark/${name}.pcap.json`));
      const fields = new Set(ws.flatMap((w) => Object.keys(w.fields)));
      if (!fields.has('ja4.ja4t')) {
        // known: for SSH inside GRE the plugin gives JA4SSH only, which Haystack does not compute
        expect(isKnown('pcap/ja4/expected/wireshark', 'ja4ssh_only')).toBe(true);
        expect([...fields]).toEqual(['ja4.ja4ssh']);
        return;
      }
      const inner = o.rows.filter((x) => x.proto === 'tcp' && x.tunnel_parents !== null);
      expect(inner.length).toBe(1);
      const r = inner[0]!;
      const syn = o.syns.find((s) => s.uid === r.uid && (s.flags & (TH_SYN | TH_ACK)) === TH_SYN)!;
      const synAck = o.syns.find((s) => s.uid === r.uid && (s.flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK))!;
      expect(ws.find((w) => w.fields['ja4.ja4t'] !== undefined)!.fields['ja4.ja4t']).toBe(wiresharkJa4t(syn));
      expect(ws.find((w) => w.fields['ja4.ja4ts'] !== undefined)!.fields['ja4.ja4ts']).toBe(wiresharkJa4t(synAck));
      const l = ws.find((w) => w.fields['ja4.ja4l'] !== undefined);
      if (l !== undefined) {
        const pk = o.innerTcp.get(r.uid)!;
        const sa = pk.find((x) => x.ts === synAck.ts)!;
        const ack = pk.find((x) => x.ts > synAck.ts && (x.flags & (TH_SYN | TH_ACK)) === TH_ACK)!;
        // known: the plugin adds a third part (its application-data latency), which Haystack does not compute
        expect(isKnown('pcap/ja4/expected/wireshark', 'ja4l_third_part')).toBe(true);
        const [c, ttlC] = l.fields['ja4.ja4l']!.split('_');
        const [sLat, ttlS] = l.fields['ja4.ja4ls']!.split('_');
        expect(`${c}_${ttlC}`).toBe(`${Math.floor((ack.ts - synAck.ts) / 2)}_${ack.ttl}`);
        expect(`${sLat}_${ttlS}`).toBe(`${Math.floor((synAck.ts - syn.ts) / 2)}_${sa.ttl}`);
      }
    });
  }
});

const TUNNEL_PROTOS: Record<string, string[]> = {
  'Tunnel::VXLAN': ['vxlan'], 'Tunnel::GENEVE': ['geneve'], 'Tunnel::TEREDO': ['teredo'], 'Tunnel::AYIYA': ['ayiya'],
  'Tunnel::GTPv1': ['gtpv1'], 'Tunnel::GRE': ['gre'], 'Tunnel::IP': ['4in4', '6in4', '4in6', '6in6'],
};
const TUNNEL_SERVICES = new Set(['vxlan', 'geneve', 'teredo', 'ayiya', 'gtpv1']);

describe.skipIf(corpus === null)('tunnels vs Zeek conn.log and tunnel.log baselines', () => {
  const dir = corpus!;
  const manifest = readFileSync(join(dir, 'MANIFEST.md'), 'utf8');
  const base = join(dir, 'pcap/zeek/baselines');
  const dirs = readdirSync(base).filter((d) => d.startsWith('core.tunnels.'));

  it('has the baselines', () => expect(dirs.length).toBeGreaterThanOrEqual(40));

  for (const d of dirs) {
    const connFile = ['conn.log', 'conn.log.cut'].map((f) => join(base, d, f)).find((f) => existsSync(f));
    const tunnelFile = join(base, d, 'tunnel.log');
    const rel = `pcap/zeek/baselines/${d}/${connFile !== undefined ? connFile.split('/').pop()! : 'tunnel.log'}`;
    const traces = baselineTraces(manifest, rel);
    if ((connFile === undefined && !existsSync(tunnelFile)) || traces.length !== 1) continue;
    const trace = traces[0]!;
    if (isKnown(trace, '*')) continue;
    it(`${d} (${trace})`, async () => {
      const o = await observe(join(dir, trace));
      const conn = connFile === undefined ? [] : readZeekLog(connFile);
      const tunnels = existsSync(tunnelFile) ? readZeekLog(tunnelFile) : [];
      const byUid = new Map(conn.map((c) => [c.uid!, c]));
      const parentOf = new Set(o.rows.flatMap((r) => r.tunnel_parents ?? []));
      const ours = (c: ZeekRow): SessionRecord | undefined => {
        const proto = c.proto === 'icmp' ? (c.ip_proto === '58' || c['id.orig_h']!.includes(':') ? 'icmpv6' : 'icmp') : c.proto!;
        // conn.log.cut files name the columns id.orig_h, id.resp_p (sic), id.resp_h, id.resp_p
        const op = Number(c['id.orig_p'] ?? c['id.resp_p']);
        return findSession(o.rows, proto, c['id.orig_h']!, op, c['id.resp_h']!, Number(c['id.resp_p']));
      };
      // what a Zeek tunnel uid is here: a conn.log row's session, or (GRE, IP-in-IP) the address pair of tunnel.log
      const parentKey = (uid: string): string => {
        const c = byUid.get(uid);
        if (c !== undefined) return ours(c)?.uid ?? `missing ${uid}`;
        const t = tunnels.find((x) => x.uid === uid);
        return t === undefined ? `unknown ${uid}` : `pair ${[norm(t['id.orig_h']!), norm(t['id.resp_h']!)].sort().join(' ')}`;
      };
      // a tunnel Zeek names by its address pair (GRE, IP-in-IP: no conn.log row) is compared as the pair of
      // ours; GRE over UDP: Zeek's tunnel is the pair, ours are the udp/4754 sessions between the same hosts
      const ourKey = (uid: string, pairs: boolean): string => {
        const r = o.rows.find((x) => x.uid === uid)!;
        return !pairs && conn.some((c) => ours(c)?.uid === uid) ? uid : `pair ${[r.src_ip, r.dst_ip].sort().join(' ')}`;
      };
      for (const c of conn) {
        if (!['tcp', 'udp', 'icmp'].includes(c.proto!)) continue;
        const label = `${c.proto} ${c['id.orig_h']}:${c['id.orig_p'] ?? ''} -> ${c['id.resp_h']}:${c['id.resp_p']}`;
        const r = ours(c);
        if (c.history === 'DX' && isKnown(trace, 'max_depth')) continue;
        expect(r, label).toBeDefined();
        if (c.tunnel_parents !== undefined && !isKnown(trace, 'tunnel_parents')) {
          const theirs = c.tunnel_parents === '-' ? [] : [...new Set(c.tunnel_parents.split(',').map(parentKey))].sort();
          const pairs = theirs.some((k) => k.startsWith('pair '));
          const mine = [...new Set((r!.tunnel_parents ?? []).map((u) => ourKey(u, pairs)))].sort();
          expect(mine, `${label} tunnel_parents`).toEqual(theirs);
        }
        if (c.service !== undefined && TUNNEL_SERVICES.has(c.service)) expect(r!.app_proto, `${label} service`).toBe(c.service);
        if (c.orig_pkts !== undefined && c.tunnel_parents !== '-' && !isKnown(trace, 'pkts')) {
          expect(r!.src_pkts + r!.dst_pkts, `${label} packets`).toBe(Number(c.orig_pkts) + Number(c.resp_pkts));
        }
      }
      for (const t of tunnels.filter((x) => x.action === 'Tunnel::DISCOVER')) {
        const label = `${t.tunnel_type} ${t['id.orig_h']} ${t['id.resp_h']}`;
        const carriers = o.rows.filter((r) => parentOf.has(r.uid) &&
          [r.src_ip, r.dst_ip].sort().join() === [norm(t['id.orig_h']!), norm(t['id.resp_h']!)].sort().join() &&
          (t['id.orig_p'] === '0' || (r.src_port === Number(t['id.orig_p']) && r.dst_port === Number(t['id.resp_p'])) ||
            (r.dst_port === Number(t['id.orig_p']) && r.src_port === Number(t['id.resp_p']))));
        expect(carriers.length, `${label}: a session carrying it`).toBeGreaterThan(0);
        for (const r of carriers) expect(TUNNEL_PROTOS[t.tunnel_type!], label).toContain(r.app_proto);
      }
    });
  }
});

describe.skipIf(corpus === null)('the tunnel known differences still differ', () => {
  const dir = corpus!;
  it('Aruba GRE: GRE sessions with nothing decoded inside; teredo-udp-in-udp: no Teredo', async () => {
    for (const f of ['pcap/zeek/tunnels/gre-aruba.pcap', 'pcap/zeek/tunnels/gre-aruba-amsdu.pcap']) {
      expect(isKnown(f, '*')).toBe(true);
      const o = await observe(join(dir, f));
      expect(o.rows.some((r) => r.proto === 'gre')).toBe(true);
      expect(o.rows.filter((r) => r.tunnel_parents !== null)).toEqual([]);
    }
    const t = 'pcap/zeek/tunnels/teredo-udp-in-udp.pcap';
    expect(isKnown(t, '*')).toBe(true);
    expect((await observe(join(dir, t))).rows.filter((r) => r.app_proto === 'teredo' || r.tunnel_parents !== null)).toEqual([]);
  });
});

/** A Zeek conn_id or tunnel cid as its scripts print it: `[orig_h=a, orig_p=8/icmp, resp_h=b, resp_p=0/icmp, proto=1, ctx=[]]`. */
interface ZeekCid { a: string; ap: number; b: string; bp: number; l4: string; proto: number }
const CID = /\[orig_h=([^,]+), orig_p=(\d+)\/(\w+), resp_h=([^,]+), resp_p=(\d+)\/\w+, proto=(\d+)/g;
function cids(text: string): ZeekCid[] {
  return [...text.matchAll(CID)].map((m) => ({ a: m[1]!, ap: Number(m[2]), l4: m[3]!, b: m[4]!, bp: Number(m[5]), proto: Number(m[6]) }));
}
/** the tunnels of an encapsulation vector, outermost first: their address pair and tunnel type */
function encapOf(text: string): { pair: string; type: string; proto: number }[] {
  return [...text.matchAll(/\[cid=\[orig_h=([^,]+), orig_p=[^,]+, resp_h=([^,]+), resp_p=[^,]+, proto=(\d+), ctx=\[\]\], tunnel_type=([\w:]+)/g)]
    .map((m) => ({ pair: [norm(m[1]!), norm(m[2]!)].sort().join(' '), type: m[4]!, proto: Number(m[3]) }));
}
const pairOf = (r: SessionRecord): string => [r.src_ip, r.dst_ip].sort().join(' ');
const sessionOf = (rows: SessionRecord[], c: ZeekCid): SessionRecord | undefined => {
  const proto = c.l4 === 'icmp' ? (c.proto === 58 ? 'icmpv6' : 'icmp') : c.l4;
  return findSession(rows, proto, c.a, c.ap, c.b, c.bp);
};
/** our chain of tunnel sessions above a session, innermost first (first parent at each level) */
function parentChain(rows: SessionRecord[], r: SessionRecord): SessionRecord[] {
  const out: SessionRecord[] = [];
  for (let p = r.tunnel_parents?.[0]; p !== undefined;) {
    const s = rows.find((x) => x.uid === p)!;
    out.push(s);
    p = s.tunnel_parents?.[0];
  }
  return out;
}
/** the app_proto of an IP-in-IP tunnel session: inner family by IP protocol (4: IPv4, 41: IPv6), outer by address */
const ipTunnel = (proto: number, outer: SessionRecord): string => `${proto === 4 ? '4' : '6'}in${outer.src_ip.includes(':') ? '6' : '4'}`;

describe.skipIf(corpus === null)('tunnels vs the Zeek baselines that are printouts or other logs', () => {
  const dir = corpus!;
  const base = join(dir, 'pcap/zeek/baselines');
  const read = (b: string): string => readFileSync(join(base, b), 'utf8');

  // the baselines the conn.log/tunnel.log suite above cannot read, each asserted below
  const PRINTOUTS = ['gre-erspan3-dot1q', 'ip-in-ip', 'ip-in-ip-version', 'ip-tunnel-uid', 'gtp.ext_header', 'gtp.non_recursive',
    'gtp.pdp_ctx_messages', 'geneve-get-options', 'gre-in-gre-min-depth', 'teredo-known-services'];
  it('every core.tunnels baseline is compared: by its conn.log/tunnel.log, or here', () => {
    const dirs = readdirSync(base).filter((d) => d.startsWith('core.tunnels.'));
    const noLog = dirs.filter((d) => !['conn.log', 'conn.log.cut', 'tunnel.log'].some((f) => existsSync(join(base, d, f))));
    expect(noLog.map((d) => d.slice('core.tunnels.'.length)).sort()).toEqual([...PRINTOUTS].sort());
  });

  it('gre-erspan3-dot1q: the ICMP echo inside ERSPAN III in GRE, its GRE parent and its VLAN 10', async () => {
    const out = read('core.tunnels.gre-erspan3-dot1q/out');
    const o = await observe(join(dir, 'pcap/zeek/tunnels/gre-erspan3-dot1q.pcap'));
    const echoes = out.split('\n').filter((l) => /^echo (request|reply), /.test(l)).length;
    const [conn] = cids(out);
    const tunnels = encapOf(out);
    const vlan = /^vlans (\d+), nil$/m.exec(out)![1]!;
    const r = sessionOf(o.rows, conn!)!;
    expect(r, 'the inner ICMP session').toBeDefined();
    expect(r.src_pkts + r.dst_pkts).toBe(echoes);
    expect(tunnels.map((t) => t.type)).toEqual(['Tunnel::GRE']);
    expect(parentChain(o.rows, r).map((p) => [pairOf(p), p.app_proto])).toEqual([[tunnels[0]!.pair, 'gre']]);
    expect(r.encap).toMatch(new RegExp(`^gre>erspan3\\(.*vlan ${vlan}\\)$`));
  });

  it('ip-in-ip: each of the six runs\' inner connection and its chain of IP tunnels, and the tunnel change', async () => {
    const out = read('core.tunnels.ip-in-ip/output');
    // the Run line's traces, in order: one new_connection each
    const traces = ['6in6', '6in6in6', '6in4', '4in6', '4in4', '6in6-tunnel-change'];
    const blocks = out.split(/^new_connection: tunnel$/m).slice(1);
    expect(blocks.length).toBe(traces.length);
    for (const [i, t] of traces.entries()) {
      const o = await observe(join(dir, `pcap/zeek/tunnels/${t}.pcap`));
      const [conn] = cids(blocks[i]!);
      const encap = encapOf(blocks[i]!.split(/^tunnel_changed:$/m)[0]!);
      const r = sessionOf(o.rows, conn!);
      expect(r, `${t}: the inner session`).toBeDefined();
      const chain = parentChain(o.rows, r!).reverse();
      expect(chain.map((p) => pairOf(p)), `${t}: the tunnels, outermost first`).toEqual(encap.map((e) => e.pair));
      expect(chain.map((p) => p.app_proto), `${t}: IP tunnel kinds`).toEqual(encap.map((e, k) => ipTunnel(e.proto, chain[k]!)));
      expect(chain[0]!.tunnel_parents, `${t}: the outermost is not in a tunnel`).toBeNull();
      if (t === '6in6-tunnel-change') {
        // tunnel_changed: old -> new; Zeek's conn.log keeps both in tunnel_parents, as ours
        const change = blocks[i]!.split(/^tunnel_changed:$/m)[1]!;
        const [, old, now] = change.split(/^\s+(?:old|new): /m);
        const pairs = [encapOf(old!)[0]!.pair, encapOf(now!)[0]!.pair].sort();
        expect(r!.tunnel_parents!.map((u) => pairOf(o.rows.find((x) => x.uid === u)!)).sort()).toEqual(pairs);
      }
    }
  });

  it('ip-in-ip-version: the truncated inner IP and the wrong inner version are named on the tunnel Zeek names', async () => {
    const weird = readZeekLog(join(base, 'core.tunnels.ip-in-ip-version/output'));
    const traces = ['mpls-6in6-6in6-4in6-invalid-version-4', 'mpls-6in6-6in6-invalid-version-6'];
    expect(weird.map((w) => w.name)).toEqual(['truncated_inner_IP', 'invalid_inner_IP_version']);
    for (const [i, t] of traces.entries()) {
      const o = await observe(join(dir, `pcap/zeek/tunnels/${t}.pcap`));
      const w = weird[i]!;
      const pair = [norm(w['id.orig_h']!), norm(w['id.resp_h']!)].sort().join(' ');
      const tunnel = o.rows.find((r) => pairOf(r) === pair);
      expect(tunnel, `${t}: the tunnel session`).toBeDefined();
      const inside = o.rows.filter((r) => r.tunnel_parents?.includes(tunnel!.uid)).map((r) => r.uid);
      const named = o.anomalies.filter((a) => a.uid === tunnel!.uid || inside.includes(a.uid ?? ''));
      if (w.name === 'invalid_inner_IP_version') {
        // the tunnel's own packet carries an inner header of the wrong version: nothing is decapsulated
        expect(named.map((a) => [a.uid, a.name])).toEqual([[tunnel!.uid, 'ipip_wrong_version']]);
        expect(inside).toEqual([]);
      } else {
        // known: the inner IPv6 header is whole (only its payload is cut), so it is a session of ours with
        // ipv6_truncated, where Zeek stops at the tunnel with truncated_inner_IP
        expect(isKnown(`pcap/zeek/tunnels/${t}.pcap`, 'truncated_inner_ip')).toBe(true);
        expect(named.map((a) => a.name)).toContain('ipv6_truncated');
        expect(inside.length).toBe(1);
      }
    }
  });

  it('ip-tunnel-uid: every packet of the ICMPv6 echo inside 6in4 is under the one tunnel session', async () => {
    const out = read('core.tunnels.ip-tunnel-uid/output');
    const o = await observe(join(dir, 'pcap/zeek/tunnels/ping6-in-ipv4.pcap'));
    const packets = out.split(/^NEW_PACKET:$/m).slice(1);
    const [conn] = cids(out);
    const tunnelUids = new Set(packets.map((p) => /uid=(\w+)/.exec(p)![1]));
    expect(tunnelUids.size).toBe(1);
    const r = sessionOf(o.rows, conn!)!;
    expect(r.src_pkts + r.dst_pkts).toBe(packets.length);
    const [parent] = encapOf(out);
    expect(r.tunnel_parents).toHaveLength(1);
    const p = o.rows.find((x) => x.uid === r.tunnel_parents![0])!;
    expect([pairOf(p), p.app_proto]).toEqual([parent!.pair, ipTunnel(parent!.proto, p)]);
    // the tunnel session carries exactly the inner packets
    expect(p.src_pkts + p.dst_pkts).toBe(packets.length);
  });

  it('gtp ext_header: the GTP-U message with an extension header and the TCP inside, under its TEID', async () => {
    const out = read('core.tunnels.gtp.ext_header/out');
    const o = await observe(join(dir, 'pcap/zeek/tunnels/gtp/gtp_ext_header.pcap'));
    const [conn] = cids(out);
    const teid = /teid=(\d+)/.exec(out)![1]!;
    expect(/e_flag=T/.test(out) && /next_type=192/.test(out)).toBe(true);
    const outer = sessionOf(o.rows, conn!)!;
    expect(outer.app_proto).toBe('gtpv1');
    const inner = o.rows.filter((r) => r.tunnel_parents?.includes(outer.uid));
    expect(inner.length).toBe(1);
    expect(inner[0]!.encap).toBe(`gtpv1(teid ${teid})`);
  });

  it('gtp non_recursive: the UDP/2152 datagram inside GTP is not taken for GTP again', async () => {
    const out = read('core.tunnels.gtp.non_recursive/out');
    expect(out).toMatch(/protocol_violation, .*GTP-in-GTP/);
    const o = await observe(join(dir, 'pcap/zeek/tunnels/gtp/gtp4_udp_2152_inside.pcap'));
    const r = sessionOf(o.rows, cids(out)[0]!)!;
    expect(r, 'the inner 2152 session').toBeDefined();
    expect(r.encap).toMatch(/^gtpv1\(/);
    expect(r.app_proto).not.toBe('gtpv1');
    expect(o.rows.filter((x) => x.tunnel_parents?.includes(r.uid))).toEqual([]);
  });

  it('gtp pdp_ctx_messages: GTP-C (2123) carries no tunnel; each session has the messages Zeek parsed', async () => {
    const out = read('core.tunnels.gtp.pdp_ctx_messages/out');
    const o = await observe(join(dir, 'pcap/zeek/tunnels/gtp/pdp_ctx_messages.pcapng'));
    // one gtpv1_message line per GTPv1 packet, by connection
    const perConn = new Map<string, { c: ZeekCid; n: number }>();
    for (const l of out.split('\n').filter((x) => x.startsWith('gtpv1_message, '))) {
      const c = cids(l)[0]!;
      const k = `${c.a}:${c.ap} ${c.b}:${c.bp}`;
      perConn.set(k, { c, n: (perConn.get(k)?.n ?? 0) + 1 });
    }
    expect(perConn.size).toBe(2);
    for (const { c, n } of perConn.values()) {
      const r = sessionOf(o.rows, c)!;
      expect(r.src_pkts + r.dst_pkts, `${c.a}:${c.ap}`).toBe(n);
      // known: Haystack does not parse GTP-C's information elements (IMSI, TEIDs...); it decapsulates GTP-U only
      expect(isKnown('pcap/zeek/tunnels/gtp/pdp_ctx_messages.pcapng', 'gtp_c')).toBe(true);
      expect(r.app_proto).not.toBe('gtpv1');
    }
    expect(o.rows.filter((r) => r.tunnel_parents !== null)).toEqual([]);
  });

  it('geneve-get-options: the inner connection of each capture is decoded past its Geneve options', async () => {
    const out = read('core.tunnels.geneve-get-options/out');
    for (const f of ['geneve-many-options.pcap', 'geneve-tagged-udp-packet.pcap']) {
      const o = await observe(join(dir, `pcap/zeek/tunnels/${f}`));
      const printed = out.split('\n').filter((l) => l.startsWith('new_connection, ') && l.endsWith(`, ${f}`)).length;
      expect(printed).toBe(1);
      // known: Haystack skips Geneve options by their length and keeps none of them (Zeek prints each)
      expect(isKnown(`pcap/zeek/tunnels/${f}`, 'geneve_options')).toBe(true);
      const inner = o.rows.filter((r) => r.tunnel_parents !== null);
      expect(inner.length, f).toBe(printed);
      expect(inner[0]!.encap).toMatch(/^geneve\(vni \d+\)$/);
      expect(o.anomalies.filter((a) => a.name.startsWith('geneve_'))).toEqual([]);
    }
  });

  it('gre-in-gre-min-depth: the GRE tunnel Zeek refuses at max_depth 1 is ours at depth 2', async () => {
    const weird = readZeekLog(join(base, 'core.tunnels.gre-in-gre-min-depth/weird.log'));
    const o = await observe(join(dir, 'pcap/zeek/tunnels/gre-within-gre.pcap'));
    expect(weird.length).toBeGreaterThan(0);
    for (const w of weird) {
      expect(w.name).toBe('exceeded_tunnel_max_depth_in_tunnel');
      const pair = [norm(w['id.orig_h']!), norm(w['id.resp_h']!)].sort().join(' ');
      // known (as vxlan-triple-v2's max_depth): the test sets Tunnel::max_depth=1; ours is fixed at 4
      expect(isKnown('pcap/zeek/tunnels/gre-within-gre.pcap', 'max_depth')).toBe(true);
      const inner = o.rows.find((r) => r.proto === 'gre' && pairOf(r) === pair)!;
      expect(parentChain(o.rows, inner).length, 'a GRE tunnel inside one GRE tunnel').toBe(1);
      expect(o.rows.filter((r) => r.tunnel_parents?.includes(inner.uid)).length).toBeGreaterThan(0);
    }
  });

  it('teredo-known-services: the services Zeek knows are sessions of ours, none of them Teredo', async () => {
    const known = readZeekLog(join(base, 'core.tunnels.teredo-known-services/known_services.log'));
    const sessions: SessionRecord[] = [];
    const an = analysis({ sessions: true }, () => engine);
    const engine: Engine = new Engine({ ...an.handlers, session: (r) => sessions.push(r) }, an.options);
    await engine.run([join(dir, 'pcap/zeek/tunnels/Teredo.pcap')]);
    expect(known.length).toBeGreaterThan(0);
    for (const k of known) {
      const port = Number(k.port_num);
      const rs = sessions.filter((r) => r.proto === k.port_proto &&
        ((r.dst_ip === k.host && r.dst_port === port) || (r.src_ip === k.host && r.src_port === port)));
      expect(rs.length, `${k.host}:${port}/${k.port_proto}`).toBeGreaterThan(0);
      for (const r of rs) {
        expect(r.app_proto).not.toBe('teredo');
        if (k.service === 'DNS') expect([r.dst_ip, r.dst_port, r.app_proto]).toEqual([k.host, port, 'dns']);
      }
    }
    // and the Teredo sessions are there, as tunnels, not services
    expect(sessions.filter((r) => r.app_proto === 'teredo').length).toBeGreaterThan(0);
  });
});
