#!/usr/bin/env node
// bench/run.mjs — haystack benchmark harness (plain ESM, node >= 20, node:* only).
//
//   node bench/run.mjs [--runs N] [--only REGEX] [--capture PATH] [--big]
//                      [--tshark-runs N] [--stream-dir DIR] [--settle SECONDS] [--baseline DIR]
//
// Every case times haystack and a reference tool on the same capture in the same run, and reports
// median wall time (process.hrtime around the spawned child), MB/s, packets/s, peak RSS (GNU time
// %M) and the ratio to the reference. Results go to stdout (markdown) and bench/results/<date>.{json,md}.
// See bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const DATA = path.join(ROOT, 'bench', 'data');
const RESULTS = path.join(ROOT, 'bench', 'results');
const HAYSTACK = path.join(ROOT, 'bin', 'haystack.js');
const DEFAULT_CAPTURE = path.join(DATA, 'perf-big.pcapng');
const DPKT_SCRIPT = path.join(ROOT, 'bench', 'dpkt_sni.py');
const BIG_CAPTURE = path.join(DATA, 'perf-1g.pcapng');
const BIG_COPIES = 4;
/** Seconds of silence between copies in the big capture: TCP's inactivity timeout (300 s, flow-table.ts) and one. */
const BIG_GAP_S = 301;

// Goals from the performance issue.
const GOAL = {
  sessionsMaxRatioVsTcpdump: 5,
  sessionsMaxSeconds: 0.65,
  sessionsMinMBps: 400,
  streamsMaxRatioVsTcpflow: 1, // haystack strictly faster than tcpflow
  maxPeakRssBytes: 200e6,
  maxRssGrowth: 1.1, // "flat": the 1 GB capture may use at most 10% more than the 250 MB one
  tlsMinSpeedupVsTshark: 30, // haystack tls at least 30x faster than tshark's SNI extraction
  tlsMinSpeedupVsDpkt: 10, // ... and 10x faster than the per-packet dpkt script
  tlsMaxRatioVsTcpdump: 4,
  tlsMaxPeakRssBytes: 150e6,
  sessionsMaxRatioVsBaseline: 1.05, // issue 16: sessions within 5% of the build before it (--baseline)
};

const CASES = ['sessions', 'streams', 'tls', 'memory-flat'];
/**
 * The verbs memory-flat measures (`--verbs`): every record verb, the streams writer and ingest into DuckDB. Each
 * runs with its default output to /dev/null (streams into a fresh scratch dir, ingest into a fresh DuckDB file).
 */
const FLAT_VERBS = ['sessions', 'tls', 'http', 'smtp', 'dns', 'ssh', 'ftp', 'inspect', 'streams', 'ingest'];

const USAGE = `usage: node bench/run.mjs [options]

  --runs N          timed runs per command (default 3); the median wall time is reported
  --only REGEX      run only the cases whose name matches (cases: ${CASES.join(', ')})
  --capture PATH    capture to measure (else $HAYSTACK_PERF_CAPTURE, else bench/data/perf-big.pcapng)
  --big             also run memory-flat (builds/reuses bench/data/perf-1g.pcapng, ~1 GB)
  --verbs LIST      memory-flat's verbs, a comma list (default: every one it knows: ${FLAT_VERBS.join(',')})
  --tshark-runs N   runs of the tshark reference in 'sessions' and 'tls' (default 1; it takes ~12 s)
  --stream-dir DIR  parent directory for the 'streams' output dirs (default bench/data/)
  --settle S        seconds to sleep after 'sync' before each 'streams' run (default 5)
  --baseline DIR    another built haystack checkout (e.g. a worktree of an older commit, after npm run build):
                    'sessions' also times its sessions (table and jsonl), interleaved with this build's,
                    and reports this build / baseline (median user CPU and median wall); also $HAYSTACK_BASELINE
  --threads LIST    'sessions' also times \`sessions --format jsonl --threads N\` for each N of the comma list
                    ('cores' = os.availableParallelism()), e.g. --threads 1,2,cores, and adds a thread-scaling
                    table: wall, user+sys CPU and peak RSS per thread count (issue 19)
  -h, --help        this text
`;

// ------------------------------------------------------------------------------------------ arguments

function die(msg, code = 2) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(code);
}

