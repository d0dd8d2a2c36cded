// Logstash configurations load as they are, and their grok filters run as Logstash runs them; the grok and
// recipes verbs; a pathological pattern does not stall. The hand-written 2013 mail configuration of the
// corpus is checked against maillog A's expected.json (the daemons' own output).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logParserOptions } from '../src/cli/log-args.js';
import { MAX_GROK_EXPANDED } from '../src/grok/grok.js';
import { grokFilters, LogstashConfigError, MAX_CONFIG_NESTING } from '../src/logs/logstash-config.js';
import { LogParser, type LogParse } from '../src/logs/parse-log.js';
import { LineGuard } from '../src/pipeline/line-guard.js';
import { ingestLog } from '../src/pipeline/logs.js';
import { openStore } from '../src/store/open.js';
import { cli, scratchDir } from './helpers/cli.js';
import { corpusDir, readJson, ROOT } from './helpers/run.js';

const scratch = scratchDir('logstash');
const root = corpusDir();

describe('Logstash configuration loading', () => {
  it('reads grok filters: match hash and array forms, the older pattern array, type, add_tag, break_on_match, patterns_dir', () => {
    const conf = `input { stdin { type => "mail" } }
# a comment with { braces }
filter {
  if [type] == "mail" {
    grok {
      match => { "message" => [ "a=%{INT:a:int}", 'b=%{WORD:b}' ] }
      add_tag => [ "kv" ]
      break_on_match => false
      patterns_dir => ["/x/patterns"]
    }
  }
  grok { type => "web" pattern => "%{IP:client} \\"quoted\\"" }
  grok { match => [ "message", "%{WORD:w}", "other", "%{INT:ignored}" ] }
  mutate { add_field => { "k" => "v" } }
}
output { stdout { codec => rubydebug } }`;
    expect(grokFilters(conf)).toEqual([
      { patterns: ['a=%{INT:a:int}', 'b=%{WORD:b}'], fields: ['message', 'message'], type: null, tags: ['kv'], breakOnMatch: false, patternsDirs: ['/x/patterns'], line: 5 },
      { patterns: ['%{IP:client} "quoted"'], fields: ['message'], type: 'web', tags: [], breakOnMatch: true, patternsDirs: [], line: 12 },
      { patterns: ['%{WORD:w}', '%{INT:ignored}'], fields: ['message', 'other'], type: null, tags: [], breakOnMatch: true, patternsDirs: [], line: 13 },
    ]);
  });

  it('two-stage configurations, plugins as values, braces inside conditions, quoted booleans', () => {
    const conf = `input { tcp { port => 5514 codec => multiline { pattern => "^\\s" what => "previous" } } }
filter {
  if [message] =~ /\\{json/ or [type] == "}" {
    grok { match => { "message" => "%{SYSLOGBASE} %{GREEDYDATA:syslog_message}" } }
    grok { match => { "syslog_message" => "%{WORD:qid}: %{GREEDYDATA:rest}" } break_on_match => "false" add_tag => ["a", "a", "b"] }
  }
}`;
    const f = grokFilters(conf);
    expect(f.map((x) => [x.fields, x.breakOnMatch, x.tags])).toEqual([[['message'], true, []], [['syslog_message'], false, ['a', 'b']]]);
    const p = new LogParser({ recipes: [], filters: f.map((x, i) => ({ name: `c:${i}`, patterns: x.patterns, fields: x.fields, tags: x.tags, breakOnMatch: x.breakOnMatch })) });
    expect(p.parse('Nov 22 06:11:29 mail sm-mta[4579]: 6AM6BTsh004579: from=<a@b>').fields).toMatchObject({ program: 'sm-mta', qid: '6AM6BTsh004579', rest: 'from=<a@b>', tags: ['a', 'b'] });
  });

  it('a broken configuration is an error with its line and column', () => {
    expect(() => grokFilters('filter {\n  grok {\n    match => { "message" => "x }\n  }\n}\n')).toThrow(LogstashConfigError);
    try {
      grokFilters('filter {\n  grok { match => { "message" "x" } }\n}\n');
    } catch (e) {
      expect([(e as LogstashConfigError).line, (e as LogstashConfigError).column]).toEqual([2, 31]);
    }
  });

  it('nesting is refused past MAX_CONFIG_NESTING levels with the line and column of the level past it (5,000 nested ifs overflowed the stack)', async () => {
    // "filter {" is level 1; the k-th "if [a] {" (9 characters each, from column 10) is level k + 1, its brace at column 9k + 8
    const ifs = (n: number): string => `filter { ${'if [a] { '.repeat(n)}grok { match => { "message" => "%{WORD:w}" } } ${'} '.repeat(n)}}\n`;
    expect(grokFilters(ifs(MAX_CONFIG_NESTING - 3)).map((f) => f.patterns)).toEqual([['%{WORD:w}']]);
    const err = (text: string): [number, number, string] => {
      try {
        grokFilters(text);
      } catch (e) {
        if (e instanceof LogstashConfigError) return [e.line, e.column, e.message];
        throw e;
      }
      return [0, 0, 'loaded'];
    };
    const k = MAX_CONFIG_NESTING;
    expect(err(ifs(5000))).toEqual([1, 9 * k + 8, `line 1, column ${9 * k + 8}: nested deeper than ${k} levels (blocks, conditionals, lists and hashes)`]);
    // lists and hashes count as levels too, on the line they are on: the j-th "[" (level j + 2) at column 13 + j,
    // the j-th '{ "a" => ' (9 characters, level j + 2) at column 23 + 9(j - 1)
    expect(err(`filter {\n  grok {\n    match => ${'['.repeat(5000)}\n`).slice(0, 2)).toEqual([3, 13 + (k - 1)]);
    expect(err(`filter {\n  grok { add_field => ${'{ "a" => '.repeat(5000)}`).slice(0, 2)).toEqual([2, 23 + 9 * (k - 2)]);
    const file = join(scratch, 'deep.conf');
    writeFileSync(file, `input { stdin {} }\n${ifs(5000)}`);
    const r = await cli('logs', 'parse', join(scratch, 'deep.conf'), '--config', file);
    expect([r.code, r.err]).toEqual([2, `haystack logs: ${file}:2:${9 * k + 8}: nested deeper than ${k} levels (blocks, conditionals, lists and hashes)\n`]);
  });

  it('filters run as Logstash runs them: every filter on every line, first pattern wins unless break_on_match is false, tags added, type respected', () => {
    const p = new LogParser({
      recipes: [], type: 'mail',
      filters: [
        { name: 'c:2', patterns: ['a=%{INT:a:int}', 'b=%{WORD:b}'], breakOnMatch: false, tags: ['kv'] },
        { name: 'c:5', patterns: ['%{WORD:first}'] },
        { name: 'c:8', patterns: ['%{INT:never}'], type: 'web' },
      ],
    });
    const r = p.parse('a=5 b=x');
    expect([r.parse_ok, r.pattern, r.type, r.fields]).toEqual([true, 'c:2#1', 'mail', { a: 5, b: 'x', tags: ['kv'], first: 'a' }]);
    // the web filter does not run on mail lines (its %{INT:never} would match)
    const d = p.parse('1 2 3');
    expect([d.pattern, d.fields]).toEqual(['c:5#1', { first: '1' }]);
    expect(p.parse('---').parse_ok).toBe(false);
  });

  it('patterns_dir and --patterns-dir files add definitions; a bad pattern names its filter and column', () => {
    const dir = join(scratch, 'patterns');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'mail'), '# ours\nQID [0-9A-Z]{10,14}\n');
    const conf = join(scratch, 'mail.conf');
    writeFileSync(conf, `filter {\n grok {\n  patterns_dir => ["${dir}"]\n  match => { "message" => "%{QID:qid}: %{GREEDYDATA:rest}" }\n }\n}\n`);
    const o = logParserOptions({ config: [conf], recipe: ['none'] });
    expect(new LogParser(o).parse('ABCDEF12345: hello').fields).toEqual({ qid: 'ABCDEF12345', rest: 'hello' });
    writeFileSync(conf, 'filter {\n grok {\n  match => { "message" => "%{QID:qid} (unclosed" }\n }\n}\n');
    expect(() => logParserOptions({ config: [conf], 'patterns-dir': [dir] })).toThrow(/mail\.conf:2#1: .*missing "\)".*column/);
    expect(() => logParserOptions({ config: [join(scratch, 'none.conf')] })).toThrow(/none\.conf: cannot read \(ENOENT\)/);
  });
});

