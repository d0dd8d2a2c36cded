#!/usr/bin/env node
// bench/inspect.mjs — the content-inspection engine (issue 17) through the library in dist/ (npm run build first):
//
//   quality  precision and recall per detector on presidio-research's labelled sentences
//            (../shared/corpus/content/presidio-research, or HAYSTACK_CORPUS), scored by src/inspect/score.ts;
//            and on the labelled captures made here (test/fixtures/inspect, inspect.construction.json): recall
//            over planted values, precision over finding rows, decoys silent
//   speed    MB/s of inspected content on one core (this process, one thread), with every built-in detector
//            (builtinDetectors(): PII and secrets, what ingest runs) and with the PII ones alone
//            (allPiiDetectors()), for the stream scanner
//            (64 KiB windows and their overlap, as the pipeline drives it) and for the engine alone:
//              perf-big  every TCP payload of bench/data/perf-big.pcapng (or --capture / HAYSTACK_PERF_CAPTURE)
//                        grouped per direction in capture order and pushed packet by packet; skipped if absent
//              mixed     a synthetic buffer (--mib, default 64) of text, JSON, HTTP headers, base64 and binary
//                        with planted values (deterministic PRNG)
//              random    random bytes of the same size
//
//   node bench/inspect.mjs [--runs N] [--mib N] [--capture PATH] [--only quality|speed] [--dist DIR]
//
// Goal (issue 17): >= 200 MB/s of inspected content on one core, with every built-in detector. Output: stdout
// and bench/results/<date>-inspect.{md,json} (markdown; the JSON holds every run), with the load average at each
// run (other work shares the machine). No detected value is printed: counts and masks only.
import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, TextEncoder } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const args = parseArgs({ options: { runs: { type: 'string', default: '3' }, mib: { type: 'string', default: '64' }, capture: { type: 'string' }, only: { type: 'string' }, dist: { type: 'string' } }, strict: true }).values;
/** the build measured: dist/, or --dist DIR (another build's dist, e.g. the one before a change) */
const DIST = path.resolve(args.dist ?? path.join(ROOT, 'dist'));
const RUNS = Number(args.runs);
const MIB = Number(args.mib);
const GOAL_MBPS = 200;

if (!fs.existsSync(path.join(DIST, 'inspect', 'engine.js'))) {
  process.stderr.write('bench/inspect: dist/inspect is missing (npm run build)\n');
  process.exit(2);
}
const { createInspector } = await import(path.join(DIST, 'inspect', 'engine.js'));
const { allPiiDetectors } = await import(path.join(DIST, 'inspect', 'pii.js'));
const { builtinDetectors } = await import(path.join(DIST, 'inspect', 'builtin.js'));
const { StreamScanner, INSPECT_WINDOW_BYTES } = await import(path.join(DIST, 'inspect', 'stream-scan.js'));
const { scoreHits, toCodePoints } = await import(path.join(DIST, 'inspect', 'score.js'));

const RESULTS = path.join(ROOT, 'bench', 'results');
/** the detector sets timed: what ingest runs, and the financial/personal ones alone */
const SETS = [['builtin', createInspector(builtinDetectors())], ['PII only', createInspector(allPiiDetectors())]];
const inspector = SETS[0][1];
const ctx = { appProto: null, isObject: false };
const date = new Date().toISOString();
const load = () => os.loadavg()[0];
const lines = [`# Inspection benchmark ${date}`, '', `build: ${path.relative(ROOT, DIST) || '.'}`, '',
  `node ${process.version}; ${os.availableParallelism()} CPU (${os.cpus()[0]?.model ?? '?'}); load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`, '',
  ...SETS.map(([name, ins]) => `- ${name}: ${ins.detectors.map((d) => d.name).join(', ')}`), ''];
