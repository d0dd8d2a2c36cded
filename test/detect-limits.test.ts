// The signature engine against hostile rules and traffic (issue 13): a rule pcre that V8 cannot bound runs
// under a time budget (past it the rule does not match, an anomaly names it, the run goes on), and the
// sizes a rule can carry are either refused by a named limit or cost memory in proportion.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnomalyEvent } from '../src/core/anomaly.js';
import { parseRules } from '../src/detect/rules-file.js';
import { analysis } from '../src/pipeline/analyzers.js';
import { guardedDetector } from '../src/pipeline/detect.js';
import { Engine } from '../src/pipeline/engine.js';
import type { AlertRecord } from '../src/schema/alerts.js';
import { cli, scratchDir } from './helpers/cli.js';
import { conversationsPcap, tcpConversation } from './helpers/conversation.js';
import { ROOT } from './helpers/run.js';

const dir = scratchDir('detect-limits');

/** An HTTP exchange with a long run of 'a' each way (the probe's X1 capture): 2^60 ways for (a+)+ to split it. */
function redosCapture(mss?: number): string {
  const run = 'a'.repeat(60);
  const path = join(dir, `redos-${mss ?? 'full'}.pcap`);
  writeFileSync(path, conversationsPcap(tcpConversation({ dport: 80, ...(mss !== undefined ? { mss } : {}) }, [
    { from: 'client', data: `GET /${run} HTTP/1.1\r\nHost: x\r\n\r\n` },
    { from: 'server', data: `HTTP/1.1 200 OK\r\nContent-Length: 61\r\n\r\n${run}\n` },
  ])));
  return path;
}

const REDOS_RULES = [
  'alert tcp any any -> any any (msg:"lookahead"; pcre:"/(?=(a+)+b)/"; sid:1;)',
  'alert tcp any any -> any any (msg:"backreference"; pcre:"/(a+)+\\1b/"; sid:2;)',
  'alert tcp any any -> any any (msg:"normal"; content:"aaaa"; sid:3;)',
].join('\n');

const sidOf = (a: AnomalyEvent): number => Number(/^sid 1:(\d+):0 /.exec(a.detail ?? '')?.[1]);

describe('a rule pcre V8 cannot bound', () => {
  it('costs at most its budget on a run of "a": the rule does not match, an anomaly names it once per stream direction, and the normal rule still alerts', { timeout: 30_000 }, async () => {
    // segments of 16 bytes: each stream direction is delivered (and inspected) several times
    for (const mss of [undefined, 16]) {
      const set = parseRules(REDOS_RULES, 'redos.rules');
      expect([set.rules.length, set.errors, set.notLoaded]).toEqual([3, [], []]);
      const alerts: AlertRecord[] = [];
      const anomalies: AnomalyEvent[] = [];
      const detector = guardedDetector(set.rules, { emit: (a) => alerts.push(a), anomalies: { add: (...a) => engine.anomalies.add(...a) }, pcreBudgetMs: 20 });
      const an = analysis({ detect: detector }, () => engine);
      const engine: Engine = new Engine({ ...an.handlers, anomaly: (a) => anomalies.push(a) }, an.options);
      const res = await engine.run([redosCapture(mss)]);
      expect(res.inputs[0]!.error).toBe(null);
      // "aaaa" is in both directions' streams
      expect(alerts.map((a) => [a.sid, a.src_port])).toEqual([[3, 40000], [3, 80]]);
      const over = anomalies.filter((a) => a.name === 'detect_pcre_budget_exceeded');
      // each slow rule once per stream direction: not evaluated again in a direction where it ran out of time
      expect(over.map(sidOf).sort()).toEqual([1, 1, 2, 2]);
      expect(over[0]!.detail).toMatch(/^sid 1:\d:0 \(redos\.rules:\d\): pcre \/.*\/ on pkt \(\d+ bytes\) ran past 20 ms; taken as no match$/);
      expect(over.every((a) => a.uid === over[0]!.uid && a.uid !== null)).toBe(true);
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
    expect(r.stderr).toContain('haystack: 4 anomalies (detect_pcre_budget_exceeded 4)');
  });

  it('ingest --rules (the library path, no V8 flags: every pcre is guarded) stores the anomalies and the alerts', { timeout: 30_000 }, async () => {
    const rules = join(dir, 'ingest.rules');
    writeFileSync(rules, `${REDOS_RULES}\n`);
    const db = join(dir, 'redos.duckdb');
    const r = await cli('ingest', redosCapture(), '--db', db, '--rules', rules);
    expect(r.code).toBe(0);
    const q = await cli('sql', "SELECT (SELECT count(*) FROM anomalies WHERE name = 'detect_pcre_budget_exceeded') AS over, (SELECT string_agg(CAST(sid AS VARCHAR), ',' ORDER BY ts) FROM alerts) AS sids", '--db', db, '--format', 'csv');
    expect(q.out).toBe('over,sids\n4,"3,3"\n');
  });
});