describe.skipIf(root === null)('the 2013 mail configuration on maillog A', () => {
  const seed = join(root ?? '', 'maillog/seed-logstash-mail.conf');
  const dir = join(root ?? '', 'maillog/A');
  const want = root === null ? null! : readJson<{
    dovecot_sessions: Record<string, { login: boolean; user: string; method?: string; rip?: string; lip?: string; mpid?: number; session?: string; login_line_n?: number }>;
    sendmail_queue_ids: Record<string, { from_line?: Record<string, string | number> | null; deliveries?: (Record<string, unknown> & { line_n: number })[] }>;
  }>(join(dir, 'expected.json'));
  const lines = root === null ? [] : readFileSync(join(dir, 'maillog.traditional.log'), 'utf8').split('\n').filter((l) => l !== '');
  const run = (ls: string[]): LogParse[] => {
    const p = new LogParser({ ...logParserOptions({ config: [seed], recipe: ['none'], type: 'mail', year: '2026' }) });
    return ls.map((l) => p.parse(l));
  };

  it('loads as it is: one grok filter of type mail with 11 patterns', () => {
    const f = grokFilters(readFileSync(seed, 'utf8'));
    expect(f.map((x) => [x.type, x.patterns.length, x.breakOnMatch])).toEqual([['mail', 11, true]]);
  });

  it('its dovecot pattern matches exactly the 7 IMAP logins, fields equal to dovecot\'s own', () => {
    const rs = run(lines);
    const logins = Object.values(want.dovecot_sessions).filter((s) => s.login);
    expect(logins.length).toBe(7);
    const hit = rs.map((r, i) => [r, i + 1] as const).filter(([r]) => r.pattern === 'seed-logstash-mail.conf:7#7');
    expect(hit.map(([, n]) => n).sort((a, b) => a - b)).toEqual(logins.map((s) => s.login_line_n).sort((a, b) => a! - b!));
    for (const [r, n] of hit) {
      const s = logins.find((x) => x.login_line_n === n)!;
      const session = Object.entries(want.dovecot_sessions).find(([, v]) => v === s)![0];
      expect(r.fields, `line ${n}`).toMatchObject({ program: 'dovecot', user: s.user, method: s.method, rip: s.rip, lip: s.lip, mpid: String(s.mpid), session });
    }
  });

  it('its sendmail patterns match every from and to line once the tag is "sendmail" as they were written for; A\'s "sm-mta[pid]" tag they do not match', () => {
    const sm = lines.map((l, i) => [l, i + 1] as const).filter(([l]) => / sm-mta\[\d+\]: /.test(l));
    // as logged: the program group `sm-mta[^,\[]+` needs a character after "sm-mta" other than "[": no match
    expect(run(sm.map(([l]) => l)).filter((r) => r.parse_ok).length).toBe(0);
    const renamed = run(sm.map(([l]) => l.replace(' sm-mta[', ' sendmail[')));
    const byLine = new Map(sm.map(([, n], i) => [n, renamed[i]!]));
    let froms = 0;
    let tos = 0;
    for (const q of Object.values(want.sendmail_queue_ids)) {
      const f = q.from_line;
      if (f != null) {
        const r = byLine.get(Number(f.line_n))!;
        const [host, ip] = /^(?:(\S+) )?\[([^\]]+)\]/.exec(String(f.relay))!.slice(1);
        expect(r.fields, `line ${f.line_n}`).toMatchObject({
          from: f.from, ...(f.size !== undefined ? { size: f.size } : {}), nrcpts: f.nrcpts, ...(f.msgid !== undefined ? { msgid: f.msgid } : {}),
          proto: f.proto, daemon: f.daemon, relayip: ip, ...(host !== undefined ? { relay: host } : {}),
        });
        froms++;
      }
      for (const d of q.deliveries ?? []) {
        const r = byLine.get(d.line_n)!;
        if (String(d.to).includes(',')) {
          // to=<a>,<b>: to=(?<to>[^,]+) stops at the first comma, which (, |$) does not accept: the repetition
          // matches nothing and the line keeps only its queue id, as in Logstash
          expect(r.fields!.to, `line ${d.line_n}`).toBe(undefined);
          expect(r.fields!.qid, `line ${d.line_n}`).toBeTypeOf('string');
          tos++;
          continue;
        }
        expect(r.fields, `line ${d.line_n}`).toMatchObject(Object.fromEntries(['to', 'mailer', 'delay', 'xdelay', 'ctladdr'].filter((k) => d[k] !== undefined && !String(d[k]).includes(',')).map((k) => [k, d[k]])));
        // the config writes dsn=(<dsn>[^,]+), a literal "<dsn>" (the ? of a named group was lost): a line with
        // dsn= ends the repetition there, so stat (after it) is not captured, as in Logstash
        expect(r.fields!.stat, `line ${d.line_n}`).toBe(d.dsn === undefined ? d.stat : undefined);
        tos++;
      }
    }
    expect([froms, tos]).toEqual([34, 34]);
  });
});

