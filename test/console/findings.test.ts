/// <reference lib="dom" />
// The findings screen in Chromium, over a store holding the findings of test/fixtures/mailftp (cleartext logins,
// protocol/port mismatches), remote-access/sni.pcap with the corpus's LOLRMM directory (remote-access names;
// required in CI, skipped without the corpus elsewhere), smtp-attachments.pcap with a postfix log of its first
// message, and content findings written by construction in that message and file (helpers/findings-store.ts):
// - the groups by detector and by host equal the store's findings rows counted here (and the fixtures' making),
//   under the screen's choices, which live in the URL;
// - a group's rows are the group's count; each pivot lands on its screen: the session, the message in the mail
//   view, the file in the files search, the same value elsewhere, the message's log lines;
// - masked values and the redacted excerpt show as text (markup inert), the excerpt to analysts only: a viewer
//   is sent none and the UI asks nothing the server refuses; an account with a row restriction sees its rows;
// - the keyboard moves through the three lists; screenshots in both themes; no CSP violation.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilter, parseFilter } from '../../src/query/filter.js';
import { andFilters, findingsFilterText, type FindingHostField, type FindingsSelection } from '../../src/query/findings-filter.js';
import { ingest } from '../../src/pipeline/ingest.js';
import { ingestLog } from '../../src/pipeline/logs.js';
import { addAccount } from '../../src/server/accounts.js';
import { FINDINGS } from '../../src/schema/findings.js';
import type { FindingsReport } from '../../src/store/findings.js';
import { MAX_PAGE_ROWS, records } from '../../src/store/search.js';
import type { Row } from '../../src/store/store.js';
import { type Watched, haveBrowser, launch, loginInPage, watchedPage } from '../helpers/browser.js';
import { scratchDir } from '../helpers/cli.js';
import { type Anchor, BY_CONSTRUCTION, HOSTILE_DETECTOR, HOSTILE_EXCERPT, ingestFindingCaptures, LOLRMM, reportOf, SYNTH_HMAC, syntheticFindings, writeFindings } from '../helpers/findings-store.js';
import { GEN, ROOT } from '../helpers/run.js';
import { PASSWORDS, startTestServer, type TestServer } from '../helpers/server.js';

const dir = scratchDir('console-findings');
const SHOTS = join(ROOT, 'docs/console');
const QUEUE = '7F3A21C0B1';
/** the restricted analyst sees the FTP sessions only (vsftpd on 2121: make-mailftp-gen.sh) */
const RESTRICT = 'dst_port = 2121';

const path = (page: Page): string => {
  const u = new URL(page.url());
  return u.pathname + u.search;
};

/** The detectors table as shown: per detector its counts. */
async function shownDetectors(page: Page): Promise<Record<string, { rows: number; values: number; hosts: number; high: number; medium: number; low: number }>> {
  return page.$$eval('[data-testid=detectors] tbody tr', (trs) => Object.fromEntries(trs.map((tr) => {
    const n = (sel: string): number => Number(tr.querySelector(sel)!.textContent!.replace(/,/g, ''));
    const conf = (c: string): number => Number(tr.querySelector(`[data-conf=${c}]`)?.textContent?.split(' ')[0]?.replace(/,/g, '') ?? 0);
    return [tr.getAttribute('data-detector')!, { rows: n('[data-testid=rows]'), values: n('[data-testid=values]'), hosts: n('[data-testid=hosts]'), high: conf('high'), medium: conf('medium'), low: conf('low') }];
  })));
}

/** The hosts table as shown: host -> [total, [detector, rows]...]. */
async function shownHosts(page: Page): Promise<[string, number, [string, number][]][]> {
  return page.$$eval('[data-testid=host-groups] tbody tr', (trs) => trs.map((tr) => [
    tr.getAttribute('data-host')!, Number(tr.querySelector('[data-testid=rows]')!.textContent!.replace(/,/g, '')),
    Array.from(tr.querySelectorAll('[data-testid=host-detector]')).map((a) => [a.getAttribute('data-detector')!, Number(a.getAttribute('data-rows'))] as [string, number]),
  ]));
}