const json = { date, node: process.version, runs: RUNS, loadavg_start: os.loadavg(), sets: Object.fromEntries(SETS.map(([n, i]) => [n, i.detectors.map((d) => d.name)])), quality: {}, speed: [] };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---------- quality ----------
if (args.only === undefined || args.only === 'quality') {
  const corpus = process.env.HAYSTACK_CORPUS ?? path.join(ROOT, '..', 'shared', 'corpus');
  const file = path.join(corpus, 'content', 'presidio-research', 'synth_dataset_v2.first1000.json');
  if (!fs.existsSync(file)) {
    lines.push(`quality: SKIPPED (${file} missing)`, '');
  } else {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    const records = raw.map((r) => ({ text: r.full_text, spans: r.spans.map((s) => ({ type: s.entity_type, start: s.start_position, end: s.end_position, value: s.entity_value })) }));
    const enc = new TextEncoder();
    const hits = records.map((r) => toCodePoints(r.text, inspector.scan(enc.encode(r.text), { appProto: null, isObject: true })));
    const scores = scoreHits(records, hits, inspector.detectors.map((d) => d.name));
    json.quality.presidio = scores;
    lines.push(`## Precision and recall: presidio-research synth_dataset_v2 (first ${records.length} records)`, '',
      '| detector | entity | TP hits | FP hits | spans found | spans missed | checksum-failing spans (apart) | precision | recall |', '|---|---|---|---|---|---|---|---|---|');
    const pct = (x) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)}%`);
    for (const s of scores) {
      if (s.entity === null) lines.push(`| ${s.detector} | (no labels) | | ${s.unlabelled} hits | | | | n/a | n/a |`);
      else lines.push(`| ${s.detector} | ${s.entity} | ${s.truePositives} | ${s.falsePositives} | ${s.found} | ${s.missed} | ${s.checksumFailed} | ${pct(s.precision)} | ${pct(s.recall)} |`);
    }
    lines.push('');
  }
}

// ---------- quality on the labelled captures made here (test/fixtures/inspect) ----------
/**
 * Precision and recall per detector on test/fixtures/inspect (make-inspect-captures.sh): the construction's
 * planted values are the truth, matched as test/gen-inspect.test.ts matches them (keyed hash of the canonical
 * value under a fixed key; bulk rows for e-mail and phone; a user for credentials; a file for encrypted
 * containers; folded rows for a group past the per-scope cap). Precision counts findings (rows) that hold a
 * planted value, or a difference test/known-differences-inspect.json accepts (an AWS secret on its own, the PAN
 * in track data, the service-account document around a planted key); decoys and anything else are false.
 */
async function labelledQuality() {
  const { createHmac } = await import('node:crypto');
  const { analyze } = await import(path.join(DIST, 'pipeline', 'api.js'));
  const dir = path.join(ROOT, 'test', 'fixtures', 'inspect');
  const made = JSON.parse(fs.readFileSync(path.join(dir, 'inspect.construction.json'), 'utf8'));
  const key = Buffer.from('0123456789abcdef0123456789abcdef');
  const hmac = (v) => createHmac('sha256', key).update(v, 'utf8').digest('hex');
  const ALIAS = { gcp_api_key: 'gcp_credential' };
  const canonical = (p) => (['payment_card', 'us_ssn', 'aba_routing', 'phone'].includes(p.detector) ? p.value.replace(/\D/g, '')
    : p.detector === 'iban' ? p.value.replace(/\s/g, '').toUpperCase() : p.detector === 'aws_access_key' ? p.value.split(':')[0] : p.value);
  const captures = Object.keys(made.captures);
  const found = new Map();
  for (const c of captures) {
    const out = [];
    for await (const r of analyze(path.join(dir, c), { inspect: { key, detectors: builtinDetectors(), remoteAccess: null } })) if (r.type === 'finding') out.push(r.record);
    found.set(c, out);
  }
  const by = new Map();
  const cell = (d) => {
    let x = by.get(d);
    if (x === undefined) by.set(d, (x = { planted: 0, recalled: 0, rows: 0, right: 0, decoys: 0, silent: 0 }));
    return x;
  };
  const big = new Map(made.groups.filter((g) => g.distinct > 50).map((g) => [g.id, g]));
  // recall: each planted value found by its detector (a big group counted by its rows' counts)
  for (const g of big.values()) {
    const rows = found.get(g.capture).filter((f) => f.detector === (ALIAS[g.detector] ?? g.detector) && made.planted.some((p) => p.group === g.id && p.file !== null && (f.decode_path ?? '').includes(p.file)));
    const x = cell(ALIAS[g.detector] ?? g.detector);
    x.planted += g.distinct;
    x.recalled += Math.min(g.distinct, rows.reduce((a, f) => a + f.count, 0));
  }
  for (const p of made.planted) {
    if (p.group !== undefined && big.has(p.group)) continue;
    const d = ALIAS[p.detector] ?? p.detector;
    const rows = found.get(p.capture).filter((f) => f.detector === d);
    let ok;
    if (p.detector === 'cleartext_credentials') ok = rows.some((f) => f.masked === p.user);
    else if (p.detector === 'encrypted_container') ok = rows.some((f) => (f.decode_path ?? '').endsWith(p.file));
    else if (p.detector === 'email' || p.detector === 'phone') ok = rows.some((f) => f.value_hmac === null && f.distinct_count >= made.groups.find((g) => g.id === p.group).distinct);
    else if (p.detector === 'pem_private_key') ok = rows.length >= made.planted.filter((x) => x.capture === p.capture && x.detector === p.detector).length;
    else ok = rows.some((f) => f.value_hmac === hmac(canonical(p)) && f.count >= p.count);
    const x = cell(d);
    x.planted++;
    if (ok) x.recalled++;
  }
  // precision: each finding row holds a planted value (or an accepted difference)
  const planted = new Set(made.planted.map((p) => hmac(canonical(p))));
  for (const p of made.planted) {
    if (p.detector === 'aws_access_key') planted.add(hmac(p.value.split(':')[1]));
    if (p.pan !== undefined) planted.add(hmac(p.pan));
  }
  const users = new Set(made.planted.filter((p) => p.user !== undefined).map((p) => p.user));
  const files = made.planted.filter((p) => p.detector === 'encrypted_container').map((p) => p.file);
  for (const c of captures) {
    const pems = made.planted.filter((p) => p.capture === c && p.detector === 'pem_private_key').length;
    let pemRows = 0;
    for (const f of found.get(c)) {
      if (f.category === 'evasion' || f.category === 'remote_access') continue;
      const x = cell(f.detector);
      x.rows++;
      let ok;
      if (f.detector === 'cleartext_credentials') ok = users.has(f.masked);
      else if (f.detector === 'encrypted_container') ok = files.some((n) => (f.decode_path ?? '').endsWith(n));
      else if (f.detector === 'pem_private_key') ok = ++pemRows <= pems;
      else if (f.detector === 'gcp_credential' && (f.masked ?? '').startsWith('-----BEGIN')) ok = true;
      else if (f.value_hmac === null) {
        // a bulk row (e-mail, phone) or a group's folded rest: right when this capture holds such a planted group
        ok = made.groups.some((g) => g.capture === c && (ALIAS[g.detector] ?? g.detector) === f.detector);
      } else ok = planted.has(f.value_hmac);
      if (ok) x.right++;
    }
  }
  // decoys: each stays silent for the detectors it imitates
  for (const d of made.decoys) {
    for (const det of d.silent_for) {
      const x = cell(ALIAS[det] ?? det);
      x.decoys++;
      if (!found.get(d.capture).some((f) => f.detector === (ALIAS[det] ?? det) && f.value_hmac === hmac(canonical({ detector: det, value: d.value })))) x.silent++;
    }
  }
  return [...by].sort(([a], [b]) => (a < b ? -1 : 1));
}

if (args.only === undefined || args.only === 'quality') {
  const q = await labelledQuality();
  const pct = (a, b) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);
  lines.push('## Precision and recall: the labelled captures made here (test/fixtures/inspect, every built-in detector)', '',
    'Truth: inspect.construction.json (planted values, decoys, groups). Recall over planted values; precision over finding rows; decoys imitating the detector that stayed silent.', '',
    '| detector | planted | found | recall | finding rows | holding a planted value | precision | decoys silent |', '|---|---|---|---|---|---|---|---|');
  for (const [d, x] of q) lines.push(`| ${d} | ${x.planted} | ${x.recalled} | ${pct(x.recalled, x.planted)} | ${x.rows} | ${x.right} | ${pct(x.right, x.rows)} | ${x.silent} of ${x.decoys} |`);
  lines.push('');
  json.quality.labelled = Object.fromEntries(q);
}

// ---------- speed ----------
/** xorshift32: the same bytes every run */
function prng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

function randomBytes(n, seed) {
  const r = prng(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const v = r();
    b[i] = v; b[i + 1] = v >>> 8; b[i + 2] = v >>> 16; b[i + 3] = v >>> 24;
  }
  return b;
}

/** Text, JSON, headers, base64 and binary in blocks, with a planted value now and then. */
function mixedBytes(n, seed) {
  const r = prng(seed);
  const pick = (xs) => xs[r() % xs.length];
  const words = 'the of and to in is was for on that with as by at from this have or be are not which an but were been their has more one all would can there its when who will also into only other new some could time these two may then do first any my now such like our over man me even most made after before through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(' ');
  const planted = ['4111 1111 1111 1111', '5555-5555-5555-4444', '378282246310005', '123-45-6789', 'GB29 NWBK 6016 1331 9268 19', 'DE89370400440532013000', 'routing 021000021', 'alice@example.com', '+1 415-555-0132', ';4111111111111111=25121010000000000?'];
  const out = new Uint8Array(n);
  const enc = new TextEncoder();
  let p = 0;
  const put = (b) => {
    const k = Math.min(b.length, n - p);
    out.set(b.subarray(0, k), p);
    p += k;
  };
  while (p < n) {
    const kind = r() % 10;
    if (kind < 5) {
      // binary: TLS records, compressed bodies
      put(randomBytes(4096 + (r() % 16384), r()));
    } else if (kind < 7) {
      let s = '';
      while (s.length < 4000) s += pick(words) + (r() % 12 === 0 ? '. ' : ' ');
      if (r() % 8 === 0) s += ` card ${pick(planted)} `;
      put(enc.encode(s));
    } else if (kind === 7) {
      let s = '';
      for (let i = 0; i < 40; i++) s += `{"id":${r()},"ts":"2024-0${1 + (r() % 9)}-1${r() % 10}T12:3${r() % 10}:00Z","amount":${r() % 100000}.${r() % 100},"order":"ORD-${r() % 1000000}","uuid":"${r().toString(16)}-e89b-12d3-a456-${r().toString(16)}${r().toString(16)}"}\n`;
      if (r() % 4 === 0) s += `{"note":"${pick(planted)}"}\n`;
      put(enc.encode(s));
    } else if (kind === 8) {
      put(enc.encode(`GET /api/v1/items/${r()}?page=${r() % 100} HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\r\nAccept: */*\r\nContent-Length: ${r() % 100000}\r\nDate: Tue, 15 Nov 1994 08:12:31 GMT\r\nCookie: sid=${r().toString(36)}${r().toString(36)}\r\n\r\n`));
    } else {
      put(enc.encode(Buffer.from(randomBytes(3000, r())).toString('base64').replace(/(.{76})/g, '$1\r\n')));
    }
  }
  return out;
}

/** Wall and CPU (user + system) milliseconds of f(); the machine may be shared, CPU time is what one core spent. */
function clock(f) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

