// TCP reassembly of one direction: order, retransmission, overlap policy, gaps, wrap-around, budget.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyLog, type AnomalyEvent } from '../core/anomaly.js';
import { ORIG, type StreamAnalyzer } from './stream-analyzer.js';
import { TcpDirection, type ReassemblyBudget } from './tcp-reassembler.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function setup(budget: Partial<ReassemblyBudget> = {}) {
  const out: string[] = [];
  const gaps: [number, number][] = [];
  let ended = 0;
  const sink: StreamAnalyzer = {
    deliver: (_d, data) => void out.push(dec.decode(data)),
    gap: (_d, len, off) => void gaps.push([off, len]),
    end: () => void ended++,
  };
  const anomalies: AnomalyEvent[] = [];
  const log = new AnomalyLog((a) => anomalies.push(a));
  const b: ReassemblyBudget = { used: 0, limit: 1 << 30, perStream: 1 << 20, ...budget };
  const dir = new TcpDirection(ORIG, b, sink);
  const seg = (seq: number, s: string): void => {
    const b = enc.encode(`..${s}`); // payload at an offset, as in a packet
    dir.segment(seq >>> 0, b, 2, s.length, { ts: 0 }, 'Ctest', log);
  };
  return { dir, seg, out, gaps, anomalies, budget: b, ended: () => ended, text: () => out.join('') };
}

