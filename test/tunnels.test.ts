// Tunnel decoding built by construction: the nesting limit and malformed tunnel headers are named anomalies
// (never exceptions, the outer session kept), the chain and parents of nested layers, NFLOG in either byte
// order, what stays a plain datagram on a tunnel port, ERSPAN type I, and the inner session's Community ID.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePcap } from '../src/capture/pcap-writer.js';
import { MAX_TUNNEL_DEPTH } from '../src/decode/tunnel.js';
import { ethernet, ipv4Packet, udpDatagram } from './helpers/frames.js';
import { scratchDir } from './helpers/cli.js';
import { collect } from './helpers/run.js';

const tmp = scratchDir('tunnels');
const ts = 1_700_000_000_000_000;
let n = 0;

async function run(frames: Uint8Array[], linktype = 1): ReturnType<typeof collect> {
  const f = join(tmp, `t${n++}.pcap`);
  writeFileSync(f, writePcap(frames.map((data, i) => ({ ts: ts + i, data })), { linktype }));
  return collect([f]);
}

const bytes = (...parts: (number[] | Uint8Array)[]): Uint8Array => {
  const out: number[] = [];
  for (const p of parts) out.push(...p);
  return Uint8Array.from(out);
};
const inner = (): Uint8Array => ipv4Packet('192.168.0.1', '192.168.0.2', 17, udpDatagram(40000, 9999, 'hello'));