function timeEngine(inspector, buf) {
  const walls = [];
  const cpus = [];
  const loads = [];
  let hits = 0;
  for (let run = 0; run < RUNS; run++) {
    hits = 0;
    const t = clock(() => {
      for (let i = 0; i < buf.length; i += INSPECT_WINDOW_BYTES) hits += inspector.scan(buf.subarray(i, i + INSPECT_WINDOW_BYTES), ctx).length;
    });
    walls.push(t.wall);
    cpus.push(t.cpu);
    loads.push(load());
  }
  return { ms: median(walls), cpu: median(cpus), hits, walls, cpus, loads };
}

function timeStreams(inspector, streams, chunk) {
  const walls = [];
  const cpus = [];
  const loads = [];
  let hits = 0;
  let inspected = 0;
  let truncated = 0;
  const perDetector = new Map();
  for (let run = 0; run < RUNS; run++) {
    hits = 0;
    inspected = 0;
    truncated = 0;
    perDetector.clear();
    const t = clock(() => {
    for (const parts of streams) {
      const s = new StreamScanner(inspector, ctx);
      const take = (hs) => {
        hits += hs.length;
        for (const h of hs) perDetector.set(h.detector, (perDetector.get(h.detector) ?? 0) + 1);
      };
      if (Array.isArray(parts)) for (const p of parts) take(s.push(p));
      else for (let i = 0; i < parts.length; i += chunk) take(s.push(parts.subarray(i, i + chunk)));
      take(s.end());
      inspected += s.inspectedBytes;
      if (s.truncated) truncated++;
    }
    });
    walls.push(t.wall);
    cpus.push(t.cpu);
    loads.push(load());
  }
  return { ms: median(walls), cpu: median(cpus), hits, inspected, truncated, perDetector, walls, cpus, loads };
}