describe('bounded time per line', () => {
  it('(a+)+$ against 40 a\'s and a b: the command answers "no match" at once (V8\'s linear engine), where the guard alone would stop it', () => {
    // without a bound this line takes hours (each extra "a" doubles the work). bin/haystack.js turns V8's
    // fallback on at start: the linear engine takes over past 100,000 backtracks, so the line is a plain miss;
    // without it the line guard would stop the pattern after 1000 ms and say so ("stopped: ...")
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/haystack.js'), 'grok', '--pattern', '(?<x>(a+)+)$', '--line', `${'a'.repeat(40)}b`, '--line', 'aaaa', '--format', 'json'], { encoding: 'utf8' });
    const [slow, ok] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { matched: number | null; timeout_ms?: number; closest?: { next: string }; fields?: unknown });
    // a miss, with how far the pattern got (to the "$"), and no time limit reached
    expect([slow!.matched, slow!.timeout_ms, slow!.closest?.next]).toEqual([null, undefined, '$']);
    expect([ok!.matched, ok!.fields]).toEqual([1, { x: 'aaaa' }]);
    expect(r.status).toBe(1);
  });
});

describe('bounded time per line where V8\'s linear engine cannot take over', () => {
  // a lookbehind (as in IPV4's (?<![0-9])) keeps a pattern out of the linear engine: the line guard stops it
  const PATHOLOGICAL = '(?<![0-9])(?<x>(a+)+)$';

  it('an ingest keeps the line that ran out of time unparsed (with its header), counts it, and goes on', async () => {
    const file = join(scratch, 'slow.log');
    writeFileSync(file, ['Nov 22 06:11:29 mx app[1]: aaaa', `Nov 22 06:11:30 mx app[1]: ${'a'.repeat(40)}b`, 'Nov 22 06:11:31 mx app[1]: aaaaaa'].join('\n') + '\n');
    const store = await openStore(join(scratch, 'slow.duckdb'));
    try {
      const r = await ingestLog(store, file, { year: 2026, recipes: [], filters: [{ name: 'p', patterns: [`%{SYSLOGBASE} ${PATHOLOGICAL}`] }], lineTimeoutMs: 500 });
      expect(r.status === 'ingested' ? [r.lines, r.parsed, r.timeouts] : r).toEqual([3, 2, 1]);
      const rows = (await store.select('SELECT line_no, parse_ok, program, fields FROM logs ORDER BY line_no')).rows;
      expect(rows.map((x) => [Number(x.line_no), x.parse_ok, x.program, JSON.parse(String(x.fields)) as unknown])).toEqual([
        [1, true, 'app', expect.objectContaining({ x: 'aaaa' })],
        [2, false, 'app', { _grok_timeout_ms: 500 }],
        [3, true, 'app', expect.objectContaining({ x: 'aaaaaa' })],
      ]);
    } finally {
      await store.close();
    }
  });

  it('stopped at any point (a 1 ms budget, stops land everywhere), every line ends parsed or given up, within its run, and parsing stays right', () => {
    const src = ['Nov 22 06:11:29 mail sm-mta[4579]: 6AM6BTsh004579: from=<alice@acme.test>, size=329, class=0, nrcpts=1, msgid=<m1@acme.test>, proto=ESMTP, daemon=MTA-v4, relay=ws-alice.acme.test [127.0.1.11]',
      'Nov 22 06:11:30 mail postfix/smtpd[4591]: connect from mail.acme.test[127.0.0.10]:47911',
      'Nov 22 06:11:32 mail sshd[100]: Failed password for invalid user admin from 192.0.2.7 port 2222 ssh2'];
    const lines = Array.from({ length: 30_000 }, (_, k) => src[k % 3]!);
    const p = new LogParser({ year: 2026 });
    const want = src.map((l) => JSON.stringify(new LogParser({ year: 2026 }).parse(l)));
    const guard = new LineGuard(1);
    const seen = new Array<string>(lines.length);
    for (let off = 0; off < lines.length; off += 2048) {
      const to = Math.min(lines.length, off + 2048);
      guard.run(off, to, (k) => {
        expect(k >= off && k < to).toBe(true);
        seen[k] = JSON.stringify(p.parse(lines[k]!));
      }, (k) => {
        // given up: whatever an earlier, stopped call for k left is replaced
        expect(k >= off && k < to).toBe(true);
        seen[k] = 'gave up';
      });
    }
    expect(seen.filter((x) => x === undefined).length).toBe(0);
    seen.forEach((x, k) => {
      if (x !== 'gave up') expect(x).toBe(want[k % 3]);
    });
  });

  it('the guard gives a slow run of lines a second chance line by line before it gives a line up', () => {
    let calls = 0;
    const guard = new LineGuard(500);
    const done: number[] = [];
    const gaveUp: number[] = [];
    // each line takes 150 ms: four together pass 500 ms, none alone comes near it
    const n = guard.run(0, 4, (k) => {
      calls++;
      const t = Date.now();
      while (Date.now() - t < 150);
      done[k] = k;
    }, (k) => gaveUp.push(k));
    expect([n, gaveUp, done]).toEqual([0, [], [0, 1, 2, 3]]);
    expect(calls).toBeGreaterThan(4);
  });
});