/** The report the screen must show for a selection, counted from the store's rows. */
function want(all: readonly Row[], sel: FindingsSelection, by: FindingHostField = 'src_ip', q = ''): FindingsReport {
  const text = andFilters(findingsFilterText(sel), q);
  const keep = text === '' ? () => true : compileFilter(parseFilter(text, FINDINGS));
  return reportOf(all.filter((r) => keep(r)), by, 100);
}

function asShown(r: FindingsReport): { detectors: Awaited<ReturnType<typeof shownDetectors>>; hosts: [string, number, [string, number][]][] } {
  return {
    detectors: Object.fromEntries(r.detectors.map((d) => [d.detector, { rows: d.rows, values: d.distinct_values, hosts: d.hosts, high: d.high, medium: d.medium, low: d.low }])),
    hosts: r.hosts.map((h) => [h.host ?? '-', h.rows, h.detectors.map((d) => [d.detector, d.rows] as [string, number])]),
  };
}

/** Waits until the screen shows the report of the URL it is at (the count says which URL it was drawn for). */
async function drawn(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const at = document.querySelector<HTMLElement>('[data-testid=count]')?.dataset.search;
    return at !== undefined && new URLSearchParams(at).toString() === new URLSearchParams(window.location.search).toString();
  });
}

/** Waits for the report of the URL now shown, then reads it. */
async function shown(page: Page): Promise<ReturnType<typeof asShown>> {
  await drawn(page);
  return { detectors: await shownDetectors(page), hosts: await shownHosts(page) };
}

/** The chosen group's rows, once all of them are listed (every page). */
async function groupRows(page: Page): Promise<{ count: number; rows: { uid: string; hmac: string; masked: string }[] }> {
  await drawn(page);
  await page.waitForSelector('[data-testid=finding-rows]');
  for (let i = 0; i < 50 && (await page.$('[data-testid=more]')) !== null; i++) {
    const n = await page.locator('[data-testid=finding-rows] tbody tr').count();
    await page.click('[data-testid=more]');
    await page.waitForFunction((k) => document.querySelectorAll('[data-testid=finding-rows] tbody tr').length > k, n);
  }
  const count = Number((await page.textContent('[data-testid=group-count]'))!.replace(/,/g, '').split(' ')[0]);
  const rows = await page.$$eval('[data-testid=finding-rows] tbody tr', (trs) => trs.map((tr) => ({ uid: tr.getAttribute('data-uid')!, hmac: tr.getAttribute('data-hmac')!, masked: tr.querySelector('[data-testid=masked]')!.textContent ?? '' })));
  return { count, rows };
}

