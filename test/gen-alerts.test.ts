// Signatures over our HTTP capture: the analysts' PUT defacement rule fires on every PUT that reaches an
// $HTTP_PORTS server (the one sent in five pieces included, matched on the reassembled stream) and on no
// other request; ET's HTTP-buffer rules on the same capture; alerts carry the session uid and Community ID.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Detector } from '../src/detect/detector.js';
import { parseRules } from '../src/detect/rules-file.js';
import { analysis } from '../src/pipeline/analyzers.js';
import { Engine } from '../src/pipeline/engine.js';
import type { AlertRecord } from '../src/schema/alerts.js';
import type { SessionRecord } from '../src/schema/sessions.js';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN, readJson } from './helpers/run.js';

const PCAP = join(GEN, 'http-put.pcap');
const PUT_RULE = 'alert tcp $EXTERNAL_NET any -> $HTTP_SERVERS $HTTP_PORTS (msg:"HTTP PUT Defacement Attempt"; flow:to_server,established; content:"PUT "; depth:4; classtype:web-application-attack; sid:1000003; rev:1;)';
const expected = readJson<{ http_requests: { sport: number; dport: number; method: string; uri: string }[]; http_responses: { codes: number[] }[] }>(
  join(GEN, 'expected/http-put.pcap.json'),
);

async function run(rules: string, vars: Record<string, string> = {}): Promise<{ alerts: AlertRecord[]; sessions: SessionRecord[] }> {
  const set = parseRules(rules, 'test.rules', { vars });
  expect(set.errors).toEqual([]);
  expect(set.notLoaded).toEqual([]);
  const alerts: AlertRecord[] = [];
  const sessions: SessionRecord[] = [];
  const detector = new Detector(set.rules, { emit: (a) => alerts.push(a) });
  const an = analysis({ detect: detector }, () => engine);
  const engine: Engine = new Engine({ ...an.handlers, session: (r) => sessions.push(r) }, an.options);
  await engine.run([PCAP]);
  return { alerts, sessions };
}

describe('alerts: http-put.pcap', () => {
  it('the PUT rule fires on every PUT to an $HTTP_PORTS server, the five-piece one included, and on nothing else', async () => {
    const { alerts, sessions } = await run(PUT_RULE);
    const puts = expected.http_requests.filter((r) => r.method === 'PUT');
    expect(puts.length).toBe(4);
    expect(alerts.map((a) => [a.sid, a.src_port, a.dst_port, a.msg, a.priority, a.classtype])).toEqual(
      puts.map((p) => [1000003, p.sport, p.dport, 'HTTP PUT Defacement Attempt', 1, 'web-application-attack']),
    );
    // every alert points at its session: same uid and Community ID as the session record
    const byUid = new Map(sessions.map((s) => [s.uid, s]));
    for (const a of alerts) {
      const s = byUid.get(a.uid!)!;
      expect([s.src_port, s.dst_port, a.community_id]).toEqual([a.src_port, a.dst_port, s.community_id]);
    }
    expect(alerts.find((a) => a.dst_port === 8080 && a.src_port === puts[3]!.sport)?.payload_excerpt).toMatch(/^PUT \/split\.html HTTP\/1\.1/);
  });

  it('honours the variables: no alert when the servers are not $HTTP_SERVERS or the port not in $HTTP_PORTS', async () => {
    expect((await run(PUT_RULE, { HTTP_SERVERS: '192.0.2.0/24' })).alerts).toEqual([]);
    expect((await run(PUT_RULE, { HTTP_PORTS: '[80]' })).alerts.map((a) => a.dst_port)).toEqual([80]);
    // with a home network the client (127.0.0.1) is not external any more
    expect((await run(PUT_RULE, { HOME_NET: '127.0.0.0/8' })).alerts).toEqual([]);
  });

  it('matches HTTP buffers: ET-style method and URI rules, Snort http_* modifiers, a stat_code rule', async () => {
    const { alerts } = await run([
      'alert http $EXTERNAL_NET any -> $HTTP_SERVERS any (msg:"put (suricata buffers)"; flow:established,to_server; http.method; content:"PUT"; sid:1;)',
      'alert tcp any any -> any $HTTP_PORTS (msg:"passwd (snort modifiers)"; flow:to_server,established; content:"/etc/passwd"; http_uri; sid:2;)',
      'alert http any any -> any any (msg:"delete 204"; http.method; content:"DELETE"; http.stat_code; content:"204"; sid:3;)',
      'alert http any any -> any any (msg:"not found"; http.stat_code; content:"404"; sid:4;)',
      'alert http any any -> any any (msg:"dav ua"; http.user_agent; content:"DAV 1.1"; endswith; sid:5;)',
    ].join('\n'));
    const count = (sid: number): number => alerts.filter((a) => a.sid === sid).length;
    const notFound = expected.http_responses.flatMap((r) => r.codes).filter((c) => c === 404).length;
    expect([count(1), count(2), count(3), count(4), count(5)]).toEqual([4, 1, 1, notFound, 2]);
  });

  it('haystack alerts prints them, and refuses a rules file with syntax errors', async () => {
    const dir = scratchDir('alerts');
    const file = join(dir, 'put.rules');
    writeFileSync(file, `# the analysts' rule\n${PUT_RULE}\n`);
    const r = await cli('alerts', PCAP, '--rules', file, '--format', 'csv', '--fields', 'sid,dst_port');
    expect(r.out).toBe('sid,dst_port\n1000003,80\n1000003,8080\n1000003,8888\n1000003,8080\n');
    expect(r.err).toContain('1 of 1 rules loaded');
    writeFileSync(join(dir, 'bad.rules'), `${PUT_RULE}\nalert tcp any any -> any any (msg:"x"; content:"|zz|"; sid:9;)\n`);
    const bad = await cli('alerts', PCAP, '--rules', join(dir, 'bad.rules'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/bad\.rules:2:\d+: content: bad hex in content: \|zz\|/);
  });
});
