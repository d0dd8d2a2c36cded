// Builds Ethernet/IPv4/IPv6/TCP/UDP frames for synthetic tests (checksums left zero: nothing here checks them).

export interface TcpSpec {
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  flags?: number;
  payload?: Uint8Array | string;
  vlans?: number[];
}

const enc = new TextEncoder();

function v4(s: string): number[] {
  return s.split('.').map(Number);
}

export function ipv4Packet(src: string, dst: string, proto: number, l4: Uint8Array, opts: { id?: number; fragOff?: number; more?: boolean } = {}): Uint8Array {
  const b = new Uint8Array(20 + l4.length);
  const v = new DataView(b.buffer);
  b[0] = 0x45;
  v.setUint16(2, b.length);
  v.setUint16(4, opts.id ?? 1);
  v.setUint16(6, ((opts.more === true ? 1 : 0) << 13) | ((opts.fragOff ?? 0) / 8));
  b[8] = 64;
  b[9] = proto;
  b.set(v4(src), 12);
  b.set(v4(dst), 16);
  b.set(l4, 20);
  return b;
}

export function tcpSegment(t: TcpSpec): Uint8Array {
  const payload = typeof t.payload === 'string' ? enc.encode(t.payload) : (t.payload ?? new Uint8Array(0));
  const b = new Uint8Array(20 + payload.length);
  const v = new DataView(b.buffer);
  v.setUint16(0, t.sport ?? 40000);
  v.setUint16(2, t.dport ?? 80);
  v.setUint32(4, (t.seq ?? 1000) >>> 0);
  v.setUint32(8, (t.ack ?? 0) >>> 0);
  b[12] = 5 << 4;
  b[13] = t.flags ?? 0x18;
  v.setUint16(14, 65535);
  b.set(payload, 20);
  return b;
}

export function udpDatagram(sport: number, dport: number, payload: Uint8Array | string): Uint8Array {
  const p = typeof payload === 'string' ? enc.encode(payload) : payload;
  const b = new Uint8Array(8 + p.length);
  const v = new DataView(b.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint16(4, b.length);
  b.set(p, 8);
  return b;
}

export function ethernet(ip: Uint8Array, ethertype = 0x0800, vlans: number[] = []): Uint8Array {
  const b = new Uint8Array(14 + 4 * vlans.length + ip.length);
  const v = new DataView(b.buffer);
  b.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0);
  let p = 12;
  vlans.forEach((id, i) => {
    v.setUint16(p, i === 0 && vlans.length > 1 ? 0x88a8 : 0x8100);
    v.setUint16(p + 2, id);
    p += 4;
  });
  v.setUint16(p, ethertype);
  b.set(ip, p + 2);
  return b;
}

/** An Ethernet frame carrying one TCP segment over IPv4. */
export function tcpFrame(t: TcpSpec): Uint8Array {
  return ethernet(ipv4Packet(t.src ?? '10.0.0.1', t.dst ?? '10.0.0.2', 6, tcpSegment(t)), 0x0800, t.vlans ?? []);
}

export const SYN = 0x02;
export const ACK = 0x10;
export const PSH_ACK = 0x18;
export const FIN_ACK = 0x11;
export const SYN_ACK = 0x12;
export const RST = 0x04;
