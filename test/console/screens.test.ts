/// <reference lib="dom" />
// Every screen of the console in Chromium, over a store of the gen captures (http-put.pcap with the seed's PUT
// rule, so alerts with payload excerpts), a postfix log made here and the mail view of its queue id:
// - the keyboard alone: on each screen a row is reached, opened and left again (Back returns to the row);
//   `/`, `?`, `g` + a letter; keys typed in a field stay in the field; the focused row has a visible ring;
// - a viewer visits every screen: no payload column (alerts.payload_excerpt, captures.path, policy.ts), no pcap,
//   transcript or file download, no triage button, no admin; not one request the server refuses (403) and no
//   CSP violation; an analyst with a row restriction gets no triage and no whole-store report;
// - the themes: the system's by default, the toggle on every screen, remembered; the charts and the graph draw
//   their axes and labels in the theme's colours; dark screenshots of the main screens into docs/console.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRules } from '../../src/detect/rules-file.js';
import { ingest } from '../../src/pipeline/ingest.js';
import { ingestLog } from '../../src/pipeline/logs.js';
import { addAccount } from '../../src/server/accounts.js';
import { type Watched, haveBrowser, launch, loginInPage, watchedPage } from '../helpers/browser.js';
import { scratchDir } from '../helpers/cli.js';
import { GEN, ROOT, readJson } from '../helpers/run.js';
import { PASSWORDS, startTestServer, type TestServer } from '../helpers/server.js';

const dir = scratchDir('console-screens');
const SHOTS = join(ROOT, 'docs/console');
const PUT_RULE = 'alert tcp $EXTERNAL_NET any -> $HTTP_SERVERS $HTTP_PORTS (msg:"HTTP PUT Defacement Attempt"; flow:to_server,established; content:"PUT "; depth:4; classtype:web-application-attack; sid:1000003; rev:1;)';
const HOME = '127.0.0.0/24';
const QUEUE = '4B7C21F00A';
/** a postfix transaction in syslog form, by construction (its queue id opens the mail view) */
const MAILLOG = [
  `Nov 22 10:00:01 mx postfix/smtpd[4101]: ${QUEUE}: client=unknown[10.0.0.5]`,
  `Nov 22 10:00:01 mx postfix/cleanup[4102]: ${QUEUE}: message-id=<kbd-1@example.test>`,
  `Nov 22 10:00:02 mx postfix/qmgr[4103]: ${QUEUE}: from=<alice@example.test>, size=1234, nrcpt=1 (queue active)`,
  `Nov 22 10:00:03 mx postfix/smtp[4104]: ${QUEUE}: to=<bob@example.test>, relay=none, delay=2, delays=1/0/0/1, dsn=2.0.0, status=sent (250 ok)`,
  `Nov 22 10:00:03 mx postfix/qmgr[4103]: ${QUEUE}: removed`,
].join('\n') + '\n';
const SMTP_GEN = readJson<{ sent_by_construction: { attachments: { sha256: string }[] }[] }>(join(GEN, 'expected/smtp-attachments.pcap.json'));
/** an attachment's sha256, known by construction */
const SHA = SMTP_GEN.sent_by_construction.flatMap((m) => m.attachments)[0]!.sha256;

/** the focused element: its list's test id, its row index (-1: not a row) and its tag */
async function focused(page: Page): Promise<{ list: string | null; row: number; tag: string }> {
  return page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    const list = a?.closest<HTMLElement>('[data-nav]') ?? null;
    const rows = list === null ? [] : Array.from(list.querySelectorAll(':scope > tbody > tr:not(.detail):not(.spacer), :scope > li'));
    // a windowed table's row says its index among all its rows (data-i)
    return { list: list?.dataset.testid ?? list?.className ?? null, row: a === null ? -1 : a.dataset.i !== undefined ? Number(a.dataset.i) : rows.indexOf(a), tag: a?.tagName.toLowerCase() ?? '' };
  });
}

async function keys(page: Page, ...ks: string[]): Promise<void> {
  for (const k of ks) await page.keyboard.press(k);
}

const path = (page: Page): string => {
  const u = new URL(page.url());
  return u.pathname + u.search;
};

