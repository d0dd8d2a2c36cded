/// <reference lib="dom" />
// The windowed results table in Chromium over 2,345 sessions made by construction (one UDP datagram each, a
// source port of its own, a quarter-second apart): "More" in view loads one page, not a chain; scrolled past
// 2,000 rows, the DOM holds only the rows near the viewport, they are the rows GET /api/records gives page after
// page at those positions, the viewport is always covered and the table is as tall as all the rows loaded; an
// open row's detail is measured and kept in the height when it leaves the DOM; the keyboard cursor is brought
// back into the DOM and into view from far away; CSV of the visible rows holds every row loaded, not only those
// in the DOM; no CSP violation.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePcap, type WritePacket } from '../../src/capture/pcap-writer.js';
import { ingest } from '../../src/pipeline/ingest.js';
import { type Watched, haveBrowser, launch, loginInPage, watchedPage } from '../helpers/browser.js';
import { scratchDir } from '../helpers/cli.js';
import { ethernet, ipv4Packet, udpDatagram } from '../helpers/frames.js';
import { ROOT } from '../helpers/run.js';
import { PASSWORDS, startTestServer, type Client, type TestServer } from '../helpers/server.js';

const dir = scratchDir('console-window');
const N = 2345;
const T0 = Date.UTC(2026, 2, 3, 9, 0, 0) * 1000;
const PATH = '/search/sessions?from=&fields=start_time,src_port,dst_port';
/** rows in the DOM at most: the viewport's (900 px of ~25 px rows) and 12 beyond each edge, with slack */
const DOM_BOUND = 80;

interface Shown {
  loaded: number;
  rowcount: number;
  rows: { i: number; index: number; port: string; top: number; bottom: number; cls: string }[];
  /** every tr in the tbody, spacers and detail included */
  trs: number;
  bodyTop: number;
  bodyHeight: number;
  /** the bottom of the table header, and where it would be once stuck below the bar */
  headBottom: number;
  stuck: number;
  viewport: number;
  scrollY: number;
}

