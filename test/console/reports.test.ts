/// <reference lib="dom" />
// The console's report screens in Chromium, over a store holding mixed-home.pcap (home net 127.0.0.0/24),
// http-put.pcap with the seed's PUT rule (sid 1000003) and a synthetic week of another signature that jumps
// overnight: the alerts per day and each signature's sparkline equal `haystack counts`, triage from the screen
// (one alert, a selection, everything matching) is stored, an alert's pcap and transcript are `carve`'s and
// `transcript`'s, top talkers equal
// `haystack top` and tshark's bytes into and out of the home net, the graph draws the query's hosts, captures
// list their anomalies, an admin adds an account that logs in, a viewer has no admin screen; no CSP violation.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRules } from '../../src/detect/rules-file.js';
import { carveSession } from '../../src/pipeline/carve.js';
import { ingest } from '../../src/pipeline/ingest.js';
import { ALERTS, type AlertRecord } from '../../src/schema/alerts.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { type Watched, haveBrowser, launch, loginInPage, watchedPage } from '../helpers/browser.js';
import { cli, scratchDir } from '../helpers/cli.js';
import { GEN, ROOT, readJson } from '../helpers/run.js';
import { PASSWORDS, startTestServer, type TestServer } from '../helpers/server.js';
import type { Role } from '../../src/server/roles.js';

const dir = scratchDir('console-reports');
const SHOTS = join(ROOT, 'docs/console');
/** the seed's PUT rule (test/gen-alerts.test.ts, test/cli-alerts-store.test.ts) */
const PUT_RULE = 'alert tcp $EXTERNAL_NET any -> $HTTP_SERVERS $HTTP_PORTS (msg:"HTTP PUT Defacement Attempt"; flow:to_server,established; content:"PUT "; depth:4; classtype:web-application-attack; sid:1000003; rev:1;)';
const HOME = '127.0.0.0/24';
const DAY = 86_400_000_000;
/** the campaign ends on the captures' day (2026-11-22), the newest day trends looks at */
const day0 = Date.UTC(2026, 10, 16) * 1000;
const CAMPAIGN = [5, 3, 0, 6, 4, 5, 200];

/**
 * http-put.pcap damaged by construction: three IPv4 total lengths past the packet (ipv4_truncated), one header
 * length of 4 bytes (ipv4_hlen_too_small), and the file cut inside its last record (capture_damaged).
 */
function damagedCapture(path: string): void {
  const b = Buffer.from(readFileSync(join(GEN, 'http-put.pcap')));
  const offs: number[] = [];
  for (let off = 24; off + 16 <= b.length; off += 16 + b.readUInt32LE(off + 8)) offs.push(off);
  for (const i of [20, 40, 60]) b[offs[i]! + 16 + 14 + 2] = 0xff;
  b[offs[80]! + 16 + 14] = 0x41;
  writeFileSync(path, b.subarray(0, b.length - 30));
}

/** A week of one signature, steady then 200 on the last day (a trends spike), beside the captures. */
async function campaign(store: Store): Promise<void> {
  const alert = (ts: number): AlertRecord => ({
    ts, uid: 'Csynthetic', community_id: '1:x', src_ip: '192.0.2.1', src_port: 1234, dst_ip: '10.0.0.1', dst_port: 80, proto: 'tcp', app_proto: 'http',
    gid: 1, sid: 2013365, rev: 1, msg: 'ET WEB_SERVER PUT Website Defacement Attempt', classtype: 'web-application-attack', priority: 1, action: 'alert', payload_excerpt: 'PUT /', capture_id: null,
  });
  const w = await store.begin('synthetic0000000');
  CAMPAIGN.forEach((n, d) => {
    for (let i = 0; i < n; i++) w.append(ALERTS, alert(day0 + d * DAY + i * 1_000_000));
  });
  await w.commit({ capture_id: 'synthetic0000000', path: 'synthetic', sha256: 'f'.repeat(64), size: 0, format: null, linktypes: [], first_ts: null, last_ts: null, packets: 0, ingested_at: Date.now() * 1000, stats: null, mtime: null, header_blocks: null });
}

