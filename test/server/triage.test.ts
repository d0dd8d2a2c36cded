// Alert triage end to end: alerts of a generated capture under a rule, each answered with its triage key (the
// same in a page of records, a narrow page and the session's uid view), acked, escalated and noted by an analyst
// with who and when, the history read back in order; the key names the alert, not the page it came in.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRules } from '../../src/detect/rules-file.js';
import { ingest } from '../../src/pipeline/ingest.js';
import { scratchDir } from '../helpers/cli.js';
import { GEN } from '../helpers/run.js';
import { startTestServer, type Client, type TestServer } from '../helpers/server.js';

let srv: TestServer;
let analyst: Client;
let viewer: Client;
beforeAll(async () => {
  srv = await startTestServer(scratchDir('server-triage'));
  const rules = parseRules('alert tcp any any -> any any (msg:"PUT seen"; content:"PUT "; sid:9100001; rev:2;)\n', 't.rules').rules;
  const s = await ingest(srv.store, [join(GEN, 'http-put.pcap')], { rules });
  expect(s.files[0]!.status).toBe('ingested');
  [analyst, viewer] = await Promise.all([srv.as('analyst'), srv.as('viewer')]);
});
afterAll(async () => {
  await srv?.stop();
});

describe('alert triage', () => {
  it('gives every alert a key, the same whichever fields or route it comes through', async () => {
    const all = (await analyst.get('/api/records/alerts?limit=1000&order=asc')).json.rows as { alert_key: string; uid: string; sid: number }[];
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((a) => /^[0-9a-f]{32}$/.test(a.alert_key) && a.sid === 9100001)).toBe(true);
    expect(new Set(all.map((a) => a.alert_key)).size).toBe(all.length);
    const narrow = (await viewer.get('/api/records/alerts?limit=1000&order=asc&fields=sid')).json;
    expect(narrow.columns.map((c: { name: string }) => c.name)).toEqual(['sid', 'alert_key']);
    expect(narrow.rows.map((a: { alert_key: string }) => a.alert_key)).toEqual(all.map((a) => a.alert_key));
    const u = (await viewer.get(`/api/uid/${all[0]!.uid}`)).json;
    expect(u.tables.alerts.map((a: { alert_key: string }) => a.alert_key)).toContain(all[0]!.alert_key);
  });

  it('records ack, escalate and notes with who and when, and reads the history back in order', async () => {
    const [a, b] = (await analyst.get('/api/records/alerts?limit=2&order=asc')).json.rows as { alert_key: string }[];
    srv.clock.t += 1000;
    expect((await analyst.post('/api/triage', { alert_key: a!.alert_key, action: 'ack' })).status).toBe(201);
    srv.clock.t += 1000;
    expect((await analyst.post('/api/triage', { alert_key: a!.alert_key, action: 'note', note: 'benign: backup job' })).status).toBe(201);
    expect((await analyst.post('/api/triage', { alert_key: b!.alert_key, action: 'escalate' })).status).toBe(201);
    expect((await analyst.post('/api/triage', { alert_key: b!.alert_key, action: 'note' })).status).toBe(400);
    expect((await analyst.post('/api/triage', { alert_key: b!.alert_key, action: 'delete' })).status).toBe(400);
    const h = (await viewer.get(`/api/triage?alerts=${a!.alert_key},${b!.alert_key}`)).json.triage as { alert_key: string; action: string; user: string; note: string | null; ts: string }[];
    const ofA = h.filter((x) => x.alert_key === a!.alert_key);
    expect(ofA.map((x) => [x.action, x.user, x.note])).toEqual([['ack', 'analyst', null], ['note', 'analyst', 'benign: backup job']]);
    expect(Date.parse(ofA[1]!.ts) - Date.parse(ofA[0]!.ts)).toBe(1000);
    expect(h.filter((x) => x.alert_key === b!.alert_key).map((x) => x.action)).toEqual(['escalate']);
  });
});
