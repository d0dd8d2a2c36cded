// The signature engine against hostile rules and traffic (issue 13): a rule pcre that V8 cannot bound runs
// under a time budget (past it the rule does not match, an anomaly names it, the run goes on), and the
// sizes a rule can carry are either refused by a named limit or cost memory in proportion.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnomalyEvent } from '../src/core/anomaly.js';
import { MAX_PORT_PREFILTERS } from '../src/detect/detector.js';
import { MAX_CONTENT_BYTES } from '../src/detect/parse-rule.js';
import { DENSE_STATES, Prefilter, PREFILTER_PATTERN_BYTES } from '../src/detect/prefilter.js';
import type { Rule } from '../src/detect/rule.js';
import { parseRules } from '../src/detect/rules-file.js';
import { analysis } from '../src/pipeline/analyzers.js';
import { detectHooks, guardedDetector } from '../src/pipeline/detect.js';
import { Engine } from '../src/pipeline/engine.js';
import type { AlertRecord } from '../src/schema/alerts.js';
import { cli, scratchDir } from './helpers/cli.js';
import { conversationsPcap, tcpConversation } from './helpers/conversation.js';
import { ROOT } from './helpers/run.js';

const dir = scratchDir('detect-limits');

/** An HTTP exchange with a long run of 'a' each way (the probe's X1 capture): 2^60 ways for (a+)+ to split it. */
function redosCapture(mss?: number, sessions = 1): string {
  const run = 'a'.repeat(60);
  const path = join(dir, `redos-${mss ?? 'full'}-${sessions}.pcap`);
  writeFileSync(path, conversationsPcap(...Array.from({ length: sessions }, (_, i) => tcpConversation({ dport: 80, sport: 40000 + i, start: Date.UTC(2026, 0, 12) * 1000 + i * 100_000, ...(mss !== undefined ? { mss } : {}) }, [
    { from: 'client', data: `GET /${run} HTTP/1.1\r\nHost: x\r\n\r\n` },
    { from: 'server', data: `HTTP/1.1 200 OK\r\nContent-Length: 61\r\n\r\n${run}\n` },
  ]))));
  return path;
}

const REDOS_RULES = [
  'alert tcp any any -> any any (msg:"lookahead"; pcre:"/(?=(a+)+b)/"; sid:1;)',
  'alert tcp any any -> any any (msg:"backreference"; pcre:"/(a+)+\\1b/"; sid:2;)',
  'alert tcp any any -> any any (msg:"normal"; content:"aaaa"; sid:3;)',
].join('\n');

const sidOf = (a: AnomalyEvent): number => Number(/^sid 1:(\d+):0 /.exec(a.detail ?? '')?.[1]);