const mbps = (bytes, ms) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
const goal = (bytes, ms) => (bytes / 1e6 / (ms / 1000) >= GOAL_MBPS ? 'yes' : '**NO**');
const loads = (t) => t.loads.map((x) => x.toFixed(1)).join(' ');
const row = (set, name, bytes, path, t, hits) => `| ${set} | ${name} | ${bytes} | ${path} | ${t.ms.toFixed(0)} | ${t.cpu.toFixed(0)} | ${mbps(bytes, t.ms)} | ${mbps(bytes, t.cpu)} | ${goal(bytes, t.cpu)} | ${loads(t)} | ${hits} |`;
const detectorCounts = (m) => [...m].sort().map(([d, n]) => `${d} ${n}`).join(', ') || 'none';
const record = (set, content, bytes, path, t) => json.speed.push({ set, content, bytes, path, wall_ms: t.walls, cpu_ms: t.cpus, load: t.loads, mbps_cpu: bytes / 1e3 / t.cpu, hits: t.hits });

if (args.only === undefined || args.only === 'speed') {
  lines.push(`## Speed (one thread; median of ${RUNS} runs; goal >= ${GOAL_MBPS} MB/s of inspected content per core, judged on CPU time; load average (1 min) after each run)`, '',
    '| detectors | content | bytes inspected | path | wall ms | CPU ms | MB/s wall | MB/s CPU | goal met | load | hits (by detector) |', '|---|---|---|---|---|---|---|---|---|---|---|');
  const capture = args.capture ?? process.env.HAYSTACK_PERF_CAPTURE ?? path.join(ROOT, 'bench', 'data', 'perf-big.pcapng');
  let perf = null;
  if (fs.existsSync(capture)) {
    const { readPackets } = await import(path.join(DIST, 'index.js'));
    const dirs = new Map();
    let packets = 0;
    for await (const p of readPackets(capture)) {
      if (p.proto !== 'tcp' || p.payload.length === 0) continue;
      const key = `${p.src} ${p.sport} ${p.dst} ${p.dport}`;
      let list = dirs.get(key);
      if (list === undefined) dirs.set(key, (list = []));
      list.push(p.payload);
      packets++;
    }
    const streams = [...dirs.values()];
    const total = streams.reduce((n, s) => n + s.reduce((m, p) => m + p.length, 0), 0);
    perf = { streams, packets, total };
  }
  const size = MIB * 1024 * 1024;
  const synthetic = [['mixed (synthetic, planted values)', mixedBytes(size, 17)], ['random binary', randomBytes(size, 99)]];
  for (const [set, ins] of SETS) {
    if (perf !== null) {
      const t = timeStreams(ins, perf.streams, 0);
      const name = `perf-big TCP payloads (${perf.streams.length} directions, ${perf.packets} segments, ${perf.total} bytes; ${t.truncated} directions cut at INSPECT_STREAM_BYTES)`;
      lines.push(row(set, name, t.inspected, 'stream scanner, per segment', t, `${t.hits}: ${detectorCounts(t.perDetector)}`));
      record(set, 'perf-big', t.inspected, 'stream scanner, per segment', t);
    } else {
      lines.push(`| ${set} | perf-big | SKIPPED: ${capture} missing (npm run bench:corpus) | | | | | | | | |`);
    }
    for (const [name, buf] of synthetic) {
      const e = timeEngine(ins, buf);
      lines.push(row(set, name, buf.length, 'engine, 64 KiB buffers', e, e.hits));
      record(set, name, buf.length, 'engine, 64 KiB buffers', e);
      // one long stream per 4 MiB (under INSPECT_STREAM_BYTES), pushed in 1,460-byte segments
      const streams = [];
      for (let i = 0; i < buf.length; i += 4 << 20) streams.push(buf.subarray(i, i + (4 << 20)));
      const t = timeStreams(ins, streams, 1460);
      lines.push(row(set, name, t.inspected, 'stream scanner, 1,460-byte pushes', t, `${t.hits}: ${detectorCounts(t.perDetector)}`));
      record(set, name, t.inspected, 'stream scanner, 1,460-byte pushes', t);
    }
  }
  lines.push('');
}

lines.push(`load average at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`, '');
json.loadavg_end = os.loadavg();
fs.mkdirSync(RESULTS, { recursive: true });
const stamp = date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
fs.writeFileSync(path.join(RESULTS, `${stamp}-inspect.json`), `${JSON.stringify(json, null, 2)}\n`);
fs.writeFileSync(path.join(RESULTS, `${stamp}-inspect.md`), `${lines.join('\n')}\n`);
process.stdout.write(lines.join('\n') + '\n');
