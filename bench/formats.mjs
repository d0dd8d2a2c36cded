#!/usr/bin/env node
// bench/formats.mjs — Zeek and EVE export and import speed (issue 18) on perf-big's records.
//
// perf-big.pcapng is ingested once into a DuckDB store, and each record table is copied COPIES times in it (perf-big
// alone has 63k records: at 1M records/s that is 60 ms, less than node's start-up), cached as
// bench/data/formats-xCOPIES.duckdb. The export cases read a second store made from a copy of that one, in which
// a table with fewer than MIN_ROWS rows has its rows copied again a whole number of times until it has at least
// MIN_ROWS (default 750,000: dns, http and files of perf-big x40 have 80,000 to 410,000 rows, which at 1M records/s
// measures node's start-up more than the export), bench/data/formats-xCOPIES-minMIN_ROWS.duckdb. Then, runs
// interleaved, medians reported:
//
//   export  `haystack export <table> --format zeek|zeek-json|eve -o FILE` per table: records/s (wall, start-up
//           included) and records per CPU second (user+sys: the machine is shared, CPU time varies less). In the
//           same run, references: `haystack export sessions --format jsonl` (the same scan with our JSON lines
//           writer) and python3 bench/ref/zeek_conn_ref.py, which turns that JSON lines file into conn.log TSV
//           (json.loads and formatting per row: the conversion one would script without our writer)
//   import  `haystack import zeek DIR` (the conn.log exported above) and `haystack import eve FILE` (the EVE flow
//           export) into a fresh DuckDB store: records/s. Reference in the same run: DuckDB loading the same file
//           by itself (node bench/ref/duckdb_load.mjs: read_json of the EVE file, read_csv of the TSV, into a
//           table of a fresh database file): the store's own floor for getting those bytes into a table,
//           without our mapping to records, uids, `extra` and idempotency
//
//   node bench/formats.mjs [--runs N] [--only export|import] [--copies N] [--min-rows N] [--capture PATH]
//
// Goals (issue 18): export >= 1,000,000 records/s, import >= 250,000 records/s. Results: stdout (markdown) and
// bench/results/<date>-formats.{md,json}, with the load average at each run (other work shares the machine).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measured, median } from './lib/measure.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const DATA = path.join(ROOT, 'bench', 'data');
const RESULTS = path.join(ROOT, 'bench', 'results');
const HAYSTACK = path.join(ROOT, 'bin', 'haystack.js');
const GOAL = { exportPerS: 1_000_000, importPerS: 250_000 };
/** tables copied in the store (every table a Zeek or EVE writer reads) */
const TABLES = ['sessions', 'tls', 'http', 'dns', 'files', 'smtp', 'ssh', 'ftp', 'anomalies', 'alerts', 'findings'];
/** the export cases: table x format (the big tables of perf-big; dns, smtp and the others are small there) */
const EXPORTS = [
  ['sessions', 'zeek'], ['sessions', 'zeek-json'], ['sessions', 'eve'],
  ['tls', 'zeek'], ['tls', 'eve'], ['http', 'zeek'], ['http', 'eve'], ['files', 'zeek'], ['dns', 'zeek'], ['dns', 'eve'],
];

const args = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    copies: { type: 'string', default: '40' },
    'min-rows': { type: 'string', default: '750000' },
    capture: { type: 'string', default: process.env.HAYSTACK_PERF_CAPTURE ?? path.join(DATA, 'perf-big.pcapng') },
  },
  strict: true,
}).values;
const RUNS = Number(args.runs);
const COPIES = Number(args.copies);
const MIN_ROWS = Number(args['min-rows']);
const only = args.only !== undefined ? new RegExp(args.only) : null;
const want = (c) => only === null || only.test(c);
const log = (m) => process.stderr.write(`${m}\n`);
if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js')) && !fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) {
  log('bench/formats: haystack is not built (dist/ missing): run `npm run build` (or `npm run bench`)');
  process.exit(1);
}
if (!fs.existsSync(args.capture)) {
  log(`bench/formats: ${args.capture} is missing: npm run bench:corpus, or --capture PATH`);
  process.exit(2);
}
const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['--version']).status === 0) ?? null;
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'haystack-bench-formats-'));
process.on('exit', () => fs.rmSync(WORK, { recursive: true, force: true }));

/** Runs argv under GNU time: wall seconds, peak RSS MiB, user+sys CPU seconds, stdout, stderr, load average. */
/** One command measured (bench/lib/measure.mjs), in the repository, its GNU time figures through WORK. */
const timed = (argv) => measured(argv, { cwd: ROOT, workDir: WORK });

