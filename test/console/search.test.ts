/// <reference lib="dom" />
// The Search screen in Chromium over a store of the gen captures: the histogram's drag zooms (URL from/to, a
// smaller count equal to the API's summary of that range), a click narrows to a bar, + / − on a field's top
// value change the query and the count, columns and sort go to the URL and the table, completion lists field
// names, a bad filter shows the server's message with its column marked, the keyboard, infinite scroll, group
// by, "around this event", CSV of the visible rows with the formula guard; no CSP violation.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/pipeline/ingest.js';
import { type Watched, haveBrowser, launch, loginInPage, watchedPage } from '../helpers/browser.js';
import { scratchDir } from '../helpers/cli.js';
import { conversationsPcap, tcpConversation } from '../helpers/conversation.js';
import { GEN, ROOT } from '../helpers/run.js';
import { PASSWORDS, startTestServer, type Client, type TestServer } from '../helpers/server.js';

const dir = scratchDir('console-search');
const SHOTS = join(ROOT, 'docs/console');
/** a user agent a spreadsheet would run as a formula */
const FORMULA_UA = "=HYPERLINK(\"x\",\"y\")";

describe.skipIf(!haveBrowser)('the Search screen in Chromium', () => {
  let srv: TestServer;
  let api: Client;
  let b: Awaited<ReturnType<typeof launch>>;
  let w: Watched;

  const summary = async (table: string, params: URLSearchParams): Promise<number> => {
    const q = new URLSearchParams();
    for (const k of ['q', 'from', 'to']) if (params.get(k)) q.set(k, params.get(k)!);
    const r = await api.get(`/api/summary/${table}?${q.toString()}`);
    expect(r.status).toBe(200);
    return r.json.count as number;
  };
  const url = (): URL => new URL(w.page.url());
  /** waits until the count shown is the API's summary of the URL's query and range; returns it */
  const countMatchesApi = async (table: string): Promise<number> => {
    const want = await summary(table, url().searchParams);
    await w.page.waitForFunction((t) => document.querySelector('[data-testid=count]')?.textContent === t, `${want.toLocaleString('en')} ${table}`);
    return want;
  };
  const open = async (path: string): Promise<void> => {
    await w.page.goto(`${srv.url}${path}`);
    await w.page.waitForSelector('[data-testid=results] tbody tr');
  };

  beforeAll(async () => {
    srv = await startTestServer(dir, { webDir: join(ROOT, 'dist/web'), filesDir: dir });
    const formula = join(dir, 'formula.pcap');
    writeFileSync(formula, conversationsPcap(tcpConversation({ dport: 80, client: '10.7.7.7', server: '10.7.7.8' }, [
      { from: 'client', data: `GET /report HTTP/1.1\r\nHost: sheet.example\r\nUser-Agent: ${FORMULA_UA}\r\n\r\n` },
      { from: 'server', data: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' },
    ])));
    const inputs = ['mixed-home.pcap', 'smtp-attachments.pcap', 'tls-clients.pcapng', 'http-put.pcap'].map((f) => join(GEN, f));
    const s = await ingest(srv.store, [...inputs, formula], { homeNet: ['127.0.0.0/24'], filesDir: dir });
    expect(s.files.every((f) => f.status === 'ingested')).toBe(true);
    api = await srv.as('analyst');
    b = await launch();
    w = await watchedPage(b.browser);
    await loginInPage(w.page, srv.url, '/search/sessions', 'analyst', PASSWORDS.analyst);
    await w.page.waitForSelector('[data-testid=results] tbody tr');
  });
  afterAll(async () => {
    await b?.close();
    await srv?.stop();
  });

  /** the TCP sessions of the newest capture (mixed-home): a range of whole seconds around them, UTC */
  const tcpSpan = async (): Promise<[string, string]> => {
    const q = `q=${encodeURIComponent('proto = "tcp"')}&from=latest-1h&fields=start_time&limit=1&sort=start_time`;
    const lo = (await api.get(`/api/records/sessions?${q}&order=asc`)).json.rows[0].start_time as string;
    const hi = (await api.get(`/api/records/sessions?${q}&order=desc`)).json.rows[0].start_time as string;
    return [`${lo.slice(0, 19)}Z`, new Date(Math.floor(Date.parse(hi) / 1000) * 1000 + 1000).toISOString().replace('.000Z', 'Z')];
  };

  it('takes an absolute range typed in the display zone and sends it as UTC', async () => {
    const { page } = w;
    await open('/search/sessions?q=proto%20%3D%20%22tcp%22');
    await page.selectOption('select.zone', 'Asia/Tokyo');
    const [lo, hi] = await tcpSpan();
    // the wall time in Tokyo: UTC+09:00, no daylight saving
    const wall = (iso: string): string => new Date(Date.parse(iso) + 9 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    await page.fill('[data-testid=from]', wall(lo));
    await page.fill('[data-testid=to]', wall(hi));
    await page.click('[data-testid=apply-range]');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('to') !== null);
    expect(url().searchParams.get('from')).toBe(lo);
    expect(url().searchParams.get('to')).toBe(hi);
    await countMatchesApi('sessions');
    // the quick ranges: relative to the newest data, and the inputs show the URL's range in the zone
    expect(await page.inputValue('[data-testid=from]')).toBe(wall(lo));
    await page.selectOption('[data-testid=range]', 'latest-24h');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('from') === 'latest-24h' && !new URLSearchParams(location.search).has('to'));
    await countMatchesApi('sessions');
    await page.selectOption('select.zone', 'UTC');
  });

  it('zooms to a range dragged on the histogram: from/to in the URL, fewer rows, the API summary of that range', async () => {
    const { page } = w;
    const [lo, hi] = await tcpSpan();
    await open(`/search/sessions?q=proto%20%3D%20%22tcp%22&from=${lo}&to=${hi}`);
    const all = await countMatchesApi('sessions');
    const h = (await api.get(`/api/histogram/sessions?buckets=80&q=${encodeURIComponent('proto = "tcp"')}&from=${lo}&to=${hi}`)).json as { counts: number[] };
    const full = h.counts.flatMap((c, i) => (c > 0 ? [i] : []));
    // from the first bar with rows to about the middle one: some of the rows, not all
    const [a, z] = [full[0]!, full[Math.floor(full.length / 2)]!];
    const box = (await (await page.waitForSelector('[data-testid=histogram-area]')).boundingBox())!;
    const at = (i: number): number => box.x + (i / h.counts.length) * box.width;
    const y = box.y + box.height / 2;
    await page.mouse.move(at(a + 0.05), y);
    await page.mouse.down();
    await page.mouse.move(at((a + z) / 2), y, { steps: 8 });
    await page.mouse.move(at(z + 0.95), y, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction(() => new URLSearchParams(location.search).get('to') !== null);
    const u = url().searchParams;
    expect(u.get('from')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(u.get('to')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(u.get('q')).toBe('proto = "tcp"');
    const n = await countMatchesApi('sessions');
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(all);
    // the rows shown are those of the range
    const from = Date.parse(u.get('from')!);
    const to = Date.parse(u.get('to')!);
    await page.waitForFunction((k) => document.querySelector('[data-testid=results]')?.getAttribute('data-rows') === String(k), n);
    const times = await page.$$eval('[data-testid=results] tbody tr[data-i]', (rows) => rows.map((r) => r.children[0]!.textContent!));
    for (const t of times) {
      const ms = Date.parse(`${t.replace(' ', 'T').slice(0, 23)}Z`);
      expect(ms).toBeGreaterThanOrEqual(from);
      expect(ms).toBeLessThan(to);
    }
    // the inputs show the range in the display zone (UTC here)
    expect(await page.inputValue('[data-testid=from]')).toBe(u.get('from')!.replace('T', ' ').replace('Z', ''));
    // split by a field: a series per top value and "other", named in the legend as the API names them
    await page.selectOption('[data-testid=split]', 'dst_port');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('split') === 'dst_port');
    await page.waitForSelector('[data-testid=histogram] .u-legend .u-series:nth-child(3)');
    const sp = (await api.get(`/api/histogram/sessions?buckets=80&${url().searchParams.toString()}`)).json.split as { values: number[] };
    const legend = await page.$$eval('[data-testid=histogram] .u-legend .u-series .u-label', (l) => l.map((x) => x.textContent));
    expect(legend.slice(1)).toEqual(['rows', ...sp.values.map((v) => `dst_port = ${v}`), 'other']);
    await page.screenshot({ path: join(SHOTS, 'search-histogram.png') });
  });

  it('narrows to one bucket on a click on a bar', async () => {
    const { page } = w;
    await open('/search/sessions');
    const h = (await api.get('/api/histogram/sessions?buckets=80')).json as { start: number; bucket_us: number; counts: number[] };
    const i = h.counts.findIndex((c) => c > 0);
    const box = (await (await page.waitForSelector('[data-testid=histogram-area]')).boundingBox())!;
    // the first bar with rows: bucket i of counts.length across the plot's width
    const x = box.x + ((i + 0.5) / h.counts.length) * box.width;
    await page.mouse.click(x, box.y + box.height - 3);
    await page.waitForFunction(() => new URLSearchParams(location.search).get('to') !== null);
    const u = url().searchParams;
    expect(Date.parse(u.get('from')!) * 1000).toBe(h.start + i * h.bucket_us);
    expect(Date.parse(u.get('to')!) * 1000).toBe(h.start + (i + 1) * h.bucket_us);
    expect(await countMatchesApi('sessions')).toBe(h.counts[i]);
  });

  it('adds a field value with + and excludes one with −: the query and the count change as the API says', async () => {
    const { page } = w;
    await open('/search/sessions');
    const total = await countMatchesApi('sessions');
    await page.click('[data-field=dst_port] .fname button.link');
    await page.waitForSelector('[data-testid=top-dst_port] li');
    const top = (await api.get('/api/values/sessions/dst_port')).json.values as { value: number; count: number }[];
    const shown = await page.$$eval('[data-testid=top-dst_port] li', (lis) => lis.map((l) => [l.querySelector('.v')!.textContent, l.querySelector('.n')!.textContent]));
    expect(shown).toEqual(top.map((v) => [String(v.value), v.count.toLocaleString('en')]));
    await page.click('[data-testid=top-dst_port] li:first-child [data-testid=plus]');
    await page.waitForFunction((q) => new URLSearchParams(location.search).get('q') === q, `dst_port = ${top[0]!.value}`);
    expect(await countMatchesApi('sessions')).toBe(top[0]!.count);
    // − on the sidebar's top value of another field, under the new query
    await page.click('[data-field=src_ip] .fname button.link');
    await page.waitForSelector('[data-testid=top-src_ip] li');
    const ip = await page.textContent('[data-testid=top-src_ip] li:first-child .v');
    await page.click('[data-testid=top-src_ip] li:first-child [data-testid=minus]');
    await page.waitForFunction((q) => new URLSearchParams(location.search).get('q') === q, `dst_port = ${top[0]!.value} and not src_ip = "${ip}"`);
    const n = await countMatchesApi('sessions');
    expect(n).toBeLessThan(top[0]!.count);
    expect(n).toBeLessThan(total);
    await page.screenshot({ path: join(SHOTS, 'search.png') });
  });

  it('groups by a field: the counts of its values', async () => {
    const { page } = w;
    await open('/search/sessions');
    await page.click('[data-testid=group-dst_port]');
    await page.waitForSelector('[data-testid=group] tbody tr');
    expect(url().searchParams.get('group')).toBe('dst_port');
    const top = (await api.get('/api/values/sessions/dst_port?limit=100')).json.values as { value: number; count: number }[];
    const rows = await page.$$eval('[data-testid=group] tbody tr', (trs) => trs.map((t) => [t.children[0]!.textContent, t.children[1]!.textContent]));
    expect(rows).toEqual(top.map((v) => [String(v.value), v.count.toLocaleString('en')]));
    await page.click('[data-testid=ungroup]');
    await page.waitForSelector('[data-testid=results] tbody tr');
    expect(url().searchParams.get('group')).toBeNull();
  });

  it('reaches every record table from the nav, the less used ones under "more", the header on one line', async () => {
    const { page } = w;
    await open('/search/sessions');
    const tables = ((await api.get('/api/tables')).json.tables as { name: string }[]).map((t) => t.name).filter((t) => t !== 'captures');
    const shown = await page.$$eval('header.top nav a[href^="/search/"]', (as) => as.map((a) => a.getAttribute('href')!.slice('/search/'.length)));
    expect([...shown].sort()).toEqual([...tables].sort());
    const header = await page.$eval('header.top', (h) => h.getBoundingClientRect().height);
    expect(header).toBeLessThan(50);
    // ssh is under "more": the menu opens, the link goes to the table, the entry then names it
    await page.click('[data-testid=nav-more] summary');
    await page.click('[data-testid=nav-more] a[href="/search/ssh"]');
    await page.waitForURL((u) => u.pathname === '/search/ssh');
    await page.waitForSelector('[data-testid=results] tbody tr');
    expect(await page.textContent('[data-testid=nav-more] summary')).toBe('ssh');
    const n = (await api.get('/api/summary/ssh')).json.count as number;
    expect(n).toBeGreaterThan(0);
    expect(await page.$eval('[data-testid=results]', (t) => Number(t.getAttribute('data-rows')))).toBe(n);
  });

  it('puts the chosen columns and the sort in the URL and the table', async () => {
    const { page } = w;
    await open('/search/sessions');
    await page.click('[data-testid=columns] summary');
    await page.click('[data-testid=columns] input[name=state]');
    await page.waitForFunction(() => !(new URLSearchParams(location.search).get('fields') ?? '').split(',').includes('state') && new URLSearchParams(location.search).has('fields'));
    await page.click('[data-testid=columns] input[name=community_id]');
    await page.waitForFunction(() => (new URLSearchParams(location.search).get('fields') ?? '').split(',').includes('community_id'));
    const fields = url().searchParams.get('fields')!.split(',');
    expect(fields).not.toContain('state');
    expect(fields.at(-1)).toBe('community_id');
    const heads = await page.$$eval('[data-testid=results] thead th', (ths) => ths.map((t) => t.getAttribute('data-col')));
    expect(heads).toEqual(fields);
    await page.click('[data-testid=columns] summary');
    const col = fields.indexOf('src_bytes');
    const column = async (): Promise<number[]> => page.$$eval('[data-testid=results] tbody tr[data-i]', (rows, c) => rows.map((r) => Number(r.children[c]!.textContent)), col);
    await page.click('th[data-col=src_bytes] button');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('sort') === 'src_bytes' && new URLSearchParams(location.search).get('order') === 'desc');
    await page.waitForSelector('th[data-col=src_bytes][aria-sort=descending]');
    await page.waitForSelector('[data-testid=results] tbody tr');
    const desc = await column();
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    const max = (await api.get('/api/records/sessions?sort=src_bytes&order=desc&limit=1&fields=src_bytes')).json.rows[0].src_bytes;
    expect(desc[0]).toBe(max);
    await page.click('th[data-col=src_bytes] button');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('order') === 'asc');
    await page.waitForSelector('th[data-col=src_bytes][aria-sort=ascending]');
    await page.waitForFunction((m) => document.querySelector('[data-testid=results] tbody tr td:nth-child(1)') !== null && m !== null, max);
    const asc = await column();
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    expect(asc[0]).toBeLessThan(max);
  });

  it('completes field names and values in the query bar', async () => {
    const { page } = w;
    await open('/search/sessions');
    await page.click('[data-testid=query]');
    await page.keyboard.type('dst_');
    await page.waitForSelector('[data-testid=suggest] li');
    const names = await page.$$eval('[data-testid=suggest] li span', (s) => s.map((x) => x.textContent));
    const fields = ((await api.get('/api/tables')).json.tables as { name: string; fields: { name: string }[] }[]).find((t) => t.name === 'sessions')!.fields.map((f) => f.name);
    expect(names).toEqual(fields.filter((f) => f.startsWith('dst_')));
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    expect(await page.inputValue('[data-testid=query]')).toBe(`${names[1]} `);
    await page.fill('[data-testid=query]', '');
    await page.keyboard.type('app_proto = ');
    await page.waitForSelector('[data-testid=suggest] li');
    const values = await page.$$eval('[data-testid=suggest] li span', (s) => s.map((x) => x.textContent));
    const top = (await api.get('/api/values/sessions/app_proto?limit=12')).json.values as { value: string | null }[];
    expect(values).toEqual(top.filter((v) => v.value !== null).map((v) => v.value));
    await page.screenshot({ path: join(SHOTS, 'search-completion.png'), clip: { x: 0, y: 0, width: 1400, height: 420 } });
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForFunction((q) => new URLSearchParams(location.search).get('q') === q, `app_proto = "${values[0]}"`);
    await countMatchesApi('sessions');
  });

  it('shows the server\'s message for a bad filter, with the column marked', async () => {
    const { page } = w;
    await open('/search/sessions');
    for (const q of ['bogus = 1', 'dst_port >', 'proto = "tcp" and (dst_port = 1 or sni = "x")']) {
      await page.fill('[data-testid=query]', q);
      await page.press('[data-testid=query]', 'Enter');
      const r = await api.get(`/api/records/sessions?q=${encodeURIComponent(q)}`);
      expect(r.status).toBe(400);
      await page.waitForSelector('[data-testid=error]');
      await page.waitForFunction((m) => document.querySelector('[data-testid=error] p')?.textContent === m, r.json.error);
      const col = Number(/at column (\d+)/.exec(r.json.error)![1]);
      expect(await page.textContent('[data-testid=error-mark]')).toBe(`${q}\n${' '.repeat(col - 1)}^`);
    }
  });

  it('focuses the query on /, moves through the rows with the arrows and opens one with Enter', async () => {
    const { page } = w;
    await open('/search/sessions');
    await page.click('.histo-head');
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('query');
    await page.keyboard.press('Escape');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=detail]');
    const rows = await page.$$eval('[data-testid=results] tbody tr:not(.spacer)', (trs) => trs.map((t) => [t.className, t === document.activeElement]));
    expect(rows[1]).toEqual(['open', true]);
    expect(rows[2]![0]).toContain('detail');
  });

  it('opens a row to all its fields, and "around this event" sets a window of its time', async () => {
    const { page } = w;
    await open('/search/tls');
    await page.click('[data-testid=results] tbody tr');
    await page.waitForSelector('[data-testid=detail]');
    const dts = await page.$$eval('[data-testid=detail] dt', (d) => d.map((x) => x.textContent));
    const fields = ((await api.get('/api/tables')).json.tables as { name: string; fields: { name: string }[] }[]).find((t) => t.name === 'tls')!.fields.map((f) => f.name);
    expect(dts).toEqual(fields);
    const first = (await api.get('/api/records/tls?limit=1')).json.rows[0] as { ts: string };
    await page.click('[data-testid=around-5m]');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('to') !== null);
    const u = url().searchParams;
    const t = Date.parse(first.ts);
    expect(Date.parse(u.get('from')!)).toBe(Math.floor(t) - 300_000);
    expect(Date.parse(u.get('to')!)).toBe(Math.floor(t) + 300_000);
    expect(await countMatchesApi('tls')).toBeGreaterThan(0);
  });

  it('loads the next page as the end of the table scrolls into view', async () => {
    const { page } = w;
    await open('/search/sessions?limit=20');
    const total = await countMatchesApi('sessions');
    expect(total).toBeGreaterThan(60);
    // the rows loaded (the table's data-rows: only those near the viewport are in the DOM)
    const loaded = async (): Promise<number> => Number(await page.getAttribute('[data-testid=results]', 'data-rows'));
    for (let i = 0; i < 20; i++) {
      const n = await loaded();
      if (n === total) break;
      await page.mouse.wheel(0, 4000);
      await page.waitForTimeout(150);
    }
    expect(await loaded()).toBe(total);
    expect(await page.$$('[data-testid=more]')).toHaveLength(0);
  });

  it('saves the visible rows and columns as CSV, a formula cell guarded; the export link asks the server for all rows', async () => {
    const { page } = w;
    await open('/search/http?fields=host,user_agent,status_code');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=csv-visible]')]);
    const got = join(dir, 'visible.csv');
    await dl.saveAs(got);
    const lines = readFileSync(got, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('host,user_agent,status_code');
    expect(lines).toHaveLength(1 + Number(await page.getAttribute('[data-testid=results]', 'data-rows')));
    expect(lines).toContain(`sheet.example,"'${FORMULA_UA.replace(/"/g, '""')}",200`);
    const link = new URL((await page.getAttribute('[data-testid=csv-all]', 'href'))!, srv.url);
    expect(link.pathname).toBe('/api/export/http');
    expect(link.searchParams.get('fields')).toBe('host,user_agent,status_code');
    expect(link.searchParams.get('format')).toBe('csv');
    const server = await api.get(link.pathname + link.search);
    expect(server.status).toBe(200);
    expect(server.text).toContain(`'${FORMULA_UA}`.replace(/"/g, '""'));
  });

  it('records no CSP violation or page error on the way', () => {
    expect(w.problems).toEqual([]);
  });
});