describe('haystack grok and haystack recipes', () => {
  it('grok: the captures of a match, and for a miss how far the closest pattern got', async () => {
    const pat = '%{SYSLOGTIMESTAMP:ts} %{SYSLOGHOST:host} %{PROG:prog}\\[%{POSINT:pid:int}\\]: %{IP:ip}';
    const ok = await cli('grok', '--pattern', pat, '--line', 'Nov 22 10:00:00 mx1 sendmail[123]: 10.0.0.1', '--format', 'json');
    expect([ok.code, JSON.parse(ok.out)]).toEqual([0, { line: 'Nov 22 10:00:00 mx1 sendmail[123]: 10.0.0.1', matched: 1, fields: { ts: 'Nov 22 10:00:00', host: 'mx1', prog: 'sendmail', pid: 123, ip: '10.0.0.1' } }]);
    const miss = await cli('grok', '--pattern', pat, '--line', 'Nov 22 10:00:00 mx1 sendmail[123]: hello');
    expect(miss.code).toBe(1);
    expect(miss.out).toContain('no match; closest: 10 of its 11 top-level items match "Nov 22 10:00:00 mx1 sendmail[123]: " (up to column 36 of the line)');
    expect(miss.out).toContain('the next item does not match there: %{IP:ip}');
    const bad = await cli('grok', '--pattern', '%{NOSUCH:x}', '--line', 'x');
    expect([bad.code, bad.err]).toEqual([2, 'haystack grok: grok: pattern #1: unknown pattern %{NOSUCH} (column 1 of the pattern)\n']);
  });

  it('a patterns directory whose definitions double 40 times over is refused by the expansion budget, exit 2, in grok and logs (it ran the heap out, exit 134)', async () => {
    const pdd = join(scratch, 'pdd');
    mkdirSync(pdd, { recursive: true });
    writeFileSync(join(pdd, 'expo'), ['Q0 a', ...Array.from({ length: 39 }, (_, k) => `Q${k + 1} %{Q${k}}%{Q${k}}`)].join('\n') + '\n');
    const msg = `expands to more than ${MAX_GROK_EXPANDED} characters (definitions used within definitions: Q39 -> Q38 -> Q37 -> ... -> Q16 -> Q15 -> Q14)`;
    const g = await cli('grok', '--patterns-dir', pdd, '--pattern', '%{Q39:x}', '--line', 'a');
    expect([g.code, g.err]).toEqual([2, `haystack grok: grok: pattern #1: ${msg}\n`]);
    const log = join(scratch, 'one.log');
    writeFileSync(log, 'a\n');
    const l = await cli('logs', 'parse', log, '--patterns-dir', pdd, '--pattern', '%{Q39:x}');
    expect([l.code, l.out, l.err]).toEqual([2, '', `haystack logs: pattern#1: ${msg} (in %{Q39:x})\n`]);
  });

  it('recipes: every built-in recipe with its event types and typed fields', async () => {
    const r = await cli('recipes', '--format', 'json');
    const list = JSON.parse(r.out) as { name: string; types: { type: string; fields: { name: string; type: string }[] }[] }[];
    expect(list.map((x) => x.name)).toEqual(['sendmail', 'postfix', 'dovecot', 'opendkim', 'milter-greylist', 'mailscanner', 'sshd']);
    const pf = list.find((x) => x.name === 'postfix')!.types.find((t) => t.type === 'postfix_connect')!;
    expect(pf.fields).toEqual([{ name: 'client_name', type: 'string' }, { name: 'client_ip', type: 'string' }, { name: 'client_port', type: 'int' }]);
    const one = await cli('recipes', 'sshd');
    expect(one.out).toMatch(/sshd_failed .*client_port:int/);
    expect((await cli('recipes', 'nosuch')).code).toBe(2);
  });
});
