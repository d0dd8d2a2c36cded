#!/usr/bin/env node
// bench/logs.mjs — log parsing and log ingest on the maillog A set (../shared/corpus/maillog/A, 253 lines in
// each of its three header forms) replicated to 1,000,109 lines (3,953 copies, built once in bench/data/):
//
//   parse   LogParser.parse over every line, through the library in dist/ (the file read in chunks and split
//           as `haystack logs ingest` reads it, V8's backtracking bound on), lines/s in the process; in the
//           same run the reference, python3 bench/ref/grok_ref.py: the same kind of work (syslog header,
//           per-program pattern lists, first match wins, key=value lists split, integers typed) with `re`
//   ingest  `haystack logs ingest FILE --db NEW.duckdb`: wall time, lines/s, peak RSS
//
//   node bench/logs.mjs [--runs N] [--only parse|ingest] [--forms traditional,rfc5424,protocol23] [--ingest-forms traditional]
//
// Runs of a case are interleaved (ours, reference, ours, ...); medians are reported. Results: stdout
// (markdown) and bench/results/<date>-logs.{md,json}. Goals (issue 7): parse >= 200,000 lines/s on one core,
// ingest into DuckDB >= 100,000 lines/s. Published Logstash figures for comparison: ~100k events/s for one
// pattern per worker, 15-42k with 52 fallback patterns.
import { Buffer } from 'node:buffer';
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
const CORPUS = path.join(ROOT, '..', 'shared', 'corpus', 'maillog', 'A');
const REF = path.join(ROOT, 'bench', 'ref', 'grok_ref.py');
/** 253 lines x 3,953 = 1,000,109 */
const COPIES = 3953;
const YEAR = '2026';
const FORMS = { traditional: 'maillog.traditional.log', rfc5424: 'maillog.rfc5424.log', protocol23: 'maillog.syslog-protocol23.log' };
const GOAL = { parseLinesPerS: 200_000, ingestLinesPerS: 100_000 };

const args = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    forms: { type: 'string', default: 'traditional,rfc5424,protocol23' },
    'ingest-forms': { type: 'string', default: 'traditional' },
  },
  strict: true,
}).values;
const RUNS = Number(args.runs);
const only = args.only !== undefined ? new RegExp(args.only) : null;
const want = (c) => only === null || only.test(c);
const forms = (s) => s.split(',').filter((f) => f !== '').map((f) => {
  if (FORMS[f] === undefined) {
    process.stderr.write(`bench/logs: unknown form ${f} (${Object.keys(FORMS).join(', ')})\n`);
    process.exit(2);
  }
  return f;
});
const PARSE_FORMS = forms(args.forms);
const INGEST_FORMS = forms(args['ingest-forms']);
if (!fs.existsSync(CORPUS)) {
  process.stderr.write(`bench/logs: ${CORPUS} is missing (the maillog A set of ../shared/corpus)\n`);
  process.exit(2);
}
if (!fs.existsSync(path.join(ROOT, 'dist', 'logs', 'parse-log.js'))) {
  process.stderr.write('bench/logs: haystack is not built (dist/ missing): run `npm run build` (or `npm run bench`)\n');
  process.exit(1);
}
const log = (m) => process.stderr.write(`${m}\n`);
const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['--version']).status === 0) ?? null;
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'haystack-bench-logs-'));
process.on('exit', () => fs.rmSync(WORK, { recursive: true, force: true }));

/** The 1M-line file of a form, made once (the form's 253 lines repeated). */
function input(form) {
  fs.mkdirSync(DATA, { recursive: true });
  const file = path.join(DATA, `maillog-${form}-1m.log`);
  const src = fs.readFileSync(path.join(CORPUS, FORMS[form]));
  const lines = src.toString('latin1').split('\n').length - 1;
  if (!fs.existsSync(file) || fs.statSync(file).size !== src.length * COPIES) {
    log(`making ${path.relative(ROOT, file)} (${COPIES} copies of ${FORMS[form]})`);
    const fd = fs.openSync(`${file}.tmp`, 'w');
    const block = Buffer.concat(Array(COPIES > 100 ? 100 : COPIES).fill(src));
    let left = COPIES;
    while (left > 0) {
      const n = Math.min(100, left);
      fs.writeSync(fd, n === 100 ? block : block.subarray(0, src.length * n));
      left -= n;
    }
    fs.closeSync(fd);
    fs.renameSync(`${file}.tmp`, file);
  }
  // page cache warm: the timings are for a cached file
  fs.readFileSync(file);
  return { form, file, bytes: src.length * COPIES, lines: lines * COPIES };
}

