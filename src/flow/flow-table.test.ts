// The session table on synthetic traffic: originator, Zeek conn_state, port reuse, timeouts, the bound,
// ICMP request/reply pairing, VLAN in the key, direction against an IPv4 + IPv6 home net.
import { describe, expect, it } from 'vitest';
import { ACK, FIN_ACK, PSH_ACK, RST, SYN, SYN_ACK, ethernet, ipv4Packet, tcpFrame, udpDatagram } from '../../test/helpers/frames.js';
import { AnomalyLog, type AnomalyEvent } from '../core/anomaly.js';
import { Decoder } from '../decode/decoder.js';
import type { SessionRecord } from '../schema/sessions.js';
import { FlowTable, type FlowTableOptions } from './flow-table.js';
import { HomeNet } from './home-net.js';
import { sessionRecord } from './session-record.js';

const C = { src: '10.0.0.1', dst: '192.0.2.9', sport: 40000, dport: 80 };
const S = { src: C.dst, dst: C.src, sport: C.dport, dport: C.sport };

function table(opts: FlowTableOptions = {}, home: string[] = []) {
  const rows: SessionRecord[] = [];
  const anomalies: AnomalyEvent[] = [];
  const log = new AnomalyLog((a) => anomalies.push(a));
  const homeNet = new HomeNet(home);
  const t = new FlowTable((s) => rows.push(sessionRecord(s, { homeNet, captureId: null, sensor: null })), log, opts);
  const d = new Decoder(log);
  let ts = 1_700_000_000_000_000;
  const send = (frame: Uint8Array, dtUs = 1000): void => {
    ts += dtUs;
    d.decode(frame, new DataView(frame.buffer), 0, frame.length, ts, 1);
    t.packet(d.meta);
  };
  return { t, rows, anomalies, send, done: () => (t.flush(), rows) };
}

describe('conn_state', () => {
  it('SF: handshake, data both ways, FIN both ways', () => {
    const { send, done } = table();
    send(tcpFrame({ ...C, flags: SYN, seq: 100 }));
    send(tcpFrame({ ...S, flags: SYN_ACK, seq: 500, ack: 101 }));
    send(tcpFrame({ ...C, flags: ACK, seq: 101, ack: 501 }));
    send(tcpFrame({ ...C, flags: PSH_ACK, seq: 101, ack: 501, payload: 'GET / HTTP/1.0\r\n\r\n' }));
    send(tcpFrame({ ...S, flags: PSH_ACK, seq: 501, ack: 119, payload: 'HTTP/1.0 200 OK\r\n\r\nhi' }));
    send(tcpFrame({ ...S, flags: FIN_ACK, seq: 522, ack: 119 }));
    send(tcpFrame({ ...C, flags: FIN_ACK, seq: 119, ack: 523 }));
    send(tcpFrame({ ...S, flags: ACK, seq: 523, ack: 120 }));
    const [r] = done();
    expect(r).toMatchObject({ state: 'SF', src_ip: C.src, src_port: C.sport, src_bytes: 18, dst_bytes: 21, src_pkts: 4, dst_pkts: 4, missed_bytes: 0 });
    expect(r!.tcp_flags_src).toBe(SYN | ACK | 0x08 | 0x01);
  });

  it('S0, REJ, RSTO, SH and OTH', () => {
    const cases: [string, [typeof C, number][]][] = [
      ['S0', [[C, SYN]]],
      ['REJ', [[C, SYN], [S, RST | ACK]]],
      ['RSTO', [[C, SYN], [S, SYN_ACK], [C, ACK], [C, RST]]],
      ['SH', [[C, SYN], [C, FIN_ACK]]],
      ['OTH', [[C, ACK]]],
      ['S1', [[C, SYN], [S, SYN_ACK]]],
      ['RSTR', [[C, SYN], [S, SYN_ACK], [S, RST]]],
    ];
    for (const [state, pkts] of cases) {
      const { send, done } = table();
      for (const [ep, flags] of pkts) send(tcpFrame({ ...ep, flags, seq: ep === C ? 100 : 500, ack: 0 }));
      expect(done()[0]!.state, state).toBe(state);
    }
  });

  it('a SYN-ACK seen first makes its receiver the originator', () => {
    const { send, done } = table();
    send(tcpFrame({ ...S, flags: SYN_ACK, seq: 500, ack: 101 }));
    send(tcpFrame({ ...C, flags: ACK, seq: 101, ack: 501 }));
    expect(done()[0]).toMatchObject({ src_ip: C.src, src_port: C.sport, dst_port: 80, src_pkts: 1, dst_pkts: 1 });
  });
});