let args;
try {
  args = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      only: { type: 'string' },
      capture: { type: 'string' },
      big: { type: 'boolean', default: false },
      'tshark-runs': { type: 'string', default: '1' },
      'stream-dir': { type: 'string' },
      verbs: { type: 'string' },
      settle: { type: 'string', default: '5' },
      baseline: { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (e) {
  die(`${e.message}\n\n${USAGE}`);
}
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

function positiveInt(name, s) {
  if (!/^\d+$/.test(s) || Number(s) < 1) die(`--${name} wants a positive integer, got '${s}'`);
  return Number(s);
}
const RUNS = positiveInt('runs', args.runs);
const TSHARK_RUNS = positiveInt('tshark-runs', args['tshark-runs']);
const SETTLE = Number(args.settle);
if (!Number.isFinite(SETTLE) || SETTLE < 0) die(`--settle wants a number of seconds >= 0, got '${args.settle}'`);

const BASELINE = args.baseline ?? process.env.HAYSTACK_BASELINE ?? null;
const BASELINE_BIN = BASELINE === null ? null : path.resolve(BASELINE, 'bin', 'haystack.js');
if (BASELINE !== null && !fs.existsSync(path.resolve(BASELINE, 'dist', 'cli', 'main.js'))) {
  die(`--baseline ${BASELINE}: no built haystack there (dist/cli/main.js missing: run npm run build in it)`);
}

/** --threads LIST: the thread counts to time (empty: none). */
const THREAD_COUNTS = (args.threads ?? '').split(',').filter((x) => x !== '').map((x) => {
  if (x === 'cores') return os.availableParallelism();
  return positiveInt('threads', x);
}).filter((n, i, all) => all.indexOf(n) === i);

let onlyRe = null;
if (args.only !== undefined) {
  try {
    onlyRe = new RegExp(args.only);
  } catch (e) {
    die(`--only: ${e.message}`);
  }
}
const selected = CASES.filter((c) => !onlyRe || onlyRe.test(c));
if (selected.length === 0) die(`--only '${args.only}' matches no case (cases: ${CASES.join(', ')})`);

// ------------------------------------------------------------------------------------------ helpers

const log = (msg) => process.stderr.write(`${msg}\n`);

/** Absolute path of an executable on PATH, or null. */
function which(cmd) {
  if (cmd.includes('/')) return fs.existsSync(cmd) ? cmd : null;
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { encoding: 'utf8' });
  const p = r.status === 0 ? r.stdout.trim() : '';
  return p || null;
}

/** Run a short helper command, return stdout (throws with stderr on failure). */
function capture(argv, opts = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20, cwd: ROOT, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${(r.stderr || '').trim()}`);
  return r.stdout;
}

function firstLine(argv) {
  try {
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
    return `${r.stdout || ''}${r.stderr || ''}`.split('\n').find((l) => l.trim() !== '')?.trim() ?? '?';
  } catch {
    return '?';
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rel = (p) => {
  const r = path.relative(ROOT, p);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : p;
};
const fmtS = (s) => (s == null ? 'n/a' : s < 10 ? s.toFixed(3) : s.toFixed(2));
const fmtMiB = (kib) => (kib == null ? 'n/a' : (kib / 1024).toFixed(1));
const fmtInt = (n) => (n == null ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const fmtX = (x) => (x == null || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(2)}x`);
/** "haystack 2.10x faster" / "haystack 1.30x slower" from t(reference) / t(haystack). */
const fasterSlower = (speedup) => (speedup >= 1 ? `haystack ${fmtX(speedup)} faster` : `haystack ${fmtX(1 / speedup)} slower`);

/** Read a file once so that it is in the page cache (the timings are for a cached file). */
async function warm(file) {
  const t0 = process.hrtime.bigint();
  await new Promise((resolve, reject) => {
    const s = fs.createReadStream(file, { highWaterMark: 1 << 20 });
    s.on('data', () => {});
    s.on('error', reject);
    s.on('end', resolve);
  });
  log(`warmed page cache: ${rel(file)} (${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2)} s)`);
}

function fsInfo(dir) {
  try {
    const lines = capture(['df', '-T', '-P', dir]).trim().split('\n');
    const f = lines[lines.length - 1].trim().split(/\s+/);
    return { device: f[0], type: f[1], mount: f[f.length - 1] };
  } catch (e) {
    return { device: '?', type: '?', mount: '?', error: e.message };
  }
}

/** Count files and bytes in a stream output directory, excluding the named index/report files. */
function dirStats(dir, exclude) {
  let files = 0;
  let bytes = 0;
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!ent.isFile() || exclude.includes(ent.name)) continue;
    files++;
    bytes += fs.statSync(path.join(dir, ent.name)).size;
  }
  return { files, bytes };
}

// ------------------------------------------------------------------------------------------ tools

const TOOLS = {};
for (const t of ['tcpdump', 'tshark', 'tcpflow', 'capinfos', 'editcap', 'mergecap', 'df', 'sync']) TOOLS[t] = which(t);
const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const skipped = [];
const errors = [];
function skip(what) {
  skipped.push(what);
  log(`SKIPPED: ${what}`);
}
if (!GNU_TIME) skip('peak RSS: /usr/bin/time (GNU time) not found, RSS columns are n/a');

/**
 * A python3 that can import dpkt, for the 'tls' case: `python3` on PATH first, then /usr/bin/python3
 * (Debian's python3-dpkt installs there; a pyenv/venv python3 earlier on PATH does not see it).
 * Returns { python, version, tried } or { python: null, reason, tried }; probed lazily, once.
 */
let dpktProbe = null;
function findDpktPython() {
  if (dpktProbe) return dpktProbe;
  const tried = [];
  const seen = new Set();
  for (const cand of ['python3', '/usr/bin/python3']) {
    const exe = which(cand);
    if (!exe) {
      tried.push(`${cand}: not found`);
      continue;
    }
    if (seen.has(exe)) continue;
    seen.add(exe);
    const r = spawnSync(exe, ['-c', 'import sys, dpkt; print(dpkt.__version__, sys.version.split()[0])'], { encoding: 'utf8' });
    if (r.status === 0) {
      const [dpktVer, pyVer] = r.stdout.trim().split(/\s+/);
      dpktProbe = { python: exe, version: `dpkt ${dpktVer} on Python ${pyVer} (${exe})`, tried };
      return dpktProbe;
    }
    const why = `${r.stderr || ''}`.trim().split('\n').pop() || (r.error ? r.error.message : `exit ${r.status}`);
    tried.push(`${exe}: ${why}`);
  }
  dpktProbe = { python: null, reason: `no python3 with dpkt (${tried.join('; ')}); install: apt-get install python3-dpkt`, tried };
  return dpktProbe;
}

// temp dir for GNU time's -o files and the streams output parent, removed on exit
const tmpDirs = [];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'haystack-bench-'));
tmpDirs.push(scratch);
function cleanup() {
  for (const d of tmpDirs.splice(0)) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch (e) {
      log(`could not remove ${d}: ${e.message}`);
    }
  }
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`\n${sig}: cleaning up temp dirs`);
    cleanup();
    process.exit(130);
  });
}

// ------------------------------------------------------------------------------------------ timing

let seq = 0;

/**
 * Run argv once with stdout to /dev/null; returns { wall_s, rss_kib, user_s, sys_s, exit, signal, stderr }.
 * Wall time is process.hrtime from spawn to the child's exit (GNU time's own fork/exec, ~1 ms, included).
 */
async function runOnce(argv) {
  const rssFile = path.join(scratch, `rss-${seq++}`);
  const full = GNU_TIME ? [GNU_TIME, '-f', '%M %U %S', '-o', rssFile, ...argv] : argv;
  const devnull = fs.openSync('/dev/null', 'w');
  let stderr = '';
  let t1 = 0n;
  const t0 = process.hrtime.bigint();
  const child = spawn(full[0], full.slice(1), { cwd: ROOT, stdio: ['ignore', devnull, 'pipe'] });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-8000);
  });
  const { code, signal } = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => {
      t1 = process.hrtime.bigint();
    });
    child.on('close', (c, s) => resolve({ code: c, signal: s }));
  });
  fs.closeSync(devnull);
  let rss = null;
  let user = null;
  let sys = null;
  if (GNU_TIME) {
    try {
      // on failure GNU time writes "Command exited with non-zero status N" before the format line
      const lines = fs.readFileSync(rssFile, 'utf8').trim().split('\n');
      const v = lines[lines.length - 1].trim().split(/\s+/).map(Number);
      if (v.length === 3 && v.every(Number.isFinite)) [rss, user, sys] = v;
      fs.rmSync(rssFile, { force: true });
    } catch {
      /* no RSS file: the command could not be started */
    }
  }
  return { wall_s: Number(t1 - t0) / 1e9, rss_kib: rss, user_s: user, sys_s: sys, exit: code, signal, stderr: stderr.trim() };
}