/** The parse case's child: the library from dist/, the file read and split as logs ingest does it. */
const PARSE_CHILD = `
const [file, year] = process.argv.slice(1);
const { createReadStream } = await import('node:fs');
const { LogParser } = await import(${JSON.stringify(path.join(ROOT, 'dist', 'logs', 'parse-log.js'))});
const mod = await import(${JSON.stringify(path.join(ROOT, 'dist', 'pipeline', 'logs.js'))});
mod.boundRegexTime();
// builds before lineBatches read lines with node:readline: so does this then (for before/after figures)
const { createInterface } = await import('node:readline');
const batches = mod.lineBatches ?? async function* (input) {
  for await (const l of createInterface({ input, crlfDelay: Infinity })) yield [l];
};
const t0 = performance.now();
const p = new LogParser({ year: Number(year) });
let lines = 0, parsed = 0;
for await (const batch of batches(createReadStream(file, { highWaterMark: 1 << 20 }))) {
  // a batch is { lines, cut } since lines have a maximum length; an array before
  for (const l of batch.lines ?? batch) {
    lines++;
    if (p.parse(l).parse_ok) parsed++;
  }
}
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ lines, parsed, seconds }));
`;

/** One command measured (bench/lib/measure.mjs), in the repository, its GNU time figures through WORK. */
const timed = (argv) => measured(argv, { cwd: ROOT, workDir: WORK });

const fmt = (n) => Math.round(n).toLocaleString('en-US');

const rows = [];
const goals = [];
const notes = [];

function row(label, form, inp, runs, inProcess) {
  const lps = runs.map((r) => (inProcess ? r.lps : inp.lines / r.s));
  const r = {
    label, form, lines: inp.lines, bytes: inp.bytes,
    median_lines_per_s: median(lps), lines_per_s: lps,
    median_wall_s: median(runs.map((x) => x.s)), wall_s: runs.map((x) => x.s),
    mb_per_s: (inp.bytes / 1e6) * (median(lps) / inp.lines),
    peak_rss_mib: runs[0].rssMiB === null ? null : Math.max(...runs.map((x) => x.rssMiB)),
    median_cpu_s: runs[0].cpu === null ? null : median(runs.map((x) => x.cpu)),
    load: runs.map((x) => x.load),
  };
  rows.push(r);
  return r;
}

async function caseParse(inp) {
  const ours = [];
  const ref = [];
  for (let i = 0; i < RUNS; i++) {
    const a = await timed([process.execPath, '--input-type=module', '-e', PARSE_CHILD, inp.file, YEAR]);
    const o = JSON.parse(a.out);
    if (o.lines !== inp.lines || o.parsed !== inp.lines) notes.push(`parse ${inp.form}: ${o.parsed} of ${o.lines} lines parsed (expected all ${inp.lines})`);
    ours.push({ ...a, lps: o.lines / o.seconds });
    log(`[parse ${inp.form}] haystack run ${i + 1}/${RUNS}: ${fmt(o.lines / o.seconds)} lines/s (${o.seconds.toFixed(2)} s in process, ${a.s.toFixed(2)} s wall), load ${a.load.toFixed(2)}`);
    if (python !== null) {
      const b = await timed([python, REF, inp.file, '--year', YEAR]);
      const p = JSON.parse(b.out.trim().split('\n').pop());
      if (p.parsed !== inp.lines) notes.push(`reference ${inp.form}: ${p.parsed} of ${p.lines} lines matched`);
      ref.push({ ...b, lps: p.lines_per_s });
      log(`[parse ${inp.form}] python re run ${i + 1}/${RUNS}: ${fmt(p.lines_per_s)} lines/s (${p.seconds.toFixed(2)} s in process), load ${b.load.toFixed(2)}`);
    }
  }
  const a = row(`parse: LogParser.parse (dist/), ${inp.form}`, inp.form, inp, ours, true);
  let ratio = null;
  if (ref.length > 0) {
    const b = row(`reference: python3 bench/ref/grok_ref.py (re), ${inp.form}`, inp.form, inp, ref, true);
    ratio = a.median_lines_per_s / b.median_lines_per_s;
    a.ratio_vs_ref = ratio;
  } else {
    notes.push('reference: SKIPPED (no python3)');
  }
  goals.push({
    text: `parse ${inp.form} >= ${fmt(GOAL.parseLinesPerS)} lines/s on one core`,
    measured: `${fmt(a.median_lines_per_s)} lines/s${ratio !== null ? ` (${ratio.toFixed(2)}x python re)` : ''}`,
    pass: a.median_lines_per_s >= GOAL.parseLinesPerS,
  });
  return a;
}

