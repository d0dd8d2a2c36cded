#!/usr/bin/env node
// bench/store.mjs — the store benchmarks (plain ESM): ingest of perf-big.pcapng into DuckDB and into a
// ClickHouse server, and `haystack top --since 1h` over 10 million sessions on DuckDB, one ClickHouse server
// and a two-shard ClickHouse cluster (servers started on 127.0.0.1 by this script).
//
//   node bench/store.mjs [--runs N] [--only REGEX] [--capture PATH]
//
// References in the same run: the raw read floor (tcpdump -r f -w /dev/null) and `haystack sessions` on the
// same capture (the pipeline without the store) for ingest; for top, a plain `haystack sql` count over the
// same table (start-up, open and one scan). Results: stdout (markdown) and bench/results/<date>-store.{json,md}.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { timed } from './lib/timed.mjs';
import { clickhouseBinary, startClickHouse, startCluster } from '../test/helpers/clickhouse-server.mjs';
import { buildClickHouse10m, buildDuckDb10m, COPIES, HAYSTACK, HOME, ROOT } from './lib/ten-million.mjs';

const DATA = path.join(ROOT, 'bench', 'data');
const RESULTS = path.join(ROOT, 'bench', 'results');

const GOAL = { ingestDuckMinMBps: 100, ingestDuckMaxSeconds: 2.5, ingestClickMinMBps: 50, topMaxSeconds: 1 };

const args = parseArgs({
  options: { runs: { type: 'string', default: '3' }, only: { type: 'string' }, capture: { type: 'string' } },
  strict: true,
}).values;
const RUNS = Number(args.runs);
const only = args.only !== undefined ? new RegExp(args.only) : null;
const CAPTURE = args.capture ?? process.env.HAYSTACK_PERF_CAPTURE ?? path.join(DATA, 'perf-big.pcapng');
if (!fs.existsSync(CAPTURE)) {
  process.stderr.write(`bench/store: ${CAPTURE} is missing (npm run bench:corpus makes it)\n`);
  process.exit(2);
}
const SIZE = fs.statSync(CAPTURE).size;
const WORK = fs.mkdtempSync(path.join(DATA, 'store-'));
const servers = [];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function series(label, make) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await make(i);
    if (r.code !== 0) throw new Error(`${label}: exit ${r.code}: ${r.err}`);
    runs.push(r);
  }
  return { label, median: median(runs.map((r) => r.s)), all: runs.map((r) => r.s), rssMiB: Math.max(...runs.map((r) => r.rssMiB)) };
}

const rows = [];
const goals = [];
const notes = [];
const want = (name) => only === null || only.test(name);
const goal = (text, measured, pass) => goals.push({ text, measured, pass });

async function caseIngest() {
  const floor = await series('tcpdump -r f -w /dev/null (read floor)', () => timed(['tcpdump', '-r', CAPTURE, '-w', '/dev/null']));
  const pipeline = await series('haystack sessions f --format jsonl > /dev/null (no store)', () =>
    timed(['sh', '-c', `node ${HAYSTACK} sessions ${CAPTURE} --home-net ${HOME} --format jsonl > /dev/null`]));
  const duck = await series('haystack ingest f --db new.duckdb', (i) => {
    const db = path.join(WORK, `ingest-${i}.duckdb`);
    return timed([HAYSTACK, 'ingest', CAPTURE, '--db', db, '--home-net', HOME]);
  });
  // content inspection is on by default: the same ingest without it is the reference of issue 17's goal
  const plain = await series('haystack ingest f --db new.duckdb --no-inspect', (i) =>
    timed([HAYSTACK, 'ingest', CAPTURE, '--db', path.join(WORK, `plain-${i}.duckdb`), '--home-net', HOME, '--no-inspect']));
  rows.push(plain);
  goal('ingest with every content detector on: at least 60% of the speed of ingest without them (issue 17)',
    `${(plain.median / duck.median).toFixed(2)} of it (${duck.median.toFixed(2)} s against ${plain.median.toFixed(2)} s)`, plain.median / duck.median >= 0.6);
  const rulesFile = path.join(ROOT, '..', 'shared', 'corpus', 'rules', 'snort-community', 'community.rules');
  let withRules = null;
  if (fs.existsSync(rulesFile)) {
    withRules = await series('haystack ingest f --db new.duckdb --rules community.rules', (i) =>
      timed([HAYSTACK, 'ingest', CAPTURE, '--db', path.join(WORK, `rules-${i}.duckdb`), '--home-net', HOME, '--rules', rulesFile]));
  }
  rows.push(floor, pipeline, duck, ...(withRules === null ? [] : [withRules]));
  if (withRules !== null) {
    const rmbps = SIZE / 1e6 / withRules.median;
    goal('ingest with the Snort community ruleset >= 50 MB/s', `${rmbps.toFixed(0)} MB/s, ${withRules.median.toFixed(2)} s`, rmbps >= 50);
    goal('ingest with the community ruleset at least half the speed of ingest without rules', `${(duck.median / withRules.median).toFixed(2)} of it`, duck.median / withRules.median >= 0.5);
  } else {
    notes.push('ingest with rules: SKIPPED (../shared/corpus/rules/snort-community/community.rules not found)');
  }
  const mbps = SIZE / 1e6 / duck.median;
  goal(`ingest into DuckDB >= ${GOAL.ingestDuckMinMBps} MB/s and < ${GOAL.ingestDuckMaxSeconds} s end to end`, `${mbps.toFixed(0)} MB/s, ${duck.median.toFixed(2)} s`, mbps >= GOAL.ingestDuckMinMBps && duck.median < GOAL.ingestDuckMaxSeconds);
  notes.push(`ingest into DuckDB: ${(duck.median / pipeline.median).toFixed(2)}x the pipeline without a store, ${(duck.median / floor.median).toFixed(1)}x the read floor; peak RSS ${duck.rssMiB.toFixed(0)} MiB`);
  const bin = clickhouseBinary();
  if (bin === null) {
    notes.push('ingest into ClickHouse: SKIPPED (clickhouse-server not installed)');
    return;
  }
  const server = await startClickHouse(bin);
  servers.push(server);
  const ch = await series('haystack ingest f --db clickhouse://127.0.0.1/new_db (one server)', (i) =>
    timed([HAYSTACK, 'ingest', CAPTURE, '--db', server.url(`ingest_${i}`), '--home-net', HOME]));
  rows.push(ch);
  const chMbps = SIZE / 1e6 / ch.median;
  goal(`ingest into ClickHouse (one local server) >= ${GOAL.ingestClickMinMBps} MB/s`, `${chMbps.toFixed(0)} MB/s, ${ch.median.toFixed(2)} s`, chMbps >= GOAL.ingestClickMinMBps);
}