describe('tunnel limits and malformed headers', () => {
  it(`decodes ${MAX_TUNNEL_DEPTH} IP-in-IP layers, and names the one past the limit tunnel_too_deep`, async () => {
    let p = inner();
    for (let i = MAX_TUNNEL_DEPTH + 1; i >= 1; i--) p = ipv4Packet(`10.0.${i}.1`, `10.0.${i}.2`, 4, p);
    const { sessions, anomalies } = await run([ethernet(p)]);
    expect(anomalies.map((a) => a.name)).toEqual(['tunnel_too_deep']);
    // every layer down to the limit is a session, each the child of the one above
    const chain = sessions.filter((s) => s.proto === '4').sort((a, b) => a.src_ip.localeCompare(b.src_ip));
    expect(chain).toHaveLength(MAX_TUNNEL_DEPTH + 1);
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.tunnel_parents).toEqual([chain[i - 1]!.uid]);
    expect(chain[MAX_TUNNEL_DEPTH]!.encap).toBe(Array(MAX_TUNNEL_DEPTH).fill('4in4').join('>'));
    expect(anomalies[0]!.uid).toBe(chain[MAX_TUNNEL_DEPTH]!.uid);
    expect(sessions.some((s) => s.proto === 'udp')).toBe(false);
  });

  const cases: [string, Uint8Array, string][] = [
    ['GRE version 3', ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 47, bytes([0x00, 0x03, 0x08, 0x00], inner()))), 'gre_unknown_version'],
    ['GRE cut inside its key', ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 47, bytes([0x20, 0x00, 0x08, 0x00, 0, 0]))), 'gre_truncated'],
    ['GRE with RFC 1701 routing', ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 47, bytes([0x40, 0x00, 0x08, 0x00, 0, 0, 0, 0], inner()))), 'gre_routing_unsupported'],
    ['enhanced GRE without its key', ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 47, bytes([0x00, 0x01, 0x88, 0x0b, 0, 0, 0, 0]))), 'gre_pptp_malformed'],
    ['ERSPAN II cut short', ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 47, bytes([0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 0x0a]))), 'erspan_truncated'],
    ['VXLAN of 4 bytes', ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 17, udpDatagram(50000, 4789, bytes([8, 0, 0, 0])))), 'vxlan_truncated'],
    ['Geneve whose options run past the datagram', ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 17, udpDatagram(50000, 6081, bytes([0x3f, 0, 0x65, 0x58, 0, 0, 1, 0], inner())))), 'geneve_truncated'],
    ['GTP-U longer than its datagram', ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 17, udpDatagram(2152, 2152, bytes([0x30, 0xff, 0x10, 0x00, 0, 0, 0, 1], inner())))), 'gtpu_truncated'],
    ['GTP-U with a zero-length extension header', ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 17, udpDatagram(2152, 2152, bytes([0x34, 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x85, 0, 0, 0, 0])))), 'gtpu_bad_extension_header'],
    ['IP protocol 4 carrying IPv6', ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 4, bytes([0x60], new Uint8Array(39)))), 'ipip_wrong_version'],
    ['AYIYA with an identity longer than the datagram', ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 17, udpDatagram(5072, 5072, bytes([0xf1, 0x52, 0x11, 41, 0, 0, 0, 0])))), 'ayiya_truncated'],
  ];
  for (const [what, frame, name] of cases) {
    it(`${what}: ${name}, on the outer session, nothing inside`, async () => {
      const { sessions, anomalies } = await run([frame]);
      expect(sessions).toHaveLength(1);
      expect(anomalies.map((a) => [a.name, a.uid])).toEqual([[name, sessions[0]!.uid]]);
      expect(sessions[0]!.tunnel_parents).toBeNull();
    });
  }

  it('a tunnel port is a hint: DNS on 2152 and a VXLAN port without the I flag stay plain datagrams', async () => {
    const dns = bytes([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    const { sessions, anomalies } = await run([
      ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 17, udpDatagram(2152, 53, dns))),
      ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 17, udpDatagram(50000, 4789, bytes([0, 0, 0, 0, 0, 0, 0, 0], inner())))),
    ]);
    expect(anomalies).toEqual([]);
    expect(sessions).toHaveLength(2);
    for (const s of sessions) expect([s.app_proto, s.tunnel_parents, s.encap]).toEqual([null, null, null]);
  });

  it('VXLAN in GRE: the inner session names its immediate parent and the whole chain', async () => {
    const eth = ethernet(inner());
    const vx = ipv4Packet('172.16.0.1', '172.16.0.2', 17, udpDatagram(50000, 4789, bytes([8, 0, 0, 0, 0, 0, 42, 0], eth)));
    const { sessions } = await run([ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 47, bytes([0x20, 0, 0x08, 0x00, 0, 0, 0, 9], vx)))]);
    const gre = sessions.find((s) => s.proto === 'gre')!;
    const udp = sessions.find((s) => s.dst_port === 4789)!;
    const app = sessions.find((s) => s.dst_port === 9999)!;
    expect([gre.app_proto, udp.app_proto]).toEqual(['gre', 'vxlan']);
    expect(udp.tunnel_parents).toEqual([gre.uid]);
    expect(udp.encap).toBe('gre(key 9)');
    expect(app.tunnel_parents).toEqual([udp.uid]);
    expect(app.encap).toBe('gre(key 9)>vxlan(vni 42)');
  });
});

/** Community ID v1 by its spec (corelight/community-id-spec): base64 of sha1 over seed, the two addresses and ports
 * ordered smaller endpoint first, the protocol and a zero pad byte; written here apart from src/flow. */
function communityIdV1(a: string, ap: number, b: string, bp: number, proto: number, seed = 0): string {
  const ip = (s: string): number[] => s.split('.').map(Number);
  const [ia, ib] = [ip(a), ip(b)];
  const cmp = ia.map((x, i) => x - ib[i]!).find((d) => d !== 0) ?? ap - bp;
  const [[x, xp], [y, yp]] = cmp <= 0 ? [[ia, ap], [ib, bp]] as const : [[ib, bp], [ia, ap]] as const;
  const buf = Uint8Array.from([seed >> 8, seed & 0xff, ...x, ...y, proto, 0, xp >> 8, xp & 0xff, yp >> 8, yp & 0xff]);
  return `1:${createHash('sha1').update(buf).digest('base64')}`;
}

