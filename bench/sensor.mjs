#!/usr/bin/env node
// bench/sensor.mjs — `haystack sensor` under replayed perf-big traffic: tcpreplay in one network namespace, the
// sensor (dumpcap ring + ingest into a scratch DuckDB store) on the veth peer in another; reference in the same
// run: `tcpdump -w` alone on the same interface at the same rate (the capture side's own drops).
//
//   node bench/sensor.mjs [--rates 200,600] [--rotate 64MB] [--capture PATH] [--keep-data] [--cpu-prof DIR]
//
// Needs root (namespaces, capture), tcpreplay (Debian: apt-get install tcpreplay), dumpcap (wireshark-common) and
// ip (iproute2); tcpdump for the reference row. Without root or tcpreplay it says so and exits 0 (skipped).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const DATA = path.join(ROOT, 'bench', 'data');
const RESULTS = path.join(ROOT, 'bench', 'results');
const HAYSTACK = path.join(ROOT, 'bin', 'haystack.js');
/** The issue's rate: the sensor keeps up with 200 Mbit/s of replayed traffic, no drops at dumpcap. */
const GOAL_MBPS = 200;
/** How often the ring directory and the sensor's RSS are sampled. */
const SAMPLE_MS = 200;
/** After the replay ends, how long the capture runs on before it is stopped (packets still in kernel buffers). */
const SETTLE_MS = 1000;

const args = parseArgs({
  options: {
    rates: { type: 'string', default: '200,600' },
    rotate: { type: 'string', default: '64MB' },
    capture: { type: 'string' },
    'keep-data': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
  strict: true,
}).values;
const RATES = args.rates.split(',').map((r) => r.trim()).filter((r) => r !== '');
const CAPTURE = path.resolve(args.capture ?? process.env.HAYSTACK_PERF_CAPTURE ?? path.join(DATA, 'perf-big.pcapng'));

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip = (why) => {
  process.stdout.write(`bench/sensor: SKIPPED: ${why}\n`);
  process.exit(0);
};
if (process.getuid?.() !== 0) skip('needs root (network namespaces and capture)');
for (const [tool, pkg] of [['tcpreplay', 'tcpreplay'], ['dumpcap', 'wireshark-common'], ['ip', 'iproute2']]) {
  if (!have(tool)) skip(`${tool} not found (Debian: apt-get install ${pkg})`);
}
if (!fs.existsSync(CAPTURE)) {
  process.stderr.write(`bench/sensor: ${CAPTURE} is missing (npm run bench:corpus makes it)\n`);
  process.exit(2);
}
if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'commands', 'sensor.js'))) {
  process.stderr.write('bench/sensor: dist/ has no sensor: run `npm run build` first\n');
  process.exit(2);
}