async function caseTop() {
  // DuckDB: perf-big's sessions, copied 464 times an hour apart
  const db = path.join(WORK, 'top-10m.duckdb');
  const n = buildDuckDb10m(CAPTURE, db);
  notes.push(`top: ${n.toLocaleString('en')} sessions (perf-big's ${(n / COPIES).toFixed(0)} x ${COPIES}, an hour apart); --since 1h keeps the newest hour`);
  const sqlFloor = await series('haystack sql "SELECT count(*) FROM sessions" (DuckDB, 10M)', () => timed([HAYSTACK, 'sql', 'SELECT count(*) FROM sessions', '--db', db]));
  const duck = await series('haystack top --since 1h (DuckDB, 10M sessions)', () => timed([HAYSTACK, 'top', '--since', '1h', '--db', db]));
  rows.push(sqlFloor, duck);
  goal(`top --since 1h on 10M sessions < ${GOAL.topMaxSeconds} s (DuckDB)`, `${duck.median.toFixed(2)} s`, duck.median < GOAL.topMaxSeconds);
  const bin = clickhouseBinary();
  if (bin === null) {
    notes.push('top on ClickHouse: SKIPPED (clickhouse-server not installed)');
    return;
  }
  const one = servers[0] ?? (await startClickHouse(bin));
  if (servers.length === 0) servers.push(one);
  const pair = await startCluster(bin, 'bench2');
  servers.push(...pair);
  for (const [label, nodes] of [['one server', [one]], ['two shards', pair]]) {
    const built = await buildClickHouse10m(CAPTURE, nodes, 'top10m');
    notes.push(`ClickHouse ${label}: ${built.sessions.toLocaleString('en')} sessions (${built.ingested} ingested)`);
    const readUrl = nodes[nodes.length - 1].url('top10m');
    const t = await series(`haystack top --since 1h (ClickHouse ${label}, 10M sessions${label === 'two shards' ? ', queried through the other node' : ''})`, () =>
      timed([HAYSTACK, 'top', '--since', '1h', '--db', readUrl]));
    rows.push(t);
  }
}

function markdown() {
  const lines = [`# Store benchmarks ${new Date().toISOString()}`, '', `capture: \`${CAPTURE}\` (${SIZE.toLocaleString('en')} bytes); ${RUNS} runs each, median wall time; peak RSS by GNU time`, ''];
  lines.push('| command | median s | all runs s | MB/s of the capture | peak RSS MiB |', '|---|---|---|---|---|');
  for (const r of rows) lines.push(`| ${r.label} | ${r.median.toFixed(3)} | ${r.all.map((x) => x.toFixed(3)).join(' / ')} | ${(SIZE / 1e6 / r.median).toFixed(0)} | ${r.rssMiB.toFixed(0)} |`);
  lines.push('', '| goal | measured | met |', '|---|---|---|');
  for (const g of goals) lines.push(`| ${g.text} | ${g.measured} | ${g.pass ? 'yes' : '**NO**'} |`);
  lines.push('', ...notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

try {
  if (want('ingest')) await caseIngest();
  if (want('top')) await caseTop();
  const md = markdown();
  process.stdout.write(md);
  fs.mkdirSync(RESULTS, { recursive: true });
  const stem = path.join(RESULTS, `${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}Z-store`);
  fs.writeFileSync(`${stem}.md`, md);
  fs.writeFileSync(`${stem}.json`, JSON.stringify({ capture: CAPTURE, size: SIZE, rows, goals, notes }, null, 2));
  process.stdout.write(`wrote ${stem}.md and .json\n`);
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  fs.rmSync(WORK, { recursive: true, force: true });
}
