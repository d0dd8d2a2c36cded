// DNS request and response events of one transaction (Suricata's EVE, versions 2 and 3, written here after the
// format's documented shape) become one dns row: the query's time and flags, the response's answer, the rtt.
import { describe, expect, it } from 'vitest';
import { eveToRecords } from '../eve/eve-inverse.js';
import { DnsPairs, MAX_HELD_BYTES, MAX_HELD_REQUESTS, type LineRecord } from './dns-pairs.js';

const FLOW = { flow_id: 2002523053901222, src_ip: '192.168.89.2', src_port: 36414, dest_ip: '8.8.8.8', dest_port: 53, proto: 'UDP' };
const t = (us: number): string => `2026-12-07T10:00:00.${String(us).padStart(6, '0')}+0000`;

/** Suricata 6/7's version 2: a "query" event per question and an "answer" event. */
function v2(id: number, name: string, at: number, answerAt: number | null, tx = 0): Record<string, unknown>[] {
  const q = { timestamp: t(at), ...FLOW, event_type: 'dns', dns: { type: 'query', id, rrname: name, rrtype: 'A', tx_id: tx } };
  if (answerAt === null) return [q];
  const a = {
    timestamp: t(answerAt), ...FLOW, src_ip: FLOW.dest_ip, src_port: FLOW.dest_port, dest_ip: FLOW.src_ip, dest_port: FLOW.src_port, event_type: 'dns',
    dns: { version: 2, type: 'answer', id, flags: '8180', qr: true, rd: true, ra: true, rrname: name, rrtype: 'A', rcode: 'NOERROR', answers: [{ rrname: name, rrtype: 'A', ttl: 60, rdata: '192.0.2.7' }], grouped: { A: ['192.0.2.7'] } },
  };
  return [q, a];
}

/** Suricata 8's version 3: "request" and "response", the question in `queries`. */
function v3(id: number, name: string, at: number, answerAt: number, tx = 0): Record<string, unknown>[] {
  return [
    { timestamp: t(at), ...FLOW, event_type: 'dns', dns: { version: 3, type: 'request', tx_id: tx, id, flags: '0100', rd: true, opcode: 0, queries: [{ rrname: name, rrtype: 'AAAA' }] } },
    {
      timestamp: t(answerAt), ...FLOW, event_type: 'dns',
      dns: { version: 3, type: 'response', tx_id: tx, id, flags: '8183', qr: true, rd: true, ra: true, opcode: 0, rcode: 'NXDOMAIN', queries: [{ rrname: name, rrtype: 'AAAA' }] },
    },
  ];
}

function run(events: Record<string, unknown>[], pairs = new DnsPairs()): Record<string, unknown>[] {
  const out: LineRecord[] = [];
  events.forEach((e, i) => {
    for (const m of eveToRecords(e)) out.push(...pairs.add({ m: { ...m }, lineNo: i + 1 }));
  });
  out.push(...pairs.end());
  return out.map((x) => ({ ...x.m.record, line: x.lineNo, extra: x.m.extra }));
}

describe('EVE DNS request and response: one row', () => {
  it('version 2: query + answer → answered, the query time, rtt, the answer', () => {
    const [r, ...rest] = run(v2(25510, 'example.com', 100, 3100));
    expect(rest).toEqual([]);
    expect(r).toMatchObject({ outcome: 'answered', trans_id: 25510, query: 'example.com', qtype_name: 'A', ts: Date.parse('2026-12-07T10:00:00Z') * 1000 + 100, rtt: 0.003, rcode_name: 'NOERROR', ra: true, rd: true, answers: ['192.0.2.7'], ttls: [60], line: 2 });
    // the request's tx_id, the response's grouped answers: extra keeps both events' leftovers
    expect(JSON.stringify(r!.extra)).toMatch(/tx_id/);
  });

  it('version 3: request + response (NXDOMAIN)', () => {
    const [r, ...rest] = run(v3(7, 'nope.example', 5, 20_005));
    expect(rest).toEqual([]);
    expect(r).toMatchObject({ outcome: 'answered', trans_id: 7, query: 'nope.example', qtype_name: 'AAAA', rtt: 0.02, rcode_name: 'NXDOMAIN', answers: [] });
  });

  it('a request never answered is written unanswered at the end; a lone response stays answered; a second response is a duplicate', () => {
    const events = [...v2(1, 'a.example', 0, null), ...v2(2, 'b.example', 10, 20, 1), v2(2, 'b.example', 10, 40, 1)[1]!, v2(3, 'c.example', 50, 60, 2)[1]!];
    const rows = run(events);
    expect(rows.map((r) => [r.query, r.outcome])).toEqual([['b.example', 'answered'], ['b.example', 'duplicate'], ['c.example', 'answered'], ['a.example', 'unanswered']]);
    expect(rows.find((r) => r.outcome === 'unanswered')!.line).toBe(1);
  });

  it('different flows or ids do not pair', () => {
    const [q] = v2(9, 'x.example', 0, 10);
    const a = v2(9, 'x.example', 0, 10)[1]!;
    const rows = run([q!, { ...a, flow_id: 42 }, { ...a, dns: { ...(a.dns as object), id: 10 } }]);
    expect(rows.map((r) => r.outcome).sort()).toEqual(['answered', 'answered', 'unanswered']);
    expect(rows.every((r) => r.rtt === null)).toBe(true);
  });

  it('a request without a tx_id (our own export\'s unanswered transaction) is not held', () => {
    const [q] = v2(5, 'own.example', 0, null);
    delete ((q!.dns) as Record<string, unknown>).tx_id;
    const pairs = new DnsPairs();
    const m = eveToRecords(q!)[0]!;
    expect(pairs.add({ m, lineNo: 1 }).map((x) => x.m.record.outcome)).toEqual(['unanswered']);
    expect(pairs.end()).toEqual([]);
  });

  it('requests carrying big unknown keys: the bytes held stay under MAX_HELD_BYTES, the oldest written unanswered', () => {
    const pairs = new DnsPairs();
    const big = 'x'.repeat(256 * 1024);
    const n = Math.ceil(MAX_HELD_BYTES / big.length) + 10;
    let written = 0;
    for (let i = 0; i < n; i++) {
      const [q] = v2(i, `big${i}.example`, 0, null, i);
      const m = eveToRecords({ ...q!, vendor_blob: big })[0]!;
      expect(JSON.stringify(m.extra).length).toBeGreaterThan(big.length);
      written += pairs.add({ m, lineNo: i + 1 }).length;
    }
    const held = pairs.end().length;
    expect(written + held).toBe(n);
    expect(held * big.length).toBeLessThanOrEqual(MAX_HELD_BYTES);
    expect(pairs.overflowed).toBe(written);
    expect(written).toBeGreaterThan(0);
  });

  it(`more than ${MAX_HELD_REQUESTS} open requests: the oldest is written unanswered, counted`, () => {
    const pairs = new DnsPairs();
    let written = 0;
    for (let i = 0; i <= MAX_HELD_REQUESTS; i++) {
      const [q] = v2(i % 65536, `n${i}.example`, 0, null, i);
      written += pairs.add({ m: eveToRecords(q!)[0]!, lineNo: i + 1 }).length;
    }
    expect(written).toBe(1);
    expect(pairs.overflowed).toBe(1);
    expect(pairs.end().length).toBe(MAX_HELD_REQUESTS);
  });
});