/**
 * A measurement: one command, run `runs` times. `fresh(i)` may return argv for run i
 * (for output dirs), `before`/`after` hooks run untimed around each run.
 */
function measurement(m) {
  return { runsWanted: RUNS, results: [], ...m };
}

async function runRound(i, ms, caseName) {
  for (const m of ms) {
    if (m.skip || i >= m.runsWanted) continue;
    if (m.before) await m.before(i);
    const argv = typeof m.argv === 'function' ? m.argv(i) : m.argv;
    const r = await runOnce(argv);
    m.results.push(r);
    const ok = r.exit === 0 && !r.signal;
    log(
      `[${caseName}] ${m.tool} run ${i + 1}/${m.runsWanted}: ${fmtS(r.wall_s)} s (user ${fmtS(r.user_s)}, sys ${fmtS(r.sys_s)}), ` +
        `peak RSS ${fmtMiB(r.rss_kib)} MiB, load ${os.loadavg()[0].toFixed(2)}` +
        (ok ? '' : `  FAILED (exit ${r.exit}${r.signal ? `, signal ${r.signal}` : ''})`),
    );
    if (!ok) {
      const msg = `${caseName}/${m.tool}: '${m.cmd}' exited ${r.exit}${r.signal ? ` (${r.signal})` : ''}` +
        (r.stderr ? `; stderr: ${r.stderr.split('\n').slice(-5).join(' | ')}` : '');
      errors.push(msg);
      log(`ERROR: ${msg}`);
    }
    if (m.after) await m.after(i, r);
  }
}

async function runAll(caseName, ms) {
  const rounds = Math.max(0, ...ms.filter((m) => !m.skip).map((m) => m.runsWanted));
  // interleave (A B C, A B C, ...) so that drift on the machine hits every tool alike
  for (let i = 0; i < rounds; i++) await runRound(i, ms, caseName);
}

function summarize(m, input) {
  if (m.skip) return { tool: m.tool, cmd: m.cmd, skipped: m.skip };
  const good = m.results.filter((r) => r.exit === 0 && !r.signal);
  const walls = good.map((r) => r.wall_s);
  const rss = good.map((r) => r.rss_kib).filter((v) => v != null);
  const users = good.map((r) => r.user_s).filter((v) => v != null);
  const syss = good.map((r) => r.sys_s).filter((v) => v != null);
  const med = walls.length ? median(walls) : null;
  return {
    tool: m.tool,
    cmd: m.cmd,
    input: input.path,
    runs: m.results.length,
    failed_runs: m.results.length - good.length,
    wall_s: m.results.map((r) => r.wall_s),
    median_s: med,
    min_s: walls.length ? Math.min(...walls) : null,
    max_s: walls.length ? Math.max(...walls) : null,
    mb_per_s: med ? input.bytes / 1e6 / med : null,
    packets_per_s: med && input.packets ? input.packets / med : null,
    peak_rss_kib: rss.length ? Math.max(...rss) : null,
    rss_kib: m.results.map((r) => r.rss_kib),
    median_user_s: users.length ? median(users) : null,
    median_sys_s: syss.length ? median(syss) : null,
    median_cpu_s: users.length && syss.length === users.length ? median(good.map((r) => r.user_s + r.sys_s)) : null,
    user_s: m.results.map((r) => r.user_s),
    sys_s: m.results.map((r) => r.sys_s),
    exits: m.results.map((r) => (r.signal ? r.signal : r.exit)),
  };
}

// ------------------------------------------------------------------------------------------ inputs

async function describeCapture(file) {
  const st = fs.statSync(file);
  let packets = null;
  let source = null;
  if (TOOLS.capinfos) {
    try {
      const m = /Number of packets:\s+(\d+)/.exec(capture([TOOLS.capinfos, '-M', '-c', file]));
      if (m) {
        packets = Number(m[1]);
        source = 'capinfos -M -c';
      }
    } catch (e) {
      log(`capinfos failed on ${file}: ${e.message}`);
    }
  }
  if (packets == null) {
    try {
      packets = JSON.parse(capture([process.execPath, HAYSTACK, 'info', file, '--json'])).packets;
      source = 'haystack info --json';
    } catch (e) {
      log(`haystack info failed on ${file}: ${e.message}`);
    }
  }
  if (packets == null) skip(`packet count of ${file} (neither capinfos nor haystack info worked): packets/s n/a`);
  return { path: file, bytes: st.size, mtime_ms: st.mtimeMs, packets, packets_from: source };
}

function captureDuration(file) {
  const m = /Capture duration:\s+([\d.]+)\s+seconds/.exec(capture([TOOLS.capinfos, '-M', '-u', file]));
  if (!m) throw new Error(`capinfos -u gave no duration for ${file}`);
  return Number(m[1]);
}

/** perf-big concatenated BIG_COPIES times, each copy BIG_GAP_S seconds after the previous one's end; cached. */
async function bigCapture(src) {
  const metaFile = `${BIG_CAPTURE}.json`;
  const srcSt = fs.statSync(src);
  const want = { source: fs.realpathSync(src), source_bytes: srcSt.size, source_mtime_ms: srcSt.mtimeMs, copies: BIG_COPIES, gap_s: BIG_GAP_S };
  if (fs.existsSync(BIG_CAPTURE) && fs.existsSync(metaFile)) {
    try {
      const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
      if (Object.keys(want).every((k) => meta[k] === want[k]) && fs.statSync(BIG_CAPTURE).size === meta.bytes) {
        log(`reusing ${rel(BIG_CAPTURE)} (built ${meta.built})`);
        return BIG_CAPTURE;
      }
    } catch {
      /* rebuild */
    }
  }
  const dur = captureDuration(src);
  const step = Math.ceil(dur) + BIG_GAP_S;
  log(`building ${rel(BIG_CAPTURE)}: ${BIG_COPIES} copies of ${rel(src)} (duration ${dur} s), shifted by ${step} s each`);
  fs.mkdirSync(DATA, { recursive: true });
  const parts = [src];
  const tmp = `${BIG_CAPTURE}.tmp`;
  try {
    for (let k = 1; k < BIG_COPIES; k++) {
      const p = `${BIG_CAPTURE}.part${k}`;
      capture([TOOLS.editcap, '-t', String(k * step), src, p]);
      parts.push(p);
    }
    capture([TOOLS.mergecap, '-a', '-w', tmp, ...parts]);
    fs.renameSync(tmp, BIG_CAPTURE);
  } finally {
    for (const p of parts.slice(1)) fs.rmSync(p, { force: true });
    fs.rmSync(tmp, { force: true });
  }
  const meta = { ...want, bytes: fs.statSync(BIG_CAPTURE).size, shift_step_s: step, built: new Date().toISOString() };
  fs.writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
  return BIG_CAPTURE;
}

