// Bulk triage (POST /api/triage with "alert_keys") on DuckDB and on a ClickHouse server: the alerts of a
// generated capture under a rule acked at once, every row with who and the one time of the request, one audit
// row with the count; the list bounded (1,000; 1,001 is a 400 naming the bound), checked whole before anything
// is written (one bad or repeated key and nothing is stored); analysts only, CSRF and Origin as for every
// change, refused to an account with a row restriction. And the split counts the alerts screen draws as
// sparklines: one request, each signature's rows equal to `haystack counts --where 'sid = N'`.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRules } from '../../src/detect/rules-file.js';
import { ingest } from '../../src/pipeline/ingest.js';
import { addAccount } from '../../src/server/accounts.js';
import { openStore } from '../../src/store/open.js';
import { clickhouseBinary, startClickHouse, type ClickHouseServer } from '../helpers/clickhouse-server.mjs';
import { cli, scratchDir } from '../helpers/cli.js';
import { GEN } from '../helpers/run.js';
import { startTestServer, type Client, type TestServer } from '../helpers/server.js';

const RULES = [
  'alert tcp any any -> any any (msg:"PUT seen"; content:"PUT "; sid:9100001; rev:2;)',
  'alert tcp any any -> any any (msg:"HTTP seen"; content:"HTTP/1."; sid:9100002; rev:1;)',
].join('\n');
const bin = clickhouseBinary();
const servers: ClickHouseServer[] = [];
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** A key of the alertKey form that names no alert: the route checks the form, not that the alert exists. */
const fakeKey = (i: number): string => createHash('sha256').update(`fake ${i}`).digest('hex').slice(0, 32);

type Triage = { alert_key: string; action: string; user: string; note: string | null; ts: string };

