#!/usr/bin/env node
// bench/extract.mjs — `haystack extract` on perf-big.pcapng (220 mail messages, ~10k HTTP transactions)
// against `tcpflow -r f -o DIR` (the reference: stream files, nothing decoded), both writing into bench/data/
// (the same file system), with `tshark --export-objects imf,DIR --export-objects http,DIR` reported beside.
//
//   node bench/extract.mjs [--runs N] [--capture PATH] [--tshark-runs N]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { timed } from './lib/timed.mjs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const DATA = path.join(ROOT, 'bench', 'data');
const RESULTS = path.join(ROOT, 'bench', 'results');
const HAYSTACK = path.join(ROOT, 'bin', 'haystack.js');

const args = parseArgs({ options: { runs: { type: 'string', default: '3' }, capture: { type: 'string' }, 'tshark-runs': { type: 'string', default: '1' } }, strict: true }).values;
const RUNS = Number(args.runs);
const CAPTURE = args.capture ?? process.env.HAYSTACK_PERF_CAPTURE ?? path.join(DATA, 'perf-big.pcapng');
if (!fs.existsSync(CAPTURE)) {
  process.stderr.write(`bench/extract: ${CAPTURE} is missing (npm run bench:corpus makes it)\n`);
  process.exit(2);
}
const SIZE = fs.statSync(CAPTURE).size;
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Wall seconds and peak RSS of a command writing into a fresh directory (removed afterwards), and its files. */
async function timedInto(argv, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  spawnSync('sync');
  const r = await timed(argv);
  const files = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
  fs.rmSync(dir, { recursive: true, force: true });
  return { ...r, files };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function series(label, argv, dir, runs) {
  const all = [];
  for (let i = 0; i < runs; i++) {
    const r = await timedInto(argv(dir), dir);
    if (r.code !== 0) throw new Error(`${label}: exit ${r.code}: ${r.err}`);
    all.push(r);
  }
  return { label, median: median(all.map((r) => r.s)), all: all.map((r) => r.s), rssMiB: Math.max(...all.map((r) => r.rssMiB)), files: all[0].files, note: all[0].err.trim().split('\n').pop() };
}

const rows = [];
// interleaved: haystack, tcpflow, haystack, tcpflow, ... so that machine noise hits both alike
const hs = [];
const tf = [];
for (let i = 0; i < RUNS; i++) {
  hs.push(await series('haystack extract f -o DIR', (d) => [process.execPath, HAYSTACK, 'extract', CAPTURE, '-o', d], path.join(DATA, 'extract-haystack'), 1));
  if (have('tcpflow')) tf.push(await series('tcpflow -r f -o DIR', (d) => ['tcpflow', '-r', CAPTURE, '-o', d], path.join(DATA, 'extract-tcpflow'), 1));
}
const merge = (xs) => ({ ...xs[0], all: xs.map((x) => x.median), median: median(xs.map((x) => x.median)), rssMiB: Math.max(...xs.map((x) => x.rssMiB)) });
const h = merge(hs);
rows.push(h);
const goals = [];
if (tf.length > 0) {
  const t = merge(tf);
  rows.push(t);
  goals.push({ text: 'haystack extract faster than tcpflow -r f -o DIR (same file system)', measured: `${h.median.toFixed(2)} s vs ${t.median.toFixed(2)} s (${(t.median / h.median).toFixed(2)}x)`, pass: h.median < t.median });
}
if (have('tshark')) {
  rows.push(await series('tshark --export-objects imf,DIR --export-objects http,DIR', (d) => ['tshark', '-r', CAPTURE, '-q', '--export-objects', `imf,${d}`, '--export-objects', `http,${d}`], path.join(DATA, 'extract-tshark'), Number(args['tshark-runs'])));
}

const lines = [`# Extract benchmark ${new Date().toISOString()}`, '', `capture: \`${CAPTURE}\` (${SIZE.toLocaleString('en')} bytes); ${RUNS} interleaved runs of haystack and tcpflow, median wall time; output in bench/data/ (same file system); peak RSS by GNU time`, '',
  '| command | median s | all runs s | MB/s | files written | peak RSS MiB |', '|---|---|---|---|---|---|'];
for (const r of rows) lines.push(`| ${r.label} | ${r.median.toFixed(3)} | ${r.all.map((x) => x.toFixed(3)).join(' / ')} | ${(SIZE / 1e6 / r.median).toFixed(0)} | ${r.files} | ${r.rssMiB.toFixed(0)} |`);
lines.push('', '| goal | measured | met |', '|---|---|---|');
for (const g of goals) lines.push(`| ${g.text} | ${g.measured} | ${g.pass ? 'yes' : '**NO**'} |`);
lines.push('', `- haystack: ${h.note}`, '- haystack writes each distinct object once (content-addressed); tcpflow writes one file per stream direction; tshark one per object', '');
const md = lines.join('\n');
process.stdout.write(md);
fs.mkdirSync(RESULTS, { recursive: true });
const stem = path.join(RESULTS, `${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}Z-extract`);
fs.writeFileSync(`${stem}.md`, md);
fs.writeFileSync(`${stem}.json`, JSON.stringify({ capture: CAPTURE, size: SIZE, rows, goals }, null, 2));
process.stdout.write(`wrote ${stem}.md and .json\n`);
