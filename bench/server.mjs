#!/usr/bin/env node
// bench/server.mjs — the console server's benchmark (plain ESM): `haystack serve` over the 10-million-session
// store (bench/lib/ten-million.mjs), autocannon clients on loopback mixing records, histogram and field-values
// requests with filters over a 1-hour and a 7-day range, at 1, 10 and 50 connections; on DuckDB, one ClickHouse
// server and a two-shard ClickHouse cluster (servers started on 127.0.0.1 by this script).
//
//   node bench/server.mjs [--duration S] [--connections 1,10,50] [--only REGEX] [--capture PATH] [--keep]
//
// References in the same run: the same requests' store queries run in this process straight on the store
// (dist/store/search-*.js: the SQL the server runs, without HTTP, login, JSON or audit), and an authenticated
// route that touches no store (GET /api/me: the framework and guard floor). Results: stdout (markdown) and
// bench/results/<date>-server.{json,md}. Needs `npm run build` first.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { clickhouseBinary, startClickHouse, startCluster } from '../test/helpers/clickhouse-server.mjs';
import { buildClickHouse10m, buildDuckDb10m, HAYSTACK, ROOT } from './lib/ten-million.mjs';
import { startServe, stopServe } from './lib/serve.mjs';
import { directTimes, requestSet } from './lib/server-requests.mjs';

const DATA = path.join(ROOT, 'bench', 'data');
const RESULTS = path.join(ROOT, 'bench', 'results');
const USER = 'bench';
const PASSWORD = 'bench-password-0123';
/** the goals on DuckDB: p95 at 1 and at 10 clients (ms); no errors at 50 */
const GOAL = { p95OneMs: 150, p95TenMs: 500 };
/** runs of each request straight on the store (the median is the reference) */
const DIRECT_RUNS = 3;

const args = parseArgs({
  options: {
    duration: { type: 'string', default: '15' }, connections: { type: 'string', default: '1,10,50' },
    only: { type: 'string' }, capture: { type: 'string' }, keep: { type: 'boolean', default: false },
  },
  strict: true,
}).values;
const DURATION = Number(args.duration);
const LEVELS = args.connections.split(',').map(Number);
const only = args.only !== undefined ? new RegExp(args.only) : null;
const CAPTURE = args.capture ?? process.env.HAYSTACK_PERF_CAPTURE ?? path.join(DATA, 'perf-big.pcapng');
if (!fs.existsSync(CAPTURE)) {
  process.stderr.write(`bench/server: ${CAPTURE} is missing (npm run bench:corpus makes it)\n`);
  process.exit(2);
}
if (!fs.existsSync(path.join(ROOT, 'dist', 'server', 'serve.js'))) {
  process.stderr.write('bench/server: dist/ is missing (npm run build)\n');
  process.exit(2);
}
const WORK = fs.mkdtempSync(path.join(DATA, 'server-'));
const chServers = [];
const progress = (s) => process.stderr.write(`bench/server: ${s}\n`);

/** Starts a server process; resolves when it prints the address it listens on. */
/** VmHWM (peak) and VmRSS of a process, MiB. */
function memory(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { peakMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024 };
}

async function login(url, user = USER) {
  const r = await fetch(`${url}/api/login`, { method: 'POST', headers: { origin: url, 'content-type': 'application/json' }, body: JSON.stringify({ user, password: PASSWORD }) });
  if (r.status !== 200) throw new Error(`login: ${r.status} ${await r.text()}`);
  return r.headers.getSetCookie()[0].split(';')[0];
}

/** Client accounts: each simulated client is an analyst of its own (the server caps requests in flight per account). */
const CLIENTS = Math.max(...LEVELS, 10);
const clientName = (i) => `client${String(i + 1).padStart(2, '0')}`;

/** The benchmark's admin and its client viewers, in an account store (dist/server). */
async function makeAccounts(users) {
  const { addAccount } = await import('../dist/server/accounts.js');
  const t = Date.now() * 1000 - 60e6;
  for (const [name, role] of [[USER, 'admin'], ...Array.from({ length: CLIENTS }, (_, i) => [clientName(i), 'viewer'])]) {
    if ((await users.get(name)) === null) await addAccount(users, { name, role, password: PASSWORD, restrict: null }, t);
  }
}

