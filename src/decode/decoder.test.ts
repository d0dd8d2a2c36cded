// Decoding layer by layer: link types, VLAN stacks, IPv6 extension headers, fragments, malformed input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ethernet, ipv4Packet, tcpFrame, tcpSegment, udpDatagram } from '../../test/helpers/frames.js';
import { AnomalyLog, type AnomalyEvent } from '../core/anomaly.js';
import { formatIpv4 } from '../core/ip.js';
import { Decoder } from './decoder.js';

function decoder() {
  const anomalies: AnomalyEvent[] = [];
  const d = new Decoder(new AnomalyLog((a) => anomalies.push(a)));
  const run = (b: Uint8Array, linktype = 1, ts = 1): boolean => d.decode(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length, ts, linktype);
  return { d, m: d.meta, run, anomalies };
}

function ipv6Packet(nh: number, payload: Uint8Array, ext: Uint8Array = new Uint8Array(0)): Uint8Array {
  const b = new Uint8Array(40 + ext.length + payload.length);
  const v = new DataView(b.buffer);
  b[0] = 0x60;
  v.setUint16(4, ext.length + payload.length);
  b[6] = nh;
  b[7] = 64;
  b[23] = 1; // ::1
  b[24] = 0x20;
  b[25] = 0x01;
  b[39] = 2; // 2001::2
  b.set(ext, 40);
  b.set(payload, 40 + ext.length);
  return b;
}

describe('link layers', () => {
  it('Ethernet with an 802.1ad + 802.1Q stack', () => {
    const { m, run } = decoder();
    expect(run(tcpFrame({ vlans: [100, 200], sport: 1234, dport: 80 }))).toBe(true);
    expect([m.vlan, m.innerVlan, m.vlanCount]).toEqual([100, 200, 2]);
    expect([formatIpv4(m.src4), m.sport, m.dport]).toEqual(['10.0.0.1', 1234, 80]);
  });

  it('Linux SLL, SLL2, BSD NULL/LOOP and raw IP', () => {
    const ip = ipv4Packet('1.2.3.4', '5.6.7.8', 17, udpDatagram(53, 5353, 'x'));
    const sll = new Uint8Array(16 + ip.length);
    sll[14] = 0x08;
    sll.set(ip, 16);
    const sll2 = new Uint8Array(20 + ip.length);
    sll2[0] = 0x08;
    sll2.set(ip, 20);
    const nul = new Uint8Array(4 + ip.length);
    nul[0] = 2; // AF_INET, little-endian writer
    nul.set(ip, 4);
    const loop = new Uint8Array(4 + ip.length);
    loop[3] = 2; // network order
    loop.set(ip, 4);
    for (const [bytes, lt] of [[sll, 113], [sll2, 276], [nul, 0], [loop, 108], [ip, 101], [ip, 228]] as const) {
      const { m, run } = decoder();
      expect(run(bytes, lt), `linktype ${lt}`).toBe(true);
      expect([formatIpv4(m.dst4), m.dport, m.payloadLen]).toEqual(['5.6.7.8', 5353, 1]);
    }
  });

  it('names an unknown link type instead of guessing', () => {
    const { m, run } = decoder();
    expect(run(new Uint8Array(40), 147)).toBe(false);
    expect(m.anomaly).toBe('link_unsupported_linktype');
  });
});