describe('a rule pcre V8 cannot bound', () => {
  it('costs at most its budget on a run of "a": the rule does not match, an anomaly names it once per session, and the normal rule still alerts', { timeout: 30_000 }, async () => {
    // segments of 16 bytes: each stream direction is delivered (and inspected) several times
    for (const [mss, sessions] of [[undefined, 1], [16, 1], [16, 2]] as const) {
      const set = parseRules(REDOS_RULES, 'redos.rules');
      expect([set.rules.length, set.errors, set.notLoaded]).toEqual([3, [], []]);
      const alerts: AlertRecord[] = [];
      const anomalies: AnomalyEvent[] = [];
      const detector = guardedDetector(set.rules, { emit: (a) => alerts.push(a), anomalies: { add: (...a) => engine.anomalies.add(...a) }, pcreBudgetMs: 20 });
      const an = analysis({ detect: detectHooks(detector) }, () => engine);
      const engine: Engine = new Engine({ ...an.handlers, anomaly: (a) => anomalies.push(a) }, an.options);
      const res = await engine.run([redosCapture(mss, sessions)]);
      expect(res.inputs[0]!.error).toBe(null);
      // "aaaa" is in both directions' streams of each session
      expect(alerts.map((a) => [a.sid, a.src_port === 80 ? a.dst_port : a.src_port, a.src_port === 80 ? 'resp' : 'req'])).toEqual(
        Array.from({ length: sessions }, (_, i) => [[3, 40000 + i, 'req'], [3, 40000 + i, 'resp']]).flat(),
      );
      const over = anomalies.filter((a) => a.name === 'detect_pcre_budget_exceeded');
      // each slow rule once: not evaluated again in the session where it ran out of time (the server's
      // direction, later deliveries of the client's)
      expect(over.map(sidOf)).toEqual(Array.from({ length: sessions }, () => [1, 2]).flat());
      expect(new Set(over.map((a) => a.uid)).size).toBe(sessions);
      expect(over[0]!.detail).toMatch(/^sid 1:1:0 \(redos\.rules:1\): pcre \/\(\?=\(a\+\)\+b\)\/ on pkt \(\d+ bytes\) ran past 20 ms; taken as no match, not evaluated again in this session$/);
    }
  });

  it('a budget is a positive number of ms', () => {
    expect(() => guardedDetector([], { emit: () => undefined, anomalies: { add: () => undefined }, pcreBudgetMs: 0 })).toThrow(/pcreBudgetMs must be an integer >= 1/);
  });

  it('haystack alerts (bin/haystack.js, V8 fallback on; needs npm run build): the slow rules are cut, a pattern V8 re-runs in linear time is not, the rest alerts', { timeout: 30_000 }, () => {
    const rules = join(dir, 'cli.rules');
    // (a+)+$ backtracks exponentially too, but V8's linear engine takes it: no guard, no anomaly
    writeFileSync(rules, `${REDOS_RULES}\nalert tcp any any -> any any (msg:"linear"; pcre:"/(a+)+$/"; sid:4;)\n`);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/haystack.js'), 'alerts', redosCapture(), '--rules', rules, '--format', 'csv', '--fields', 'sid,src_port'], { encoding: 'utf8', timeout: 25_000 });
    expect([r.status, r.stdout]).toEqual([0, 'sid,src_port\n3,40000\n3,80\n']);
    expect(r.stderr).toContain('haystack: 2 anomalies (detect_pcre_budget_exceeded 2)');
  });

  it('ingest --rules (the library path, no V8 flags: every pcre is guarded) stores the anomalies and the alerts', { timeout: 30_000 }, async () => {
    const rules = join(dir, 'ingest.rules');
    writeFileSync(rules, `${REDOS_RULES}\n`);
    const db = join(dir, 'redos.duckdb');
    const r = await cli('ingest', redosCapture(), '--db', db, '--rules', rules);
    expect(r.code).toBe(0);
    const q = await cli('sql', "SELECT (SELECT count(*) FROM anomalies WHERE name = 'detect_pcre_budget_exceeded') AS over, (SELECT string_agg(CAST(sid AS VARCHAR), ',' ORDER BY ts) FROM alerts) AS sids", '--db', db, '--format', 'csv');
    expect(q.out).toBe('over,sids\n2,"3,3"\n');
  });
});

/** The rules of a text, all loaded. */
function loaded(text: string): Rule[] {
  const set = parseRules(text, 't.rules');
  expect([set.errors, set.notLoaded]).toEqual([[], []]);
  return set.rules;
}

/** Runs rules over a capture file through the pipeline; the alerts' sid and destination port in order. */
async function alertsOf(rules: Rule[], pcap: string): Promise<[number, number | null][]> {
  const alerts: AlertRecord[] = [];
  const detector = guardedDetector(rules, { emit: (a) => alerts.push(a), anomalies: { add: (...a) => engine.anomalies.add(...a) } });
  const an = analysis({ detect: detectHooks(detector) }, () => engine);
  const engine: Engine = new Engine({ ...an.handlers }, an.options);
  await engine.run([pcap]);
  return alerts.map((a) => [a.sid, a.dst_port]);
}

