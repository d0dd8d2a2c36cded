/// <reference lib="dom" />
// The console in Chromium, the analyst's path: log in, run a query, open a row, pivot to the session, download
// its pcap (byte-identical to `haystack carve`), log out; stored script and markup shown as text with no CSP
// violation; screenshots under docs/console/.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carveSession } from '../../src/pipeline/carve.js';
import { ingest } from '../../src/pipeline/ingest.js';
import { launch, haveBrowser, watchedPage, type Watched } from '../helpers/browser.js';
import { scratchDir } from '../helpers/cli.js';
import { conversationsPcap, tcpConversation } from '../helpers/conversation.js';
import { GEN, ROOT } from '../helpers/run.js';
import { PASSWORDS, startTestServer, type TestServer } from '../helpers/server.js';

const dir = scratchDir('console-flow');
const SHOTS = join(ROOT, 'docs/console');
/** a request line cannot hold spaces: markup written without them, as an attacker's URL would be */
const HOSTILE_URI = '/<script>window.__pwned=1</script><img/src=x/onerror=window.__pwned=2>';
const HOSTILE_UA = 'javascript:window.__pwned=3';

describe.skipIf(!haveBrowser)('the console in Chromium', () => {
  let srv: TestServer;
  let b: Awaited<ReturnType<typeof launch>>;
  let w: Watched;

  beforeAll(async () => {
    srv = await startTestServer(dir, { webDir: join(ROOT, 'dist/web'), filesDir: dir });
    const hostile = join(dir, 'hostile.pcap');
    writeFileSync(hostile, conversationsPcap(tcpConversation({ dport: 80, client: '10.9.9.9', server: '10.9.9.10' }, [
      { from: 'client', data: `GET ${HOSTILE_URI} HTTP/1.1\r\nHost: evil.example\r\nUser-Agent: ${HOSTILE_UA}\r\n\r\n` },
      { from: 'server', data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
    ])));
    const s = await ingest(srv.store, [join(GEN, 'mixed-home.pcap'), join(GEN, 'smtp-attachments.pcap'), hostile], { homeNet: ['127.0.0.0/24'], filesDir: dir });
    expect(s.files.every((f) => f.status === 'ingested')).toBe(true);
    b = await launch();
    w = await watchedPage(b.browser);
  });
  afterAll(async () => {
    await b?.close();
    await srv?.stop();
  });

  it('logs in and shows the sessions', async () => {
    const { page } = w;
    await page.goto(`${srv.url}/search/sessions?from=`);
    await page.fill('input[name=user]', 'analyst');
    await page.fill('input[name=password]', PASSWORDS.analyst);
    await page.screenshot({ path: join(SHOTS, 'login.png') });
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=results] tbody tr');
    const count = await page.textContent('[data-testid=count]');
    const total = (await srv.store.select('SELECT count(*) AS n FROM sessions')).rows[0]!.n;
    expect(count).toBe(`${Number(total).toLocaleString('en')} sessions`);
  });

  it('runs a query from the query bar, and the URL holds it', async () => {
    const { page } = w;
    await page.fill('[data-testid=query]', 'dst_port = 25');
    await page.press('[data-testid=query]', 'Enter');
    const n = Number((await srv.store.select('SELECT count(*) AS n FROM sessions WHERE dst_port = 25')).rows[0]!.n);
    await page.waitForFunction((want) => document.querySelector('[data-testid=count]')?.textContent === want, `${n} sessions`);
    expect(new URL(page.url()).searchParams.get('q')).toBe('dst_port = 25');
    const ports = await page.$$eval('[data-testid=results] tbody tr[data-i]', (rows) => rows.map((r) => r.children[5]?.textContent));
    expect(ports.every((p) => p === '25')).toBe(true);
  });

  it('opens a row, pivots to its session, and downloads the pcap that haystack carve gives', async () => {
    const { page } = w;
    await page.click('[data-testid=results] tbody tr');
    const [asked] = await Promise.all([page.waitForRequest((r) => r.url().includes('/api/uid/')), page.click('[data-testid=to-session]')]);
    await page.waitForSelector('.session .block');
    const uid = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    // the link carries the row's start time, and the session view hands it to the server as the lookup's hint
    const start = (await srv.store.select(`SELECT epoch_us(start_time) AS t FROM sessions WHERE uid = '${uid.replace(/'/g, "''")}'`)).rows[0]!.t;
    const t = new URL(page.url()).searchParams.get('t');
    expect(t === null ? null : Date.parse(t) * 1000 + Number(/\.\d{3}(\d{3})/.exec(t)?.[1] ?? 0)).toBe(Number(start));
    expect(new URL(asked.url()).searchParams.get('t')).toBe(t);
    // docs/console/session.png is taken by detail.test.ts (a session with a flagged attachment)
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=pcap]')]);
    const got = join(dir, 'browser.pcap');
    await dl.saveAs(got);
    const want = join(dir, 'carve.pcap');
    await carveSession(srv.store, uid, want);
    expect(readFileSync(got).equals(readFileSync(want))).toBe(true);
  });

  it('shows stored markup and script as text: nothing runs, no CSP violation', async () => {
    const { page } = w;
    await page.goto(`${srv.url}/search/http?q=${encodeURIComponent('host = "evil.example"')}&from=`);
    await page.waitForSelector('[data-testid=results] tbody tr');
    const cells = await page.$$eval('[data-testid=results] tbody td', (tds) => tds.map((t) => t.textContent));
    expect(cells).toContain(HOSTILE_URI);
    expect(cells).toContain(HOSTILE_UA);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.$$('[data-testid=results] img, [data-testid=results] script')).toHaveLength(0);
    expect(w.problems).toEqual([]);
  });

  it('logs out, and the session is gone on the server', async () => {
    const { page } = w;
    const cookies = await page.context().cookies();
    await page.click('[data-testid=logout]');
    await page.waitForSelector('input[name=user]');
    const c = srv.client();
    c.cookie = `haystack=${cookies.find((x) => x.name === 'haystack')!.value}`;
    expect((await c.get('/api/me')).status).toBe(401);
  });
});