async function exercise(name: string, url: string): Promise<void> {
  const store = await openStore(url);
  await store.init();
  const s = await ingest(store, [join(GEN, 'http-put.pcap')], { rules: parseRules(`${RULES}\n`, 't.rules').rules });
  expect(s.files[0]!.status).toBe('ingested');
  let srv: TestServer | null = null;
  let splitRows: unknown[] | undefined;
  try {
    srv = await startTestServer(scratchDir(`triage-bulk-${name}`), { store });
    await addAccount(srv.users, { name: 'port80', role: 'analyst', password: 'port-80-only-1', restrict: 'dst_port = 80' }, srv.clock.t * 1000);
    const [analyst, viewer, admin] = await Promise.all([srv.as('analyst'), srv.as('viewer'), srv.as('admin')]);
    const restricted = srv.client();
    expect((await restricted.login('port80', 'port-80-only-1')).status).toBe(200);

    const alerts = (await analyst.get('/api/records/alerts?limit=1000&order=asc&fields=sid')).json.rows as { alert_key: string; sid: number }[];
    expect(alerts.length).toBeGreaterThan(1);
    const keys = alerts.map((a) => a.alert_key);
    const history = async (c: Client, ks: readonly string[]): Promise<Triage[]> => (await c.get(`/api/triage?alerts=${ks.join(',')}`)).json.triage as Triage[];

    // refused before anything is written: roles, restriction, CSRF, Origin
    const body = { alert_keys: keys, action: 'ack' };
    expect((await viewer.post('/api/triage', body)).status).toBe(403);
    const r403 = await restricted.post('/api/triage', body);
    expect(r403.status).toBe(403);
    expect(r403.json.error).toMatch(/row restriction/);
    expect((await analyst.post('/api/triage', body, { noCsrf: true })).status).toBe(403);
    expect((await analyst.post('/api/triage', body, { noOrigin: true })).status).toBe(403);
    // bounds and form: nothing stored by any of these
    const over = await analyst.post('/api/triage', { alert_keys: Array.from({ length: 1001 }, (_, i) => fakeKey(i)), action: 'ack' });
    expect(over.status).toBe(400);
    expect(over.json.error).toMatch(/at most 1000 alerts at once, got 1001/);
    const bad = await analyst.post('/api/triage', { alert_keys: [...keys, 'not-a-key'], action: 'escalate' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(new RegExp(`alert_keys\\[${keys.length}\\]`));
    expect((await analyst.post('/api/triage', { alert_keys: [keys[0], keys[0]], action: 'ack' })).json.error).toMatch(/alert_keys\[1\]: given twice/);
    expect((await analyst.post('/api/triage', { alert_keys: [], action: 'ack' })).status).toBe(400);
    expect((await analyst.post('/api/triage', { alert_keys: keys, action: 'note' })).json.error).toMatch(/note needs its text/);
    expect((await analyst.post('/api/triage', { alert_keys: keys, action: 'delete' })).status).toBe(400);
    expect((await analyst.post('/api/triage', { alert_keys: keys.join(','), action: 'ack' })).status).toBe(400);
    expect((await analyst.post('/api/triage', { alert_key: keys[0], alert_keys: keys, action: 'ack' })).status).toBe(400);
    expect(await history(viewer, keys)).toEqual([]);

    // every alert acked at once: one row each, who and the one time of the request; one audit row with the count
    srv.clock.t += 5000;
    const audits = srv.audits.length;
    const ok = await analyst.post('/api/triage', body);
    expect(ok.status).toBe(201);
    expect(ok.json.count).toBe(keys.length);
    const acked = await history(viewer, keys);
    expect(acked.map((t) => [t.alert_key, t.action, t.user, t.note, Date.parse(t.ts)]).sort()).toEqual(keys.map((k) => [k, 'ack', 'analyst', null, srv!.clock.t]).sort());
    const mine = srv.audits.slice(audits).filter((a) => a.action === 'triage');
    expect(mine.map((a) => [a.user, a.route, a.target, a.rows, a.detail, a.outcome])).toEqual([['analyst', 'POST /api/triage', `${keys.length} alerts`, keys.length, 'ack (bulk)', 'ok']]);
    // the audit trail in the store has it too
    const trail = (await admin.get('/api/audit?limit=1000')).json.rows as { action: string; target: string; rows: number }[];
    expect(trail.filter((a) => a.action === 'triage').map((a) => [a.target, a.rows])).toEqual([[`${keys.length} alerts`, keys.length]]);

    // a note on two, then the bound itself: 1,000 keys in one request
    srv.clock.t += 1000;
    expect((await analyst.post('/api/triage', { alert_keys: keys.slice(0, 2), action: 'note', note: 'same scanner, ticket 7' })).status).toBe(201);
    const noted = (await history(viewer, keys.slice(0, 2))).filter((t) => t.action === 'note');
    expect(noted.map((t) => [t.alert_key, t.note]).sort()).toEqual(keys.slice(0, 2).map((k) => [k, 'same scanner, ticket 7']).sort());
    const many = Array.from({ length: 1000 }, (_, i) => fakeKey(i));
    const big = await analyst.post('/api/triage', { alert_keys: many, action: 'escalate' });
    expect(big.status).toBe(201);
    expect(big.json.count).toBe(1000);
    // (read back 400 at a time: 1,000 keys are past a query parameter's 16 KiB)
    const read: Triage[] = [];
    for (let i = 0; i < many.length; i += 400) read.push(...await history(viewer, many.slice(i, i + 400)));
    expect(read.map((t) => [t.alert_key, t.action]).sort()).toEqual(many.map((k) => [k, 'escalate']).sort());

    // the sparklines' request: every signature per day in one answer, each equal to counts of that sid alone
    const split = (await viewer.get('/api/reports/counts/alerts?by=day&split=sid')).json;
    expect(split.columns.map((c: { name: string }) => c.name)).toEqual(['bucket', 'sid', 'count']);
    const rows = split.rows as { bucket: string; sid: number; count: number }[];
    splitRows = rows;
    const sids = [...new Set(rows.map((r) => r.sid))];
    expect(sids.sort()).toEqual([9100001, 9100002]);
    for (const sid of sids) {
      const one = (await viewer.get(`/api/reports/counts/alerts?by=day&q=${encodeURIComponent(`sid = ${sid}`)}`)).json.rows;
      expect(rows.filter((r) => r.sid === sid).map((r) => ({ bucket: r.bucket, count: r.count }))).toEqual(one);
      expect(rows.filter((r) => r.sid === sid).reduce((n, r) => n + r.count, 0)).toBe(alerts.filter((a) => a.sid === sid).length);
    }
    expect((await viewer.get('/api/reports/counts/alerts?by=day&split=sid&limit=1')).json.rows.map((r: { sid: number }) => r.sid))
      .toEqual([alerts.filter((a) => a.sid === 9100001).length >= alerts.filter((a) => a.sid === 9100002).length ? 9100001 : 9100002]);
    expect((await viewer.get('/api/reports/counts/alerts?by=day&split=payload_excerpt')).status).toBe(403);
    expect((await viewer.get('/api/reports/counts/alerts?by=day&split=nosuch')).status).toBe(400);
    expect((await viewer.get('/api/reports/counts/alerts?by=day&split=sid&limit=1001')).status).toBe(400);
    // the bound is on values × buckets: two values over 57,000 days are past 100,000 rows (one alone is not)
    const wide = 'from=1870-01-01T00:00:00Z&to=2026-12-01T00:00:00Z';
    expect((await viewer.get(`/api/reports/counts/alerts?by=day&q=${encodeURIComponent('sid = 9100001')}&${wide}`)).status).toBe(200);
    const past = await viewer.get(`/api/reports/counts/alerts?by=day&split=sid&${wide}`);
    expect(past.status).toBe(400);
    expect(past.json.error).toMatch(/2 values over \d+ days make \d+ buckets: at most 100000/);
  } finally {
    await srv?.stop();
    await store.close();
  }
  // the CLI prints the same split report (run once the server let go of the store)
  const c = await cli('counts', 'alerts', '--by', 'day', '--split', 'sid', '--db', url, '--format', 'jsonl');
  expect(c.code, c.err).toBe(0);
  expect(c.out.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(splitRows);
}

describe('bulk triage', () => {
  it('DuckDB', async () => {
    await exercise('duck', join(scratchDir('triage-bulk-duck'), 's.duckdb'));
  });

  it.skipIf(bin === null && process.env.CI !== 'true')('one ClickHouse server', async () => {
    if (bin === null) throw new Error('clickhouse-server is missing (apt install clickhouse-server)');
    const s = await startClickHouse(bin);
    servers.push(s);
    await exercise('ch', s.url('hs'));
  });
});
