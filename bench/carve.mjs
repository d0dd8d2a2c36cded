#!/usr/bin/env node
// bench/carve.mjs — carving one session out of perf-big.pcapng (ingested into bench/data/carve.duckdb) against
// `tcpdump -r f -w out '<BPF for the 5-tuple>'` (and `tshark -r f -Y '<filter>' -w out` once) in the same run.
// Two sessions: a typical one from the middle of the file, and the largest. Timed in-process with the store
// already open (what the server does per download) and as the whole `haystack carve` process.
//
//   node bench/carve.mjs [--runs N] [--capture PATH] [--tshark-runs N]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { timed } from './lib/timed.mjs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const DATA = path.join(ROOT, 'bench', 'data');
const RESULTS = path.join(ROOT, 'bench', 'results');
const HAYSTACK = path.join(ROOT, 'bin', 'haystack.js');
const DB = path.join(DATA, 'carve.duckdb');
const OUT = path.join(DATA, 'carve-out.pcap');
/** The issue's budget for carving one session out of perf-big. */
const GOAL_SECONDS = 0.5;

const args = parseArgs({ options: { runs: { type: 'string', default: '5' }, capture: { type: 'string' }, 'tshark-runs': { type: 'string', default: '1' } }, strict: true }).values;
const RUNS = Number(args.runs);
const CAPTURE = path.resolve(args.capture ?? process.env.HAYSTACK_PERF_CAPTURE ?? path.join(DATA, 'perf-big.pcapng'));
if (!fs.existsSync(CAPTURE)) {
  process.stderr.write(`bench/carve: ${CAPTURE} is missing (npm run bench:corpus makes it)\n`);
  process.exit(2);
}
const SIZE = fs.statSync(CAPTURE).size;
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// the store: the capture ingested once (a second ingest finds it by its hash and changes nothing)
const ing = spawnSync(process.execPath, [HAYSTACK, 'ingest', CAPTURE, '--db', DB], { encoding: 'utf8' });
if (ing.status !== 0) throw new Error(`ingest: ${ing.stderr}`);

const { openStore } = await import(path.join(ROOT, 'dist/store/open.js'));
const { carveSession } = await import(path.join(ROOT, 'dist/pipeline/carve.js'));
const store = await openStore(DB, { readOnly: true });
const pick = async (order) => (await store.select(
  `SELECT s.uid, s.src_ip, s.src_port, s.dst_ip, s.dst_port, s.src_pkts + s.dst_pkts AS pkts, s.src_frame_bytes + s.dst_frame_bytes AS bytes, s.pcap_start, s.pcap_end
   FROM sessions s JOIN captures c USING (capture_id) WHERE c.sha256 = (SELECT sha256 FROM captures WHERE path = '${CAPTURE.replace(/'/g, "''")}' LIMIT 1) AND s.proto = 'tcp' ${order}`,
)).rows[0];
const n = Number((await store.select(`SELECT count(*) AS n FROM sessions WHERE proto = 'tcp'`)).rows[0].n);
const sessions = [
  ['typical (the middle TCP session by file offset)', await pick(`ORDER BY s.pcap_start LIMIT 1 OFFSET ${Math.floor(n / 2)}`)],
  ['largest (most frame bytes)', await pick('ORDER BY bytes DESC LIMIT 1')],
];

/** Packets in a classic pcap file (records walked). */
function pcapPackets(file) {
  const b = fs.readFileSync(file);
  let p = 24;
  let k = 0;
  while (p + 16 <= b.length) {
    p += 16 + b.readUInt32LE(p + 8);
    k++;
  }
  return k;
}