/** One session cookie per client account, logged in one after another (logins are throttled when concurrent). */
async function loginClients(url) {
  const cookies = [];
  for (let i = 0; i < CLIENTS; i++) cookies.push(await login(url, clientName(i)));
  return cookies;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * autocannon at `connections` for DURATION s: every request picks one of `requests` at random (seeded), so that
 * clients do not march in step. With `distinct`, each request's range ends at a different microsecond (the
 * same work, never an identical query: nothing can be shared). Latencies of every response are kept.
 */
async function load(url, cookies, requests, connections, { distinct = false, duration = DURATION, seed = 1 } = {}) {
  let nextClient = 0;
  let state = seed >>> 0;
  const rand = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  let serial = 0;
  const lat = { all: [] };
  const status = {};
  const inst = autocannon({
    url, connections, duration,
    // each connection is a client of its own account
    setupClient(client) {
      client.setHeaders({ cookie: cookies[nextClient++ % cookies.length] });
    },
    requests: [{
      method: 'GET',
      setupRequest(req, context) {
        const r = requests[Math.floor(rand() * requests.length)];
        context.kind = r.kind;
        req.path = distinct ? r.distinctPath(++serial) : r.path;
        return req;
      },
    }],
  });
  inst.on('response', (client, code, _bytes, ms) => {
    lat.all.push(ms);
    const k = client.requestIterator.context.kind ?? '?';
    (lat[k] ??= []).push(ms);
    status[code] = (status[code] ?? 0) + 1;
  });
  const res = await inst;
  const stats = {};
  for (const [k, xs] of Object.entries(lat)) {
    xs.sort((a, b) => a - b);
    stats[k] = { n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99), mean: xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length) };
  }
  return {
    connections, distinct, duration: res.duration, requests: res.requests.total, rps: lat.all.length / res.duration,
    errors: res.errors, timeouts: res.timeouts, non2xx: res.non2xx, status, latency: stats,
  };
}

const results = [];
const goals = [];
const notes = [];
const want = (name) => only === null || only.test(name);