// ------------------------------------------------------------------------------------------ cases

// run haystack as the installed `haystack` command runs: with the node flags of bin/haystack.js's shebang line
const SHEBANG_FLAGS = (fs.readFileSync(HAYSTACK, 'utf8').split('\n')[0].match(/node\s+(.*)$/)?.[1] ?? '').split(/\s+/).filter(Boolean);
const hsCmd = (...a) => [process.execPath, ...SHEBANG_FLAGS, HAYSTACK, ...a];
const shebangFlags = (bin) => (fs.readFileSync(bin, 'utf8').split('\n')[0].match(/node\s+(.*)$/)?.[1] ?? '').split(/\s+/).filter(Boolean);
/** The baseline build's haystack, with its own shebang flags (null without --baseline). */
const baseCmd = (...a) => [process.execPath, ...shebangFlags(BASELINE_BIN), BASELINE_BIN, ...a];

/** The raw read floor every reading case is compared with. */
function tcpdumpFloor(cap) {
  return measurement({
    tool: 'tcpdump (floor)',
    cmd: `tcpdump -r ${rel(cap)} -w /dev/null`,
    argv: [TOOLS.tcpdump, '-r', cap, '-w', '/dev/null'],
    skip: TOOLS.tcpdump ? null : 'tcpdump not found',
  });
}

async function caseSessions(input) {
  const cap = input.path;
  const c = rel(cap);
  const ms = [
    tcpdumpFloor(cap),
    measurement({
      tool: 'haystack',
      cmd: `bin/haystack.js sessions ${c} --format jsonl > /dev/null`,
      argv: hsCmd('sessions', cap, '--format', 'jsonl'),
    }),
    measurement({
      tool: 'tshark (SNI)',
      cmd: `tshark -r ${c} -Y 'tls.handshake.type==1' -T fields -e tls.handshake.extensions_server_name > /dev/null`,
      argv: [TOOLS.tshark, '-r', cap, '-Y', 'tls.handshake.type==1', '-T', 'fields', '-e', 'tls.handshake.extensions_server_name'],
      runsWanted: TSHARK_RUNS,
      skip: TOOLS.tshark ? null : 'tshark not found',
    }),
  ];
  // --baseline: the same sessions runs of another build, interleaved with this build's (jsonl runs the protocol
  // probes for app_proto; the table does not show app_proto, so it runs none)
  const base = BASELINE === null ? [] : [
    measurement({ tool: 'haystack (table)', cmd: `bin/haystack.js sessions ${c} --format table > /dev/null`, argv: hsCmd('sessions', cap, '--format', 'table') }),
    measurement({ tool: 'baseline (table)', cmd: `${BASELINE_BIN} sessions ${c} --format table > /dev/null`, argv: baseCmd('sessions', cap, '--format', 'table') }),
    measurement({ tool: 'baseline (jsonl)', cmd: `${BASELINE_BIN} sessions ${c} --format jsonl > /dev/null`, argv: baseCmd('sessions', cap, '--format', 'jsonl') }),
  ];
  // --threads: the same jsonl run per thread count, interleaved with the others
  const thr = THREAD_COUNTS.map((n) => measurement({
    tool: `haystack --threads ${n}`,
    cmd: `bin/haystack.js sessions ${c} --format jsonl --threads ${n} > /dev/null`,
    argv: hsCmd('sessions', cap, '--format', 'jsonl', '--threads', String(n)),
  }));
  const all = [...ms, ...base, ...thr];
  for (const m of all) if (m.skip) skip(`sessions/${m.tool}: ${m.skip}`);
  await runAll('sessions', all);
  const [floor, hs, ts] = ms.map((m) => summarize(m, input));
  const ratio = hs.median_s && floor.median_s ? hs.median_s / floor.median_s : null;
  const speedup = hs.median_s && ts.median_s ? ts.median_s / hs.median_s : null;
  floor.vs = ratio != null ? `haystack = ${fmtX(ratio)} tcpdump` : null;
  ts.vs = speedup != null ? fasterSlower(speedup) : null;
  hs.vs = ratio != null ? `${fmtX(ratio)} of tcpdump` : null;
  const goals = [
    goal(`haystack within ${GOAL.sessionsMaxRatioVsTcpdump}x of tcpdump -r f -w /dev/null`, ratio, (x) => x <= GOAL.sessionsMaxRatioVsTcpdump, fmtX),
    goal(`haystack sessions median <= ${GOAL.sessionsMaxSeconds} s`, hs.median_s, (x) => x <= GOAL.sessionsMaxSeconds, (x) => `${fmtS(x)} s`),
    goal(`haystack sessions >= ${GOAL.sessionsMinMBps} MB/s`, hs.mb_per_s, (x) => x >= GOAL.sessionsMinMBps, (x) => `${x.toFixed(0)} MB/s`),
  ];
  const rows = [floor, hs, ts];
  const ratios = { haystack_over_tcpdump: ratio, tshark_over_haystack: speedup };
  const notes = [];
  if (BASELINE !== null) {
    const [hsTable, baseTable, baseJsonl] = base.map((m) => summarize(m, input));
    const pairs = [['table', hsTable, baseTable], ['jsonl', hs, baseJsonl]];
    for (const [fmt, cur, old] of pairs) {
      const user = cur.median_user_s && old.median_user_s ? cur.median_user_s / old.median_user_s : null;
      const cpu = cur.median_cpu_s && old.median_cpu_s ? cur.median_cpu_s / old.median_cpu_s : null;
      const wall = cur.median_s && old.median_s ? cur.median_s / old.median_s : null;
      ratios[`${fmt}_over_baseline_user`] = user;
      ratios[`${fmt}_over_baseline_cpu`] = cpu;
      ratios[`${fmt}_over_baseline_wall`] = wall;
      old.vs = `this build = ${fmtX(user)} user CPU, ${fmtX(cpu)} user+sys, ${fmtX(wall)} wall`;
      goals.push(goal(`sessions --format ${fmt}: median user CPU <= ${GOAL.sessionsMaxRatioVsBaseline}x the baseline's`, user, (x) => x <= GOAL.sessionsMaxRatioVsBaseline, fmtX));
      goals.push(goal(`sessions --format ${fmt}: median wall <= ${GOAL.sessionsMaxRatioVsBaseline}x the baseline's (shared machine: user CPU is the one to trust)`, wall, (x) => x <= GOAL.sessionsMaxRatioVsBaseline, fmtX));
    }
    if (floor.median_s && hsTable.median_s) hsTable.vs = `${fmtX(hsTable.median_s / floor.median_s)} of tcpdump`;
    rows.push(hsTable, baseTable, baseJsonl);
    notes.push(`baseline: \`${BASELINE}\` (${baselineGit()}), run interleaved with this build in the same rounds`);
  }
  if (thr.length > 0) {
    const rs = thr.map((m) => summarize(m, input));
    const one = rs[THREAD_COUNTS.indexOf(1)] ?? null;
    for (const [i, r] of rs.entries()) {
      const n = THREAD_COUNTS[i];
      const speed = one?.median_s && r.median_s ? one.median_s / r.median_s : null;
      r.vs = `${n} thread${n === 1 ? '' : 's'}: ${speed == null ? 'n/a' : `${fmtX(speed)} the one-thread speed`}, user+sys ${fmtS(r.median_cpu_s)} s`;
      ratios[`threads_${n}_speedup`] = speed;
      if (n === 2) goals.push(goal('sessions --threads 2 >= 1.7x the one-thread speed (issue 19)', speed, (x) => x >= 1.7, fmtX));
    }
    rows.push(...rs);
    const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
    notes.push(`thread scaling (sessions --format jsonl; load average at the end ${load}; the machine is shared, so wall figures are noisy):\n\n` +
      '| threads | median wall s | speed vs 1 | median user+sys s | peak RSS MiB |\n|---|---|---|---|---|\n' +
      rs.map((r, i) => `| ${THREAD_COUNTS[i]} | ${fmtS(r.median_s)} | ${one?.median_s && r.median_s ? fmtX(one.median_s / r.median_s) : 'n/a'} | ${fmtS(r.median_cpu_s)} | ${fmtMiB(r.peak_rss_kib)} |`).join('\n'));
  }
  return { name: 'sessions', rows, ratios, goals, notes };
}