describe.skipIf(!haveBrowser)('the findings screen in Chromium', () => {
  let srv: TestServer;
  let b: Awaited<ReturnType<typeof launch>>;
  const pages: Watched[] = [];
  let all: Row[] = [];
  let anchor: Anchor;

  async function as(user: string, password: string, first = '/findings', scheme: 'light' | 'dark' = 'light'): Promise<Watched> {
    const w = await watchedPage(b.browser, { width: 1400, height: 900 }, scheme);
    pages.push(w);

    await loginInPage(w.page, srv.url, first, user, password);
    await w.page.waitForSelector('[data-testid=logout]');
    return w;
  }

  beforeAll(async () => {
    srv = await startTestServer(dir, { webDir: join(ROOT, 'dist/web'), filesDir: dir });
    await addAccount(srv.users, { name: 'restricted', role: 'analyst', password: 'restricted-pass-1', restrict: RESTRICT }, srv.clock.t * 1000);
    await ingestFindingCaptures(srv.store, { filesDir: dir });
    expect((await ingest(srv.store, [join(GEN, 'smtp-attachments.pcap')], { filesDir: dir })).files.map((f) => f.status)).toEqual(['ingested']);
    // the first message's attachment and its session: where the synthetic card and SSN were "found"
    const f = (await srv.store.select('SELECT fuid, uid, message_id, epoch_us(ts) AS t FROM files WHERE message_id IS NOT NULL ORDER BY ts LIMIT 1')).rows[0]!;
    const s = (await srv.store.select(`SELECT src_ip, src_port, dst_ip, dst_port FROM sessions WHERE uid = '${String(f.uid)}'`)).rows[0]!;
    anchor = { uid: String(f.uid), ts: Number(f.t), src_ip: String(s.src_ip), src_port: Number(s.src_port), dst_ip: String(s.dst_ip), dst_port: Number(s.dst_port), message_id: String(f.message_id), fuid: String(f.fuid) };
    await writeFindings(srv.store, syntheticFindings(anchor));
    // that message's way through postfix, by construction (its Message-ID joins the lines to it)
    const at = new Date(anchor.ts / 1000);
    const stamp = (s: number): string => `${at.toUTCString().slice(8, 11)} ${String(at.getUTCDate()).padStart(2, ' ')} ${new Date(at.getTime() + s * 1000).toISOString().slice(11, 19)}`;
    writeFileSync(join(dir, 'maillog'), [
      `${stamp(0)} mx postfix/smtpd[4101]: ${QUEUE}: client=localhost[127.0.0.1]`,
      `${stamp(0)} mx postfix/cleanup[4102]: ${QUEUE}: message-id=${anchor.message_id}`,
      `${stamp(1)} mx postfix/qmgr[4103]: ${QUEUE}: from=<alice@example.test>, size=2048, nrcpt=1 (queue active)`,
      `${stamp(1)} mx postfix/local[4104]: ${QUEUE}: to=<bob@example.test>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)`,
      `${stamp(2)} mx postfix/qmgr[4103]: ${QUEUE}: removed`,
    ].join('\n') + '\n');
    expect((await ingestLog(srv.store, join(dir, 'maillog'), { year: at.getUTCFullYear() })).status).toBe('ingested');
    all = (await records(srv.store, { table: FINDINGS.name, where: [], from: null, to: null, order: 'asc', limit: MAX_PAGE_ROWS })).rows;
    b = await launch();
  }, 180_000);
  afterAll(async () => {
    await b?.close();
    await srv?.stop();
  });

  it('groups by detector and by host: the store\'s findings rows, and the fixtures\' making', async () => {
    const { page } = await as('analyst', PASSWORDS.analyst);
    // the default: test values hidden, every confidence, hosts by source
    const first = await shown(page);
    expect(first).toEqual(asShown(want(all, {})));
    expect(first.detectors.aws_access_key).toBeUndefined();
    // 4 card findings written, one of them a published test number
    expect(first.detectors.payment_card).toMatchObject({ rows: 3, values: 2, high: 2, medium: 1 });
    for (const [d, w] of Object.entries(BY_CONSTRUCTION)) {
      if (d === 'remote_access' && LOLRMM === null) continue;
      expect(first.detectors[d], d).toEqual({ rows: w.rows, values: w.distinct_values, hosts: 1, high: w.high, medium: w.medium, low: w.low });
    }
    if (LOLRMM === null) expect(first.detectors.remote_access).toBeUndefined();
    // the captures' findings and those in the SMTP session are between loopback ends; the other synthetic ones on
    // 10.9.0.2 and .3 (the test values of .3 hidden, not its hostile rule), the DNS tunnel without an address
    expect(first.hosts.map(([h]) => h).sort()).toEqual(['-', '10.9.0.2', '10.9.0.3', '127.0.0.1']);
    expect(await page.textContent('[data-testid=count]')).toContain(`${want(all, {}).detectors.reduce((n, d) => n + d.rows, 0)} findings`);

    // the choices, each into the URL, each giving the store's rows
    await page.check('[data-testid=tests]');
    await page.waitForURL(/tests=1/);
    expect(await shown(page)).toEqual(asShown(want(all, { tests: true })));
    await page.selectOption('[data-testid=confidence]', 'medium');
    await page.waitForURL(/confidence=medium/);
    expect(await shown(page)).toEqual(asShown(want(all, { tests: true, minConfidence: 'medium' })));
    await page.selectOption('[data-testid=category]', 'financial');
    await page.waitForURL(/category=financial/);
    expect(await shown(page)).toEqual(asShown(want(all, { tests: true, minConfidence: 'medium', category: 'financial' })));
    await page.click('[data-testid=by-dst_ip]');
    await page.waitForURL(/by=dst_ip/);
    const byDst = await shown(page);
    expect(byDst).toEqual(asShown(want(all, { tests: true, minConfidence: 'medium', category: 'financial' }, 'dst_ip')));
    // the link reopens the same view
    const url = path(page);
    await page.reload();
    expect(await shown(page)).toEqual(byDst);
    expect(await page.inputValue('[data-testid=category]')).toBe('financial');
    expect(await page.inputValue('[data-testid=confidence]')).toBe('medium');
    expect(await page.isChecked('[data-testid=tests]')).toBe(true);
    expect(path(page)).toBe(url);
    // a detector whose name holds quotes and a backslash, chosen from the select, matched literally
    await page.goto(`${srv.url}/findings`);
    await page.waitForFunction((d) => Array.from(document.querySelectorAll<HTMLOptionElement>('[data-testid=detector] option')).some((o) => o.value === d), HOSTILE_DETECTOR);
    await page.selectOption('[data-testid=detector]', HOSTILE_DETECTOR);
    await page.waitForURL((u) => u.searchParams.get('detector') === HOSTILE_DETECTOR);
    expect(await shown(page)).toEqual(asShown(want(all, { detector: HOSTILE_DETECTOR })));
    expect(Object.keys(await shownDetectors(page))).toEqual([HOSTILE_DETECTOR]);
    // a time range from the time picker: the synthetic days before the captures only
    await page.goto(`${srv.url}/findings?tests=1`);
    await page.waitForSelector('[data-testid=detectors]');
    await page.fill('[data-testid=from]', '2026-01-01 00:00');
    await page.fill('[data-testid=to]', new Date(Date.UTC(2026, 11, 7)).toISOString().slice(0, 16).replace('T', ' '));
    await page.click('[data-testid=apply-range]');
    await page.waitForURL(/from=/);
    const inRange = all.filter((r) => (r.ts as number) < Date.UTC(2026, 11, 7) * 1000);
    expect(await shown(page)).toEqual(asShown(reportOf(inRange, 'src_ip', 100)));
    expect((await shownDetectors(page)).cleartext_credentials).toBeUndefined();
  });

  it('a group\'s rows are its count, and each pivot lands on its screen', async () => {
    const { page } = await as('analyst', PASSWORDS.analyst, '/findings');
    await page.waitForSelector('[data-testid=detectors]');
    // a detector: its rows, as many as the group says and the store holds
    await page.click('[data-testid=detectors] tr[data-detector=payment_card] [data-testid=pick-detector]');
    await page.waitForURL(/sel_detector=payment_card/);
    await page.waitForFunction(() => document.querySelector('[data-testid=group-title]')?.textContent === 'payment_card');
    const cards = await groupRows(page);
    const cardRows = all.filter((r) => r.detector === 'payment_card' && r.test_value === false);
    expect(cards.count).toBe(cardRows.length);
    expect(cards.rows.map((r) => r.hmac).sort()).toEqual(cardRows.map((r) => String(r.value_hmac)).sort());
    expect(cards.rows.map((r) => r.masked).sort()).toEqual(cardRows.map((r) => String(r.masked)).sort());
    // a host and one of its detectors: the FTP, POP3 and IMAP logins on the loopback
    await page.click('[data-testid=host-groups] tr[data-host="127.0.0.1"] [data-testid=host-detector][data-detector=cleartext_credentials]');
    await page.waitForURL((u) => u.searchParams.get('sel_host') === '127.0.0.1' && u.searchParams.get('sel_detector') === 'cleartext_credentials');
    await page.waitForFunction(() => document.querySelector('[data-testid=group-title]')?.textContent === 'cleartext_credentials on 127.0.0.1');
    const logins = await groupRows(page);
    expect(logins.count).toBe(BY_CONSTRUCTION.cleartext_credentials.rows);
    expect(logins.rows.map((r) => r.masked).sort()).toEqual([...Array(4).fill('anonymous'), ...Array(4).fill('bob')]);
    // the host with every detector
    await page.click('[data-testid=host-groups] tr[data-host="127.0.0.1"] [data-testid=pick-host]');
    await page.waitForFunction(() => document.querySelector('[data-testid=group-title]')?.textContent === 'source 127.0.0.1');
    const local = await groupRows(page);
    expect(local.count).toBe(want(all, {}).hosts.find((h) => h.host === '127.0.0.1')!.rows);
    expect(local.rows.length).toBe(local.count);

    // the card in the message: its row has every pivot
    await page.goto(`${srv.url}/findings?sel_detector=payment_card`);
    const row = page.locator(`[data-testid=finding-rows] tbody tr[data-uid="${anchor.uid}"]`);
    await row.waitFor();
    const links = Object.fromEntries(await row.locator('td.drill a').evaluateAll((as) => as.map((a) => [a.getAttribute('data-testid'), a.getAttribute('href')])));
    expect(Object.keys(links).sort()).toEqual(['same-value', 'to-file', 'to-logs', 'to-message', 'to-session']);
    // the session (with the row's time for the lookup)
    await row.locator('[data-testid=to-session]').click();
    await page.waitForSelector('[data-testid=counters]');
    expect(new URL(page.url()).pathname).toBe(`/session/${anchor.uid}`);
    expect(new URL(page.url()).searchParams.get('t')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await page.locator('[data-testid=smtp-message]').count()).toBeGreaterThan(0);
    // the message in the mail view: its log lines (by the Message-ID, then the queue id) and its attachment
    await page.goBack();
    await row.locator('[data-testid=to-message]').click();
    await page.waitForSelector('[data-testid=mail-lines] tbody tr');
    expect(new URL(page.url()).pathname).toBe('/mail');
    expect(new URL(page.url()).searchParams.get('key')).toBe(anchor.message_id);
    expect(await page.locator('[data-testid=mail-lines] tbody tr').count()).toBe(5);
    expect(await page.textContent('[data-testid=mail-message] h3')).toContain(QUEUE);
    // the file: the files search for its fuid, one row
    await page.goBack();
    await row.locator('[data-testid=to-file]').click();
    await page.waitForURL(/\/search\/files\?/);
    await page.waitForFunction(() => document.querySelector('[data-testid=count]')?.textContent === '1 files');
    expect(new URL(page.url()).searchParams.get('q')).toBe(`fuid = "${anchor.fuid}"`);
    // the same value elsewhere: the card's two flows, across the days
    await page.goBack();
    await row.locator('[data-testid=same-value]').click();
    await page.waitForURL((u) => u.pathname === '/findings' && u.searchParams.get('q') === `value_hmac = "${SYNTH_HMAC.cardA}"`);
    const same = await groupRows(page);
    expect(same.count).toBe(2);
    expect(same.rows.map((r) => r.uid).sort()).toEqual([anchor.uid, 'CsynthB'].sort());
    expect(await shownDetectors(page)).toEqual({ payment_card: { rows: 2, values: 1, hosts: 2, high: 2, medium: 0, low: 0 } });
    // the log lines of the message (the pivot of its Message-ID)
    await page.goBack();
    await row.locator('[data-testid=to-logs]').click();
    await page.waitForSelector('[data-testid=pivot-logs] tbody tr');
    expect(new URL(page.url()).pathname).toBe('/pivot/message_id');
    expect(await page.locator('[data-testid=pivot-logs] tbody tr').count()).toBe(5);
    expect(await page.locator('[data-testid=pivot-files] tbody tr').count()).toBeGreaterThan(0);
  });

  it('masked values and the excerpt show as text; the excerpt for analysts only, none sent to a viewer', async () => {
    const analyst = await as('analyst', PASSWORDS.analyst, '/findings?tests=1');
    await analyst.page.waitForSelector('[data-testid=finding-rows] tbody tr');
    const ex = analyst.page.locator(`[data-testid=finding-rows] tr[data-uid="${anchor.uid}"][data-hmac="${SYNTH_HMAC.cardA}"] [data-testid=excerpt]`);
    expect(await ex.textContent()).toBe(HOSTILE_EXCERPT);
    expect(await analyst.page.locator('[data-testid=finding-rows] img, [data-testid=finding-rows] script, [data-testid=finding-rows] b').count()).toBe(0);
    expect(await analyst.page.locator('[data-testid=finding-rows] [data-testid=masked]', { hasText: '<b>x</b>' }).count()).toBe(1);

    const w = await as('viewer', PASSWORDS.viewer, '/search/sessions');
    const { page } = w;
    const refused: string[] = [];
    const bodies: Promise<string>[] = [];
    page.on('response', (r) => {
      if (r.status() === 403) refused.push(r.url());
    });
    // every findings body the viewer is sent, read in the route itself: a response's body is
    // gone from the browser once the page navigates away from it
    await page.route(/\/api\/(records|reports)\/findings/, async (route) => {
      const res = await route.fetch();
      const text = await res.text();
      bodies.push(Promise.resolve(text));
      await route.fulfill({ response: res, body: text });
    });
    // from the nav, then every part of the screen a viewer can reach
    await page.click('header nav a[href="/findings"]');
    await page.waitForSelector('[data-testid=finding-rows] tbody tr');
    expect(await page.$$eval('[data-testid=finding-rows] th', (ths) => ths.map((t) => t.textContent))).toEqual(['time', 'finding', 'where', 'note', 'pivots']);
    expect(await page.locator('[data-testid=excerpt]').count()).toBe(0);
    await page.check('[data-testid=tests]');
    await page.waitForSelector(`[data-testid=finding-rows] tr[data-hmac="${SYNTH_HMAC.cardA}"]`);
    await page.selectOption('[data-testid=confidence]', 'high');
    await page.click('[data-testid=by-dst_ip]');
    await page.waitForURL(/by=dst_ip/);
    await page.click('[data-testid=detectors] tr[data-detector=payment_card] [data-testid=pick-detector]');
    await page.waitForSelector('[data-testid=finding-rows] tbody tr');
    await page.click('[data-testid=host-groups] tbody tr [data-testid=pick-host]');
    await page.waitForURL(/sel_host=/);
    await page.goto(`${srv.url}/findings?tests=1&sel_detector=payment_card`);
    await page.locator(`[data-testid=finding-rows] tr[data-uid="${anchor.uid}"] [data-testid=same-value]`).click();
    await page.waitForURL(/value_hmac/);
    await page.waitForSelector('[data-testid=finding-rows] tbody tr');
    await page.goto(`${srv.url}/findings?tests=1&sel_detector=payment_card`);
    await page.locator(`[data-testid=finding-rows] tr[data-uid="${anchor.uid}"] [data-testid=to-message]`).click();
    await page.waitForSelector('[data-testid=mail-lines] tbody tr');
    await page.goto(`${srv.url}/findings?tests=1&sel_detector=payment_card`);
    await page.locator(`[data-testid=finding-rows] tr[data-uid="${anchor.uid}"] [data-testid=to-logs]`).click();
    await page.waitForSelector('[data-testid=pivot-logs] tbody tr');
    await page.goto(`${srv.url}/search/findings`);
    await page.waitForSelector('[data-testid=results] tbody tr');
    await page.waitForLoadState('networkidle');
    expect(refused).toEqual([]);
    const sent = await Promise.all(bodies);
    expect(sent.length).toBeGreaterThan(4);
    for (const t of sent) expect(t).not.toContain('excerpt_redacted');
    for (const t of sent) expect(t).not.toContain('onerror');
    expect(srv.audits.filter((a) => a.user === 'viewer' && a.outcome !== 'ok')).toEqual([]);
    expect(w.problems).toEqual([]);

    // and the server, asked directly: the excerpt is refused to a viewer as a field, a filter or a sort
    const api = await srv.as('viewer');
    expect((await api.get('/api/records/findings?fields=ts,excerpt_redacted')).status).toBe(403);
    expect((await api.get(`/api/reports/findings?q=${encodeURIComponent('excerpt_redacted ~ "card"')}`)).status).toBe(403);
    expect((await api.get('/api/records/findings?sort=excerpt_redacted')).status).toBe(403);
    const got = await api.get('/api/reports/findings?tests=1');
    expect(got.status).toBe(200);
    expect(got.json.detectors.map((d: { detector: string; rows: number }) => [d.detector, d.rows])).toEqual(want(all, { tests: true }).detectors.map((d) => [d.detector, d.rows]));
    const asAnalyst = await (await srv.as('analyst')).get(`/api/records/findings?q=${encodeURIComponent(`value_hmac = "${SYNTH_HMAC.cardA}" and uid = "${anchor.uid}"`)}`);
    expect(asAnalyst.json.rows[0].excerpt_redacted).toBe(HOSTILE_EXCERPT);
  });

  it('an account with a row restriction: its rows only, no mail link, no 403', async () => {
    const w = await as('restricted', 'restricted-pass-1', '/search/sessions');
    const { page } = w;
    const refused: string[] = [];
    page.on('response', (r) => {
      if (r.status() === 403) refused.push(r.url());
    });
    await page.goto(`${srv.url}/findings?tests=1`);
    const got = await shown(page);
    const mine = all.filter((r) => r.dst_port === 2121);
    // the 4 FTP sessions: a login and a port mismatch each
    expect(mine.length).toBe(8);
    expect(got).toEqual(asShown(reportOf(mine, 'src_ip', 100)));
    await page.waitForSelector('[data-testid=finding-rows] tbody tr');
    expect(await page.locator('[data-testid=to-message]').count()).toBe(0);
    await page.waitForLoadState('networkidle');
    expect(refused).toEqual([]);
    expect(w.problems).toEqual([]);
  });

  it('the keyboard: detectors, hosts and rows; Enter chooses and opens, Backspace comes back', async () => {
    const { page } = await as('analyst', PASSWORDS.analyst, '/findings');
    await page.waitForSelector('[data-testid=finding-rows] tbody tr');
    const focused = (): Promise<{ list: string | null; row: number }> => page.evaluate(() => {
      const a = document.activeElement as HTMLElement | null;
      const list = a?.closest<HTMLElement>('[data-nav]') ?? null;
      const rows = list === null ? [] : Array.from(list.querySelectorAll(':scope > tbody > tr'));
      return { list: list?.dataset.testid ?? null, row: a === null ? -1 : rows.indexOf(a) };
    });
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toEqual({ list: 'detectors', row: 0 });
    await page.keyboard.press('ArrowDown');
    const second = await page.evaluate(() => document.activeElement!.getAttribute('data-detector'));
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('sel_detector') === second);
    await page.waitForFunction((d) => document.querySelector('[data-testid=group-title]')?.textContent === d, second);
    await page.waitForSelector('[data-testid=finding-rows] tbody tr');
    await page.keyboard.press(']');
    expect((await focused()).list).toBe('host-groups');
    await page.keyboard.press(']');
    expect(await focused()).toEqual({ list: 'finding-rows', row: 0 });
    const uid = await page.evaluate(() => document.activeElement!.getAttribute('data-uid'));
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=counters]');
    expect(new URL(page.url()).pathname).toBe(`/session/${uid!}`);
    await page.keyboard.press('Backspace');
    await page.waitForFunction(() => document.activeElement?.closest('[data-testid=finding-rows]') !== null);
    expect(await focused()).toEqual({ list: 'finding-rows', row: 0 });
    // g f: the screen from anywhere; / its filter
    await page.goto(`${srv.url}/top`);
    await page.waitForSelector('[data-testid=top]');
    await page.keyboard.press('g');
    await page.keyboard.press('f');
    await page.waitForURL((u) => u.pathname === '/findings');
    await page.waitForSelector('[data-testid=detectors]');
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('query');
  });

  it('screenshots in the light and dark themes', async () => {
    const light = await as('analyst', PASSWORDS.analyst, '/findings?tests=1&sel_detector=payment_card');
    await light.page.waitForSelector(`[data-testid=finding-rows] tr[data-uid="${anchor.uid}"]`);
    // the header keeps every screen on one line at this width (the Findings entry included)
    const tops = await light.page.$$eval('header nav > a', (as) => as.map((a) => Math.round(a.getBoundingClientRect().top)));
    expect(new Set(tops).size).toBe(1);
    await light.page.mouse.move(1, 1);
    await light.page.screenshot({ path: join(SHOTS, 'findings.png'), fullPage: true });
    const dark = await as('analyst', PASSWORDS.analyst, '/findings?sel_host=127.0.0.1&sel_detector=cleartext_credentials', 'dark');
    expect(await dark.page.getAttribute('html', 'data-theme')).toBe('dark');
    await dark.page.waitForFunction(() => document.querySelector('[data-testid=group-title]')?.textContent === 'cleartext_credentials on 127.0.0.1');
    await dark.page.waitForSelector('[data-testid=finding-rows] tbody tr');
    await dark.page.mouse.move(1, 1);
    await dark.page.screenshot({ path: join(SHOTS, 'findings-dark.png'), fullPage: true });
  });

  it('records no CSP violation, page error or request off this server', () => {
    expect(pages.length).toBeGreaterThan(5);
    expect(pages.flatMap((w) => w.problems)).toEqual([]);
  });
});