describe('IP', () => {
  it('trims Ethernet padding with the IP total length', () => {
    const { m, run } = decoder();
    const f = tcpFrame({ flags: 0x10 });
    const padded = new Uint8Array(f.length + 6);
    padded.set(f);
    expect(run(padded)).toBe(true);
    expect([m.ipLen, m.payloadLen]).toEqual([40, 0]);
  });

  it('a UDP datagram cut by the snap length reads what is present and counts at its UDP length', () => {
    const { m, d } = decoder();
    // 14 Ethernet + 20 IP + 8 UDP + 100 payload on the wire, 60 bytes captured: 18 payload bytes present
    const f = ethernet(ipv4Packet('1.2.3.4', '5.6.7.8', 17, udpDatagram(53, 5353, new Uint8Array(100))));
    const cut = f.slice(0, 60);
    d.decode(cut, new DataView(cut.buffer), 0, cut.length, 1, 1, f.length);
    expect([m.ipLen, m.payloadLen, m.udpWireLen]).toEqual([128, 18, 100]);
    // an IP header shorter than the UDP length bounds it
    const lie = ethernet(ipv4Packet('1.2.3.4', '5.6.7.8', 17, udpDatagram(53, 5353, new Uint8Array(10))));
    new DataView(lie.buffer).setUint16(14 + 20 + 4, 500);
    d.decode(lie, new DataView(lie.buffer), 0, lie.length, 2, 1);
    expect([m.payloadLen, m.udpWireLen]).toEqual([10, 10]);
  });

  it('walks IPv6 extension headers to the transport', () => {
    const { m, run } = decoder();
    const hop = new Uint8Array(8);
    hop[0] = 60; // next: destination options
    const dst = new Uint8Array(8);
    dst[0] = 6; // next: TCP
    const ext = new Uint8Array([...hop, ...dst]);
    expect(run(ethernet(ipv6Packet(0, tcpSegment({ sport: 5, dport: 443 }), ext), 0x86dd))).toBe(true);
    expect([m.ipVersion, m.ipProto, m.sport, m.dport]).toEqual([6, 6, 5, 443]);
  });

  it('reassembles IPv4 fragments in any order, first copy winning', () => {
    const udp = udpDatagram(1000, 53, 'A'.repeat(40));
    const { m, run } = decoder();
    const f1 = ipv4Packet('1.1.1.1', '2.2.2.2', 17, udp.subarray(24), { id: 7, fragOff: 24 });
    const f0 = ipv4Packet('1.1.1.1', '2.2.2.2', 17, udp.subarray(0, 24), { id: 7, more: true });
    run(ethernet(f1));
    expect(m.l4).toBe(false);
    expect(run(ethernet(f0))).toBe(true);
    expect([m.reassembled, m.l4, m.dport, m.payloadLen, m.ipLen]).toEqual([true, true, 53, 40, 20 + 48]);
  });

  it('reassembles IPv6 fragments', () => {
    const udp = udpDatagram(1000, 53, 'B'.repeat(40));
    const frag = (off: number, more: boolean): Uint8Array => {
      const h = new Uint8Array(8);
      h[0] = 17;
      new DataView(h.buffer).setUint16(2, off | (more ? 1 : 0));
      new DataView(h.buffer).setUint32(4, 99);
      return h;
    };
    const { m, run } = decoder();
    run(ethernet(ipv6Packet(44, udp.subarray(0, 16), frag(0, true)), 0x86dd));
    expect(run(ethernet(ipv6Packet(44, udp.subarray(16), frag(16, false)), 0x86dd))).toBe(true);
    expect([m.reassembled, m.ipProto, m.dport, m.payloadLen]).toEqual([true, 17, 53, 40]);
  });

  it('names each malformation in guard order', () => {
    const cases: [Uint8Array, string][] = [
      [ethernet(new Uint8Array(10)), 'ipv4_truncated_header'],
      [ethernet(Uint8Array.from([0x65, ...new Array<number>(19).fill(0)])), 'ipv4_wrong_version'],
      [ethernet(Uint8Array.from([0x44, ...new Array<number>(19).fill(0)])), 'ipv4_hlen_too_small'],
      [ethernet(ipv4Packet('1.1.1.1', '2.2.2.2', 6, new Uint8Array(8))), 'tcp_truncated_header'],
      [new Uint8Array(8), 'ethernet_truncated'],
    ];
    for (const [bytes, name] of cases) {
      const { m, run } = decoder();
      expect(run(bytes)).toBe(false);
      expect(m.anomaly).toBe(name);
    }
  });

  it('never throws on random bytes, whatever the link type', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(0, 1, 101, 108, 113, 228, 229, 276), (b, lt) => {
        const { run } = decoder();
        run(b, lt);
      }),
      { numRuns: 2000 },
    );
  });
});