/** The baseline checkout's commit, for the report. */
function baselineGit() {
  try {
    return capture(['git', '-C', BASELINE, 'log', '-1', '--format=%h %s']).trim().slice(0, 100);
  } catch {
    return 'not a git checkout';
  }
}

async function caseStreams(input) {
  const cap = input.path;
  const c = rel(cap);
  const parent = path.resolve(args['stream-dir'] ?? DATA);
  fs.mkdirSync(parent, { recursive: true });
  const base = fs.mkdtempSync(path.join(parent, 'streams-'));
  tmpDirs.push(base);
  const where = fsInfo(base);
  log(`streams output under ${base}: ${where.type} on ${where.device}, mounted at ${where.mount}`);
  const notes = [`output dirs under \`${rel(base)}\`: **${where.type}** (${where.device} mounted at ${where.mount}, \`df -T\`); fresh dir per run, removed after it; \`sync\` + ${SETTLE} s sleep before each run`];
  const stats = {};
  const settle = async () => {
    if (TOOLS.sync) spawnSync(TOOLS.sync);
    if (SETTLE > 0) await sleep(SETTLE * 1000);
  };
  const afterRun = (key, exclude) => (i, r) => {
    const dir = path.join(base, `${key}-${i}`);
    if (i === 0 && r.exit === 0 && fs.existsSync(dir)) stats[key] = dirStats(dir, exclude);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const ms = [
    measurement({
      tool: 'tcpflow',
      cmd: `tcpflow -r ${c} -o DIR`,
      argv: (i) => [TOOLS.tcpflow, '-r', cap, '-o', path.join(base, `tcpflow-${i}`)],
      before: settle,
      after: afterRun('tcpflow', ['report.xml', 'alerts.txt']),
      skip: TOOLS.tcpflow ? null : 'tcpflow not found',
    }),
    measurement({
      tool: 'haystack',
      cmd: `bin/haystack.js streams ${c} -o DIR`,
      argv: (i) => hsCmd('streams', cap, '-o', path.join(base, `haystack-${i}`)),
      before: settle,
      after: afterRun('haystack', ['index.jsonl']),
    }),
  ];
  for (const m of ms) if (m.skip) skip(`streams/${m.tool}: ${m.skip}`);
  try {
    await runAll('streams', ms);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
  const [tf, hs] = ms.map((m) => summarize(m, input));
  const ratio = hs.median_s && tf.median_s ? hs.median_s / tf.median_s : null;
  hs.vs = ratio != null ? `${fmtX(ratio)} of tcpflow time` : null;
  tf.vs = ratio != null ? fasterSlower(1 / ratio) : null;
  for (const [k, s] of Object.entries(stats)) {
    notes.push(`${k} wrote ${fmtInt(s.files)} stream files, ${fmtInt(s.bytes)} bytes (run 1; ${k === 'haystack' ? 'index.jsonl' : 'report.xml'} not counted)`);
  }
  const goals = [goal('haystack streams faster than tcpflow (same FS)', ratio, (x) => x < GOAL.streamsMaxRatioVsTcpflow, (x) => `${fmtX(x)} of tcpflow time`)];
  return { name: 'streams', fs: where, rows: [tf, hs], ratios: { haystack_over_tcpflow: ratio }, output: stats, goals, notes };
}

// ---- tls: SNI of every ClientHello

/** Run argv once, untimed, with stdout to `file`; returns { exit, signal, stderr }. */
function runToFile(argv, file) {
  const fd = fs.openSync(file, 'w');
  try {
    const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.error) throw r.error;
    return { exit: r.status, signal: r.signal, stderr: (r.stderr || '').trim() };
  } finally {
    fs.closeSync(fd);
  }
}

/** Lines of a text file; a file of just "\n" is one empty line, an empty file is none. */
function fileLines(file) {
  const text = fs.readFileSync(file, 'utf8');
  if (text === '') return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

/** One CSV field (RFC 4180 quoting) to its value. */
const csvField = (f) => (f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1).replaceAll('""', '"') : f);

/** { hellos, distinct, without_sni } of a list of SNIs, '' = ClientHello without SNI. */
function sniCounts(snis) {
  const named = snis.filter((x) => x !== '');
  return { hellos: snis.length, distinct: new Set(named).size, without_sni: snis.length - named.length };
}

/** Size of the symmetric difference of two multisets of strings. */
function multisetDiff(a, b) {
  const n = new Map();
  for (const x of a) n.set(x, (n.get(x) ?? 0) + 1);
  for (const x of b) n.set(x, (n.get(x) ?? 0) - 1);
  let d = 0;
  for (const v of n.values()) d += Math.abs(v);
  return d;
}

async function caseTls(input) {
  const cap = input.path;
  const c = rel(cap);
  const py = findDpktPython();
  const tsArgv = [TOOLS.tshark, '-r', cap, '-Y', 'tls.handshake.type==1', '-T', 'fields', '-e', 'tls.handshake.extensions_server_name'];
  const ms = [
    tcpdumpFloor(cap),
    measurement({
      tool: 'haystack',
      cmd: `bin/haystack.js tls ${c} --format csv --fields sni > /dev/null`,
      argv: hsCmd('tls', cap, '--format', 'csv', '--fields', 'sni'),
    }),
    measurement({
      tool: 'tshark (SNI)',
      cmd: `tshark -r ${c} -Y 'tls.handshake.type==1' -T fields -e tls.handshake.extensions_server_name > /dev/null`,
      argv: tsArgv,
      runsWanted: TSHARK_RUNS,
      skip: TOOLS.tshark ? null : 'tshark not found',
    }),
    measurement({
      tool: 'dpkt script',
      cmd: `${py.python ?? 'python3'} bench/dpkt_sni.py ${c} > /dev/null`,
      argv: [py.python, DPKT_SCRIPT, cap],
      skip: py.python ? null : py.reason,
    }),
  ];
  for (const m of ms) if (m.skip) skip(`tls/${m.tool}: ${m.skip}`);
  await runAll('tls', ms);
  const [floor, hs, ts, dp] = ms.map((m) => summarize(m, input));
  if (!dp.skipped) dp.python = py.version;

  const ratio = hs.median_s && floor.median_s ? hs.median_s / floor.median_s : null;
  const speedupTs = hs.median_s && ts.median_s ? ts.median_s / hs.median_s : null;
  const speedupDp = hs.median_s && dp.median_s ? dp.median_s / hs.median_s : null;
  floor.vs = ratio != null ? `haystack = ${fmtX(ratio)} tcpdump` : null;
  hs.vs = ratio != null ? `${fmtX(ratio)} of tcpdump` : null;
  ts.vs = speedupTs != null ? fasterSlower(speedupTs) : null;
  dp.vs = speedupDp != null ? fasterSlower(speedupDp) : null;

  // Correctness: one extra, untimed run of each SNI tool with stdout to a file in bench/data/.
  const notes = [];
  const outputs = {};
  const counts = {};
  const snis = {};
  const counters = [
    ['haystack', hsCmd('tls', cap, '--format', 'csv', '--fields', 'sni'), 'tls-sni-haystack.csv', ms[1]],
    ['tshark', tsArgv, 'tls-sni-tshark.txt', ms[2]],
    ['dpkt', [py.python, DPKT_SCRIPT, cap], 'tls-sni-dpkt.txt', ms[3]],
  ];
  fs.mkdirSync(DATA, { recursive: true });
  for (const [k, argv, name, m] of counters) {
    const file = path.join(DATA, name);
    fs.rmSync(file, { force: true }); // no stale output of an earlier run
    if (m.skip) continue;
    log(`[tls] ${k}: untimed run for the counts -> ${rel(file)}`);
    const r = runToFile(argv, file);
    outputs[k] = rel(file);
    if (r.exit !== 0 || r.signal) {
      const msg = `tls/${k} (count run): exited ${r.exit}${r.signal ? ` (${r.signal})` : ''}${r.stderr ? `; stderr: ${r.stderr.split('\n').slice(-5).join(' | ')}` : ''}`;
      errors.push(msg);
      log(`ERROR: ${msg}`);
      continue;
    }
    let lines = fileLines(file);
    if (k === 'haystack') {
      if (lines[0] !== 'sni') {
        const msg = `tls/haystack (count run): expected the CSV header 'sni', got '${(lines[0] ?? '').slice(0, 80)}'`;
        errors.push(msg);
        log(`ERROR: ${msg}`);
        continue;
      }
      lines = lines.slice(1).map(csvField);
    }
    snis[k] = lines;
    counts[k] = sniCounts(lines);
    if (k === 'dpkt' && r.stderr) notes.push(`dpkt script: ${r.stderr.split('\n').pop()}`);
  }
  const cell = (k, f) => (counts[k] ? fmtInt(counts[k][f]) : 'n/a');
  const who = ['haystack', 'tshark', 'dpkt'];
  notes.unshift(
    `correctness (haystack / tshark / dpkt, from one extra untimed run of each, outputs in ${Object.values(outputs).map((o) => `\`${o}\``).join(', ') || 'n/a'}): ` +
      `ClientHellos ${who.map((k) => cell(k, 'hellos')).join(' / ')}; ` +
      `distinct SNIs ${who.map((k) => cell(k, 'distinct')).join(' / ')}; ` +
      `without SNI ${who.map((k) => cell(k, 'without_sni')).join(' / ')} ` +
      '(tshark: one line per frame with a ClientHello; haystack: one CSV row per ClientHello; perf-baseline.md: 19,310 and 1,991 on its instance)',
  );
  let agree = null;
  if (counts.haystack && counts.tshark) {
    const diff = multisetDiff(snis.haystack, snis.tshark);
    agree = { haystack: counts.haystack, tshark: counts.tshark, multiset_diff: diff };
    notes.push(
      diff === 0
        ? 'haystack and tshark give the same multiset of SNIs (order aside)'
        : `haystack and tshark SNI multisets differ in ${fmtInt(diff)} entries (compare the sorted files)`,
    );
  }

  const maxKib = GOAL.tlsMaxPeakRssBytes / 1024;
  const goals = [
    goal(`haystack tls >= ${GOAL.tlsMinSpeedupVsTshark}x faster than tshark SNI`, speedupTs, (x) => x >= GOAL.tlsMinSpeedupVsTshark, (x) => `${fmtX(x)} faster`),
    goal(`haystack tls >= ${GOAL.tlsMinSpeedupVsDpkt}x faster than the dpkt script`, speedupDp, (x) => x >= GOAL.tlsMinSpeedupVsDpkt, (x) => `${fmtX(x)} faster`),
    goal(`haystack tls within ${GOAL.tlsMaxRatioVsTcpdump}x of tcpdump -r f -w /dev/null`, ratio, (x) => x <= GOAL.tlsMaxRatioVsTcpdump, fmtX),
    goal(`haystack tls peak RSS < ${GOAL.tlsMaxPeakRssBytes / 1e6} MB`, hs.peak_rss_kib, (x) => x < maxKib, (x) => `${fmtMiB(x)} MiB`),
    goal(
      'haystack ClientHellos, distinct SNIs and SNI multiset = tshark',
      agree,
      (x) => x.haystack.hellos === x.tshark.hellos && x.haystack.distinct === x.tshark.distinct && x.multiset_diff === 0,
      (x) => `${fmtInt(x.haystack.hellos)} / ${fmtInt(x.tshark.hellos)} hellos, ${fmtInt(x.haystack.distinct)} / ${fmtInt(x.tshark.distinct)} distinct, ${fmtInt(x.multiset_diff)} differ`,
    ),
  ];
  return {
    name: 'tls',
    rows: [floor, hs, ts, dp],
    ratios: { haystack_over_tcpdump: ratio, tshark_over_haystack: speedupTs, dpkt_over_haystack: speedupDp },
    counts,
    outputs,
    goals,
    notes,
  };
}


async function caseMemoryFlat(input) {
  const missing = ['editcap', 'mergecap', 'capinfos'].filter((t) => !TOOLS[t]);
  if (missing.length) {
    skip(`memory-flat: ${missing.join(', ')} not found (needed to build the 1 GB capture)`);
    return { name: 'memory-flat', skipped: `${missing.join(', ')} not found`, rows: [], goals: [], notes: [] };
  }
  const verbs = (args.verbs ?? FLAT_VERBS.join(',')).split(',').filter((v) => v !== '');
  const unknown = verbs.filter((v) => !FLAT_VERBS.includes(v));
  if (unknown.length) die(`--verbs: unknown ${unknown.join(', ')} (known: ${FLAT_VERBS.join(', ')})`);
  const big = await bigCapture(input.path);
  const bigInput = await describeCapture(big);
  await warm(big);
  const parent = path.resolve(args['stream-dir'] ?? DATA);
  fs.mkdirSync(parent, { recursive: true });
  const out = fs.mkdtempSync(path.join(parent, 'memflat-'));
  tmpDirs.push(out);
  const clean = () => {
    for (const f of fs.readdirSync(out)) fs.rmSync(path.join(out, f), { recursive: true, force: true });
  };
  const mb = (inp) => `${(inp.bytes / 1e6).toFixed(0)} MB`;
  const mk = (verb, inp) => {
    const target = verb === 'streams' ? path.join(out, 'streams') : path.join(out, 'store.duckdb');
    const extra = verb === 'streams' ? ['-o', target] : verb === 'ingest' ? ['--db', target] : [];
    return measurement({
      tool: `${verb} (${mb(inp)})`,
      cmd: `bin/haystack.js ${verb} ${rel(inp.path)}${extra.length ? ` ${extra[0]} ${verb === 'streams' ? 'DIR' : 'FILE.duckdb'}` : ''} > /dev/null`,
      argv: hsCmd(verb, inp.path, ...extra),
      before: clean,
      after: clean,
    });
  };
  const pairs = verbs.map((v) => [mk(v, input), mk(v, bigInput)]);
  await runAll('memory-flat', pairs.flat());
  const rows = [];
  const goals = [];
  const growths = {};
  const maxKib = GOAL.maxPeakRssBytes / 1024;
  verbs.forEach((verb, k) => {
    const small = summarize(pairs[k][0], input);
    const large = summarize(pairs[k][1], bigInput);
    const growth = small.peak_rss_kib && large.peak_rss_kib ? large.peak_rss_kib / small.peak_rss_kib : null;
    growths[verb] = growth;
    large.vs = growth != null ? `RSS ${fmtX(growth)} of the ${mb(input)} run` : null;
    rows.push(small, large);
    if (verb === 'sessions') {
      goals.push(goal(`sessions: peak RSS < 200 MB on ${mb(input)}`, small.peak_rss_kib, (x) => x < maxKib, (x) => `${fmtMiB(x)} MiB`));
      goals.push(goal(`sessions: peak RSS < 200 MB on ${mb(bigInput)}`, large.peak_rss_kib, (x) => x < maxKib, (x) => `${fmtMiB(x)} MiB`));
    }
    goals.push(goal(`${verb}: peak RSS flat with length (${mb(bigInput)} / ${mb(input)} <= ${GOAL.maxRssGrowth})`, growth, (x) => x <= GOAL.maxRssGrowth, fmtX));
  });
  return {
    name: 'memory-flat',
    big_capture: bigInput,
    rows,
    ratios: { rss_big_over_small: growths },
    goals,
    notes: [
      `${rel(big)}: ${BIG_COPIES} time-shifted copies of ${rel(input.path)} (editcap -t, mergecap -a), ${fmtInt(bigInput.bytes)} bytes, ${fmtInt(bigInput.packets)} packets; ` +
        `each copy starts ${BIG_GAP_S} s after the previous one ends (the longest session timeout, TCP inactivity, and a second), so no session of one copy is still open when the next begins: the big capture holds as many sessions at once as the small one, and only its length differs`,
      `peak RSS is the maximum over the runs (\`--runs\`); streams write into and ingest into a scratch dir under ${rel(parent)}, emptied before and after each run`,
    ],
  };
}