/** How many opaque pixels of a canvas are of a colour (±3 per channel): its lines and the cores of its glyphs. */
async function pixelsOf(page: Page, canvas: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(([sel, [r, g, b]]) => {
    const c = document.querySelector<HTMLCanvasElement>(sel)!;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 250 && Math.abs(d[i]! - r) <= 3 && Math.abs(d[i + 1]! - g) <= 3 && Math.abs(d[i + 2]! - b) <= 3) n++;
    return n;
  }, [canvas, rgb] as const);
}

describe.skipIf(!haveBrowser)('every screen of the console: the keyboard, the viewer role, the themes', () => {
  let srv: TestServer;
  let b: Awaited<ReturnType<typeof launch>>;
  const pages: Watched[] = [];
  let putUid = '';
  let smtpUid = '';

  async function as(user: string, password: string, first = '/search/sessions', scheme: 'light' | 'dark' = 'light'): Promise<Watched> {
    const w = await watchedPage(b.browser, { width: 1400, height: 900 }, scheme);
    pages.push(w);
    await loginInPage(w.page, srv.url, first, user, password);
    await w.page.waitForSelector('[data-testid=logout]');
    return w;
  }

  beforeAll(async () => {
    srv = await startTestServer(dir, { webDir: join(ROOT, 'dist/web'), filesDir: dir });
    await addAccount(srv.users, { name: 'restricted', role: 'analyst', password: 'restricted-pass-1', restrict: 'dst_port = 80' }, srv.clock.t * 1000);
    const rules = parseRules(PUT_RULE, 'put.rules').rules;
    const s = await ingest(srv.store, ['mixed-home.pcap', 'smtp-attachments.pcap', 'tls-clients.pcapng'].map((f) => join(GEN, f)), { homeNet: [HOME], filesDir: dir });
    const put = await ingest(srv.store, [join(GEN, 'http-put.pcap')], { rules, filesDir: dir });
    expect([...s.files, ...put.files].every((f) => f.status === 'ingested')).toBe(true);
    writeFileSync(join(dir, 'maillog'), MAILLOG);
    expect((await ingestLog(srv.store, join(dir, 'maillog'), { year: 2026 })).status).toBe('ingested');
    putUid = String((await srv.store.select('SELECT uid FROM alerts WHERE sid = 1000003 ORDER BY ts LIMIT 1')).rows[0]!.uid);
    // the session of a message with attachments
    smtpUid = String((await srv.store.select(`SELECT uid FROM files WHERE sha256 = '${SHA}'`)).rows[0]!.uid);
    b = await launch();
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await srv?.stop();
  });

  describe('the keyboard alone', () => {
    let page: Page;
    beforeAll(async () => {
      page = (await as('admin', PASSWORDS.admin)).page;
    });

    it('search: / focuses the query, keys typed there stay there, Escape leaves it; ↓ Enter opens a row, Escape closes it', async () => {
      await page.goto(`${srv.url}/search/sessions`);
      await page.waitForSelector('[data-testid=results] tbody tr');
      await keys(page, '/');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('query');
      // typing: j, k, g then a, ? and / are text, not keys of the console
      await page.keyboard.type('jk ga?/');
      expect(await page.inputValue('[data-testid=query]')).toBe('jk ga?/');
      expect(path(page)).toBe('/search/sessions');
      expect(await page.$('[data-testid=keyhelp]')).toBeNull();
      await page.fill('[data-testid=query]', '');
      // the empty query offers field names: the first Escape closes them, the second leaves the field
      await page.waitForSelector('[data-testid=suggest]');
      await keys(page, 'Escape', 'Escape');
      expect((await focused(page)).tag).toBe('body');
      await keys(page, 'j', 'j', 'k', 'ArrowDown', 'ArrowDown');
      expect(await focused(page)).toEqual({ list: 'results', row: 2, tag: 'tr' });
      await keys(page, 'Enter');
      await page.waitForSelector('[data-testid=detail]');
      // a visible ring on the focused row: the theme's focus colour, 2 px
      const ring = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement!);
        return [s.outlineStyle, s.outlineWidth, s.outlineColor, getComputedStyle(document.documentElement).getPropertyValue('--focus').trim()];
      });
      expect(ring.slice(0, 3)).toEqual(['solid', '2px', 'rgb(11, 87, 208)']);
      expect(ring[3]).toBe('#0b57d0');
      await keys(page, 'Escape');
      await page.waitForFunction(() => document.querySelector('[data-testid=detail]') === null);
      expect(await focused(page)).toEqual({ list: 'results', row: 2, tag: 'tr' });
      // Home and End (the first and last row loaded: the table is windowed), and the row stays in view when the
      // table scrolls
      await keys(page, 'End');
      const last = Number(await page.getAttribute('[data-testid=results]', 'data-rows'));
      expect((await focused(page)).row).toBe(last - 1);
      expect(await page.evaluate(() => { const r = document.activeElement!.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })).toBe(true);
      await keys(page, 'Home');
      expect((await focused(page)).row).toBe(0);
    });

    it('logs: a row opens to its raw line; alerts: a signature, then an alert\'s session, and Back to that alert', async () => {
      await page.goto(`${srv.url}/logs`);
      await page.waitForSelector('[data-testid=results] tbody tr');
      await keys(page, 'ArrowDown', 'ArrowDown', 'Enter');
      await page.waitForSelector('[data-testid=raw-line]');
      // the raw line of the second row, as the server has it
      const api = await srv.as('analyst');
      const second = (await api.get('/api/records/logs?fields=message&limit=2')).json.rows[1].message as string;
      expect(MAILLOG).toContain(second);
      expect(await page.textContent('[data-testid=raw-line]')).toBe(second);
      await keys(page, 'Escape');
      await page.waitForFunction(() => document.querySelector('[data-testid=raw-line]') === null);

      await page.goto(`${srv.url}/alerts`);
      await page.waitForSelector('[data-testid=alert-rows] tbody tr');
      await keys(page, 'ArrowDown');
      expect(await focused(page)).toEqual({ list: 'signature-list', row: 0, tag: 'li' });
      await keys(page, 'Enter');
      await page.waitForURL(/sid=1000003/);
      // ] to the alerts of the signature; ↓ past the list's end stays on its last row
      await keys(page, ']', 'ArrowDown');
      expect(await focused(page)).toEqual({ list: 'alert-rows', row: 1, tag: 'tr' });
      const uid = await page.evaluate(() => document.activeElement!.querySelector<HTMLAnchorElement>('[data-testid=alert-session]')!.getAttribute('href'));
      await keys(page, 'Enter');
      await page.waitForSelector('[data-testid=counters]');
      // the link is the session's path and the row's time (the server's lookup hint)
      expect(path(page)).toBe(uid);
      // the session's record tables, one after the other: ↓ goes on from the HTTP requests (and the files they
      // carried) to its alerts, each row in turn
      const block = (): Promise<string | null> => page.evaluate(() => document.activeElement!.closest<HTMLElement>('.block')?.dataset.testid ?? document.activeElement!.closest('.block')?.querySelector('h3')?.textContent ?? null);
      const visited: string[] = [];
      for (let i = 0; i < 40 && visited.at(-1) !== 'alerts'; i++) {
        await keys(page, 'ArrowDown');
        visited.push(`${await block()}`);
      }
      const http = await page.locator('[data-testid=http] tbody tr').count();
      expect(visited.slice(0, http)).toEqual(Array(http).fill('http'));
      expect(visited.at(-1)).toBe('alerts');
      expect((await focused(page)).row).toBe(0);
      await keys(page, 'Backspace');
      await page.waitForURL(/\/alerts\?sid=1000003$/);
      await page.waitForFunction(() => document.activeElement?.closest('[data-testid=alert-rows]') !== null);
      expect(await focused(page)).toEqual({ list: 'alert-rows', row: 1, tag: 'tr' });
    });

    it('tls, top talkers, connections, captures, pivot and mail: reach a row, open it, go back', async () => {
      await page.goto(`${srv.url}/tls`);
      await page.waitForSelector('[data-testid=tls-groups] tbody tr');
      await keys(page, 'ArrowDown', 'Enter');
      await page.waitForSelector('[data-testid=behind] tbody tr');
      await keys(page, ']');
      expect((await focused(page)).row).toBe(0);
      await keys(page, 'Enter');
      await page.waitForSelector('[data-testid=counters]');
      expect(new URL(page.url()).pathname).toMatch(/^\/session\//);
      await keys(page, 'Backspace');
      await page.waitForSelector('[data-testid=tls-groups] tbody tr');
      expect(path(page)).toBe('/tls');

      for (const [screen, list] of [['/top', 'top'], ['/graph', 'hosts']] as const) {
        await page.goto(`${srv.url}${screen}`);
        await page.waitForSelector(`[data-testid=${list}] tbody tr`);
        await keys(page, 'ArrowDown', 'ArrowDown', 'Enter');
        await page.waitForURL(/\/search\/sessions\?/);
        await page.waitForSelector('[data-testid=results] tbody tr');
        await keys(page, 'Backspace');
        await page.waitForURL((u) => u.pathname === screen);
        await page.waitForFunction((l) => document.activeElement?.closest(`[data-testid=${l}]`) !== null, list);
        expect(await focused(page), screen).toEqual({ list, row: 1, tag: 'tr' });
      }

      await page.goto(`${srv.url}/captures`);
      await page.waitForSelector('[data-testid=captures] tbody tr');
      await keys(page, 'ArrowDown', 'ArrowDown', 'Enter');
      const second = await page.locator('[data-testid=capture]').nth(1).textContent();
      await page.waitForURL((u) => u.searchParams.get('capture') === second);
      await page.waitForFunction((id) => document.querySelector('[data-testid=anomalies] h3')?.textContent?.includes(id!) === true, second);
      expect(await focused(page)).toEqual({ list: 'captures', row: 1, tag: 'tr' });

      await page.goto(`${srv.url}/pivot/sha256?value=${SHA}`);
      await page.waitForSelector('[data-testid=pivot-files] tbody tr');
      await keys(page, 'ArrowDown', 'Enter');
      await page.waitForSelector('[data-testid=counters]');
      await keys(page, 'Backspace');
      await page.waitForFunction(() => document.activeElement?.closest('[data-testid=pivot-files]') !== null);
      expect((await focused(page)).row).toBe(0);

      await page.goto(`${srv.url}/mail?key=${QUEUE}`);
      await page.waitForSelector('[data-testid=mail-lines] tbody tr');
      await keys(page, 'ArrowDown', 'ArrowDown', 'ArrowDown');
      expect(await focused(page)).toEqual({ list: 'mail-lines', row: 2, tag: 'tr' });
      await keys(page, '/');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('mail-key');
    });

    it('admin: Enter on an account goes to its controls, Escape back to the row; the audit trail by a user', async () => {
      await page.goto(`${srv.url}/admin`);
      await page.waitForSelector('[data-testid=users] tbody tr');
      await page.waitForSelector('[data-testid=audit] tbody tr');
      await keys(page, 'ArrowDown', 'ArrowDown', 'Enter');
      const row = await page.evaluate(() => document.activeElement!.closest('tr')!.getAttribute('data-user'));
      expect(await page.evaluate(() => document.activeElement!.tagName)).toBe('SELECT');
      await keys(page, 'Escape');
      expect(await focused(page)).toEqual({ list: 'users', row: 1, tag: 'tr' });
      expect(row).not.toBeNull();
      await keys(page, ']', 'Enter');
      await page.waitForURL((u) => u.searchParams.get('user') !== null);
      const user = new URL(page.url()).searchParams.get('user');
      await page.waitForFunction((u) => { const c = Array.from(document.querySelectorAll('[data-testid=audit] tbody tr td:nth-child(2)')); return c.length > 0 && c.every((td) => td.textContent === u); }, user);
    });

    it('? lists the keys, Escape closes it; g then a letter goes to a screen', async () => {
      await page.goto(`${srv.url}/captures`);
      await page.waitForSelector('[data-testid=captures] tbody tr');
      await keys(page, '?');
      await page.waitForSelector('[data-testid=keyhelp]');
      const listed = await page.$$eval('[data-testid=keyhelp] kbd', (ks) => ks.map((k) => k.textContent));
      expect(listed).toEqual(expect.arrayContaining(['/', 'Enter', 'Escape', 'g a', 'g d']));
      await keys(page, 'Escape');
      await page.waitForFunction(() => document.querySelector('[data-testid=keyhelp]') === null);
      for (const [k, to] of [['a', '/alerts'], ['l', '/logs'], ['t', '/tls'], ['n', '/graph'], ['p', '/top'], ['m', '/mail'], ['d', '/admin'], ['c', '/captures'], ['s', '/search/sessions']]) {
        await keys(page, 'g', k!);
        await page.waitForURL((u) => u.pathname === to);
      }
    });
  });

  describe('the viewer role on every screen', () => {
    it('shows no payload, download, triage or admin, and the server refuses nothing the screens ask', async () => {
      const w = await as('viewer', PASSWORDS.viewer);
      const { page } = w;
      const refused: string[] = [];
      page.on('response', (r) => {
        if (r.status() === 403) refused.push(r.url());
      });
      const nothingForAnalysts = async (where: string): Promise<void> => {
        const found = await page.$$eval('a[href*="/pcap"], a[href*="/transcript"], a[href^="/api/files/"], [data-testid=ack], [data-testid=escalate], [data-testid=note], [data-testid=nav-admin], [data-testid=transcript]', (es) => es.map((e) => e.outerHTML));
        expect(found, where).toEqual([]);
      };
      const hidden: Record<string, string> = { alerts: 'payload_excerpt', captures: 'path' };
      for (const t of ['sessions', 'tls', 'http', 'smtp', 'files', 'alerts', 'logs', 'anomalies', 'captures']) {
        await page.goto(`${srv.url}/search/${t}`);
        await page.waitForSelector('[data-testid=results]');
        await page.waitForFunction(() => document.querySelector('[data-testid=count]')?.textContent !== '…');
        await page.waitForSelector('[data-testid=fields] li');
        const field = hidden[t];
        if (field !== undefined) {
          expect(await page.$$eval('[data-testid=results] th', (ths) => ths.map((th) => th.getAttribute('data-col'))), t).not.toContain(field);
          expect(await page.$(`[data-testid=fields] [data-field=${field}]`), t).toBeNull();
          expect(await page.$$eval('[data-testid=split] option', (os) => os.map((o) => (o as HTMLOptionElement).value)), t).not.toContain(field);
          expect(await page.$$eval('details.columns label', (ls) => ls.map((l) => l.textContent?.trim())), t).not.toContain(field);
          // the completion offers it neither
          await page.click('[data-testid=query]');
          await page.keyboard.type(field.slice(0, 3));
          await page.waitForTimeout(300);
          expect(await page.$$eval('[data-testid=suggest] li span', (ls) => ls.map((l) => l.textContent)), t).not.toContain(field);
          await page.keyboard.press('Escape');
        }
        // the sidebar's top values of the first field and group by it
        await page.click('[data-testid=fields] li button.link');
        await nothingForAnalysts(`/search/${t}`);
      }
      expect(await page.$('[data-testid=results] th[data-col=payload_excerpt]')).toBeNull();
      const screens: [string, string][] = [
        [`/session/${encodeURIComponent(putUid)}`, '[data-testid=alerts]'],
        [`/session/${encodeURIComponent(smtpUid)}`, '[data-testid=smtp-message] [data-testid=files]'],
        ['/tls', '[data-testid=tls-groups] tbody tr'],
        ['/logs', '[data-testid=results] tbody tr'],
        [`/mail?key=${QUEUE}`, '[data-testid=mail-lines] tbody tr'],
        ['/alerts?sid=1000003', '[data-testid=alert-rows] tbody tr'],
        ['/top', '[data-testid=top] tbody tr'],
        ['/graph', '[data-testid=hosts] tbody tr'],
        ['/captures', '[data-testid=anomalies]'],
        [`/pivot/sha256?value=${SHA}`, '[data-testid=pivot-files] tbody tr'],
      ];
      for (const [to, ready] of screens) {
        await page.goto(`${srv.url}${to}`);
        await page.waitForSelector(ready);
        await page.waitForLoadState('networkidle');
        await nothingForAnalysts(to);
      }
      // the session tells a viewer the transcript is for analysts; the alerts keep their triage state, read only
      await page.goto(`${srv.url}/session/${encodeURIComponent(putUid)}`);
      await page.waitForSelector('text=Transcripts are for analysts.');
      await page.goto(`${srv.url}/alerts?sid=1000003`);
      await page.waitForSelector('[data-testid=alert-rows] [data-testid=triage-state]');
      expect(await page.$$eval('[data-testid=alert-rows] th', (ths) => ths.map((t) => t.textContent))).not.toContain('triage');
      // the admin URL says it is not for them, and asks the server nothing
      await page.goto(`${srv.url}/admin`);
      expect(await page.textContent('[data-testid=not-admin]')).toBe('The admin screen is for admins.');
      await page.waitForLoadState('networkidle');
      expect(await page.$('[data-testid=nav-admin]')).toBeNull();
      expect(refused).toEqual([]);
      expect(w.problems).toEqual([]);
      // and what the server keeps: no request of the viewer's was refused
      expect(srv.audits.filter((a) => a.user === 'viewer' && a.outcome !== 'ok')).toEqual([]);
    });

    it('an analyst with a row restriction: alerts without triage, no whole-store reports, no 403', async () => {
      const w = await as('restricted', 'restricted-pass-1', '/alerts');
      const { page } = w;
      const refused: string[] = [];
      page.on('response', (r) => {
        if (r.status() === 403) refused.push(r.url());
      });
      await page.reload();
      await page.waitForSelector('[data-testid=alert-rows] tbody tr');
      await page.waitForLoadState('networkidle');
      expect(await page.$('[data-testid=ack]')).toBeNull();
      expect(await page.$$eval('[data-testid=alert-rows] th', (ths) => ths.map((t) => t.textContent))).not.toContain('triage');
      // the analyst's drill-down stays: the pcap of the alert's session
      expect(await page.locator('[data-testid=alert-rows] a[href*="/pcap"]').count()).toBeGreaterThan(0);
      const nav = await page.$$eval('header nav a', (as) => as.map((a) => a.textContent));
      expect(nav).not.toContain('Top talkers');
      expect(nav).not.toContain('Mail');
      expect(nav).toContain('alerts');
      // a table its restriction names no field of (logs have no dst_port) is not offered, nor asked for
      expect(nav).not.toContain('logs');
      for (const to of ['/top', '/mail?key=x', '/logs', '/search/logs']) {
        await page.goto(`${srv.url}${to}`);
        await page.waitForSelector('[data-testid=not-for-you]');
        await page.waitForLoadState('networkidle');
      }
      await page.goto(`${srv.url}/search/sessions`);
      await page.waitForSelector('[data-testid=results] tbody tr');
      await page.waitForLoadState('networkidle');
      expect(refused).toEqual([]);
      expect(w.problems).toEqual([]);
      expect(srv.audits.filter((a) => a.user === 'restricted' && a.outcome !== 'ok')).toEqual([]);
    });
  });

  describe('the themes', () => {
    it('follows the system by default, the toggle on every screen, remembered', async () => {
      const dark = await as('analyst', PASSWORDS.analyst, '/search/sessions', 'dark');
      expect(await dark.page.getAttribute('html', 'data-theme')).toBe('dark');
      const light = await as('analyst', PASSWORDS.analyst, '/search/sessions', 'light');
      const { page } = light;
      expect(await page.getAttribute('html', 'data-theme')).toBe('light');
      for (const to of ['/search/sessions', `/session/${encodeURIComponent(smtpUid)}`, '/tls', '/logs', `/mail?key=${QUEUE}`, '/alerts', '/top', '/graph', '/captures']) {
        await page.goto(`${srv.url}${to}`);
        await page.waitForSelector('[data-testid=theme]');
        const before = await page.getAttribute('html', 'data-theme');
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        await page.click('[data-testid=theme]');
        const after = await page.getAttribute('html', 'data-theme');
        expect(after, to).not.toBe(before);
        expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), to).not.toBe(bg);
      }
      // an odd number of toggles: dark, and still dark after a reload (the system says light)
      expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
      await page.reload();
      await page.waitForSelector('[data-testid=theme]');
      expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    });

    it('draws the charts\' axes and the graph\'s labels in the theme\'s colours, again when it changes', async () => {
      const { page } = await as('analyst', PASSWORDS.analyst);
      const colourOf = (prop: string): Promise<[number, number, number]> => page.evaluate((p) => {
        const probe = document.createElement('span');
        probe.style.color = `var(${p})`;
        document.body.append(probe);
        const c = getComputedStyle(probe).color.match(/\d+/g)!.map(Number) as [number, number, number];
        probe.remove();
        return c;
      }, prop);
      /** the canvas has the colour of `prop` in the light theme, not the dark one's; then the other way round */
      const follows = async (canvas: string, prop: string): Promise<void> => {
        if ((await page.getAttribute('html', 'data-theme')) !== 'light') await page.click('[data-testid=theme]');
        const light = await colourOf(prop);
        await expect.poll(() => pixelsOf(page, canvas, light), { message: `${canvas} light` }).toBeGreaterThan(20);
        await page.click('[data-testid=theme]');
        const dark = await colourOf(prop);
        expect(dark).not.toEqual(light);
        await expect.poll(() => pixelsOf(page, canvas, dark), { message: `${canvas} dark` }).toBeGreaterThan(20);
        expect(await pixelsOf(page, canvas, light), `${canvas} dark`).toBe(0);
        await page.click('[data-testid=theme]');
        await expect.poll(() => pixelsOf(page, canvas, light), { message: `${canvas} light again` }).toBeGreaterThan(20);
        expect(await pixelsOf(page, canvas, dark), `${canvas} light again`).toBe(0);
      };
      await page.goto(`${srv.url}/search/sessions`);
      await page.waitForSelector('[data-testid=histogram] canvas');
      await follows('[data-testid=histogram] canvas', '--muted');
      await page.goto(`${srv.url}/alerts?sid=1000003`);
      await page.waitForSelector('[data-testid=day-chart] canvas');
      await follows('[data-testid=day-chart] canvas', '--muted');
      await page.goto(`${srv.url}/graph`);
      await page.waitForSelector('[data-testid=graph][data-nodes]');
      await follows('[data-testid=graph]', '--fg');
    });

    it('screenshots of the main screens in the dark theme', async () => {
      const { page } = await as('analyst', PASSWORDS.analyst, '/search/sessions', 'dark');
      expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
      await page.goto(`${srv.url}/search/sessions`);
      await page.waitForSelector('[data-testid=histogram] canvas');
      await page.waitForSelector('[data-testid=results] tbody tr');
      await page.click('[data-testid=fields] [data-field=dst_port] button.link');
      await page.waitForSelector('[data-testid=fields] [data-field=dst_port] ol li');
      await page.click('.histo-head');
      await keys(page, 'ArrowDown', 'ArrowDown', 'ArrowDown');
      await page.screenshot({ path: join(SHOTS, 'search-dark.png') });
      await page.goto(`${srv.url}/session/${encodeURIComponent(smtpUid)}`);
      await page.waitForSelector('[data-testid=smtp-message]');
      await page.waitForSelector('.transcript-text');
      await page.screenshot({ path: join(SHOTS, 'session-dark.png') });
      await page.goto(`${srv.url}/alerts?sid=1000003`);
      await page.waitForSelector('[data-testid=day-chart] canvas');
      await page.waitForSelector('[data-testid=alert-rows] tbody tr');
      await page.waitForFunction(() => document.querySelector('[data-testid=signature] h2')?.textContent?.startsWith('HTTP PUT') === true);
      await page.screenshot({ path: join(SHOTS, 'alerts-dark.png') });
      await page.goto(`${srv.url}/graph`);
      await page.waitForSelector('[data-testid=graph][data-nodes]');
      await page.screenshot({ path: join(SHOTS, 'graph-dark.png') });
      await page.goto(`${srv.url}/top`);
      await page.waitForSelector('[data-testid=top] tbody tr');
      await keys(page, '?');
      await page.waitForSelector('[data-testid=keyhelp]');
      await page.screenshot({ path: join(SHOTS, 'keys-dark.png') });
      await keys(page, 'Escape');
    });
  });

  it('records no CSP violation, page error or request off this server', () => {
    expect(pages.flatMap((w) => w.problems)).toEqual([]);
  });
});