function sh(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Two namespaces joined by a veth pair: tcpreplay sends on `tx`, the capture reads `rx`. No addresses, IPv6 off. */
function makeNet() {
  const id = randomBytes(3).toString('hex');
  const net = { txNs: `hsb-tx-${id}`, rxNs: `hsb-rx-${id}`, tx: `hsb${id}t`, rx: `hsb${id}r` };
  net.stop = () => {
    spawnSync('ip', ['netns', 'del', net.txNs]);
    spawnSync('ip', ['netns', 'del', net.rxNs]);
  };
  try {
    sh('ip', ['netns', 'add', net.txNs]);
    sh('ip', ['netns', 'add', net.rxNs]);
    sh('ip', ['-n', net.txNs, 'link', 'add', net.tx, 'type', 'veth', 'peer', 'name', net.rx, 'netns', net.rxNs]);
    for (const [ns, dev] of [[net.txNs, net.tx], [net.rxNs, net.rx]]) {
      sh('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${dev}.disable_ipv6=1`]);
      sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
  } catch (e) {
    net.stop();
    throw e;
  }
  return net;
}

/** Runs tcpreplay at `rate` (Mbit/s, or "top" for --topspeed) and reads its summary. */
function replay(net, rate) {
  return new Promise((resolve) => {
    const speed = rate === 'top' ? ['--topspeed'] : [`--mbps=${rate}`];
    const t0 = Date.now();
    const k = spawn('ip', ['netns', 'exec', net.txNs, 'tcpreplay', '-q', '-i', net.tx, ...speed, CAPTURE], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    k.stdout.on('data', (d) => (out += d));
    k.stderr.on('data', (d) => (out += d));
    k.on('exit', (code) => {
      const num = (re) => {
        const m = re.exec(out);
        return m === null ? null : Number(m[1].replace(/,/g, ''));
      };
      resolve({
        code,
        startMs: t0,
        endMs: Date.now(),
        sent: num(/Actual: (\d+) packets/),
        bytes: num(/Actual: \d+ packets \((\d+) bytes\)/),
        seconds: num(/sent in ([\d.]+) seconds/),
        mbps: num(/Rated: [\d.]+ Bps, ([\d.]+) Mbps/),
        pps: num(/Mbps, ([\d.]+) pps/),
        failed: num(/Failed packets:\s+(\d+)/),
        raw: out.trim(),
      });
    });
  });
}

/** VmHWM (peak RSS) of a process in MiB, or null once it is gone. */
function peakRss(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? null : Number(m[1]) / 1024;
  } catch {
    return null;
  }
}

/** The sensor on `rx` while perf-big is replayed at `rate`; the backlog of closed, not yet ingested files sampled. */
async function sensorRun(net, rate, scratch) {
  const dir = path.join(scratch, `ring-${rate}`);
  const db = path.join(scratch, `sensor-${rate}.duckdb`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(db, { force: true });
  fs.mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  // `ip netns exec` execs the command: the child's pid is node's
  const prof = args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(args['cpu-prof'])] : [];
  const k = spawn('ip', ['netns', 'exec', net.rxNs, process.execPath, ...prof, HAYSTACK, 'sensor', '-i', net.rx, '--rotate', args.rotate, '--dir', dir, '--db', db, '--sensor', 'bench'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((r) => k.on('exit', (code, signal) => r({ code, signal, ms: Date.now() })));
  const ingests = [];
  let err = '';
  let buf = '';
  k.stderr.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      err += `${line}\n`;
      const m = /sensor: (\S+\.pcapng): (\d+) packets, (\d+) sessions/.exec(line);
      if (m !== null) ingests.push({ file: path.basename(m[1]), packets: Number(m[2]), sessions: Number(m[3]), ms: Date.now() });
    }
  });
  // dumpcap has started once the first ring file exists
  for (let i = 0; fs.readdirSync(dir).length === 0; i++) {
    if (i > 150) throw new Error(`sensor did not start: ${err}`);
    await sleep(100);
  }
  await sleep(500);
  const samples = [];
  const seen = new Map();
  let rss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const now = Date.now();
      const files = fs.readdirSync(dir).filter((f) => f.endsWith('.pcapng')).sort();
      for (const f of files) if (!seen.has(f)) seen.set(f, now);
      // every file but the newest is closed (dumpcap writes one at a time)
      const closed = Math.max(0, files.length - 1);
      const done = ingests.length;
      samples.push({ t: (now - t0) / 1000, closed, ingested: done, backlog: closed - done });
      rss = Math.max(rss, peakRss(k.pid) ?? 0);
      await sleep(SAMPLE_MS);
    }
  })();
  const rep = await replay(net, rate);
  await sleep(SETTLE_MS);
  const stopMs = Date.now();
  rss = Math.max(rss, peakRss(k.pid) ?? 0);
  k.kill('SIGTERM');
  const end = await exited;
  sampling = false;
  await sampler;
  // the sensor's line from dumpcap's closing statistics
  const drops = /dumpcap: (\d+) packets received, (\d+) dropped(?: \(([^)]*)\))?/.exec(err);
  const store = spawnSync(process.execPath, [HAYSTACK, 'sql', '--db', db, '--format', 'jsonl', 'SELECT count(*) AS files, sum(packets) AS packets FROM captures'], { encoding: 'utf8' });
  const sessions = spawnSync(process.execPath, [HAYSTACK, 'sql', '--db', db, '--format', 'jsonl', 'SELECT count(*) AS n FROM sessions'], { encoding: 'utf8' });
  const row = store.status === 0 ? JSON.parse(store.stdout.trim().split('\n')[0]) : {};
  const lastIngest = ingests.length > 0 ? ingests[ingests.length - 1].ms : null;
  // a file is closed when the next appears; the ingest of file i ends at ingests[i] (files are ingested in order)
  const ring = [...seen.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const lags = ingests.slice(0, -1).map((g, i) => (ring[i + 1] ? (g.ms - ring[i + 1][1]) / 1000 : null)).filter((x) => x !== null);
  // each file's ingest starts when it is closed and the one before is done (the last: at the stop)
  const closeMs = (i) => (i < ingests.length - 1 && ring[i + 1] ? ring[i + 1][1] : stopMs);
  const durations = ingests.map((g, i) => (g.ms - Math.max(closeMs(i), i > 0 ? ingests[i - 1].ms : 0)) / 1000);
  if (!args['keep-data']) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(db, { force: true });
    fs.rmSync(`${db}.wal`, { force: true });
  }
  return {
    rate,
    replay: rep,
    exit: end,
    received: drops ? Number(drops[1]) : null,
    dropped: drops ? Number(drops[2]) : null,
    dropDetail: drops?.[3] ?? null,
    storeFiles: row.files !== undefined ? Number(row.files) : null,
    storePackets: row.packets !== undefined ? Number(row.packets) : null,
    storeSessions: sessions.status === 0 ? Number(JSON.parse(sessions.stdout.trim().split('\n')[0]).n) : null,
    files: ingests.length,
    maxBacklog: Math.max(0, ...samples.map((s) => s.backlog)),
    backlogAtReplayEnd: samples.filter((s) => s.t <= (rep.endMs - t0) / 1000).at(-1)?.backlog ?? null,
    maxLagS: lags.length > 0 ? Math.max(...lags) : null,
    lagsS: lags,
    ingestS: durations,
    lastPacketToLastIngestS: lastIngest !== null ? (lastIngest - rep.endMs) / 1000 : null,
    stopToLastIngestS: lastIngest !== null ? (lastIngest - stopMs) / 1000 : null,
    rssMiB: rss,
    samples,
    log: err.split('\n').filter((l) => !/: \d+ packets, \d+ sessions/.test(l)).slice(-6),
  };
}

