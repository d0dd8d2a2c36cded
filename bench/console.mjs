#!/usr/bin/env node
// bench/console.mjs — the console's speed benchmark (issue 15): the real `haystack serve` over the 10-million-session
// DuckDB store (bench/lib/ten-million.mjs; bench/data/server-10m.duckdb, built there if missing) and Debian's
// Chromium (headless, the flags of test/helpers/browser.ts) driven by playwright-core. Timed in the page, from the
// user's input event to the frame after the new screen is in the DOM (bench/lib/page-probe.mjs):
//   first screen   log in on /search/sessions?from=latest-1h (and latest-7d): rows, count and histogram shown
//   query          a filter typed in the query bar, Enter: new rows, count and histogram
//   zoom           a mouse drag on the histogram: the range's rows, count and histogram
//   expand, pivot  a click on a row (its detail), then on its "session" link: the session view's counters
//   page           the end of the table scrolled into view: the next 100 rows appended (infinite scroll)
//
//   node bench/console.mjs [--reps N] [--only 'first|query|zoom|pivot|page'] [--capture PATH]
//
// The reference in the same run: each measured action's /api requests (as the browser's resource timing lists
// them) sent again with plain fetch from this process, in the same waves (a request that started after another
// ended waits for it), right after the browser's run: the server's share. Results: stdout (markdown) and
// bench/results/<date>-console.{json,md}. Needs `npm run build` first.
/* global window, document, location, performance, PopStateEvent, setInterval, clearInterval */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { buildDuckDb10m, HAYSTACK, ROOT } from './lib/ten-million.mjs';
import { startServe, stopServe } from './lib/serve.mjs';
import { arm, result } from './lib/page-probe.mjs';

const DATA = path.join(ROOT, 'bench', 'data');
const RESULTS = path.join(ROOT, 'bench', 'results');
const DB = path.join(DATA, 'server-10m.duckdb');
const CHROMIUM = '/usr/bin/chromium';
const USER = 'console-bench';
const PASSWORD = 'console-bench-password-0123';
/** the reference's account: logins of USER (20 sessions at most per account) would end its session */
const REF_USER = 'console-bench-ref';
/** issue 15: first usable search screen under 1 s after login; each interaction under 300 ms at p95 */
const GOAL = { firstMs: 1000, interactionMs: 300 };
const RANGES = [['1h', 'latest-1h'], ['7d', 'latest-7d']];

const args = parseArgs({ options: { reps: { type: 'string', default: '20' }, only: { type: 'string' }, capture: { type: 'string' } }, strict: true }).values;
const only = args.only !== undefined ? new RegExp(args.only) : null;
/** the cases run: first, query, zoom, pivot (with expand), page */
const want = (c) => only === null || only.test(c);
const REPS = Number(args.reps);
const progress = (s) => process.stderr.write(`bench/console: ${s}\n`);
if (!fs.existsSync(path.join(ROOT, 'dist', 'web', 'index.html')) || !fs.existsSync(path.join(ROOT, 'dist', 'server', 'serve.js'))) {
  process.stderr.write('bench/console: dist/ is missing (npm run build)\n');
  process.exit(2);
}
if (!fs.existsSync(CHROMIUM)) {
  process.stderr.write(`bench/console: ${CHROMIUM} is missing (apt-get install chromium)\n`);
  process.exit(2);
}

// ---- the server, its account, memory ---------------------------------------------------------------------

async function makeAccount(db) {
  const { FileUserStore, usersFileOf } = await import('../dist/server/users.js');
  const { addAccount } = await import('../dist/server/accounts.js');
  const users = new FileUserStore(usersFileOf(db));
  // the server wants an admin; the console is used as an analyst
  for (const [name, role] of [[`${USER}-admin`, 'admin'], [USER, 'analyst'], [REF_USER, 'analyst']]) {
    if ((await users.get(name)) === null) await addAccount(users, { name, role, password: PASSWORD, restrict: null }, Date.now() * 1000 - 60e6);
  }
}

function status(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}
const kib = (text, k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);

/** pids of a process's descendants (and itself) */
function tree(root) {
  const parent = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [p, pp] of parent) if (pp === out[i]) out.push(p);
  return out;
}

