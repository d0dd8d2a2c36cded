// A record of a threaded run may name a session that ended long before it: an FTP data channel its control
// session, a tunnel's inner flow its first outer session. Built by construction: the named sessions end, then more
// sessions than main's merge kept translations for (65,536 per shard) end on the same shard, then the records
// that name them come; 2 and 4 shards must give the one-thread records.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writePcap, type WritePacket } from '../src/capture/pcap-writer.js';
import * as source from '../src/pipeline/threaded.js';
import { tcpConversation } from './helpers/conversation.js';
import { ACK, ethernet, ipv4Packet, PSH_ACK, SYN, SYN_ACK, tcpSegment, udpDatagram } from './helpers/frames.js';
import { ROOT } from './helpers/run.js';
import { job, oneThread, threaded } from './helpers/threads.js';

/** Sessions that end between the named sessions' end and the records naming them: main kept 65,536 per shard. */
const FILLER = 70_000;
/** Filler sessions start this far apart (µs): with a 1 s datagram timeout ~1,000 are live at once. */
const FILLER_GAP_US = 1_000;
const A = '10.1.0.1';
const B = '10.1.0.2';
const T0 = Date.UTC(2026, 0, 12, 10, 0, 0) * 1000;
const SECOND = 1_000_000;
/** Packets per round of the pools in this thread (a round's sessions are numbered before its records merge). */
const ROUND = 1000;

/** An IP-in-IP packet A -> B (or back) carrying a TCP segment 192.168.0.1:5000 <-> 192.168.0.2:6000. */
function ipip(ts: number, fromA: boolean, seq: number, ack: number, flags: number, payload = ''): WritePacket {
  const [c, d] = fromA ? ['192.168.0.1', '192.168.0.2'] : ['192.168.0.2', '192.168.0.1'];
  const inner = ipv4Packet(c, d, 6, tcpSegment({ sport: fromA ? 5000 : 6000, dport: fromA ? 6000 : 5000, seq, ack, flags, payload }));
  return { ts, data: ethernet(fromA ? ipv4Packet(A, B, 4, inner) : ipv4Packet(B, A, 4, inner)) };
}

/** An FTP control session A -> B:21 that announces a passive data channel on B:`port`, then quits. */
function control(sport: number, start: number, port: number): WritePacket[] {
  return tcpConversation({ client: A, server: B, sport, dport: 21, start }, [
    { from: 'server', data: '220 ready\r\n' },
    { from: 'client', data: 'USER anonymous\r\n' },
    { from: 'server', data: '230 in\r\n' },
    { from: 'client', data: 'PASV\r\n' },
    { from: 'server', data: `227 Entering Passive Mode (10,1,0,2,${port >> 8},${port & 255})\r\n` },
    { from: 'client', data: 'RETR f.txt\r\n' },
    { from: 'server', data: '150 here it comes\r\n' },
    { from: 'server', data: '226 done\r\n' },
    { from: 'client', data: 'QUIT\r\n' },
    { from: 'server', data: '221 bye\r\n' },
  ]);
}

/**
 * The capture: control 1's data channel connects while control 1 is open (it names an ended session at its own
 * end); control 2's data channel connects after control 2 ended (named by the expected channel meanwhile); the
 * tunnel's outer session times out while its inner TCP flow lives on, and comes back. Then FILLER one-packet UDP
 * sessions between A and B (the same shard as all of the above), then the late packets; the open sessions end
 * at the end of the run.
 */