const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** The store with perf-big's records copied COPIES times, made once. */
function store() {
  fs.mkdirSync(DATA, { recursive: true });
  const db = path.join(DATA, `formats-x${COPIES}.duckdb`);
  if (fs.existsSync(db)) return db;
  const tmp = `${db}.tmp`;
  fs.rmSync(tmp, { force: true });
  log(`making ${path.relative(ROOT, db)}: ingest ${args.capture}, then each table copied ${COPIES} times`);
  const ing = spawnSync(process.execPath, [HAYSTACK, 'ingest', args.capture, '--db', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (ing.status !== 0) throw new Error('ingest failed');
  const copy = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import { DuckDBInstance } from '@duckdb/node-api';
    const i = await DuckDBInstance.create(${JSON.stringify(tmp)}); const c = await i.connect();
    for (const t of ${JSON.stringify(TABLES)}) await c.run('INSERT INTO ' + t + ' SELECT t.* FROM ' + t + ' t, range(${COPIES - 1})');
    c.closeSync(); i.closeSync();
  `], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (copy.status !== 0) throw new Error('copy failed');
  fs.renameSync(tmp, db);
  return db;
}

/**
 * The export store: a copy of `db` in which each table with fewer than MIN_ROWS rows has its rows copied until it
 * has at least MIN_ROWS (a whole number of times: every record of perf-big stays equally often), made once.
 * `db` itself is never written (it may be a link to another checkout's cached store).
 */
function bigStore(db) {
  const big = path.join(DATA, `formats-x${COPIES}-min${MIN_ROWS / 1000}k.duckdb`);
  if (fs.existsSync(big)) return big;
  const tmp = `${big}.tmp`;
  fs.rmSync(tmp, { force: true });
  log(`making ${path.relative(ROOT, big)}: ${path.relative(ROOT, db)} with every table below ${fmt(MIN_ROWS)} rows copied up to it`);
  fs.copyFileSync(db, tmp);
  const copy = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import { DuckDBInstance } from '@duckdb/node-api';
    const i = await DuckDBInstance.create(${JSON.stringify(tmp)}); const c = await i.connect();
    for (const t of ${JSON.stringify(TABLES)}) {
      const n = Number((await c.runAndReadAll('SELECT count(*) FROM ' + t)).getRows()[0][0]);
      const times = n === 0 ? 1 : Math.ceil(${MIN_ROWS} / n);
      if (times > 1) await c.run('INSERT INTO ' + t + ' SELECT t.* FROM ' + t + ' t, range(' + (times - 1) + ')');
      process.stderr.write(t + ': ' + n + ' rows x ' + times + '\\n');
    }
    c.closeSync(); i.closeSync();
  `], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (copy.status !== 0) throw new Error('copy failed');
  fs.renameSync(tmp, big);
  return big;
}

const haystack = (...a) => [process.execPath, HAYSTACK, ...a];
const rowsOf = (err) => Number(/(\d+) rows to/.exec(err)?.[1] ?? NaN);

async function main() {
  const db = store();
  const exportDb = want('export') ? bigStore(db) : db;
  const results = { date: new Date().toISOString(), copies: COPIES, runs: RUNS, node: process.version, cases: [] };
  const md = [`# Formats benchmark ${results.date}`, '', `perf-big's records x ${COPIES} in ${path.relative(ROOT, db)}; export from ${path.relative(ROOT, exportDb)} (tables below ${fmt(MIN_ROWS)} rows copied up to it); ${RUNS} runs, medians; load average (1 min) at each run in brackets.`, ''];
  const table = (head) => md.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  const loads = (runs) => `[${runs.map((r) => r.load.toFixed(1)).join(', ')}]`;
  const row = (name, runs, n, goal) => {
    const s = median(runs.map((r) => r.s));
    const cpu = median(runs.map((r) => r.cpu));
    const rss = Math.max(...runs.map((r) => r.rssMiB));
    const c = { name, records: n, wall: runs.map((r) => r.s), cpu: runs.map((r) => r.cpu), rssMiB: rss, load: runs.map((r) => r.load), perS: n / s, perCpuS: n / cpu };
    results.cases.push(c);
    md.push(`| ${name} | ${fmt(n)} | ${s.toFixed(2)} | ${fmt(n / s)} | ${fmt(n / cpu)} | ${rss.toFixed(0)} | ${goal === undefined ? '' : n / s >= goal ? 'met' : '**not met**'} | ${loads(runs)} |`);
    log(md.at(-1));
    return c;
  };
  const head = ['case', 'records', 'wall s', 'records/s', 'records/CPU s', 'RSS MiB', 'goal', 'load'];

  const out = (t, f) => path.join(WORK, `${t}.${f}`);
  if (want('export')) {
    md.push('## Export', '');
    table(head);
    const cases = [...EXPORTS.map(([t, f]) => ({ name: `export ${t} --format ${f}`, argv: haystack('export', t, '--format', f, '-o', out(t, f), '--db', exportDb), goal: GOAL.exportPerS })),
      { name: 'ref: export sessions --format jsonl', argv: haystack('export', 'sessions', '--format', 'jsonl', '-o', out('sessions', 'jsonl'), '--db', exportDb) }];
    const runs = cases.map(() => []);
    for (let k = 0; k < RUNS; k++) {
      for (const [i, c] of cases.entries()) runs[i].push(await timed(c.argv));
      if (python !== null) {
        runs[cases.length] ??= [];
        runs[cases.length].push(await timed([python, path.join(ROOT, 'bench', 'ref', 'zeek_conn_ref.py'), out('sessions', 'jsonl'), path.join(WORK, 'ref-conn.log')]));
      }
    }
    for (const [i, c] of cases.entries()) row(c.name, runs[i], rowsOf(runs[i][0].err), c.goal);
    if (python !== null) row('ref: python3 zeek_conn_ref.py (jsonl to conn.log)', runs[cases.length], Number(runs[cases.length][0].out.trim()));
    else md.push('| ref: python3 zeek_conn_ref.py | SKIPPED: no python3 |');
    md.push('');
  }
  if (want('import')) {
    md.push('## Import', '');
    // the inputs: the exports above (made here when --only import)
    const conn = path.join(WORK, 'zeek');
    fs.mkdirSync(conn, { recursive: true });
    if (!fs.existsSync(out('sessions', 'zeek'))) await timed(haystack('export', 'sessions', '--format', 'zeek', '-o', out('sessions', 'zeek'), '--db', db));
    if (!fs.existsSync(out('sessions', 'eve'))) await timed(haystack('export', 'sessions', '--format', 'eve', '-o', out('sessions', 'eve'), '--db', db));
    fs.copyFileSync(out('sessions', 'zeek'), path.join(conn, 'conn.log'));
    const eve = path.join(WORK, 'eve.json');
    fs.copyFileSync(out('sessions', 'eve'), eve);
    const lines = (f) => fs.readFileSync(f, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    const n = { zeek: lines(path.join(conn, 'conn.log')), eve: lines(eve) };
    table(head);
    let fresh = 0;
    const dbFile = () => path.join(WORK, `import-${fresh++}.duckdb`);
    const load = path.join(ROOT, 'bench', 'ref', 'duckdb_load.mjs');
    const cases = [
      { name: 'import zeek (conn.log TSV)', n: n.zeek, argv: () => haystack('import', 'zeek', conn, '--db', dbFile()), goal: GOAL.importPerS },
      { name: 'ref: DuckDB read_csv of the same conn.log', n: n.zeek, argv: () => [process.execPath, load, 'tsv', path.join(conn, 'conn.log'), dbFile()] },
      { name: 'import eve (flow)', n: n.eve, argv: () => haystack('import', 'eve', eve, '--db', dbFile()), goal: GOAL.importPerS },
      { name: 'ref: DuckDB read_json of the same EVE file', n: n.eve, argv: () => [process.execPath, load, 'json', eve, dbFile()] },
    ];
    const runs = cases.map(() => []);
    for (let k = 0; k < RUNS; k++) {
      for (const [i, c] of cases.entries()) {
        runs[i].push(await timed(c.argv()));
        for (const f of fs.readdirSync(WORK)) if (f.startsWith('import-')) fs.rmSync(path.join(WORK, f), { recursive: true, force: true });
      }
    }
    for (const [i, c] of cases.entries()) row(c.name, runs[i], c.n, c.goal);
    md.push('');
  }
  fs.mkdirSync(RESULTS, { recursive: true });
  const stamp = results.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  fs.writeFileSync(path.join(RESULTS, `${stamp}-formats.json`), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(RESULTS, `${stamp}-formats.md`), `${md.join('\n')}\n`);
  process.stdout.write(`${md.join('\n')}\n`);
}

main().catch((e) => {
  log(`bench/formats: ${e.message}`);
  process.exit(1);
});