describe.skipIf(!haveBrowser)('the console\'s report screens in Chromium', () => {
  let srv: TestServer;
  let b: Awaited<ReturnType<typeof launch>>;
  const pages: Watched[] = [];
  /** the same captures in a store the server does not hold, for the CLI's verbs */
  const cliDb = join(dir, 'cli.duckdb');

  async function as(role: Role | string, password?: string): Promise<Watched> {
    const w = await watchedPage(b.browser);
    pages.push(w);
    await loginInPage(w.page, srv.url, '/alerts', role, password ?? PASSWORDS[role as Role]);
    await w.page.waitForSelector('[data-testid=logout]');
    return w;
  }

  beforeAll(async () => {
    srv = await startTestServer(dir, { webDir: join(ROOT, 'dist/web'), filesDir: dir });
    const rules = parseRules(PUT_RULE, 'put.rules');
    expect(rules.rules).toHaveLength(1);
    const a = await ingest(srv.store, [join(GEN, 'mixed-home.pcap')], { homeNet: [HOME], filesDir: dir });
    const c = await ingest(srv.store, [join(GEN, 'http-put.pcap')], { rules: rules.rules, filesDir: dir });
    expect([...a.files, ...c.files].every((f) => f.status === 'ingested')).toBe(true);
    damagedCapture(join(dir, 'damaged-put.pcap'));
    await ingest(srv.store, [join(dir, 'damaged-put.pcap')], { filesDir: dir });
    await campaign(srv.store);
    const rulesFile = join(dir, 'put.rules');
    writeFileSync(rulesFile, `${PUT_RULE}\n`);
    expect((await cli('ingest', join(GEN, 'mixed-home.pcap'), '--db', cliDb, '--home-net', HOME)).code).toBe(0);
    expect((await cli('ingest', join(GEN, 'http-put.pcap'), '--db', cliDb, '--rules', rulesFile)).code).toBe(0);
    const s = await openStore(cliDb);
    await s.init();
    await campaign(s);
    await s.close();
    b = await launch();
  });
  afterAll(async () => {
    await b?.close();
    await srv?.stop();
  });

  it('alerts: signatures with counts and a spike badge; sid 1000003 per day equals haystack counts', async () => {
    const { page } = await as('analyst');
    await page.click('[data-sid="1000003"]');
    await page.waitForSelector('[data-testid=signature][data-sid="1000003"] [data-testid=per-day] tbody tr');
    await page.waitForSelector('[data-testid=day-chart] canvas');
    const shown = await page.$$eval('[data-testid=per-day] tbody tr', (rows) => rows.map((r) => `${r.children[0]!.getAttribute('data-bucket')},${r.children[1]!.textContent!.replace(/,/g, '')}`));
    const c = await cli('counts', 'alerts', '--by', 'day', '--where', 'sid = 1000003', '--db', cliDb, '--format', 'csv');
    expect(c.code).toBe(0);
    expect(shown).toEqual(c.out.trim().split('\n').slice(1));
    expect(shown.reduce((n, l) => n + Number(l.split(',')[1]), 0)).toBe(4);
    // the signature list: counts per sid, the campaign's spike badge from trends
    const list = await page.$$eval('[data-testid=signatures] li a', (as) => as.map((a) => [a.getAttribute('data-sid'), a.querySelector('.count')!.textContent, a.querySelector('[data-testid=spike]')?.textContent ?? null]));
    expect(list).toEqual([['2013365', String(CAMPAIGN.reduce((x, y) => x + y)), `×${(200 / (23 / 6)).toFixed(1)}`], ['1000003', '4', null]]);
    expect(await page.textContent('[data-testid=signature] h2')).toContain('HTTP PUT Defacement Attempt');
  });

  it('alerts: ack, escalate and note from the screen are triage rows; the session is one click away', async () => {
    const w = pages[0]!;
    const { page } = w;
    const rows = page.locator('[data-testid=alert-rows] tbody tr');
    expect(await rows.count()).toBe(4);
    const first = rows.nth(0);
    const second = rows.nth(1);
    const k1 = (await first.getAttribute('data-key'))!;
    const k2 = (await second.getAttribute('data-key'))!;
    await first.locator('[data-testid=ack]').click();
    await first.locator('.badge.ack').waitFor();
    await second.locator('[data-testid=escalate]').click();
    await second.locator('.badge.escalate').waitFor();
    await second.locator('[data-testid=note]').click();
    await second.locator('[data-testid=note-text]').fill('<b>PUT</b> to /upload, see ticket 42');
    await second.locator('[data-testid=note-text]').press('Enter');
    await second.locator('.note').waitFor();
    expect(await second.locator('.note').textContent()).toBe('“<b>PUT</b> to /upload, see ticket 42”');
    expect(await first.locator('[data-testid=triage-state]').textContent()).toBe('acked · analyst');
    const api = await srv.as('viewer');
    const t = (await api.get(`/api/triage?alerts=${k1},${k2}`)).json.triage as { alert_key: string; action: string; user: string; note: string | null }[];
    expect(t.map((x) => [x.alert_key, x.action, x.user, x.note]).sort()).toEqual([
      [k1, 'ack', 'analyst', null], [k2, 'escalate', 'analyst', null], [k2, 'note', 'analyst', '<b>PUT</b> to /upload, see ticket 42'],
    ].sort());
    // the drill-down: the row's transcript and pcap are downloads, the same bytes as `haystack transcript` and `carve`
    const rowUid = decodeURIComponent(new URL((await first.locator('[data-testid=alert-session]').getAttribute('href'))!, srv.url).pathname.split('/').pop()!);
    const [pcap] = await Promise.all([page.waitForEvent('download'), first.locator('[data-testid=alert-pcap]').click()]);
    await pcap.saveAs(join(dir, 'alert.pcap'));
    // (the damaged copy of http-put.pcap holds the same uids: the alert's own capture is named)
    const rowCapture = new URL((await first.locator('[data-testid=alert-pcap]').getAttribute('href'))!, srv.url).searchParams.get('capture')!;
    expect(rowCapture).toMatch(/^[0-9a-f]{16}/);
    await carveSession(srv.store, rowUid, join(dir, 'carve.pcap'), { capture: rowCapture });
    expect(readFileSync(join(dir, 'alert.pcap')).equals(readFileSync(join(dir, 'carve.pcap')))).toBe(true);
    const [text] = await Promise.all([page.waitForEvent('download'), first.locator('[data-testid=alert-transcript]').click()]);
    await text.saveAs(join(dir, 'alert.txt'));
    const tr = await cli('transcript', '--uid', rowUid, '--db', cliDb);
    expect(tr.code, tr.err).toBe(0);
    expect(readFileSync(join(dir, 'alert.txt'), 'utf8')).toBe(tr.out);
    expect(tr.out).toMatch(/^> PUT /m);
    await first.locator('[data-testid=alert-session]').click();
    await page.waitForSelector('.session .block');
    const uid = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    const alertUids = (await srv.store.select('SELECT uid FROM alerts WHERE sid = 1000003')).rows.map((r) => r.uid);
    expect(alertUids).toContain(uid);
    // the session view lists the session's alerts, this signature's among them
    await page.waitForSelector('[data-testid=alerts]');
    expect(await page.textContent('[data-testid=alerts]')).toContain('1000003');
    // the session view's own pcap names the session's capture too: the same bytes as the alert row's
    const [own] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=pcap]').click()]);
    await own.saveAs(join(dir, 'session.pcap'));
    expect(readFileSync(join(dir, 'session.pcap')).equals(readFileSync(join(dir, 'carve.pcap')))).toBe(true);
  });

  it('alerts: a sparkline per signature, over the same days, each equal to haystack counts of its sid', async () => {
    const { page } = pages[0]!;
    await page.goto(`${srv.url}/alerts?sid=2013365`);
    await page.waitForSelector('[data-testid=signatures] li [data-testid=sparkline]');
    const lines = await page.$$eval('[data-testid=signatures] li a', (as) => as.map((a) => {
      const svg = a.querySelector('[data-testid=sparkline]');
      return { sid: a.getAttribute('data-sid')!, days: svg?.getAttribute('data-days') ?? '', title: svg?.querySelector('title')?.textContent ?? '', bars: svg?.querySelectorAll('rect').length ?? 0 };
    }));
    expect(lines.map((l) => l.sid)).toEqual(['2013365', '1000003']);
    const spans = lines.map((l) => l.days.split(',').map((d) => d.split('=')[0]));
    expect(spans[1]).toEqual(spans[0]);
    const [first, last] = [spans[0]![0]!, spans[0]![spans[0]!.length - 1]!];
    for (const l of lines) {
      const c = await cli('counts', 'alerts', '--by', 'day', '--where', `sid = ${l.sid}`, '--from', `${first}T00:00:00Z`, '--to', `${last}T23:59:59.999999Z`, '--db', cliDb, '--format', 'csv');
      expect(c.code, c.err).toBe(0);
      const want = c.out.trim().split('\n').slice(1).map((x) => `${x.slice(0, 10)}=${x.split(',')[1]}`);
      expect(l.days.split(','), `sid ${l.sid}`).toEqual(want);
      expect(l.bars).toBe(want.filter((x) => !x.endsWith('=0')).length);
      expect(l.title).toMatch(/each line on its own scale/);
    }
    expect(lines[0]!.days).toBe(CAMPAIGN.map((n, i) => `${new Date((day0 + i * DAY) / 1000).toISOString().slice(0, 10)}=${n}`).join(','));
    // no style attribute anywhere in the list (the CSP allows none)
    expect(await page.$$('[data-testid=signatures] [style]')).toHaveLength(0);
  });

  it('alerts: bulk triage of a selection (shift-click range, all shown) and of everything matching, after its count', async () => {
    const { page } = pages[0]!;
    await page.waitForSelector('[data-testid=signature][data-sid="2013365"] [data-testid=alert-rows] tbody tr');
    const rows = page.locator('[data-testid=alert-rows] tbody tr');
    expect(await rows.count()).toBe(100);
    const keyAt = async (i: number): Promise<string> => (await rows.nth(i).getAttribute('data-key'))!;
    const boxes = page.locator('[data-testid=select-row]');
    await boxes.nth(1).click();
    await boxes.nth(4).click({ modifiers: ['Shift'] });
    await page.waitForFunction(() => document.querySelector('[data-testid=selected-count]')?.getAttribute('data-n') === '4');
    const picked = await Promise.all([1, 2, 3, 4].map(keyAt));
    expect(await page.$$eval('[data-testid=alert-rows] tbody tr.picked', (trs) => trs.map((t) => t.getAttribute('data-key')))).toEqual(picked);
    const audits = srv.audits.length;
    await page.click('[data-testid=bulk-ack]');
    await page.waitForFunction(() => document.querySelector('[data-testid=bulk-said]')?.textContent === 'acked 4 alerts');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=alert-rows] .badge.ack').length === 4);
    expect(await page.getAttribute('[data-testid=selected-count]', 'data-n')).toBe('0');
    const api = await srv.as('viewer');
    const acked = (await api.get(`/api/triage?alerts=${picked.join(',')}`)).json.triage as { alert_key: string; action: string; user: string; ts: string }[];
    expect(acked.map((t) => [t.alert_key, t.action, t.user]).sort()).toEqual(picked.map((k) => [k, 'ack', 'analyst']).sort());
    expect(new Set(acked.map((t) => t.ts)).size).toBe(1);
    expect(srv.audits.slice(audits).filter((a) => a.action === 'triage').map((a) => [a.target, a.detail])).toEqual([['4 alerts', 'ack (bulk)']]);
    // a selection to show: rows 6 to 8, then the screenshot of the screen
    await boxes.nth(6).click();
    await boxes.nth(8).click({ modifiers: ['Shift'] });
    await page.waitForFunction(() => document.querySelector('[data-testid=selected-count]')?.getAttribute('data-n') === '3');
    await page.screenshot({ path: join(SHOTS, 'alerts.png') });
    // all shown: 100; a click on one takes it out
    await page.click('[data-testid=select-all]');
    await page.waitForFunction(() => document.querySelector('[data-testid=selected-count]')?.getAttribute('data-n') === '100');
    await boxes.nth(0).click();
    await page.waitForFunction(() => document.querySelector('[data-testid=selected-count]')?.getAttribute('data-n') === '99');
    expect(await page.$eval('[data-testid=select-all]', (e) => (e as HTMLInputElement).indeterminate)).toBe(true);
    await page.click('[data-testid=bulk-clear]');
    // everything matching, after its count: the campaign's 223, escalated in one request
    await page.click('[data-testid=select-matching]');
    await page.waitForSelector('[data-testid=matching-count]');
    const total = CAMPAIGN.reduce((x, y) => x + y);
    expect(await page.getAttribute('[data-testid=matching-count]', 'data-n')).toBe(String(total));
    await page.click('[data-testid=confirm-matching]');
    await page.waitForFunction((n) => document.querySelector('[data-testid=selected-count]')?.getAttribute('data-n') === n, String(total));
    const before = srv.audits.length;
    srv.clock.t += 1000; // the server's clock is the test's: the escalation comes after the acks
    await page.click('[data-testid=bulk-escalate]');
    await page.waitForFunction((n) => document.querySelector('[data-testid=bulk-said]')?.textContent === `escalated ${n} alerts`, total);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=alert-rows] .badge.escalate').length === 100);
    const all = ((await api.get('/api/records/alerts?q=' + encodeURIComponent('sid = 2013365') + '&fields=sid&limit=1000')).json.rows as { alert_key: string }[]).map((r) => r.alert_key);
    expect(all).toHaveLength(total);
    const esc: string[] = [];
    for (let i = 0; i < all.length; i += 200) {
      const t = (await api.get(`/api/triage?alerts=${all.slice(i, i + 200).join(',')}`)).json.triage as { alert_key: string; action: string }[];
      esc.push(...t.filter((x) => x.action === 'escalate').map((x) => x.alert_key));
    }
    expect(esc.sort()).toEqual([...all].sort());
    expect(srv.audits.slice(before).filter((a) => a.action === 'triage').map((a) => [a.target, a.rows])).toEqual([[`${total} alerts`, total]]);
  });

  it('top talkers: the same numbers as haystack top, tshark\'s bytes into and out of the home net; a key opens its sessions', async () => {
    const { page } = pages[0]!;
    await page.goto(`${srv.url}/top?by=proto&home_net=${encodeURIComponent(HOME)}&limit=1000`);
    await page.waitForSelector('[data-testid=top-total]');
    const expected = readJson<{ home_bytes_in: number; home_bytes_out: number }>(join(GEN, 'expected/mixed-home.pcap.json'));
    const total = page.locator('[data-testid=top-total]');
    expect(Number(await total.getAttribute('data-into'))).toBe(expected.home_bytes_in);
    expect(Number(await total.getAttribute('data-out'))).toBe(expected.home_bytes_out);
    for (const by of ['dst_port', 'src_ip', 'proto']) {
      await page.selectOption('[data-testid=by]', by);
      await page.waitForFunction((k) => document.querySelector('[data-testid=top] thead th')?.textContent === k, by);
      const shown = await page.$$eval('[data-testid=top] tbody tr', (rows) => rows.map((r) => Array.from(r.querySelectorAll('td')).filter((_, i) => i !== 2).map((td) => td.textContent!.replace(/,/g, '')).join(',')));
      const want = await cli('top', '--by', by, '--home-net', HOME, '--limit', '1000', '--db', cliDb, '--format', 'csv');
      expect(shown).toEqual(want.out.trim().split('\n').slice(1));
    }
    expect(new URL(page.url()).searchParams.get('by')).toBe('proto');
    await page.selectOption('[data-testid=by]', 'dst_port');
    await page.waitForFunction(() => document.querySelector('[data-testid=top] thead th')?.textContent === 'dst_port');
    await page.screenshot({ path: join(SHOTS, 'top.png') });
    const port = await page.locator('[data-testid=talker]').first().textContent();
    await page.locator('[data-testid=talker]').first().click();
    await page.waitForSelector('[data-testid=results] tbody tr');
    expect(new URL(page.url()).pathname).toBe('/search/sessions');
    expect(new URL(page.url()).searchParams.get('q')).toBe(`dst_port = ${port}`);
    const n = Number((await srv.store.select(`SELECT count(*) AS n FROM sessions WHERE dst_port = ${Number(port)}`)).rows[0]!.n);
    await page.waitForFunction((want) => document.querySelector('[data-testid=count]')?.textContent === want, `${n} sessions`);
  });

  it('connections: a node per host of the query; a click on a node searches its sessions', async () => {
    const { page } = pages[0]!;
    await page.goto(`${srv.url}/graph`);
    await page.waitForSelector('[data-testid=graph][data-nodes]');
    const hosts = (await srv.store.select('SELECT DISTINCT ip FROM (SELECT src_ip AS ip FROM sessions UNION SELECT dst_ip FROM sessions) ORDER BY ip')).rows.map((r) => r.ip);
    const nodes = JSON.parse((await page.getAttribute('[data-testid=graph]', 'data-nodes'))!) as { id: string; x: number; y: number }[];
    expect(nodes.map((n) => n.id).sort()).toEqual(hosts);
    expect((await page.$$eval('[data-testid=hosts] tbody tr td:first-child', (tds) => tds.map((t) => t.textContent))).sort()).toEqual(hosts);
    const sides = Object.fromEntries(await page.$$eval('[data-testid=hosts] tbody tr', (rows) => rows.map((r) => [r.children[0]!.textContent, r.children[1]!.textContent])));
    expect(sides['127.0.10.5']).toBe('outside');
    expect(sides['127.0.0.2']).toBe('home');
    await page.screenshot({ path: join(SHOTS, 'graph.png') });
    // the query narrows the graph: only the hosts of port 22 sessions
    await page.fill('[data-testid=query]', 'dst_port = 22');
    await page.press('[data-testid=query]', 'Enter');
    const ssh = (await srv.store.select('SELECT DISTINCT ip FROM (SELECT src_ip AS ip FROM sessions WHERE dst_port = 22 UNION SELECT dst_ip FROM sessions WHERE dst_port = 22) ORDER BY ip')).rows.map((r) => r.ip);
    await page.waitForFunction((n) => JSON.parse(document.querySelector('[data-testid=graph]')?.getAttribute('data-nodes') ?? '[]').length === n, ssh.length);
    const small = JSON.parse((await page.getAttribute('[data-testid=graph]', 'data-nodes'))!) as { id: string; x: number; y: number }[];
    expect(small.map((n) => n.id).sort()).toEqual(ssh);
    const target = small.find((n) => n.id === '127.0.10.5')!;
    await page.click('[data-testid=graph]', { position: { x: target.x, y: target.y } });
    await page.waitForSelector('[data-testid=results] tbody tr');
    expect(new URL(page.url()).searchParams.get('q')).toBe('(src_ip = "127.0.10.5" or dst_ip = "127.0.10.5") and (dst_port = 22)');
  });

  it('captures: what was ingested, and a capture\'s anomalies by name', async () => {
    const { page } = pages[0]!;
    await page.goto(`${srv.url}/captures`);
    await page.waitForSelector('[data-testid=captures] tbody tr');
    const ids = (await srv.store.select('SELECT capture_id FROM captures ORDER BY capture_id')).rows.map((r) => r.capture_id);
    expect((await page.$$eval('[data-testid=capture]', (as) => as.map((a) => a.textContent))).sort()).toEqual(ids);
    const damaged = (await srv.store.select('SELECT capture_id FROM captures WHERE path LIKE \'%damaged-put.pcap\'')).rows[0]!.capture_id as string;
    await page.click(`[data-testid=capture]:text("${damaged}")`);
    await page.waitForFunction((id) => document.querySelector('[data-testid=anomalies] h3')?.textContent?.includes(id) === true && document.querySelector('[data-testid=anomalies] tbody tr') !== null, damaged);
    const shown = await page.$$eval('[data-testid=anomalies] tbody tr', (rows) => rows.map((r) => [r.getAttribute('data-name'), Number(r.getAttribute('data-count'))]));
    expect(shown).toEqual([['ipv4_truncated', 3], ['capture_damaged', 1], ['ipv4_hlen_too_small', 1]]);
    expect(new URL(page.url()).searchParams.get('capture')).toBe(damaged);
    await page.screenshot({ path: join(SHOTS, 'captures.png') });
  });

  it('admin: adds an account that can then log in; the audit trail shows it', async () => {
    const { page } = await as('admin');
    await page.click('[data-testid=nav-admin]');
    await page.waitForSelector('[data-testid=users] tbody tr');
    await page.fill('[data-testid=add-user] input[name=name]', 'carol');
    await page.selectOption('[data-testid=add-user] select[name=role]', 'analyst');
    await page.fill('[data-testid=add-user] input[name=password]', 'carol-pass-1234');
    await page.click('[data-testid=add-user] button[type=submit]');
    await page.waitForSelector('[data-testid=users] tr[data-user=carol]');
    await page.reload();
    await page.waitForSelector('[data-testid=audit] tbody tr');
    const audit = await page.$$eval('[data-testid=audit] tbody tr', (rows) => rows.map((r) => Array.from(r.children).map((td) => td.textContent)));
    expect(audit.some((r) => r[1] === 'admin' && r[4] === 'user' && r[6] === 'carol')).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'admin.png') });
    const carol = await as('carol', 'carol-pass-1234');
    expect(await carol.page.textContent('.who')).toBe('carol · analyst');
    expect(await carol.page.$('[data-testid=nav-admin]')).toBeNull();
  });

  it('a viewer has no admin screen, and no triage buttons', async () => {
    const { page } = await as('viewer');
    expect(await page.$('[data-testid=nav-admin]')).toBeNull();
    await page.waitForSelector('[data-testid=alert-rows] tbody tr');
    expect(await page.$('[data-testid=ack]')).toBeNull();
    expect(await page.$('[data-testid=select-row]')).toBeNull();
    expect(await page.$('[data-testid=bulk-bar]')).toBeNull();
    expect(await page.$('[data-testid=alert-pcap]')).toBeNull();
    // the sparklines are for viewers too
    await page.waitForSelector('[data-testid=signatures] [data-testid=sparkline]');
    await page.goto(`${srv.url}/admin`);
    await page.waitForSelector('[data-testid=not-admin]');
    expect(await page.$('[data-testid=users]')).toBeNull();
  });

  it('records no CSP violation, page error or request off this server', () => {
    expect(pages.flatMap((w) => w.problems)).toEqual([]);
  });
});