function capture(): Uint8Array {
  const pkts: WritePacket[] = [
    ...control(40000, T0, 50000),
    ...tcpConversation({ client: A, server: B, sport: 40001, dport: 50000, start: T0 + 10_000, open: true }, [{ from: 'server', data: 'file one\n' }]),
    ...control(40002, T0 + 20_000, 50001),
    ipip(T0 + 30_000, true, 100, 0, SYN),
    ipip(T0 + 30_100, false, 900, 101, SYN_ACK),
  ];
  for (let i = 0; i < FILLER; i++) {
    const sport = 1024 + (i % 60_000);
    pkts.push({ ts: T0 + SECOND + i * FILLER_GAP_US, data: ethernet(ipv4Packet(A, B, 17, udpDatagram(sport, 9 + Math.floor(i / 60_000), 'x'))) });
  }
  const late = T0 + 2 * SECOND + FILLER * FILLER_GAP_US;
  pkts.push(...tcpConversation({ client: A, server: B, sport: 40003, dport: 50001, start: late, open: true }, [{ from: 'server', data: 'file two\n' }]));
  pkts.push(ipip(late + 10_000, true, 101, 901, ACK), ipip(late + 10_100, true, 101, 901, PSH_ACK, 'hello'));
  return writePcap(pkts.sort((x, y) => x.ts - y.ts), { linktype: 1 });
}

/** Worker threads from the build when there is one (as threads-corpus.test.ts), else none. */
const DIST = join(ROOT, 'dist/pipeline/threaded.js');
const dist = existsSync(DIST) ? (await import(DIST) as typeof source) : null;
const pools: source.ShardPool[] = [];
afterAll(async () => {
  for (const p of pools) await p.close();
});

describe('threads: records naming sessions that ended long before', () => {
  const bytes = capture();
  const j = job('sessions');
  j.engine = { datagramTimeoutUs: SECOND, closeDelayUs: SECOND };
  const src = (): source.ThreadedSource[] => [{ path: 'uid-links.pcap', chunks: async function* chunks() { yield bytes; } }];
  let want: Awaited<ReturnType<typeof oneThread>> | null = null;
  const oneThreadRecords = async (): Promise<NonNullable<typeof want>> => (want ??= await oneThread(j, src()));

  it('one thread: the data channels name their control sessions, the inner flow both outer sessions', async () => {
    const w = await oneThreadRecords();
    const rows = w.records.map((l) => JSON.parse(l) as Record<string, unknown>);
    const by = (port: number, dport: number): Record<string, unknown> => rows.find((r) => r.src_port === port && r.dst_port === dport)!;
    expect(rows).toHaveLength(FILLER + 7);
    expect(by(40001, 50000).control_uid).toBe(by(40000, 21).uid);
    expect(by(40003, 50001).control_uid).toBe(by(40002, 21).uid);
    // IP-in-IP: protocol 4 between A and B, no ports
    const outer = rows.filter((r) => r.proto === '4' && r.src_ip === A && r.dst_ip === B);
    expect(outer).toHaveLength(2);
    expect(by(5000, 6000).tunnel_parents).toEqual(outer.map((r) => r.uid));
    // the named sessions end before the filler does: their records come first
    for (const r of [by(40000, 21), by(40002, 21), outer[0]!]) expect(rows.indexOf(r)).toBeLessThan(10);
  }, 120_000);

  for (const shards of [2, 4]) {
    it(`${shards} shards in this thread give the one-thread records and totals`, async () => {
      const w = await oneThreadRecords();
      const pool = new source.ShardPool(shards, { inProcess: true, roundPackets: ROUND });
      pools.push(pool);
      const got = await threaded(pool, j, src());
      expect(got.records).toEqual(w.records);
      expect(got.anomalies).toEqual(w.anomalies);
      expect(got.result).toEqual(w.result);
      // translations follow the live sessions (~2 s of filler at most: a sweep a second, a 1 s timeout) and the
      // sessions made in a round (numbered before the round's records are merged), not the capture's 70,000;
      // every one is released by the end (no FTP channel is left expected)
      expect(pool.translations.peak).toBeGreaterThan(0);
      expect(pool.translations.peak).toBeLessThan(2.5 * SECOND / FILLER_GAP_US + ROUND);
      expect(pool.translations.left).toBe(0);
    }, 120_000);

    it.skipIf(dist === null)(`${shards} worker threads (the build) give the one-thread records and totals`, async () => {
      const w = await oneThreadRecords();
      const pool = new dist!.ShardPool(shards);
      pools.push(pool);
      const got = await threaded(pool, j, src());
      expect(got.records).toEqual(w.records);
      expect(got.anomalies).toEqual(w.anomalies);
      expect(got.result).toEqual(w.result);
    }, 120_000);
  }
});
