// The packet decoder: frames of the gen captures (and the same IP packets as raw IP, BSD loopback and Linux
// cooked frames, VLAN and QinQ tags, IPv4 fragments; the tunnel capture's GRE/ERSPAN/VXLAN/Geneve/IP-in-IP/
// Teredo/AYIYA/GTP-U frames, and NFLOG records), mutated, decoded in sequence by one Decoder (so fragment
// reassembly state carries over), every tunnel layer decapsulated as the engine does. Contract: never throws;
// every offset it reports lies inside the bytes it reports them for, at every layer.
import fc from 'fast-check';
import { writePcapng } from '../../../src/capture/pcap-writer.js';
import { AnomalyLog } from '../../../src/core/anomaly.js';
import { Decoder } from '../../../src/decode/decoder.js';
import { MAX_TUNNEL_DEPTH } from '../../../src/decode/tunnel.js';
import { ethernet, ipv4Packet, udpDatagram } from '../../helpers/frames.js';
import { fixture, frames, GEN_FILES, syntheticCaptures, type Frame } from '../seeds.js';
import { ContractError, concat, mustNotThrow, mutation, mutate, type FuzzTarget } from '../target.js';

const LINKTYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 9, 105, 127, 239];

function seeds(): Frame[] {
  const out: Frame[] = [];
  const caps = [...GEN_FILES.map(fixture), ...syntheticCaptures()];
  for (const c of caps) {
    // a sample of each capture: the first packets (handshakes) and every 7th after them
    for (const [i, f] of frames(c).entries()) if (i < 12 || i % 7 === 0) out.push(f);
  }
  for (const f of out.slice()) {
    if (f.linktype !== 1 || f.data.length < 15) continue;
    const ip = f.data.subarray(14);
    const sll = new Uint8Array(16);
    sll[14] = f.data[12]!;
    sll[15] = f.data[13]!;
    out.push({ linktype: 101, data: ip.slice() }, { linktype: 0, data: concat(new Uint8Array([2, 0, 0, 0]), ip) }, { linktype: 113, data: concat(sll, ip) });
    if (out.length < 400) out.push({ linktype: 1, data: ethernet(ip.slice(), 0x0800, [100, 200]) });
  }
  // every frame of the tunnel capture: each tunnel kind is a handful of packets
  for (const f of frames(fixture('tunnels.pcap'))) out.push(f);
  // NFLOG (239): header, a prefix TLV and the payload TLV around IP packets of the gen captures
  for (const f of out.slice(0, 40)) {
    if (f.linktype !== 1 || f.data.length < 15) continue;
    const ip = f.data.subarray(14);
    const tlv = (type: number, v: Uint8Array): Uint8Array => {
      const t = new Uint8Array((4 + v.length + 3) & ~3);
      new DataView(t.buffer).setUint16(0, 4 + v.length, true);
      new DataView(t.buffer).setUint16(2, type, true);
      t.set(v, 4);
      return t;
    };
    out.push({ linktype: 239, data: concat(new Uint8Array([2, 0, 0, 20]), tlv(10, new Uint8Array([0x61, 0x62, 0])), tlv(9, ip)) });
  }
  const body = new Uint8Array(600).map((_, i) => i & 0xff);
  const dgram = udpDatagram(5353, 53, body);
  out.push(
    { linktype: 1, data: ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 17, dgram.subarray(0, 256), { id: 7, more: true })) },
    { linktype: 1, data: ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 17, dgram.subarray(256), { id: 7, fragOff: 256 })) },
  );
  return out;
}

interface Input {
  frames: Frame[];
}

function check(input: Input): void {
  const d = new Decoder(new AnomalyLog(() => undefined));
  const m = d.meta;
  for (const [i, f] of input.frames.entries()) {
    const buf = f.data;
    mustNotThrow('Decoder.decode()', () => d.decode(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), 0, buf.length, 1_768_212_000_000_000 + i, f.linktype));
    layer(i);
    for (let depth = 0; m.tunnel !== 0; depth++) {
      if (depth > MAX_TUNNEL_DEPTH) throw new ContractError(`frame ${i}: more than ${MAX_TUNNEL_DEPTH} tunnel layers decoded`);
      if (!(m.tunnelOff >= 0 && m.tunnelOff <= m.tunnelEnd && m.tunnelEnd <= m.buf.length)) throw new ContractError(`frame ${i}: tunnel ${m.tunnelOff}-${m.tunnelEnd} outside the buffer`);
      if (!mustNotThrow('Decoder.decapsulate()', () => d.decapsulate())) break;
      layer(i);
    }
  }

  function layer(i: number): void {
    const len = m.buf.length;
    const bad = (what: string): never => {
      throw new ContractError(`frame ${i}: ${what} (buffer ${len} bytes, ipOff ${m.ipOff}, ipEnd ${m.ipEnd}, l4 ${m.l4Off}-${m.l4End}, payload ${m.payloadOff}+${m.payloadLen})`);
    };
    if (m.ipVersion !== 0 && !(m.ipOff >= 0 && m.ipOff <= m.ipEnd && m.ipEnd <= len)) bad('IP header outside the buffer');
    if (m.l4 && !(m.l4Off >= 0 && m.l4Off <= m.l4End && m.l4End <= len)) bad('transport header outside the buffer');
    if (m.l4 && !(m.payloadLen >= 0 && m.payloadOff >= 0 && m.payloadOff + m.payloadLen <= len)) bad('payload outside the buffer');
  }
}

export function make(): FuzzTarget<Input> {
  const pool = seeds();
  const datas = pool.map((f) => f.data);
  const frameArb = fc.tuple(fc.nat({ max: pool.length - 1 }), fc.array(mutation([12, 13, 14, 16, 17, 20, 22, 23, 24, 26, 30, 34, 38, 42, 46, 47, 50, 54, 58, 62, 66, 70, 74]), { maxLength: 4 }), fc.option(fc.constantFrom(...LINKTYPES), { freq: 8 }))
    .map(([k, edits, lt]) => ({ linktype: lt ?? pool[k]!.linktype, data: mutate(pool[k]!.data, edits, datas) }));
  return {
    name: 'decoder',
    about: 'Decoder (link, VLAN, NFLOG, IPv4/6 + defrag, TCP/UDP/ICMP/SCTP, tunnels) on mutated frame sequences: no throw, offsets inside the buffer at every layer',
    arbitrary: fc.record({ frames: fc.array(frameArb, { minLength: 1, maxLength: 12 }) }),
    check,
    // the corpus form is a pcapng (one interface per link type): it opens in Wireshark
    encode: (i) => {
      const lts = [...new Set(i.frames.map((f) => f.linktype))];
      return { bin: writePcapng(i.frames.map((f, k) => ({ ts: 1_768_212_000_000_000 + k, data: f.data, iface: lts.indexOf(f.linktype) })), lts.map((linktype) => ({ linktype }))) };
    },
    decode: (e) => ({ frames: frames(e.bin) }),
  };
}