async function caseIngest(inp, parsed) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const db = path.join(WORK, `logs-${i}.duckdb`);
    const r = await timed([HAYSTACK, 'logs', 'ingest', inp.file, '--db', db, '--year', YEAR]);
    const m = /: (\d+) lines into .*?, (\d+) parsed/.exec(r.err);
    if (m === null || Number(m[1]) !== inp.lines || Number(m[2]) !== inp.lines) notes.push(`ingest ${inp.form}: ${r.err.trim().split('\n').pop()}`);
    runs.push(r);
    fs.rmSync(db, { force: true });
    fs.rmSync(`${db}.wal`, { force: true });
    log(`[ingest ${inp.form}] run ${i + 1}/${RUNS}: ${r.s.toFixed(2)} s, ${fmt(inp.lines / r.s)} lines/s, CPU ${r.cpu?.toFixed(2) ?? 'n/a'} s, peak RSS ${r.rssMiB?.toFixed(0) ?? 'n/a'} MiB, load ${r.load.toFixed(2)}`);
  }
  const a = row(`haystack logs ingest f --db new.duckdb, ${inp.form}`, inp.form, inp, runs, false);
  if (parsed !== undefined) a.of_parse = a.median_lines_per_s / parsed.median_lines_per_s;
  goals.push({
    text: `ingest ${inp.form} into DuckDB >= ${fmt(GOAL.ingestLinesPerS)} lines/s (end to end)`,
    measured: `${fmt(a.median_lines_per_s)} lines/s, ${a.median_wall_s.toFixed(2)} s${a.of_parse !== undefined ? ` (${a.of_parse.toFixed(2)} of parse-only)` : ''}`,
    pass: a.median_lines_per_s >= GOAL.ingestLinesPerS,
  });
}

function machine() {
  let model = '?';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '?';
  } catch {
    /* not linux */
  }
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || null;
  return { nproc: os.availableParallelism(), cpu_model: model, node: process.version, python: python === null ? null : spawnSync(python, ['--version'], { encoding: 'utf8' }).stdout.trim(), git, load_at_start: os.loadavg()[0] };
}

function markdown(date, mach) {
  const out = [`# Log benchmarks ${date}`, '',
    `maillog A (../shared/corpus/maillog/A) x ${COPIES} = 1,000,109 lines per form; ${RUNS} runs each, median; machine: ${mach.nproc} CPUs, ${mach.cpu_model}, node ${mach.node}, ${mach.python ?? 'no python'}; load average at start ${mach.load_at_start.toFixed(2)}`, '',
    '| case | form | median lines/s | runs lines/s | median wall s | MB/s | peak RSS MiB | CPU s | vs reference |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    out.push(`| ${r.label} | ${r.form} | ${fmt(r.median_lines_per_s)} | ${r.lines_per_s.map(fmt).join(' / ')} | ${r.median_wall_s.toFixed(2)} | ${r.mb_per_s.toFixed(0)} | ` +
      `${r.peak_rss_mib === null ? 'n/a' : r.peak_rss_mib.toFixed(0)} | ${r.median_cpu_s === null ? 'n/a' : r.median_cpu_s.toFixed(2)} | ${r.ratio_vs_ref !== undefined ? `${r.ratio_vs_ref.toFixed(2)}x` : ''} |`);
  }
  out.push('', '| goal | measured | met |', '|---|---|---|');
  for (const g of goals) out.push(`| ${g.text} | ${g.measured} | ${g.pass ? 'yes' : '**NO**'} |`);
  out.push('', '- parse and reference lines/s are measured in their process (after start-up and pattern compilation); wall s is the whole process. Ingest lines/s is end to end (start-up, hashing, parsing, spooling, DuckDB load and commit).',
    '- published Logstash figures for comparison: ~100k events/s with one grok pattern per worker, 15-42k with 52 fallback patterns.');
  out.push(...notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

const date = new Date().toISOString();
const mach = machine();
log(`machine: ${mach.nproc} CPUs, ${mach.cpu_model}, node ${mach.node}, load ${mach.load_at_start.toFixed(2)}`);
const parsedBy = new Map();
if (want('parse')) for (const f of PARSE_FORMS) parsedBy.set(f, await caseParse(input(f)));
if (want('ingest')) for (const f of INGEST_FORMS) await caseIngest(input(f), parsedBy.get(f));
const md = markdown(date, mach);
process.stdout.write(md);
fs.mkdirSync(RESULTS, { recursive: true });
const stem = path.join(RESULTS, `${date.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}-logs`);
fs.writeFileSync(`${stem}.md`, md);
fs.writeFileSync(`${stem}.json`, `${JSON.stringify({ date, machine: mach, runs: RUNS, goals: GOAL, rows, goal_results: goals, notes }, null, 2)}\n`);
log(`wrote ${path.relative(ROOT, stem)}.md and .json`);