/** One store: its direct reference, then the server under load at each level, then the /api/me floor. */
async function benchStore(label, storeUrl, serveArgv, serveInput) {
  const out = { store: label, direct: null, levels: [], distinctLevels: [], me: null, memory: null };
  results.push(out);
  progress(`${label}: direct store queries`);
  const newest = await newestStart(storeUrl);
  const requests = requestSet(newest);
  out.window = { to: new Date(newest / 1000).toISOString(), requests: requests.length };
  out.direct = await directTimes(storeUrl, requests, DIRECT_RUNS);
  progress(`${label}: starting the server`);
  const srv = await startServe(serveArgv, serveInput);
  try {
    const cookies = await loginClients(srv.url);
    const cookie = cookies[0];
    // warm-up: every request once (DuckDB's buffer pool, ClickHouse's mark cache), not measured
    for (const r of requests) {
      const res = await fetch(srv.url + r.path, { headers: { cookie } });
      if (res.status !== 200) throw new Error(`${r.path}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
    for (const c of LEVELS) {
      progress(`${label}: ${c} connection(s), ${DURATION} s`);
      out.levels.push({ ...(await load(srv.url, cookies, requests, c, { seed: c })), memory: memory(srv.pid) });
    }
    for (const c of LEVELS.filter((x) => x > 1)) {
      progress(`${label}: ${c} connections, every query distinct, ${DURATION} s`);
      out.distinctLevels.push({ ...(await load(srv.url, cookies, requests, c, { seed: c, distinct: true })), memory: memory(srv.pid) });
    }
    progress(`${label}: GET /api/me floor`);
    const me = [{ kind: 'me', path: '/api/me', distinctPath: () => '/api/me' }];
    out.me = { one: await load(srv.url, cookies, me, 1, { duration: 5 }), ten: await load(srv.url, cookies, me, 10, { duration: 5 }) };
    out.memory = memory(srv.pid);
  } finally {
    await stopServe(srv);
  }
  return out;
}

/** The newest session's start (µs), read straight from the store. */
async function newestStart(storeUrl) {
  const { openStore } = await import('../dist/store/open.js');
  const { newest } = await import('../dist/store/reports.js');
  const { SESSIONS } = await import('../dist/schema/sessions.js');
  const s = await openStore(storeUrl, { readOnly: true });
  try {
    return await newest(s, SESSIONS);
  } finally {
    await s.close();
  }
}

async function addUsersDuck(db) {
  const { FileUserStore, usersFileOf } = await import('../dist/server/users.js');
  await makeAccounts(new FileUserStore(usersFileOf(db)));
}

async function addUsersClickHouse(url) {
  const { openStore } = await import('../dist/store/open.js');
  const { TableUserStore } = await import('../dist/server/table-user-store.js');
  const store = await openStore(url);
  try {
    await store.init();
    await makeAccounts(new TableUserStore(store));
  } finally {
    await store.close();
  }
}

async function caseDuckDb() {
  const keep = path.join(DATA, 'server-10m.duckdb');
  let db = path.join(WORK, 'server-10m.duckdb');
  if (args.keep && fs.existsSync(keep)) {
    db = keep;
    notes.push(`DuckDB: the store kept from an earlier run (${keep}, --keep)`);
  } else {
    if (args.keep) db = keep;
    progress('DuckDB: building the 10M-session store');
    notes.push(`DuckDB: ${buildDuckDb10m(CAPTURE, db).toLocaleString('en')} sessions`);
  }
  fs.rmSync(`${db}.users.json`, { force: true });
  await addUsersDuck(db);
  const r = await benchStore('DuckDB', db, [HAYSTACK, 'serve', '--db', db, '--listen', '127.0.0.1:0'], '');
  const one = r.levels.find((l) => l.connections === 1);
  const ten = r.levels.find((l) => l.connections === 10);
  const fifty = r.levels.find((l) => l.connections === 50);
  if (one !== undefined) goals.push({ text: `DuckDB, 1 client: p95 < ${GOAL.p95OneMs} ms`, measured: `${one.latency.all.p95} ms`, pass: one.latency.all.p95 < GOAL.p95OneMs });
  if (ten !== undefined) goals.push({ text: `DuckDB, 10 clients: p95 < ${GOAL.p95TenMs} ms`, measured: `${ten.latency.all.p95} ms`, pass: ten.latency.all.p95 < GOAL.p95TenMs });
  if (fifty !== undefined) {
    const bad = fifty.errors + fifty.timeouts + fifty.non2xx;
    goals.push({ text: 'DuckDB, 50 clients: no errors', measured: `${bad} errors, timeouts or non-2xx; p95 ${fifty.latency.all.p95} ms, ${fifty.rps.toFixed(1)} req/s`, pass: bad === 0 });
  }
}

async function caseClickHouse() {
  const bin = clickhouseBinary();
  if (bin === null) {
    notes.push('ClickHouse: SKIPPED (clickhouse-server not installed)');
    return;
  }
  for (const [label, start] of [['ClickHouse one server', async () => [await startClickHouse(bin)]], ['ClickHouse two shards', () => startCluster(bin, 'bench2')]]) {
    if (!want(label.toLowerCase())) continue;
    const nodes = await start();
    chServers.push(...nodes);
    progress(`${label}: building the 10M-session store`);
    const built = await buildClickHouse10m(CAPTURE, nodes, 'srv10m');
    notes.push(`${label}: ${built.sessions.toLocaleString('en')} sessions (${built.ingested} ingested)${nodes.length > 1 ? '; the server queries through the node that did not ingest' : ''}`);
    const url = nodes[nodes.length - 1].url('srv10m');
    await addUsersClickHouse(url);
    await benchStore(label, url, [HAYSTACK, 'serve', '--db', url, '--listen', '127.0.0.1:0'], '');
    await Promise.all(nodes.map((n) => n.stop()));
    chServers.splice(0);
  }
}

const ms = (x) => (Number.isFinite(x) ? x.toFixed(0) : '-');

function markdown() {
  const lines = [`# Server benchmark ${new Date().toISOString()}`, '',
    `\`haystack serve\` over perf-big's sessions x 465 (an hour apart); autocannon on loopback, ${DURATION} s per level, every request one of the set at random; ` +
    'latency of every response (ms); peak RSS = the server process\'s VmHWM since its start.', ''];
  for (const r of results) {
    lines.push(`## ${r.store}`, '', `${r.window.requests} requests (records, histogram, field values; 1-hour and 7-day windows ending ${r.window.to}; ${requestSet(0).filters} filters)`, '');
    lines.push('| clients | queries | req/s | p50 | p95 | p99 | errors / timeouts / non-2xx | server RSS MiB (peak) |', '|---|---|---|---|---|---|---|---|');
    for (const l of [...r.levels, ...r.distinctLevels]) {
      const a = l.latency.all;
      lines.push(`| ${l.connections} | ${l.distinct ? 'all distinct' : 'mixed'} | ${l.rps.toFixed(1)} | ${ms(a.p50)} | ${ms(a.p95)} | ${ms(a.p99)} | ${l.errors} / ${l.timeouts} / ${l.non2xx} | ${l.memory.rssMiB.toFixed(0)} (${l.memory.peakMiB.toFixed(0)}) |`);
    }
    lines.push('', '| by kind (mixed) | direct on the store: median ms | HTTP, 1 client: mean / p95 ms | ratio | 10 clients p95 | 50 clients p95 |', '|---|---|---|---|---|---|');
    const at = (c) => r.levels.find((l) => l.connections === c);
    for (const [kind, d] of Object.entries(r.direct.byKind)) {
      const one = at(1)?.latency[kind];
      lines.push(`| ${kind} | ${ms(d)} | ${ms(one?.mean)} / ${ms(one?.p95)} | ${one !== undefined ? (one.mean / d).toFixed(2) : '-'} | ${ms(at(10)?.latency[kind]?.p95)} | ${ms(at(50)?.latency[kind]?.p95)} |`);
    }
    const one = at(1);
    if (one !== undefined) {
      lines.push(`| all | ${ms(r.direct.mean)} (mean) | ${ms(one.latency.all.mean)} / ${ms(one.latency.all.p95)} | ${(one.latency.all.mean / r.direct.mean).toFixed(2)} | | |`);
    }
    lines.push('', `GET /api/me (guard, session, JSON; no store): 1 client ${r.me.one.rps.toFixed(0)} req/s, p95 ${ms(r.me.one.latency.all.p95)} ms; ` +
      `10 clients ${r.me.ten.rps.toFixed(0)} req/s, p95 ${ms(r.me.ten.latency.all.p95)} ms. Server RSS at the end ${r.memory.rssMiB.toFixed(0)} MiB, peak ${r.memory.peakMiB.toFixed(0)} MiB.`, '');
  }
  lines.push('| goal | measured | met |', '|---|---|---|');
  for (const g of goals) lines.push(`| ${g.text} | ${g.measured} | ${g.pass ? 'yes' : '**NO**'} |`);
  lines.push('', ...notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

try {
  if (want('duckdb')) await caseDuckDb();
  if (want('clickhouse one server') || want('clickhouse two shards')) await caseClickHouse();
  const md = markdown();
  process.stdout.write(md);
  fs.mkdirSync(RESULTS, { recursive: true });
  const stem = path.join(RESULTS, `${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}Z-server`);
  fs.writeFileSync(`${stem}.md`, md);
  fs.writeFileSync(`${stem}.json`, JSON.stringify({ capture: CAPTURE, duration: DURATION, levels: LEVELS, results, goals, notes }, null, 2));
  process.stdout.write(`wrote ${stem}.md and .json\n`);
} finally {
  await Promise.all(chServers.map((s) => s.stop()));
  fs.rmSync(WORK, { recursive: true, force: true });
}