function goal(text, value, pass, fmt) {
  const met = value == null ? null : pass(value);
  return { goal: text, value, measured: value == null ? 'n/a' : fmt(value), met };
}

// ------------------------------------------------------------------------------------------ report

function machine() {
  let model = '?';
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '?';
  } catch {
    /* not linux */
  }
  let nproc = os.availableParallelism();
  try {
    nproc = Number(capture(['nproc']).trim());
  } catch {
    /* keep node's value */
  }
  let git = null;
  try {
    const rev = capture(['git', 'rev-parse', '--short', 'HEAD']).trim();
    const dirty = capture(['git', 'status', '--porcelain', '--', 'src', 'bin', 'package.json']).trim() !== '';
    git = `${rev}${dirty ? ' (+ uncommitted changes in src/bin)' : ''}`;
  } catch {
    /* not a git checkout */
  }
  return {
    nproc,
    cpu_model: model,
    mem_total_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
    kernel: `${os.type()} ${os.release()}`,
    loadavg_start: os.loadavg().map((x) => +x.toFixed(2)),
    node: process.version,
    haystack_git: git,
    tools: {
      tcpdump: TOOLS.tcpdump ? firstLine([TOOLS.tcpdump, '--version']) : 'not found',
      tshark: TOOLS.tshark ? firstLine([TOOLS.tshark, '--version']) : 'not found',
      tcpflow: TOOLS.tcpflow ? firstLine([TOOLS.tcpflow, '-V']) : 'not found',
      dpkt: findDpktPython().version ?? 'dpkt not found',
      gnu_time: GNU_TIME ?? 'not found',
    },
  };
}

