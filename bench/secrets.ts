// Speed of the secret detectors and of gitleaks' rules (loaded by src/inspect/gitleaks.ts) over 16 MiB of mixed
// text, with keywords rare and often. Plain script, not a test:
//
//   node --import ./test/fuzz/register.mjs bench/secrets.ts [--toml PATH] [--mib N] [--chunk KIB]
//
// The engine's prefilter is emulated: one pass of a RegExp of every keyword over the buffer, then each detector
// that has a keyword present runs (as the engine will do with its automaton). Prefilter and detector times are
// reported apart, in MB/s of input (1 MB = 10^6 bytes), best of 3 runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadGitleaksRules } from '../src/inspect/gitleaks.js';
import { SECRET_DETECTORS } from '../src/inspect/detectors/secrets.js';
import type { DetectContext, Detector } from '../src/inspect/types.js';

const { values } = parseArgs({
  options: {
    toml: { type: 'string', default: join(process.env.HAYSTACK_CORPUS ?? join(import.meta.dirname, '../../shared/corpus'), 'content/gitleaks/gitleaks.toml') },
    mib: { type: 'string', default: '16' },
    chunk: { type: 'string', default: '64' },
  },
});
const TOTAL = Number(values.mib) * 1024 * 1024;
const CHUNK = Number(values.chunk) * 1024;

let seed = 42;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const rand = (n: number, alphabet = B64): string => Array.from({ length: n }, () => pick([...alphabet])).join('');

// ordinary text: words that are no keyword of any rule, numbers, markup, base64 blobs, hex
const WORDS = 'the of and to in is was for on that with as by at from this be are have not but had his they which one you were her all she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(' ');
function plainLine(): string {
  switch (Math.floor(rnd() * 6)) {
    case 0:
      return `<p class="c${Math.floor(rnd() * 99)}">${Array.from({ length: 12 }, () => pick(WORDS)).join(' ')}</p>`;
    case 1:
      return rand(76);
    case 2:
      return rand(64, '0123456789abcdef');
    case 3:
      return `${Math.floor(rnd() * 1e9)},${Math.floor(rnd() * 1e6)},${pick(WORDS)},${(rnd() * 1000).toFixed(2)}`;
    default:
      return Array.from({ length: 14 }, () => pick(WORDS)).join(' ');
  }
}
// lines that trigger rules: the keywords that traffic really carries (headers, config, env dumps)
function keywordLine(): string {
  switch (Math.floor(rnd() * 10)) {
    case 0:
      return `Authorization: Bearer ${rand(40)}`;
    case 1:
      return `api_key = "${rand(32, 'abcdefghijklmnopqrstuvwxyz0123456789')}"`;
    case 2:
      return `"access_token": "${rand(48)}", "token_type": "bearer"`;
    case 3:
      return `password=${rand(12)}&user=${pick(WORDS)}`;
    case 4:
      return `export GITHUB_TOKEN=ghp_${rand(36, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`;
    case 5:
      return `aws_access_key_id = AKIA${rand(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
    case 6:
      return `secret: ${rand(24)} # client secret`;
    case 7:
      return `Set-Cookie: session=eyJhbGciOiJIUzI1NiJ9.${rand(40).replace(/[+/]/g, 'x')}.${rand(43).replace(/[+/]/g, 'y')}`;
    case 8:
      return `curl -H "Authorization: token ${rand(40)}" https://api.example.com/v1/${pick(WORDS)}`;
    default:
      return `<input name="auth_key" value="${rand(20)}">`;
  }
}

function corpus(everyBytes: number): string {
  const parts: string[] = [];
  let n = 0;
  let next = everyBytes;
  while (n < TOTAL) {
    const line = n >= next ? keywordLine() : plainLine();
    if (n >= next) next += everyBytes;
    parts.push(line);
    n += line.length + 1;
  }
  return parts.join('\n').slice(0, TOTAL);
}

const ctx: DetectContext = { appProto: 'http', isObject: false };

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface Result {
  prefilterMs: number;
  detectMs: number;
  hits: number;
  runs: number;
  perRule: Map<string, number>;
}

