// The dns table through `haystack serve`'s search API: the records of the dns gen capture page by page, a
// filter on the query, field values, and the uid view, against tshark's reading of the capture.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/pipeline/ingest.js';
import { scratchDir } from '../helpers/cli.js';
import { ROOT } from '../helpers/run.js';
import { startTestServer, type Client, type TestServer } from '../helpers/server.js';

const DIR = join(ROOT, 'test/fixtures/dns');
// tshark's queries (dns.flags.response 0): their ids and names
const queries = readFileSync(join(DIR, 'dns-gen.tshark.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'))
  .filter((f) => f[8] === '0').map((f) => ({ id: parseInt(f[7]!, 16), name: f[18]!, type: Number(f[19]) }));
const dir = scratchDir('server-dns');
let srv: TestServer;
let viewer: Client;

beforeAll(async () => {
  srv = await startTestServer(dir);
  const s = await ingest(srv.store, [join(DIR, 'dns-gen.pcap')]);
  expect(s.files.map((f) => f.status)).toEqual(['ingested']);
  viewer = await srv.as('viewer');
});
afterAll(async () => {
  await srv?.stop();
});

describe('GET /api/records/dns', () => {
  it('pages through every transaction: tshark\'s queries, each once', async () => {
    const rows: Record<string, unknown>[] = [];
    let after: string | null = null;
    do {
      const r = await viewer.get(`/api/records/dns?order=asc&limit=4&fields=uid,ts,trans_id,query,qtype,outcome${after === null ? '' : `&after=${encodeURIComponent(after)}`}`);
      expect(r.status, r.text).toBe(200);
      rows.push(...r.json.rows);
      after = r.json.next;
    } while (after !== null && rows.length < 100);
    expect(rows.map((x) => `${x.trans_id} ${x.query} ${x.qtype}`).sort()).toEqual(queries.map((q) => `${q.id} ${q.name} ${q.type}`).sort());
    expect(new Set(rows.map((x) => x.outcome))).toEqual(new Set(['answered']));
  });

  it('filters on the dns fields, and lists their values', async () => {
    const r = await viewer.get(`/api/records/dns?q=${encodeURIComponent('qtype_name = "HTTPS" or rcode_name = "NXDOMAIN"')}&fields=query,qtype_name,rcode_name,answers`);
    expect(r.status, r.text).toBe(200);
    expect(r.json.rows.map((x: Record<string, unknown>) => x.query).sort()).toEqual(['example', 'nosuch.example']);
    const v = await viewer.get('/api/values/dns/qtype_name?limit=20');
    expect(v.status, v.text).toBe(200);
    expect(JSON.stringify(v.json)).toContain('HTTPS');
    const bad = await viewer.get(`/api/records/dns?q=${encodeURIComponent('no_such_field = 1')}`);
    expect(bad.status).toBe(400);
  });

  it('the session of a dns record is a dns session', async () => {
    const r = await viewer.get('/api/records/dns?limit=1&fields=uid');
    const uid = String(r.json.rows[0].uid);
    const s = await viewer.get(`/api/records/sessions?q=${encodeURIComponent(`uid = "${uid}"`)}&fields=uid,app_proto,dst_port`);
    expect(s.json.rows).toEqual([{ uid, app_proto: 'dns', dst_port: 5399 }]);
  });
});