/** Wall seconds and peak RSS (GNU time) of a command writing OUT, and the packets it wrote. */
async function timedCarve(argv) {
  const r = await timed(argv);
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: exit ${r.code}: ${r.err}`);
  return { s: r.s, rssMiB: r.rssMiB, packets: pcapPackets(OUT) };
}

const rows = [];
const goals = [];
for (const [what, s] of sessions) {
  const bpf = `tcp and host ${s.src_ip} and host ${s.dst_ip} and port ${s.src_port} and port ${s.dst_port}`;
  const display = `ip.addr == ${s.src_ip} && ip.addr == ${s.dst_ip} && tcp.port == ${s.src_port} && tcp.port == ${s.dst_port}`;
  const inproc = [];
  const cli = [];
  const ref = [];
  let packets = 0;
  // interleaved so that machine noise hits each alike
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = await carveSession(store, s.uid, OUT);
    inproc.push(Number(process.hrtime.bigint() - t0) / 1e9);
    packets = r.packets;
    cli.push(await timedCarve([process.execPath, HAYSTACK, 'carve', '--uid', s.uid, '-o', OUT, '--db', DB]));
    if (have('tcpdump')) ref.push(await timedCarve(['tcpdump', '-r', CAPTURE, '-w', OUT, bpf]));
  }
  const label = `${what}: ${s.uid}, ${s.pkts} packets, ${Number(s.bytes).toLocaleString('en')} bytes, range ${Number(s.pcap_end - s.pcap_start).toLocaleString('en')} bytes`;
  const row = (cmd, xs, rssMiB, pk) => ({ session: label, cmd, median: median(xs), all: xs, rssMiB, packets: pk });
  const ip = row('carveSession() (store open, as the server)', inproc, process.resourceUsage().maxRSS / 1024, packets);
  const hc = row('haystack carve --uid UID -o f (whole process)', cli.map((r) => r.s), Math.max(...cli.map((r) => r.rssMiB)), cli[0].packets);
  rows.push(ip, hc);
  let td = null;
  if (ref.length > 0) {
    td = row(`tcpdump -r f -w out '${bpf}'`, ref.map((r) => r.s), Math.max(...ref.map((r) => r.rssMiB)), ref[0].packets);
    rows.push(td);
  }
  if (have('tshark')) {
    const ts = [];
    for (let i = 0; i < Number(args['tshark-runs']); i++) ts.push(await timedCarve(['tshark', '-r', CAPTURE, '-Y', display, '-F', 'pcap', '-w', OUT]));
    rows.push(row(`tshark -r f -Y '${display}' -F pcap -w out`, ts.map((r) => r.s), Math.max(...ts.map((r) => r.rssMiB)), ts[0].packets));
  }
  goals.push({ text: `${what}: carve under ${GOAL_SECONDS} s (store open)`, measured: `${ip.median.toFixed(3)} s${td ? ` (tcpdump ${td.median.toFixed(3)} s: ${(td.median / ip.median).toFixed(1)}x)` : ''}`, pass: ip.median < GOAL_SECONDS });
  goals.push({ text: `${what}: haystack carve process under ${GOAL_SECONDS} s`, measured: `${hc.median.toFixed(3)} s${td ? ` (tcpdump ${td.median.toFixed(3)} s: ${(td.median / hc.median).toFixed(1)}x)` : ''}`, pass: hc.median < GOAL_SECONDS });
  if (td && td.packets !== ip.packets) goals.push({ text: `${what}: same packets as tcpdump's 5-tuple filter`, measured: `${ip.packets} vs ${td.packets}`, pass: false });
}
await store.close();
fs.rmSync(OUT, { force: true });

const lines = [`# Carve benchmark ${new Date().toISOString()}`, '', `capture: \`${CAPTURE}\` (${SIZE.toLocaleString('en')} bytes); ${RUNS} interleaved runs, median wall time; MB/s = capture bytes / median (the reference reads it all); peak RSS by GNU time (in-process: this process's maxRSS)`, ''];
for (const [what] of sessions) {
  const rs = rows.filter((r) => r.session.startsWith(what));
  lines.push(`## ${rs[0].session}`, '', '| command | median s | all runs s | MB/s | packets | peak RSS MiB | ratio to tcpdump |', '|---|---|---|---|---|---|---|');
  const td = rs.find((r) => r.cmd.startsWith('tcpdump'));
  for (const r of rs) lines.push(`| ${r.cmd} | ${r.median.toFixed(3)} | ${r.all.map((x) => x.toFixed(3)).join(' / ')} | ${(SIZE / 1e6 / r.median).toFixed(0)} | ${r.packets} | ${r.rssMiB.toFixed(0)} | ${td ? (r.median / td.median).toFixed(2) : 'n/a'} |`);
  lines.push('');
}
lines.push('| goal | measured | met |', '|---|---|---|');
for (const g of goals) lines.push(`| ${g.text} | ${g.measured} | ${g.pass ? 'yes' : '**NO**'} |`);
lines.push('', '- the carve reads the session\'s byte range (and the pcapng section/interface blocks) recorded at ingest; tcpdump and tshark read the whole capture', '- the whole-process time includes Node start-up and opening the DuckDB store, which the server pays once', '');
const md = lines.join('\n');
process.stdout.write(md);
fs.mkdirSync(RESULTS, { recursive: true });
const stem = path.join(RESULTS, `${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}Z-carve`);
fs.writeFileSync(`${stem}.md`, md);
fs.writeFileSync(`${stem}.json`, JSON.stringify({ capture: CAPTURE, size: SIZE, rows, goals }, null, 2));
process.stdout.write(`wrote ${stem}.md and .json\n`);