describe.skipIf(!haveBrowser)('the windowed results table in Chromium', () => {
  let srv: TestServer;
  let api: Client;
  let b: Awaited<ReturnType<typeof launch>>;
  let w: Watched;
  /** src_port of each session in the order GET /api/records pages give them */
  const ports: number[] = [];

  beforeAll(async () => {
    srv = await startTestServer(dir, { webDir: join(ROOT, 'dist/web'), filesDir: dir });
    const pkts: WritePacket[] = [];
    for (let i = 0; i < N; i++) {
      pkts.push({ ts: T0 + i * 250_000, data: ethernet(ipv4Packet('10.20.0.1', '10.20.0.2', 17, udpDatagram(20_000 + i, 7000, 'ping'))) });
    }
    const file = join(dir, 'many.pcap');
    writeFileSync(file, writePcap(pkts, { linktype: 1 }));
    const s = await ingest(srv.store, [file], { homeNet: ['10.20.0.0/24'], filesDir: dir });
    expect(s.files.every((f) => f.status === 'ingested')).toBe(true);
    api = await srv.as('analyst');
    // the pages the console asks for (100 rows, the newest first), followed by their cursor
    let next: string | null = null;
    do {
      const r = await api.get(`/api/records/sessions?from=&limit=100${next === null ? '' : `&after=${encodeURIComponent(next)}`}`);
      expect(r.status).toBe(200);
      ports.push(...(r.json.rows as { src_port: number }[]).map((x) => x.src_port));
      next = r.json.next as string | null;
    } while (next !== null);
    expect(ports).toHaveLength(N);
    expect(new Set(ports).size).toBe(N);
    b = await launch();
    w = await watchedPage(b.browser);
    await loginInPage(w.page, srv.url, PATH, 'analyst', PASSWORDS.analyst);
    await w.page.waitForSelector('[data-testid=results] tbody tr');
  });
  afterAll(async () => {
    await b?.close();
    await srv?.stop();
  });

  const shown = async (): Promise<Shown> => w.page.evaluate(() => {
    const t = document.querySelector('[data-testid=results]')!;
    const body = t.querySelector('tbody')!.getBoundingClientRect();
    return {
      loaded: Number(t.getAttribute('data-rows')),
      rowcount: Number(t.getAttribute('aria-rowcount')),
      rows: Array.from(t.querySelectorAll<HTMLElement>('tbody tr[data-i]')).map((tr) => {
        const r = tr.getBoundingClientRect();
        return { i: Number(tr.dataset.i), index: Number(tr.getAttribute('aria-rowindex')), port: tr.children[1]!.textContent!, top: r.top, bottom: r.bottom, cls: tr.className };
      }),
      trs: t.querySelectorAll('tbody tr').length,
      bodyTop: body.top,
      bodyHeight: body.height,
      headBottom: t.querySelector('th')!.getBoundingClientRect().bottom,
      stuck: Number.parseFloat(getComputedStyle(t.querySelector('th')!).top) + t.querySelector('th')!.getBoundingClientRect().height,
      viewport: window.innerHeight,
      scrollY: window.scrollY,
    };
  });
  /** waits until the rows in the DOM cover the viewport (below the sticky header) */
  const settled = async (): Promise<Shown> => {
    await w.page.waitForFunction(() => {
      const t = document.querySelector('[data-testid=results]')!;
      const rows = Array.from(t.querySelectorAll<HTMLElement>('tbody tr[data-i], tbody tr.detail'));
      if (rows.length === 0) return false;
      const n = Number(t.getAttribute('data-rows'));
      const first = rows[0]!;
      const last = rows[rows.length - 1]!;
      // the viewport's top below the table header (sticky or scrolled away)
      const head = Math.max(0, t.querySelector('th')!.getBoundingClientRect().bottom);
      return (first.dataset.i === '0' || first.getBoundingClientRect().top <= head)
        && (last.dataset.i === String(n - 1) || last.classList.contains('detail') || last.getBoundingClientRect().bottom >= window.innerHeight);
    }, undefined, { timeout: 5000 }).catch(async (e: unknown) => {
      const x = await shown();
      console.log(JSON.stringify({ ...x, rows: [x.rows[0], x.rows.at(-1)], n: x.rows.length }));
      throw e;
    });
    return shown();
  };
  /** the rows in the DOM: a bounded run of consecutive rows, each the API's row at its position, in order */
  const checkRows = (s: Shown, detailAfter: number | null = null): void => {
    expect(s.rows.length).toBeGreaterThan(0);
    expect(s.trs).toBeLessThanOrEqual(DOM_BOUND);
    expect(s.rowcount).toBe(s.loaded + 1 + (detailAfter !== null ? 1 : 0));
    s.rows.forEach((r, k) => {
      expect(r.i).toBe(s.rows[0]!.i + k);
      expect(r.port).toBe(String(ports[r.i]));
      expect(r.index).toBe(r.i + 2 + (detailAfter !== null && detailAfter < r.i ? 1 : 0));
      if (k > 0 && !(detailAfter !== null && s.rows[k - 1]!.i === detailAfter)) expect(Math.abs(r.top - s.rows[k - 1]!.bottom)).toBeLessThan(1.5);
    });
  };
  /** a row's height: from its top to the next one's */
  const rowHeight = (s: Shown): number => s.rows[1]!.top - s.rows[0]!.top;
  /** scrolls the window so that row i is at the top of the viewport (below the bar and the header's height) */
  const scrollToRow = async (i: number): Promise<Shown> => {
    const s = await shown();
    await w.page.evaluate((y) => window.scrollTo(0, y), s.scrollY + s.bodyTop + i * rowHeight(s) - s.stuck);
    return settled();
  };

  it('keeps only the rows near the viewport in the DOM while scrolling past 2,000 rows, and they are the API\'s rows', async () => {
    const { page } = w;
    let s = await settled();
    checkRows(s);
    expect(s.rows[0]!.i).toBe(0);
    // "More" scrolled into view (as the benchmark does) loads one page, not a chain of them
    for (let k = 1; k <= 3; k++) {
      await page.evaluate(() => document.querySelector('[data-testid=more]')!.scrollIntoView());
      await page.waitForFunction((want) => document.querySelector('[data-testid=results]')!.getAttribute('data-rows') === want, String(100 * (k + 1)));
      await page.waitForTimeout(400);
      s = await settled();
      expect(s.loaded).toBe(100 * (k + 1));
      checkRows(s);
    }
    let steps = 0;
    while (s.loaded < N || s.rows[s.rows.length - 1]!.i < N - 1) {
      await page.mouse.move(700, 600);
      await page.mouse.wheel(0, 2000);
      await page.waitForTimeout(60);
      s = await settled();
      checkRows(s);
      // the table is as tall as every row loaded: the scrollbar is honest
      expect(Math.abs(s.bodyHeight - s.loaded * rowHeight(s))).toBeLessThan(2);
      expect(++steps).toBeLessThan(200);
    }
    expect(s.loaded).toBe(N);
    expect(await page.$$('[data-testid=more]')).toHaveLength(0);
    // back to rows around 1,050 and to the top: the rows there, by position
    for (const i of [1050, 2100, 0, 1700]) {
      s = await scrollToRow(i);
      checkRows(s);
      const at = s.rows.find((r) => r.bottom > s.stuck + 1)!;
      expect(Math.abs(at.i - i)).toBeLessThanOrEqual(1);
    }
  });

  it('opens a row far down to its measured detail, and keeps the cursor working across the window', async () => {
    const { page } = w;
    let s = await scrollToRow(1495);
    const h = rowHeight(s);
    const height = s.bodyHeight;
    await page.click('[data-testid=results] tr[data-i="1500"]');
    await page.waitForSelector('[data-testid=detail]');
    s = await shown();
    checkRows(s, 1500);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.i)).toBe('1500');
    // the detail is the record's, taller than a row, and row 1501 starts where it ends
    const detail = await page.evaluate(() => {
      const d = document.querySelector('[data-testid=results] tr.detail')!;
      const dts = Array.from(d.querySelectorAll('dt'));
      const port = dts.find((x) => x.textContent === 'src_port')!.nextElementSibling!.firstElementChild!.textContent;
      const r = d.getBoundingClientRect();
      return { port, top: r.top, bottom: r.bottom, index: Number(d.getAttribute('aria-rowindex')) };
    });
    expect(detail.port).toBe(String(ports[1500]));
    expect(detail.index).toBe(1503);
    const dh = detail.bottom - detail.top;
    expect(dh).toBeGreaterThan(3 * h);
    expect(Math.abs(s.rows.find((r) => r.i === 1501)!.top - detail.bottom)).toBeLessThan(1.5);
    expect(Math.abs(s.bodyHeight - height - dh)).toBeLessThan(2);

    // far away: row 1500 and its detail leave the DOM, their height stays in the table's
    s = await scrollToRow(100);
    checkRows(s, 1500);
    expect(s.rows.some((r) => r.i >= 1500)).toBe(false);
    expect(await page.$$('[data-testid=results] tr.detail')).toHaveLength(0);
    expect(Math.abs(s.bodyHeight - height - dh)).toBeLessThan(2);
    const focusedRow = async (): Promise<string | null> => page.evaluate(() => (document.activeElement as HTMLElement).dataset.i ?? null);
    expect(await focusedRow()).toBe(null);
    // scrolled back to it, the row takes the focus again; away again, it loses it
    await scrollToRow(1490);
    await page.waitForFunction(() => (document.activeElement as HTMLElement).dataset.i === '1500');
    await scrollToRow(100);
    expect(await focusedRow()).toBe(null);

    // ↓ brings the cursor's row back and into view, then on past the window (the console's keys), below the bar
    const cursorRow = async (): Promise<{ i: number; top: number; bottom: number }> => {
      await page.waitForFunction(() => {
        // the cursor is the focused row (the console's keyboard, parts/keys.tsx)
        const tr = document.activeElement?.closest('[data-testid=results] tbody > tr[data-i]') ?? null;
        if (tr === null) return false;
        const r = tr.getBoundingClientRect();
        // below the sticky bar (and the header when it sticks), above the viewport's bottom
        const bar = document.querySelector('.top')!.getBoundingClientRect().bottom;
        return r.top >= Math.max(bar, document.querySelector('[data-testid=results] th')!.getBoundingClientRect().bottom) - 1 && r.bottom <= window.innerHeight + 1;
      });
      return page.evaluate(() => {
        const tr = document.activeElement as HTMLElement;
        const r = tr.getBoundingClientRect();
        return { i: Number(tr.dataset.i), top: r.top, bottom: r.bottom };
      });
    };
    await page.keyboard.press('ArrowDown');
    expect((await cursorRow()).i).toBe(1501);
    checkRows(await settled(), 1500);
    // a key at a time, each waited for: a press the page has not handled yet (the window re-rendering under a
    // loaded machine) is not what this checks
    const press = async (key: 'ArrowDown' | 'ArrowUp', n: number, from: number): Promise<void> => {
      for (let k = 1; k <= n; k++) {
        await page.keyboard.press(key);
        const want = String(key === 'ArrowDown' ? from + k : from - k);
        await page.waitForFunction((w) => (document.activeElement as HTMLElement | null)?.dataset.i === w, want);
      }
    };
    await press('ArrowDown', 60, 1501);
    expect((await cursorRow()).i).toBe(1561);
    checkRows(await settled(), 1500);
    await press('ArrowUp', 75, 1561);
    expect((await cursorRow()).i).toBe(1486);
    checkRows(await settled(), 1500);
    // Enter opens the cursor's row (and closes the other): its own detail
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid=results] tr.open')?.getAttribute('data-i') === '1486');
    s = await settled();
    checkRows(s, 1486);
    const port = await page.evaluate(() => Array.from(document.querySelectorAll('[data-testid=detail] dt')).find((x) => x.textContent === 'src_port')!.nextElementSibling!.firstElementChild!.textContent);
    expect(port).toBe(String(ports[1486]));
    // scrolled far away, Enter closes it and brings the cursor's row back into view
    await scrollToRow(300);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid=results] tr.detail') === null);
    expect((await cursorRow()).i).toBe(1486);
    s = await settled();
    checkRows(s);
    expect(Math.abs(s.bodyHeight - height)).toBeLessThan(2);
  });

  it('saves every row loaded as CSV, not only those in the DOM', async () => {
    const { page } = w;
    expect((await shown()).trs).toBeLessThanOrEqual(DOM_BOUND);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=csv-visible]')]);
    const got = join(dir, 'visible.csv');
    await dl.saveAs(got);
    const lines = readFileSync(got, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('start_time,src_port,dst_port');
    expect(lines.slice(1).map((l) => Number(l.split(',')[1]))).toEqual(ports);
    expect(lines.slice(1).every((l) => l.endsWith(',7000'))).toBe(true);
  });

  it('records no CSP violation or page error on the way', () => {
    expect(w.problems).toEqual([]);
  });
});