describe('TcpDirection', () => {
  it('delivers in order, holds out-of-order data until the hole fills', () => {
    const t = setup();
    t.dir.start(999, true); // SYN at 999: data starts at 1000
    t.seg(1000, 'GET ');
    t.seg(1008, 'HTTP');
    expect(t.text()).toBe('GET ');
    t.seg(1004, '/ix ');
    expect(t.text()).toBe('GET /ix HTTP');
    expect(t.dir.missed).toBe(0);
  });

  it('ignores retransmissions and keeps the first copy of an overlap, flagging a differing one', () => {
    const t = setup();
    t.dir.start(0, false);
    t.seg(10, 'WORLD'); // held
    t.seg(10, 'EVILS'); // same range, other bytes: first copy wins
    t.seg(0, 'HELLO, ');
    t.seg(7, 'xyz'); // overlaps the hole's end and the held segment
    expect(t.text()).toBe('HELLO, xyzWORLD');
    expect(t.anomalies.map((a) => a.name)).toContain('tcp_rexmit_inconsistency');
    t.seg(0, 'HELLO'); // old retransmission: nothing new
    expect(t.text()).toBe('HELLO, xyzWORLD');
  });

  it('compares a retransmission with delivered, unacknowledged bytes (GOOD then EVIL)', () => {
    const t = setup();
    t.dir.start(0, false);
    t.seg(0, 'GOOD');
    t.seg(0, 'EVIL');
    expect(t.text()).toBe('GOOD');
    expect(t.anomalies.map((a) => a.name)).toEqual(['tcp_rexmit_inconsistency']);
    t.dir.acked(4); // acknowledged: forgotten, nothing left to compare
    t.seg(0, 'EVIL');
    expect(t.anomalies.length).toBe(1);
  });

  it('reports a hole as a gap when the stream ends, then delivers what followed it', () => {
    const t = setup();
    t.dir.start(0, false);
    t.seg(0, 'VERY');
    t.seg(8, 'DATA');
    t.dir.finish();
    expect(t.text()).toBe('VERYDATA');
    expect(t.gaps).toEqual([[4, 4]]);
    expect(t.dir.missed).toBe(4);
    expect(t.ended()).toBe(1);
  });

  it('takes an ACK above a hole as proof the bytes were sent: a gap, and the size counts them', () => {
    const t = setup();
    t.dir.start(99, true);
    t.seg(100, 'abc');
    t.dir.acked(100 + 3 + 2902);
    expect(t.gaps).toEqual([[3, 2902]]);
    expect(t.dir.highest).toBe(2905);
    t.dir.finAt(100 + 2905);
    t.dir.acked(100 + 2905 + 1); // the FIN's own number is not data
    expect(t.dir.missed).toBe(2902);
  });

  it('follows sequence numbers across the 2^32 wrap', () => {
    const t = setup();
    t.dir.start(0xfffffffd, false);
    t.seg(0xfffffffd, 'abc');
    t.seg(0, 'def');
    t.seg(6, 'jkl');
    t.seg(3, 'ghi');
    expect(t.text()).toBe('abcdefghijkl');
    expect(t.dir.highest).toBe(12);
  });

  it('gives up on a hole when held data passes the per-stream budget', () => {
    const t = setup({ perStream: 8 });
    t.dir.start(0, false);
    t.seg(4, '12345');
    t.seg(9, '6789');
    expect(t.gaps).toEqual([[0, 4]]);
    expect(t.text()).toBe('123456789');
    expect(t.anomalies.map((a) => a.name)).toContain('tcp_reassembly_budget');
    expect(t.budget.used).toBe(0);
  });

  it('any arrival order of the segments gives the same stream', () => {
    const data = 'The quick brown fox jumps over the lazy dog; 0123456789 and then some more bytes to split.';
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: data.length - 1 }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.infiniteStream(fc.nat()),
        (cuts, isn, rnd) => {
          const points = [...new Set([0, ...cuts, data.length])].sort((a, b) => a - b);
          const segs = points.slice(1).map((e, i) => [points[i]!, e] as const);
          const order = segs.map((s) => ({ s, k: rnd.next().value as number })).sort((a, b) => a.k - b.k).map((x) => x.s);
          const t = setup();
          t.dir.start(isn, false);
          // the first segment must come first (a stream picked up midstream starts where it is seen)
          const first = segs[0]!;
          t.seg(isn, data.slice(first[0], first[1]));
          for (const [a, b] of order) t.seg(isn + a, data.slice(a, b));
          t.dir.finish();
          expect(t.text()).toBe(data);
          expect(t.gaps).toEqual([]);
          expect(t.budget.used).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('TcpDirection limits', () => {
  it('ignores a segment or ACK far beyond the stream instead of inventing missed bytes', () => {
    const t = setup();
    t.dir.start(0, false);
    t.seg(0, 'abc');
    t.seg(3 + 0x7fff0000, 'far');
    t.dir.acked(0x40000000);
    t.dir.finish();
    expect(t.dir.missed).toBe(0);
    expect(t.dir.highest).toBe(3);
    expect(t.anomalies.map((a) => a.name)).toEqual(['tcp_seq_jump']);
  });

  it('drops data after the FIN and does not count the FIN as a byte', () => {
    const t = setup();
    t.dir.start(0, false);
    t.seg(0, 'abc');
    t.dir.finAt(3);
    t.seg(3, 'zzz');
    t.dir.finish();
    expect(t.text()).toBe('abc');
    expect(t.anomalies.map((a) => a.name)).toEqual(['tcp_data_after_fin']);
  });

  it('compares only unacknowledged bytes; the ring is sized to them and freed at the end', () => {
    const t = setup();
    t.dir.start(0, false);
    t.seg(0, 'x'.repeat(3000));
    expect(t.budget.ringBytes).toBe(4096);
    t.dir.acked(3000);
    t.seg(0, 'y'.repeat(10)); // acknowledged: nothing to compare, no anomaly
    expect(t.anomalies).toEqual([]);
    t.dir.finish();
    expect(t.budget.ringBytes).toBe(0);
  });

  it('does not compare against bytes a gap skipped', () => {
    const t = setup({ perStream: 100 });
    t.dir.start(0, false);
    t.seg(0, 'abcd');
    t.seg(8, 'x'.repeat(200)); // over the budget: the hole 4..8 becomes a gap
    expect(t.gaps).toEqual([[4, 4]]);
    t.seg(4, 'EFGH'); // the late original of the gap: nothing valid to compare with
    expect(t.anomalies.map((a) => a.name)).toEqual(['tcp_reassembly_budget']);
  });

  it('holds tens of thousands of tiny segments in linear time and within the segment cap', () => {
    const t = setup();
    t.dir.start(0, false);
    for (let i = 1; i <= 40000; i++) t.seg(2 * i, 'x');
    expect(t.dir.heldByteCount).toBeLessThanOrEqual(16384 * 65);
    expect(t.anomalies.some((a) => a.name === 'tcp_reassembly_budget')).toBe(true);
    t.dir.finish();
    expect(t.budget.used).toBe(0);
  });
  it('reads sequence and acknowledgement numbers as int32 or uint32 alike (the flow table passes int32), across the wrap', () => {
    // the same segments, ACKs and FIN as uint32 (x >>> 0) and as int32 (x | 0): the same bytes, gaps, missed count
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.boolean(),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 3500 })), { minLength: 1, maxLength: 25 }),
        (isn, syn, segs) => {
          const runAs = (num: (x: number) => number) => {
            const t = setup();
            t.dir.start(num(isn), syn);
            const base = syn ? isn + 1 : isn;
            for (const [off, len, ack] of segs) {
              const b = enc.encode(`..${String.fromCharCode(...Array.from({ length: len }, (_, i) => 97 + ((off + i) % 26)))}`);
              t.dir.segment(num(base + off), b, 2, len, { ts: 0 }, 'Ctest', new AnomalyLog(() => undefined));
              t.dir.acked(num(base + ack));
            }
            t.dir.finAt(num(base + 3400));
            t.dir.finish();
            return { text: t.text(), gaps: t.gaps, missed: t.dir.missed };
          };
          expect(runAs((x) => x | 0)).toEqual(runAs((x) => x >>> 0));
        },
      ),
      { numRuns: 300 },
    );
  });
});