describe('sizes a rule can carry', () => {
  it('a 1 MB content is refused by sid and reason in rules check and alerts; the other rule of the file loads and alerts', { timeout: 30_000 }, async () => {
    const rules = join(dir, 'big.rules');
    writeFileSync(rules, `alert tcp any any -> any any (msg:"bigcontent"; content:"${'A'.repeat(1 << 20)}"; sid:3;)\nalert tcp any any -> any any (msg:"normal"; content:"GET /"; sid:4;)\n`);
    const check = await cli('rules', 'check', rules);
    expect(check.code).toBe(0);
    expect(check.out).toContain('2 rules: 1 loaded (50.0%), 1 not loaded, 0 with syntax errors');
    expect(check.out).toContain(`sid 3 (${rules}:1): content: a content of 1048576 bytes is over the ${MAX_CONTENT_BYTES}-byte limit`);
    const r = await cli('alerts', redosCapture(), '--rules', rules, '--format', 'csv', '--fields', 'sid,msg');
    expect([r.code, r.out]).toEqual([0, 'sid,msg\n4,normal\n']);
    expect(r.err).toContain('haystack alerts: 1 of 2 rules loaded (1 use something unsupported: haystack rules check lists them)');
  });

  it('the prefilter holds a few bytes per pattern byte: a content at the limit costs what one of PREFILTER_PATTERN_BYTES does, and thousands of rules grow it linearly', () => {
    const one = (n: number): number => new Prefilter(loaded(`alert tcp any any -> any any (msg:"x"; content:"${'ab'.repeat(n / 2)}"; sid:1;)`).map((r, i) => [r, i])).bytes;
    // the automaton indexes the first 64 bytes: a 4 KiB content and a 64-byte one cost the same
    expect(one(MAX_CONTENT_BYTES)).toBe(one(PREFILTER_PATTERN_BYTES));
    expect(one(PREFILTER_PATTERN_BYTES)).toBeLessThan((PREFILTER_PATTERN_BYTES + 1) * 1100);
    // n rules of 16 random bytes each (few shared prefixes): past the dense states, ~22 bytes a state; the old
    // full DFA took 1 KiB a state (~60 MB for the 4,000 rules, ~240 MB for the 16,000)
    // xorshift32: a fixed sequence of bytes without structure
    let seed = 2463534242;
    const rnd = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const many = (n: number): Rule[] => loaded(Array.from({ length: n }, (_, i) => `alert tcp any any -> any any (msg:"m"; content:"|${Array.from({ length: 16 }, () => (rnd() % 256).toString(16).padStart(2, '0')).join(' ')}|"; sid:${i + 1};)`).join('\n'));
    const size = (rules: Rule[]): number => new Prefilter(rules.map((r, i) => [r, i])).bytes;
    const [a, b] = [size(many(4000)), size(many(16_000))];
    const dense = DENSE_STATES * 1024;
    expect(a).toBeLessThan(dense + 4000 * 16 * 32);
    expect(b).toBeLessThan(dense + 16_000 * 16 * 32);
    // linear: four times the rules, about four times the sparse part
    expect((b - dense) / (a - dense)).toBeGreaterThan(3.5);
    expect((b - dense) / (a - dense)).toBeLessThan(4.5);
  });

  it(`traffic on more than ${MAX_PORT_PREFILTERS} port combinations gets the same alerts once no more prefilters are built`, { timeout: 30_000 }, async () => {
    const ports = Array.from({ length: MAX_PORT_PREFILTERS + 8 }, (_, i) => 2000 + i);
    const rules = loaded([
      ...ports.map((p) => `alert tcp any any -> any ${p} (msg:"port ${p}"; flow:to_server; content:"hello"; sid:${p};)`),
      'alert tcp any any -> any any (msg:"any port"; flow:to_server; content:"hello"; sid:1;)',
      // a port rule without content: always a candidate on its port
      `alert tcp any any -> any ${ports.at(-1)} (msg:"no content"; flow:to_server; dsize:>0; flowbits:noalert; sid:2;)`,
    ].join('\n'));
    const path = join(dir, 'ports.pcap');
    writeFileSync(path, conversationsPcap(...ports.map((p, i) => tcpConversation({ dport: p, sport: 40000 + i, start: Date.UTC(2026, 0, 1) * 1000 + i * 10_000 }, [{ from: 'client', data: 'hello' }]))));
    // each conversation: its port's rule and the any-port rule (rule order: the any-port rule is last in the file)
    expect(await alertsOf(rules, path)).toEqual(ports.flatMap((p) => [[p, p], [1, p]]));
  });
});