describe('streams of a closed session', () => {
  it('a retransmission after both FINs still fills its hole', () => {
    const got: string[] = [];
    const t = new FlowTable(() => undefined, new AnomalyLog(() => undefined), {
      streams: () => ({ deliver: (_d, b) => void got.push(new TextDecoder().decode(b)), gap: (_d, n) => void got.push(`[gap ${n}]`), end: () => undefined }),
    });
    const d = new Decoder(new AnomalyLog(() => undefined));
    let ts = 1e15;
    const send = (f: Uint8Array): void => {
      d.decode(f, new DataView(f.buffer), 0, f.length, (ts += 1000), 1);
      t.packet(d.meta);
    };
    send(tcpFrame({ ...C, flags: SYN, seq: 99 }));
    send(tcpFrame({ ...S, flags: SYN_ACK, seq: 499, ack: 100 }));
    send(tcpFrame({ ...C, flags: FIN_ACK, seq: 100, ack: 500 }));
    send(tcpFrame({ ...S, flags: PSH_ACK, seq: 510, ack: 101, payload: 'second' }));
    send(tcpFrame({ ...S, flags: FIN_ACK, seq: 516, ack: 101 }));
    send(tcpFrame({ ...S, flags: PSH_ACK, seq: 500, ack: 101, payload: 'first.....' }));
    t.flush();
    expect(got.join('')).toBe('first.....second');
  });
});

describe('stream consumers are made on first use', () => {
  /** A table whose consumers log what they hear, and how many were made. */
  function logged() {
    const events: string[] = [];
    let made = 0;
    const t = new FlowTable(() => undefined, new AnomalyLog(() => undefined), {
      streams: () => {
        made++;
        return {
          deliver: (d, b, off) => void events.push(`deliver ${d} ${new TextDecoder().decode(b)} @${off}`),
          gap: (d, n, off) => void events.push(`gap ${d} ${n} @${off}`),
          end: (d) => void events.push(`end ${d}`),
        };
      },
    });
    const d = new Decoder(new AnomalyLog(() => undefined));
    let ts = 1e15;
    const send = (f: Uint8Array): void => {
      d.decode(f, new DataView(f.buffer), 0, f.length, (ts += 1000), 1);
      t.packet(d.meta);
    };
    return { t, events, send, made: () => made };
  }

  it('no consumer for sessions that carry no byte: a SYN scan, a handshake closed without data', () => {
    const { t, send, made, events } = logged();
    for (let p = 1; p <= 1000; p++) send(tcpFrame({ ...C, sport: 20000 + p, flags: SYN, seq: p }));
    send(tcpFrame({ ...C, flags: SYN, seq: 99 }));
    send(tcpFrame({ ...S, flags: SYN_ACK, seq: 499, ack: 100 }));
    send(tcpFrame({ ...C, flags: ACK, seq: 100, ack: 500 }));
    send(tcpFrame({ ...C, flags: FIN_ACK, seq: 100, ack: 500 }));
    send(tcpFrame({ ...S, flags: FIN_ACK, seq: 500, ack: 101 }));
    expect(t.size).toBe(1001);
    t.flush();
    expect(made()).toBe(0);
    expect(events).toEqual([]);
  });

  it('made on the first payload byte, it hears the whole stream', () => {
    const { t, send, made, events } = logged();
    send(tcpFrame({ ...C, flags: SYN, seq: 99 }));
    send(tcpFrame({ ...S, flags: SYN_ACK, seq: 499, ack: 100 }));
    send(tcpFrame({ ...C, flags: ACK, seq: 100, ack: 500 }));
    expect(made()).toBe(0);
    send(tcpFrame({ ...C, flags: PSH_ACK, seq: 100, ack: 500, payload: 'hello' }));
    send(tcpFrame({ ...S, flags: PSH_ACK, seq: 500, ack: 105, payload: 'world' }));
    t.flush();
    expect(made()).toBe(1);
    expect(events).toEqual(['deliver 0 hello @0', 'deliver 1 world @0', 'end 0', 'end 1']);
  });

  it('made on a gap before any byte: an ACK of data the capture missed', () => {
    const { t, send, made, events } = logged();
    send(tcpFrame({ ...C, flags: SYN, seq: 99 }));
    send(tcpFrame({ ...S, flags: SYN_ACK, seq: 499, ack: 100 }));
    // the client acknowledges 100 bytes of the server's that were never captured, then the server goes on
    send(tcpFrame({ ...C, flags: ACK, seq: 100, ack: 600 }));
    expect(made()).toBe(1);
    send(tcpFrame({ ...S, flags: PSH_ACK, seq: 600, ack: 100, payload: 'rest' }));
    t.flush();
    expect(events).toEqual(['gap 1 100 @0', 'deliver 1 rest @100', 'end 0', 'end 1']);
  });

  it('made after one direction ended, it hears that end first', () => {
    const { t, send, events } = logged();
    send(tcpFrame({ ...C, flags: SYN, seq: 99 }));
    send(tcpFrame({ ...C, flags: RST, seq: 100 }));
    // the reset ended the client's direction; the server's bytes after it still go to a consumer
    send(tcpFrame({ ...S, flags: PSH_ACK, seq: 500, ack: 100, payload: 'late' }));
    t.flush();
    expect(events).toEqual(['end 0', 'deliver 1 late @0', 'end 1']);
  });
});