function markdown(report) {
  const m = report.machine;
  const cap = report.capture;
  const out = [];
  out.push(`# haystack benchmark ${report.date}`, '');
  out.push(`- machine: ${m.nproc} CPU (${m.cpu_model}), ${m.mem_total_gib} GiB RAM, ${m.kernel}; node ${m.node}; load average at start ${m.loadavg_start.join(' ')}`);
  out.push(`- haystack: ${m.haystack_git ?? '?'}; tools: ${m.tools.tcpdump}; ${m.tools.tshark}; ${m.tools.tcpflow}; ${m.tools.dpkt}; RSS via ${m.tools.gnu_time}`);
  out.push(`- capture: \`${cap.path}\`, ${fmtInt(cap.bytes)} bytes, ${fmtInt(cap.packets)} packets (${cap.packets_from ?? 'n/a'}); page cache warmed before timing`);
  out.push(`- ${report.options.runs} runs per command (tshark: ${report.options.tshark_runs}), interleaved; median wall time (process.hrtime around the child); peak RSS = max of GNU time %M over the runs; MB/s = 10^6 bytes / median`);
  out.push('');
  const head = ['case', 'tool', 'command', 'runs', 'median s', 'all runs s', 'user / sys s (median)', 'MB/s', 'packets/s', 'peak RSS MiB', 'comparison'];
  const pad = (cells) => `| ${[...cells, ...Array(head.length - cells.length).fill('')].join(' | ')} |`;
  out.push(pad(head), `|${'---|'.repeat(head.length)}`);
  for (const c of report.cases) {
    if (c.skipped) {
      out.push(pad([c.name, '—', `skipped: ${c.skipped}`]));
      continue;
    }
    for (const r of c.rows) {
      if (r.skipped) {
        out.push(pad([c.name, r.tool, `\`${r.cmd}\``, `skipped: ${r.skipped}`]));
        continue;
      }
      const fail = r.failed_runs ? ` (${r.failed_runs} failed)` : '';
      out.push(
        pad([
          c.name,
          r.tool,
          `\`${r.cmd}\``,
          `${r.runs}${fail}`,
          fmtS(r.median_s),
          r.wall_s.map(fmtS).join(' / '),
          `${fmtS(r.median_user_s)} / ${fmtS(r.median_sys_s)}`,
          r.mb_per_s == null ? 'n/a' : r.mb_per_s.toFixed(1),
          fmtInt(r.packets_per_s),
          fmtMiB(r.peak_rss_kib),
          r.vs ?? '',
        ]),
      );
    }
  }
  const goals = report.cases.flatMap((c) => c.goals.map((g) => ({ case: c.name, ...g })));
  if (goals.length) {
    out.push('', '| case | goal | measured | met |', '|---|---|---|---|');
    for (const g of goals) out.push(`| ${g.case} | ${g.goal} | ${g.measured} | ${g.met == null ? 'n/a' : g.met ? 'yes' : '**NO**'} |`);
  }
  const notes = report.cases.flatMap((c) => c.notes.map((n) => `${c.name}: ${n}`));
  for (const c of report.cases) {
    for (const r of c.rows) {
      if (r.min_s && r.max_s / r.min_s > 1.3) {
        notes.push(`${c.name}: ${r.tool} is noisy, slowest run ${fmtX(r.max_s / r.min_s)} the fastest (other load on the machine? file-system state? compare user/sys in the JSON)`);
      }
    }
  }
  if (notes.length || report.skipped.length || report.errors.length) out.push('');
  for (const n of notes) out.push(`- ${n}`);
  for (const s of report.skipped) out.push(`- SKIPPED: ${s}`);
  for (const e of report.errors) out.push(`- ERROR: ${e}`);
  return `${out.join('\n')}\n`;
}