function runAll(detectors: readonly Detector[], text: string): Result {
  const keywords = [...new Set(detectors.flatMap((d) => d.keywords.map((k) => k.toLowerCase())))].sort((a, b) => b.length - a.length);
  const kwRe = new RegExp(keywords.map(escape).join('|'), 'gi');
  const byKeyword = new Map<string, Detector[]>();
  for (const d of detectors) for (const k of d.keywords) byKeyword.set(k.toLowerCase(), [...(byKeyword.get(k.toLowerCase()) ?? []), d]);
  let prefilterMs = 0;
  let detectMs = 0;
  let hits = 0;
  let runs = 0;
  const perRule = new Map<string, number>();
  for (let off = 0; off < text.length; off += CHUNK) {
    const buf = text.slice(off, off + CHUNK);
    let t = performance.now();
    // every keyword present, overlapping ones included (a keyword inside a longer one still counts)
    const present = new Set<Detector>();
    const lower = buf.toLowerCase();
    kwRe.lastIndex = 0;
    for (let m = kwRe.exec(lower); m !== null; m = kwRe.exec(lower)) {
      kwRe.lastIndex = m.index + 1;
      for (const k of keywords) if (lower.startsWith(k, m.index)) for (const d of byKeyword.get(k)!) present.add(d);
    }
    prefilterMs += performance.now() - t;
    for (const d of present) {
      t = performance.now();
      hits += d.detect(buf, ctx).length;
      const dt = performance.now() - t;
      detectMs += dt;
      runs++;
      perRule.set(d.name, (perRule.get(d.name) ?? 0) + dt);
    }
  }
  return { prefilterMs, detectMs, hits, runs, perRule };
}

function best(detectors: readonly Detector[], text: string): Result {
  let b: Result | null = null;
  for (let i = 0; i < 3; i++) {
    const r = runAll(detectors, text);
    if (b === null || r.detectMs < b.detectMs) b = r;
  }
  return b!;
}

const mbps = (ms: number): string => (ms === 0 ? 'inf' : (TOTAL / 1e6 / (ms / 1000)).toFixed(1));

const t0 = performance.now();
const loaded = loadGitleaksRules(readFileSync(values.toml, 'utf8'));
const loadMs = performance.now() - t0;
const t1 = performance.now();
loadGitleaksRules(readFileSync(values.toml, 'utf8'), { re2Check: false });
const loadNoRe2Ms = performance.now() - t1;
console.log(`gitleaks rules: ${loaded.detectors.length} loaded, ${loaded.rejected.length} rejected; load ${loadMs.toFixed(0)} ms with the RE2 check, ${loadNoRe2Ms.toFixed(0)} ms without`);
console.log(`input: ${values.mib} MiB in ${values.chunk} KiB buffers\n`);
console.log('| detectors | keyword lines | detector runs | hits | prefilter MB/s | detectors MB/s | slowest rules (ms) |');
console.log('|---|---|---|---|---|---|---|');
for (const [label, every] of [
  ['rare (1 per 256 KiB)', 256 * 1024],
  ['often (1 per 2 KiB)', 2 * 1024],
  ['very often (1 per 200 B)', 200],
] as const) {
  const text = corpus(every);
  for (const [name, ds] of [
    ['gitleaks (221)', loaded.detectors],
    ['built-in secrets (7)', SECRET_DETECTORS],
  ] as const) {
    const r = best(ds, text);
    const slow = [...r.perRule].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k.replace('gitleaks:', '')} ${v.toFixed(0)}`).join(', ');
    console.log(`| ${name} | ${label} | ${r.runs} | ${r.hits} | ${mbps(r.prefilterMs)} | ${mbps(r.detectMs)} | ${slow} |`);
  }
}

// Backtracking: the rules whose regexes nest repeats, on buffers built to make a backtracking engine work
console.log('\nadversarial 64 KiB buffers (rules with nested repeats and the generic rule):');
const hostile = [
  ['curl + 64 KiB of one line', 'curl ' + 'a'.repeat(64 * 1024)],
  ['curl + many short lines', ('curl -X ' + 'b'.repeat(30) + '\n').repeat(1600)],
  ['curl -H without a header', ('curl -H "' + 'c '.repeat(20) + '\n').repeat(1500)],
  ['key= runs', 'key='.repeat(16 * 1024)],
  ['api_key with long values', ('api_key = "' + 'd'.repeat(200) + '\n').repeat(300)],
  ['xoxp- digit runs', ('xoxp-' + '1'.repeat(13) + '-').repeat(3500)],
] as const;
for (const [label, buf] of hostile) {
  const ds = loaded.detectors.filter((d) => d.nestedRepeat || d.ruleId === 'generic-api-key');
  let worst = '';
  let worstMs = 0;
  for (const d of ds) {
    const t = performance.now();
    d.detect(buf, ctx);
    const dt = performance.now() - t;
    if (dt > worstMs) {
      worstMs = dt;
      worst = d.ruleId;
    }
  }
  console.log(`- ${label}: slowest ${worst} ${worstMs.toFixed(1)} ms`);
}