describe('session boundaries', () => {
  it('a new SYN on the ports of a closed session starts a new session', () => {
    const { send, done } = table();
    for (let i = 0; i < 2; i++) {
      send(tcpFrame({ ...C, flags: SYN, seq: 100 + i * 1000 }));
      send(tcpFrame({ ...S, flags: SYN_ACK, seq: 500, ack: 101 + i * 1000 }));
      send(tcpFrame({ ...C, flags: FIN_ACK, seq: 101 + i * 1000, ack: 501 }));
      send(tcpFrame({ ...S, flags: FIN_ACK, seq: 501, ack: 102 + i * 1000 }));
    }
    const rows = done();
    expect(rows.length).toBe(2);
    expect(rows[0]!.uid).not.toBe(rows[1]!.uid);
  });

  it('UDP idle longer than the timeout splits a flow', () => {
    const { send, done } = table({ datagramTimeoutUs: 10_000_000 });
    const q = ethernet(ipv4Packet('10.0.0.1', '10.0.0.53', 17, udpDatagram(5353, 53, 'q')));
    send(q);
    send(q, 5_000_000);
    send(q, 20_000_000);
    expect(done().map((r) => r.src_pkts)).toEqual([2, 1]);
  });

  it('the table bound evicts the least recently active session, with an anomaly', () => {
    const { send, done, anomalies } = table({ maxSessions: 2 });
    for (let p = 1; p <= 3; p++) send(ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 17, udpDatagram(1000 + p, 53, 'x'))));
    const rows = done();
    expect(rows.map((r) => r.src_port)).toEqual([1001, 1002, 1003]);
    expect(anomalies.map((a) => a.name)).toEqual(['flow_table_full']);
    expect(anomalies[0]!.uid).toBe(rows[0]!.uid);
  });

  it('the VLAN id is part of the key', () => {
    const { send, done } = table();
    send(tcpFrame({ ...C, flags: SYN, vlans: [10] }));
    send(tcpFrame({ ...C, flags: SYN, vlans: [20] }));
    expect(done().map((r) => r.vlan).sort()).toEqual([10, 20]);
  });

  it('ICMP echo request and reply are one session, type 8 -> 0', () => {
    const icmp = (type: number): Uint8Array => Uint8Array.from([type, 0, 0, 0, 0, 1, 0, 1, 65, 66, 67, 68]);
    const { send, done } = table();
    send(ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 1, icmp(8))));
    send(ethernet(ipv4Packet('10.0.0.2', '10.0.0.1', 1, icmp(0))));
    expect(done()).toMatchObject([{ proto: 'icmp', src_ip: '10.0.0.1', src_port: 8, dst_port: 0, src_pkts: 1, dst_pkts: 1, src_bytes: 4 }]);
  });
});

describe('direction', () => {
  it('inbound / outbound / internal / external against several CIDRs', () => {
    const { send, done } = table({}, ['10.0.0.0/8', '2001:db8::/32', '192.168.1.7']);
    const u = (a: string, b: string): Uint8Array => ethernet(ipv4Packet(a, b, 17, udpDatagram(1234, 53, 'x')));
    send(u('10.1.2.3', '8.8.8.8'));
    send(u('8.8.4.4', '192.168.1.7'));
    send(u('10.0.0.1', '10.0.0.2'));
    send(u('8.8.8.8', '1.1.1.1'));
    expect(done().map((r) => [r.src_ip, r.direction, r.local_src, r.local_dst])).toEqual([
      ['10.1.2.3', 'outbound', true, false],
      ['8.8.4.4', 'inbound', false, true],
      ['10.0.0.1', 'internal', true, true],
      ['8.8.8.8', 'external', false, false],
    ]);
  });
});

describe('hash chains', () => {
  it('grow past their first size with every session found again, both ways, and none made twice', () => {
    const { t, send, done } = table();
    // 40,000 sessions open at once: the chains double twice (16 Ki -> 64 Ki)
    const n = 40_000;
    const frame = (i: number, back: boolean): Uint8Array => {
      const a = `10.${(i >> 8) & 255}.${i & 255}.1`;
      const b = '192.0.2.53';
      const port = 1024 + (i % 50_000);
      return ethernet(ipv4Packet(back ? b : a, back ? a : b, 17, back ? udpDatagram(53, port, 'r') : udpDatagram(port, 53, 'q')));
    };
    for (let i = 0; i < n; i++) send(frame(i, false), 1);
    expect(t.size).toBe(n);
    for (let i = 0; i < n; i++) send(frame(i, true), 1);
    for (let i = 0; i < n; i += 7) send(frame(i, false), 1);
    expect(t.size).toBe(n);
    const rows = done();
    expect(rows).toHaveLength(n);
    expect(rows.every((r) => r.dst_pkts === 1 && r.src_ip.startsWith('10.') && r.dst_port === 53)).toBe(true);
    expect(rows.filter((r) => r.src_pkts === 2)).toHaveLength(Math.ceil(n / 7));
  });
});