// ------------------------------------------------------------------------------------------ main

async function main() {
  const capPath = path.resolve(args.capture ?? process.env.HAYSTACK_PERF_CAPTURE ?? DEFAULT_CAPTURE);
  if (!fs.existsSync(capPath)) {
    process.stderr.write(
      `bench: capture not found: ${capPath}\n` +
        `  make it with:   npm run bench:corpus   (needs root and tshark nginx curl apache2-utils openssl iproute2 ethtool python3; ~1 min;\n` +
        `                  writes bench/data/perf-big.pcapng via ../shared/tools/make-perf-corpus.sh)\n` +
        `  or use another: node bench/run.mjs --capture PATH   (or HAYSTACK_PERF_CAPTURE=PATH)\n`,
    );
    process.exit(1);
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
    die('haystack is not built (dist/cli/main.js missing): run `npm run build` (or `npm run bench`)', 1);
  }
  const cases = selected.filter((c) => {
    if (c === 'memory-flat' && !args.big) {
      skip('memory-flat: needs --big (builds a ~1 GB capture in bench/data/)');
      return false;
    }
    return true;
  });

  const date = new Date().toISOString();
  const mach = machine();
  log(`machine: nproc ${mach.nproc}, ${mach.cpu_model}, node ${mach.node}`);
  const input = await describeCapture(capPath);
  log(`capture: ${capPath}, ${fmtInt(input.bytes)} bytes, ${fmtInt(input.packets)} packets`);
  await warm(capPath);

  const results = [];
  for (const c of cases) {
    log(`\n== ${c}`);
    if (c === 'sessions') results.push(await caseSessions(input));
    else if (c === 'streams') results.push(await caseStreams(input));
    else if (c === 'tls') results.push(await caseTls(input));
    else results.push(await caseMemoryFlat(input));
  }

  const report = {
    date,
    machine: mach,
    options: { runs: RUNS, tshark_runs: TSHARK_RUNS, only: args.only ?? null, big: args.big, settle_s: SETTLE, baseline: BASELINE, threads: THREAD_COUNTS },
    capture: input,
    goals: GOAL,
    cases: results,
    skipped,
    errors,
  };
  const md = markdown(report);
  process.stdout.write(`\n${md}`);
  fs.mkdirSync(RESULTS, { recursive: true });
  const stem = path.join(RESULTS, date.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-'));
  fs.writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(`${stem}.md`, md);
  log(`\nwrote ${rel(stem)}.json and .md`);
  if (errors.length) {
    log(`${errors.length} measurement(s) failed, see ERROR lines`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  process.stderr.write(`bench: ${e && e.stack ? e.stack : String(e)}\n`);
  cleanup();
  process.exit(1);
});