/** Chromium's main process: a child of this process running the Chromium binary. */
function browserPid() {
  for (const p of tree(process.pid)) {
    if (p === process.pid) continue;
    try {
      if (fs.readlinkSync(`/proc/${p}/exe`).includes('chromium')) return p;
    } catch { /* gone */ }
  }
  return null;
}

/** Samples the server's RSS and the browser's (all its processes: RSS summed, and PSS summed) every 500 ms. */
function memorySampler(serverPid) {
  const peak = { serverRssMiB: 0, browserRssMiB: 0, browserPssMiB: 0, browserProcesses: 0 };
  const tick = () => {
    peak.serverRssMiB = Math.max(peak.serverRssMiB, kib(status(serverPid), 'VmRSS') / 1024);
    const b = browserPid();
    if (b === null) return;
    let rss = 0;
    let pss = 0;
    const ps = tree(b);
    for (const p of ps) {
      rss += kib(status(p), 'VmRSS');
      try {
        pss += kib(fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'), 'Pss');
      } catch { /* gone */ }
    }
    peak.browserRssMiB = Math.max(peak.browserRssMiB, rss / 1024);
    peak.browserPssMiB = Math.max(peak.browserPssMiB, pss / 1024);
    peak.browserProcesses = Math.max(peak.browserProcesses, ps.length);
  };
  const timer = setInterval(tick, 500);
  return {
    peak,
    stop() {
      clearInterval(timer);
      tick();
      peak.serverHwmMiB = kib(status(serverPid), 'VmHWM') / 1024;
    },
  };
}

// ---- the reference: the same requests with plain fetch ---------------------------------------------------------

async function apiLogin(url, user = USER) {
  const r = await fetch(`${url}/api/login`, { method: 'POST', headers: { origin: url, 'content-type': 'application/json' }, body: JSON.stringify({ user, password: PASSWORD }) });
  if (r.status !== 200) throw new Error(`login: ${r.status} ${await r.text()}`);
  await r.arrayBuffer();
  return r.headers.getSetCookie()[0].split(';')[0];
}

/** The requests in waves: one that started after every request of the current wave had ended begins the next. */
function waves(api) {
  const out = [];
  let cur = [];
  let end = -Infinity;
  for (const r of [...api].sort((a, b) => a.start - b.start)) {
    if (cur.length > 0 && r.start >= end) {
      out.push(cur);
      cur = [];
      end = -Infinity;
    }
    cur.push(r);
    end = Math.max(end, r.end);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** The action's requests again from here, wave after wave, each wave at once; ms until the last answer. */
async function replay(base, cookie, api) {
  const t0 = performance.now();
  for (const wave of waves(api)) {
    await Promise.all(wave.map(async (r) => {
      const u = new URL(r.url);
      if (u.pathname === '/api/login') return apiLogin(base);
      const res = await fetch(base + u.pathname + u.search, { headers: { cookie } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${u.pathname}${u.search}: ${res.status}`);
    }));
  }
  return performance.now() - t0;
}

// ---- the browser -------------------------------------------------------------------------------------------

async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

async function newPage(browser) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await ctx.route((u) => !/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(u.href), (r) => r.abort());
  return { ctx, page, problems };
}

/** Arms the probe, runs the action, waits for the new screen; the measurement (null on a timeout). */
async function measure(page, probe, action) {
  await page.evaluate(arm, probe);
  await action();
  try {
    const h = await page.waitForFunction(result, undefined, { timeout: 30_000, polling: 50 });
    return await h.jsonValue();
  } catch (e) {
    const state = await page.evaluate(() => JSON.stringify({ url: location.href, t0: window.__bench?.t0, parts: window.__bench?.parts })).catch(() => '?');
    progress(`timed out (${JSON.stringify(probe)}): ${e.message.split('\n')[0]} ${state}`);
    if (process.env.BENCH_CONSOLE_SHOTS) await page.screenshot({ path: path.join(process.env.BENCH_CONSOLE_SHOTS, `timeout-${Date.now()}.png`) });
    return null;
  }
}

/** In-app navigation (as the console's own links do): the search screen of `search`, waited for, untimed. */
async function goSearch(page, search) {
  if (new URL(page.url()).search === `?${search}`) return settled(page);
  await page.evaluate((to) => {
    for (const el of document.querySelectorAll('[data-testid=results], [data-testid=histogram] canvas')) el.__benchOld = true;
    window.history.pushState(null, '', to);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, `/search/sessions?${search}`);
  await settled(page);
}

/** Waits until the search screen shows new rows, its histogram and its count. */
async function settled(page) {
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=results]')].some((t) => !t.__benchOld && t.querySelector('tbody tr') !== null)
    && [...document.querySelectorAll('[data-testid=histogram] canvas')].some((c) => !c.__benchOld) && document.querySelector('[data-testid=count]')?.textContent !== '…', undefined, { timeout: 60_000 });
}

// ---- the cases --------------------------------------------------------------------------------------------

const samples = [];
const notes = [];

/** Keeps one measurement of an action, with the same requests replayed with fetch right after. */
async function keep(name, range, m, base, cookie, extra = {}) {
  if (m === null) {
    samples.push({ name, range, ms: null, ...extra });
    return;
  }
  const lastApi = m.api.reduce((a, r) => Math.max(a, r.end), 0);
  let fetchMs = 0;
  if (m.api.length > 0) {
    try {
      fetchMs = await replay(base, cookie, m.api);
    } catch (e) {
      fetchMs = null;
      notes.push(`${name} ${range}: the reference failed: ${e.message}`);
    }
  }
  samples.push({ name, range, ms: m.ms, parts: m.parts, apiEndMs: lastApi, renderMs: m.ms - lastApi, fetchMs, requests: m.api.length, waves: waves(m.api).length, api: m.api, error: m.error, ...extra });
}

/** Log in on the search screen of a range, in a fresh context each time (no cookie). */
async function firstScreen(browser, base, cookie, range, from, rep) {
  const { ctx, page } = await newPage(browser);
  try {
    const t = performance.now();
    await page.goto(`${base}/search/sessions?from=${from}`);
    await page.waitForSelector('input[name=password]');
    const loadMs = performance.now() - t;
    await page.fill('input[name=user]', USER);
    await page.fill('input[name=password]', PASSWORD);
    const m = await measure(page, { start: 'click', want: ['rows', 'count', 'histogram'] }, () => page.click('button[type=submit]'));
    const login = m?.api.find((r) => new URL(r.url).pathname === '/api/login');
    await keep('first screen', range, m, base, cookie, { rep, loadMs, loginEndMs: login?.end ?? null });
  } finally {
    await ctx.close();
  }
}

/** A logged-in page on the search screen. */
async function loggedIn(browser, base, from) {
  const w = await newPage(browser);
  await w.page.goto(`${base}/search/sessions?from=${from}`);
  await w.page.fill('input[name=user]', USER);
  await w.page.fill('input[name=password]', PASSWORD);
  await w.page.click('button[type=submit]');
  await w.page.waitForSelector('[data-testid=results] tbody tr', { timeout: 60_000 });
  return w;
}

/** Distinct but similar filters, from the range's own top values (each has rows). */
async function queries(base, cookie, from) {
  const top = async (f) => (await (await fetch(`${base}/api/values/sessions/${f}?from=${from}&limit=10`, { headers: { cookie } })).json()).values.map((v) => v.value).filter((v) => v !== null);
  const ports = await top('dst_port');
  const ips = await top('src_ip');
  const protos = await top('app_proto');
  const out = [];
  for (let i = 0; out.length < REPS; i++) {
    const p = ports[i % ports.length];
    const ip = ips[i % ips.length];
    const ap = protos[i % protos.length];
    out.push([`dst_port = ${p}`, `src_ip = "${ip}"`, `dst_port = ${p} and state = "SF"`, `app_proto = "${ap}" and src_ip = "${ip}"`, `not dst_port = ${p} and direction = "outbound"`][i % 5]);
  }
  return out;
}

async function interactions(browser, base, cookie, range, from) {
  const { ctx, page, problems } = await loggedIn(browser, base, from);
  // the reference sends the interactions' requests in the browser's own session (a page's `after` cursor is
  // bound to the session that got it)
  const own = (await ctx.cookies(base)).map((c) => `${c.name}=${c.value}`).join('; ');
  try {
    if (want('query')) progress(`${range}: query`);
    const qs = await queries(base, cookie, from);
    for (let i = 0; i < (want('query') ? REPS : 0); i++) {
      await page.fill('[data-testid=query]', qs[i]);
      const m = await measure(page, { start: 'enter', want: ['rows', 'count', 'histogram'] }, () => page.press('[data-testid=query]', 'Enter'));
      await keep('query', range, m, base, own, { rep: i, q: qs[i] });
    }

    if (want('zoom')) progress(`${range}: zoom`);
    // drags that start on a bar with rows (the copies of the capture fill part of each hour) and span 8 to 30 bars
    const h = await (await fetch(`${base}/api/histogram/sessions?from=${from}&buckets=80`, { headers: { cookie } })).json();
    const n = h.counts.length;
    const full = h.counts.flatMap((c, i) => (c > 0 && i < n - 8 ? [i] : []));
    for (let i = 0; i < (want('zoom') ? REPS : 0); i++) {
      await goSearch(page, `from=${from}`);
      const box = await (await page.waitForSelector('[data-testid=histogram-area]')).boundingBox();
      const first = full[Math.floor(((i * 0.37) % 1) * full.length)];
      const a = (first + 0.1) / n;
      const z = Math.min(n - 0.05, first + 8 + ((i * 7) % 23)) / n;
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + a * box.width, y);
      await page.mouse.down();
      await page.mouse.move(box.x + ((a + z) / 2) * box.width, y, { steps: 4 });
      await page.mouse.move(box.x + z * box.width, y, { steps: 4 });
      const m = await measure(page, { start: 'mouseup', want: ['rows', 'count', 'histogram'] }, () => page.mouse.up());
      await keep('zoom', range, m, base, own, { rep: i, span: [a, z], url: page.url() });
    }

    if (want('pivot')) progress(`${range}: expand and pivot`);
    await goSearch(page, `from=${from}`);
    for (let i = 0; i < (want('pivot') ? REPS : 0); i++) {
      const row = page.locator('[data-testid=results] tbody tr:not(.detail):not(.spacer)').nth(i);
      // to the middle of the window (the header is sticky), then a click on its first cell's edge
      await row.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      const e = await measure(page, { start: 'click', want: ['detail'] }, () => row.click({ position: { x: 3, y: 8 } }));
      await keep('expand', range, e, base, own, { rep: i });
      const m = await measure(page, { start: 'click', want: ['session'] }, () => page.click('[data-testid=to-session]'));
      await keep('pivot', range, m, base, own, { rep: i, url: page.url() });
      await page.goBack();
      await settled(page);
    }

    if (want('page')) progress(`${range}: pages`);
    await goSearch(page, `from=${from}`);
    for (let i = 0; i < (want('page') ? REPS : 0); i++) {
      // the rows loaded (a windowed table has only those near the viewport in the DOM; data-rows says how many)
      const rows = await page.evaluate(() => {
        const t = document.querySelector('[data-testid=results]');
        return t === null ? 0 : t.hasAttribute('data-rows') ? Number(t.getAttribute('data-rows')) : t.querySelectorAll('tbody tr').length;
      });
      if ((await page.locator('[data-testid=more]').count()) === 0) break;
      const m = await measure(page, { start: 'now', want: ['more'], rows }, () => page.evaluate(() => document.querySelector('[data-testid=more]')?.scrollIntoView()));
      await keep('page', range, m, base, own, { rep: i, rowsBefore: rows });
    }
    return problems;
  } finally {
    await ctx.close();
  }
}

// ---- report -----------------------------------------------------------------------------------------------

function percentile(xs, p) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const ms = (x) => (Number.isFinite(x) ? x.toFixed(0) : '-');

function stats() {
  const out = [];
  /** the pages apart while the table holds up to 1,000 rows (pages 2-10): its layout grows with the rows */
  const groups = [['first screen'], ['query'], ['zoom'], ['expand'], ['pivot'], ['page', 'page, to 1,000 rows', (s) => s.rowsBefore < 1000], ['page', 'page, 1,000+ rows', (s) => s.rowsBefore >= 1000]];
  for (const [kind, label = kind, pick = () => true] of groups) {
    const name = label;
    for (const [range] of RANGES) {
      const xs = samples.filter((s) => s.name === kind && s.range === range && pick(s));
      if (xs.length === 0) continue;
      const ok = xs.filter((s) => s.ms !== null);
      const col = (k) => ok.map((s) => s[k]);
      const p = (k, q) => percentile(col(k), q);
      const part = (k) => percentile(ok.map((s) => s.parts?.[k]), 95);
      const goal = name === 'first screen' ? GOAL.firstMs : name === 'expand' ? null : GOAL.interactionMs;
      out.push({
        name, range, n: xs.length, timeouts: xs.length - ok.length,
        p50: p('ms', 50), p95: p('ms', 95), max: p('ms', 100),
        apiEndP50: p('apiEndMs', 50), apiEndP95: p('apiEndMs', 95), renderP50: p('renderMs', 50), renderP95: p('renderMs', 95),
        fetchP50: p('fetchMs', 50), fetchP95: p('fetchMs', 95), ratioP50: p('ms', 50) / p('fetchMs', 50),
        requests: percentile(col('requests'), 50), waves: percentile(col('waves'), 50),
        partsP95: { rows: part('rows'), count: part('count'), histogram: part('histogram') },
        loginEndP50: name === 'first screen' ? p('loginEndMs', 50) : undefined,
        loadP50: name === 'first screen' ? p('loadMs', 50) : undefined,
        goal, met: goal === null ? null : xs.length === ok.length && p('ms', 95) < goal,
      });
    }
  }
  return out;
}

/** The slowest requests of an interaction's samples, by route: where its API time goes. */
function routes(name, range) {
  const by = new Map();
  for (const s of samples.filter((x) => x.name === name && x.range === range && x.api !== undefined)) {
    for (const r of s.api) {
      const k = new URL(r.url).pathname.replace(/\/api\/uid\/.*/, '/api/uid/:uid');
      (by.get(k) ?? by.set(k, []).get(k)).push(r.end - r.start);
    }
  }
  return [...by].map(([k, xs]) => `${k} ${ms(percentile(xs, 50))}/${ms(percentile(xs, 95))}`).join(', ');
}

function markdown(st, meta) {
  const lines = [`# Console benchmark ${meta.date}`, '',
    `\`haystack serve\` over the 10-million-session DuckDB store (${meta.sessions}), Chromium ${meta.chromium} headless (playwright-core), ${REPS} repetitions each; ` +
    `load average ${meta.loadBefore} before, ${meta.loadAfter} after (2 vCPUs shared). Times in ms, from the input event to the frame after the new screen is in the DOM; ` +
    '"API done" is when the last /api answer of the action arrived in the browser, "render" the rest; "fetch" the same requests sent again from Node with plain fetch, in the same waves (the server\'s share); ratio = browser p50 / fetch p50.', '',
    '| interaction | range | n | p50 | p95 | API done p50 / p95 | render after it p50 / p95 | fetch p50 / p95 | ratio | requests (waves) | goal | met |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|'];
  for (const s of st) {
    lines.push(`| ${s.name} | ${s.range} | ${s.n}${s.timeouts > 0 ? ` (${s.timeouts} timed out)` : ''} | ${ms(s.p50)} | **${ms(s.p95)}** | ${ms(s.apiEndP50)} / ${ms(s.apiEndP95)} | ${ms(s.renderP50)} / ${ms(s.renderP95)} | ${ms(s.fetchP50)} / ${ms(s.fetchP95)} | ${s.ratioP50.toFixed(2)} | ${s.requests} (${s.waves}) | ${s.goal === null ? '—' : `p95 < ${s.goal}`} | ${s.met === null ? '' : s.met ? 'yes' : '**NO**'} |`);
  }
  lines.push('', 'Per part, p95 (ms from the input): rows / count / histogram in the DOM:', '');
  for (const s of st.filter((x) => ['first screen', 'query', 'zoom'].includes(x.name))) {
    lines.push(`- ${s.name} ${s.range}: ${ms(s.partsP95.rows)} / ${ms(s.partsP95.count)} / ${ms(s.partsP95.histogram)}${s.name === 'first screen' ? `; the login answer at ${ms(s.loginEndP50)} (p50); page load to the login form ${ms(s.loadP50)}` : ''}`);
  }
  lines.push('', 'Requests as the browser timed them, p50/p95 ms by route:', '');
  for (const kind of ['first screen', 'query', 'zoom', 'pivot', 'page']) {
    for (const [range] of RANGES) if (samples.some((x) => x.name === kind && x.range === range)) lines.push(`- ${kind} ${range}: ${routes(kind, range)}`);
  }
  lines.push('', 'Where a page\'s render goes, p50 ms: script (the answer to the rows in the DOM: JSON, Preact) / layout and paint (the DOM to the painted frame):', '');
  for (const [range] of RANGES) {
    for (const [label, pick] of [['to 1,000 rows', (x) => x.rowsBefore < 1000], ['1,000+ rows', (x) => x.rowsBefore >= 1000]]) {
      const xs = samples.filter((x) => x.name === 'page' && x.range === range && x.ms !== null && pick(x));
      if (xs.length > 0) lines.push(`- page ${range}, ${label}: ${ms(percentile(xs.map((x) => x.parts.more - x.apiEndMs), 50))} / ${ms(percentile(xs.map((x) => x.ms - x.parts.more), 50))}`);
    }
  }
  lines.push('', `Peak memory (sampled every 0.5 s): server RSS ${ms(meta.memory.serverRssMiB)} MiB (VmHWM ${ms(meta.memory.serverHwmMiB)}); ` +
    `Chromium ${meta.memory.browserProcesses} processes, RSS summed ${ms(meta.memory.browserRssMiB)} MiB, PSS summed ${ms(meta.memory.browserPssMiB)} MiB.`, '');
  for (const n of meta.notes) lines.push(`- ${n}`);
  lines.push('');
  return lines.join('\n');
}

// ---- run --------------------------------------------------------------------------------------------------

if (!fs.existsSync(DB)) {
  const capture = args.capture ?? process.env.HAYSTACK_PERF_CAPTURE ?? path.join(DATA, 'perf-big.pcapng');
  if (!fs.existsSync(capture)) {
    process.stderr.write(`bench/console: ${DB} and ${capture} are missing (npm run bench:corpus makes the capture)\n`);
    process.exit(2);
  }
  progress(`building ${DB}`);
  buildDuckDb10m(capture, DB);
}
await makeAccount(DB);
const loadBefore = os.loadavg()[0].toFixed(1);
const srv = await startServe([HAYSTACK, 'serve', '--db', DB, '--listen', '127.0.0.1:0']);
const mem = memorySampler(srv.pid);
let browser = null;
try {
  const cookie = await apiLogin(srv.url, REF_USER);
  const count = async (from) => (await (await fetch(`${srv.url}/api/summary/sessions?from=${from}`, { headers: { cookie } })).json()).count;
  const all = await count('');
  notes.push(`sessions: ${all.toLocaleString('en')} in the store, ${(await count('latest-1h')).toLocaleString('en')} in latest-1h, ${(await count('latest-7d')).toLocaleString('en')} in latest-7d`);
  browser = await launch();
  // warm-up, not measured: the bundle into Chromium's cache is not kept (fresh contexts), the store's pages are
  for (const [, from] of RANGES) await (await loggedIn(browser, srv.url, from)).ctx.close();
  for (const [range, from] of RANGES) {
    if (want('first')) progress(`${range}: first screen after login`);
    for (let i = 0; i < (want('first') ? REPS : 0); i++) await firstScreen(browser, srv.url, cookie, range, from, i);
  }
  for (const [range, from] of RANGES) {
    const problems = await interactions(browser, srv.url, cookie, range, from);
    for (const p of problems) notes.push(`page error (${range}): ${p}`);
  }
  const errors = samples.filter((s) => s.error != null);
  if (errors.length > 0) notes.push(`${errors.length} measurements ended on an error shown: ${[...new Set(errors.map((e) => e.error))].slice(0, 3).join(' | ')}`);
  mem.stop();
  const meta = {
    date: new Date().toISOString(), sessions: notes[0], chromium: browser.version(), loadBefore, loadAfter: os.loadavg()[0].toFixed(1),
    memory: mem.peak, notes: notes.slice(1),
  };
  const st = stats();
  const md = markdown(st, meta);
  process.stdout.write(md);
  fs.mkdirSync(RESULTS, { recursive: true });
  const stem = path.join(RESULTS, `${meta.date.replace(/[:.]/g, '-').slice(0, 19)}Z-console`);
  fs.writeFileSync(`${stem}.md`, md);
  fs.writeFileSync(`${stem}.json`, JSON.stringify({ reps: REPS, goal: GOAL, meta, stats: st, samples }, null, 2));
  process.stdout.write(`wrote ${stem}.md and .json\n`);
} finally {
  mem.stop();
  await browser?.close();
  await stopServe(srv);
}