/** tcpdump -w alone on `rx` at the same rate: its received/dropped counts. */
async function tcpdumpRun(net, rate, scratch) {
  const out = path.join(scratch, `tcpdump-${rate}.pcap`);
  const k = spawn('ip', ['netns', 'exec', net.rxNs, 'tcpdump', '-i', net.rx, '-n', '-w', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  k.stderr.on('data', (d) => (err += d));
  const exited = new Promise((r) => k.on('exit', r));
  for (let i = 0; !/listening on/.test(err); i++) {
    if (i > 100) throw new Error(`tcpdump did not start: ${err}`);
    await sleep(100);
  }
  await sleep(300);
  const rep = await replay(net, rate);
  await sleep(SETTLE_MS);
  const rss = peakRss(k.pid) ?? 0;
  k.kill('SIGINT');
  await exited;
  const num = (re) => Number(re.exec(err)?.[1] ?? NaN);
  fs.rmSync(out, { force: true });
  return { rate, replay: rep, captured: num(/(\d+) packets captured/), received: num(/(\d+) packets received by filter/), dropped: num(/(\d+) packets dropped by kernel/), rssMiB: rss };
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const scratch = fs.mkdtempSync(path.join(DATA, 'sensor-'));
process.stderr.write(`bench/sensor: warming the page cache (${CAPTURE})\n`);
spawnSync('cat', [CAPTURE], { stdio: ['ignore', 'ignore', 'ignore'] });
const net = makeNet();
const runs = [];
const refs = [];
const loads = [`start ${load()}`];
try {
  for (const rate of RATES) {
    process.stderr.write(`bench/sensor: ${rate} Mbit/s: sensor (load ${load()})\n`);
    runs.push(await sensorRun(net, rate, scratch));
    loads.push(`after sensor ${rate}: ${load()}`);
    if (have('tcpdump')) {
      process.stderr.write(`bench/sensor: ${rate} Mbit/s: tcpdump -w (load ${load()})\n`);
      refs.push(await tcpdumpRun(net, rate, scratch));
      loads.push(`after tcpdump ${rate}: ${load()}`);
    }
  }
} finally {
  net.stop();
  if (!args['keep-data']) fs.rmSync(scratch, { recursive: true, force: true });
}

const f = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const n = (x) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toLocaleString('en'));
const lines = [
  `# Sensor benchmark ${new Date().toISOString()}`,
  '',
  `capture: \`${CAPTURE}\` (${n(fs.statSync(CAPTURE).size)} bytes) replayed by tcpreplay ${/tcpreplay version: (\S+)/.exec(spawnSync('tcpreplay', ['-V'], { encoding: 'utf8' }).stdout + spawnSync('tcpreplay', ['-V'], { encoding: 'utf8' }).stderr)?.[1] ?? ''} on a veth pair between two network namespaces; \`haystack sensor --rotate ${args.rotate}\` into a scratch DuckDB store on the other end; the capture stopped ${SETTLE_MS} ms after the replay. ${os.cpus().length} CPUs; load average ${loads.join('; ')}.`,
  '',
  '| rate asked | tcpreplay achieved | sent | dumpcap received / dropped | in the store (files, packets, sessions) | max backlog (closed, not ingested) | max close-to-ingested | last packet to last file ingested | sensor peak RSS MiB |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const r of runs) {
  lines.push(`| ${r.rate} Mbit/s | ${f(r.replay.mbps)} Mbit/s, ${n(r.replay.pps)} pps, ${f(r.replay.seconds, 2)} s | ${n(r.replay.sent)}${r.replay.failed ? ` (${n(r.replay.failed)} failed)` : ''} | ${n(r.received)} / ${n(r.dropped)}${r.dropDetail ? ` (${r.dropDetail})` : ''} | ${n(r.storeFiles)}, ${n(r.storePackets)}, ${n(r.storeSessions)} | ${r.maxBacklog} | ${f(r.maxLagS, 2)} s | ${f(r.lastPacketToLastIngestS, 2)} s (${f(r.stopToLastIngestS, 2)} s after the stop) | ${f(r.rssMiB, 0)} |`);
}
if (refs.length > 0) {
  lines.push('', 'Reference, same run: `tcpdump -i rx -w f` alone at the same rate.', '', '| rate asked | tcpreplay achieved | sent | tcpdump captured / received / dropped by kernel | peak RSS MiB |', '|---|---|---|---|---|');
  for (const r of refs) lines.push(`| ${r.rate} Mbit/s | ${f(r.replay.mbps)} Mbit/s, ${f(r.replay.seconds, 2)} s | ${n(r.replay.sent)} | ${n(r.captured)} / ${n(r.received)} / ${n(r.dropped)} | ${f(r.rssMiB, 0)} |`);
}
const goal = runs.find((r) => Number(r.rate) === GOAL_MBPS);
const goals = [];
if (goal) {
  goals.push({ text: `${GOAL_MBPS} Mbit/s: tcpreplay reached the rate (within 5%)`, measured: `${f(goal.replay.mbps)} Mbit/s`, pass: goal.replay.mbps !== null && goal.replay.mbps >= GOAL_MBPS * 0.95 });
  goals.push({ text: `${GOAL_MBPS} Mbit/s: no drops at dumpcap`, measured: `${n(goal.dropped)} dropped of ${n(goal.received)}`, pass: goal.dropped === 0 });
  goals.push({ text: `${GOAL_MBPS} Mbit/s: every packet sent is in the store`, measured: `${n(goal.storePackets)} of ${n(goal.replay.sent)}`, pass: goal.storePackets === goal.replay.sent });
  goals.push({ text: `${GOAL_MBPS} Mbit/s: ingest keeps up (never more than one closed file waiting)`, measured: `max backlog ${goal.maxBacklog}`, pass: goal.maxBacklog <= 1 });
}
if (goals.length > 0) {
  lines.push('', '| goal | measured | met |', '|---|---|---|');
  for (const g of goals) lines.push(`| ${g.text} | ${g.measured} | ${g.pass ? 'yes' : '**NO**'} |`);
}
lines.push('', '- backlog: ring files closed (a newer one exists) whose ingest line the sensor has not yet logged, sampled every 200 ms; close-to-ingested: from the next file appearing to the file\'s ingest line');
lines.push('- the last file closes only when the sensor is stopped; "after the stop" is from the SIGTERM to its ingest line', '');
for (const r of runs) lines.push(`${r.rate} Mbit/s: per-file close-to-ingested s: ${r.lagsS.map((x) => x.toFixed(2)).join(', ') || 'n/a'}; per-file ingest s (from its close or the previous file's end): ${r.ingestS.map((x) => x.toFixed(2)).join(', ')}; sensor exit ${r.exit.code ?? r.exit.signal}; ${r.log.join(' | ')}`);
lines.push('');
const md = lines.join('\n');
process.stdout.write(md);
fs.mkdirSync(RESULTS, { recursive: true });
const stem = path.join(RESULTS, `${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}Z-sensor`);
fs.writeFileSync(`${stem}.md`, md);
fs.writeFileSync(`${stem}.json`, JSON.stringify({ capture: CAPTURE, rotate: args.rotate, loads, runs, refs, goals }, null, 2));
process.stdout.write(`wrote ${stem}.md and .json\n`);
