// `import eve` of Suricata's DNS events: a request and its response (version 2 query/answer, version 3
// request/response) are one dns row in the store, with the rtt; a request never answered is a row of its own,
// `unanswered`; the captures row counts the pairs. Events by construction, after Suricata's documented shapes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_MAPPER } from '../src/formats/import/mappers.js';
import { importFiles } from '../src/pipeline/import.js';
import { openStore } from '../src/store/open.js';
import { scratchDir } from './helpers/cli.js';

const dir = scratchDir('import-eve-dns');
const FLOW = { flow_id: 1455700201321, src_ip: '10.1.1.5', src_port: 53000, dest_ip: '10.1.1.1', dest_port: 53, proto: 'UDP' };
const back = { src_ip: FLOW.dest_ip, src_port: FLOW.dest_port, dest_ip: FLOW.src_ip, dest_port: FLOW.src_port };

const EVENTS = [
  { timestamp: '2026-12-07T10:00:00.000100+0000', ...FLOW, event_type: 'dns', dns: { type: 'query', id: 100, rrname: 'www.example.org', rrtype: 'A', tx_id: 0 } },
  { timestamp: '2026-12-07T10:00:00.000200+0000', ...FLOW, event_type: 'dns', dns: { type: 'query', id: 101, rrname: 'lost.example.org', rrtype: 'A', tx_id: 1 } },
  { timestamp: '2026-12-07T10:00:00.012100+0000', ...FLOW, ...back, event_type: 'dns', dns: { version: 2, type: 'answer', id: 100, flags: '8180', qr: true, rd: true, ra: true, rrname: 'www.example.org', rrtype: 'A', rcode: 'NOERROR', answers: [{ rrname: 'www.example.org', rrtype: 'A', ttl: 300, rdata: '192.0.2.80' }] } },
  { timestamp: '2026-12-07T10:00:01.000000+0000', ...FLOW, event_type: 'dns', dns: { version: 3, type: 'request', tx_id: 2, id: 102, flags: '0100', rd: true, opcode: 0, queries: [{ rrname: 'v6.example.org', rrtype: 'AAAA' }] } },
  { timestamp: '2026-12-07T10:00:01.250000+0000', ...FLOW, event_type: 'dns', dns: { version: 3, type: 'response', tx_id: 2, id: 102, flags: '8180', qr: true, rd: true, ra: true, opcode: 0, rcode: 'NOERROR', queries: [{ rrname: 'v6.example.org', rrtype: 'AAAA' }], answers: [{ rrname: 'v6.example.org', rrtype: 'AAAA', ttl: 60, rdata: '2001:db8::80' }] } },
];

describe('import eve: DNS requests and responses paired', () => {
  it('three transactions, three rows: two answered with their rtt (client to server), one unanswered', async () => {
    const file = join(dir, 'eve.json');
    writeFileSync(file, EVENTS.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const db = join(dir, 'dns.duckdb');
    const store = await openStore(db);
    try {
      const [r] = await importFiles(store, 'eve', [file], { mapper: BUILTIN_MAPPER });
      expect(r!.status).toBe('imported');
      if (r!.status !== 'imported') return;
      expect(r!.records).toEqual({ dns: 3 });
      expect(JSON.parse(String(r!.capture.stats)).dns_pairs_merged).toBe(2);
      const rows = (await store.select('SELECT query, outcome, rtt, src_ip, dst_port, rd, ra, answers FROM dns ORDER BY ts')).rows;
      expect(rows).toEqual([
        { query: 'www.example.org', outcome: 'answered', rtt: 0.012, src_ip: '10.1.1.5', dst_port: 53, rd: true, ra: true, answers: ['192.0.2.80'] },
        { query: 'lost.example.org', outcome: 'unanswered', rtt: null, src_ip: '10.1.1.5', dst_port: 53, rd: false, ra: null, answers: [] },
        { query: 'v6.example.org', outcome: 'answered', rtt: 0.25, src_ip: '10.1.1.5', dst_port: 53, rd: true, ra: true, answers: ['2001:db8::80'] },
      ]);
    } finally {
      await store.close();
    }
  });
});