describe('ERSPAN type I and the inner 5-tuple', () => {
  it('GRE protocol 0x88BE without the S bit is ERSPAN type I: the Ethernet frame follows the 4-byte GRE header', async () => {
    const { sessions, anomalies } = await run([
      ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 47, bytes([0x00, 0x00, 0x88, 0xbe], ethernet(inner())))),
      // the mirrored frame may carry its own VLAN tag
      ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 47, bytes([0x00, 0x00, 0x88, 0xbe], ethernet(inner(), 0x0800, [10])))),
    ]);
    expect(anomalies).toEqual([]);
    const gre = sessions.find((s) => s.proto === 'gre')!;
    expect([gre.app_proto, gre.tunnel_parents, gre.src_pkts]).toEqual(['gre', null, 2]);
    // the VLAN is part of the session key: one inner session per VLAN
    const apps = sessions.filter((s) => s.proto === 'udp').sort((a, b) => (a.vlan ?? 0) - (b.vlan ?? 0));
    expect(apps.map((a) => a.vlan)).toEqual([null, 10]);
    for (const app of apps) {
      expect([app.src_ip, app.src_port, app.dst_ip, app.dst_port, app.src_pkts, app.src_bytes]).toEqual(['192.168.0.1', 40000, '192.168.0.2', 9999, 1, 5]);
      expect(app.tunnel_parents).toEqual([gre.uid]);
      expect(app.encap).toBe('gre>erspan1');
    }
  });

  it("an inner session's Community ID is the inner 5-tuple's, not the tunnel's", async () => {
    const vx = ipv4Packet('172.16.0.9', '172.16.0.1', 17, udpDatagram(50000, 4789, bytes([8, 0, 0, 0, 0, 0, 42, 0], ethernet(inner()))));
    const { sessions } = await run([ethernet(vx)]);
    const app = sessions.find((s) => s.dst_port === 9999)!;
    const outer = sessions.find((s) => s.dst_port === 4789)!;
    // the helper itself, on the spec's own example (TCP 128.232.110.120:34855 -> 66.35.250.204:80)
    expect(communityIdV1('128.232.110.120', 34855, '66.35.250.204', 80, 6)).toBe('1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
    expect(app.community_id).toBe(communityIdV1('192.168.0.1', 40000, '192.168.0.2', 9999, 17));
    // the outer one orders its endpoints the other way round (172.16.0.1 < 172.16.0.9)
    expect(outer.community_id).toBe(communityIdV1('172.16.0.9', 50000, '172.16.0.1', 4789, 17));
    expect(app.community_id).not.toBe(outer.community_id);
  });
});

describe('NFLOG (linktype 239)', () => {
  const tlv = (le: boolean, type: number, v: Uint8Array): Uint8Array => {
    const t = new Uint8Array((4 + v.length + 3) & ~3);
    new DataView(t.buffer).setUint16(0, 4 + v.length, le);
    new DataView(t.buffer).setUint16(2, type, le);
    t.set(v, 4);
    return t;
  };
  for (const le of [true, false]) {
    it(`reads the payload TLV after others, TLVs in ${le ? 'little' : 'big'}-endian order`, async () => {
      const rec = bytes([2, 0, 0, 20], tlv(le, 1, new Uint8Array([8, 0, 1, 0])), tlv(le, 10, new TextEncoder().encode('prefix\0')), tlv(le, 9, inner()));
      const { sessions, anomalies } = await run([rec], 239);
      expect(anomalies).toEqual([]);
      expect(sessions).toMatchObject([{ proto: 'udp', src_ip: '192.168.0.1', dst_port: 9999, src_bytes: 5, src_frame_bytes: rec.length }]);
    });
  }

  it('a TLV whose length runs past the record is nflog_bad_tlv_length; a record without payload is not IP', async () => {
    const bad = bytes([2, 0, 0, 20], [0xff, 0x00, 9, 0], inner());
    const none = bytes([2, 0, 0, 20], tlv(true, 10, new TextEncoder().encode('x\0')));
    const { sessions, anomalies, result } = await run([bad, none], 239);
    expect(sessions).toEqual([]);
    expect(anomalies.map((a) => a.name)).toEqual(['nflog_bad_tlv_length']);
    expect(result.inputs[0]!.packets).toBe(2);
  });
});
