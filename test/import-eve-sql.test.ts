// `import eve`'s fast path (pipeline/import-eve-sql.ts: flow lines scanned in JS and mapped by DuckDB's read_json,
// every other line the JS way) against the line-by-line JS path it must equal: the same files imported into two
// stores, one with the fast path and one without, then every row of every record table and the captures rows
// (but ingested_at) compared whole: extra, anomalies (with their line numbers), dns pairs and stats included.
// Over our own EVE export of the generated captures, the corpus's Suricata EVE log, and a file of flow lines
// changed in every way the scan must refuse or take (each one placed between good lines).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImportOutcome } from '../src/pipeline/import.js';
import { cli, scratchDir } from './helpers/cli.js';
import { importBoth } from './helpers/import-both.js';
import { corpusDir, GEN } from './helpers/run.js';

const dir = scratchDir('import-eve-sql');
const corpus = corpusDir();

const both = (name: string, files: readonly string[], sensor: string | null = null): Promise<ImportOutcome[]> => importBoth('eve', dir, name, files, sensor);

const stats = (o: ImportOutcome): Record<string, unknown> => (o.status === 'imported' ? JSON.parse(String(o.capture.stats)) as Record<string, unknown> : {});

let exported = '';
let flows: string[] = [];

beforeAll(async () => {
  const db = join(dir, 'ingested.duckdb');
  exported = join(dir, 'export');
  mkdirSync(exported);
  const caps = ['mixed-home.pcap', 'tls-clients.pcapng', 'smtp-attachments.pcap', 'http-put.pcap', 'tunnels.pcap'].map((f) => join(GEN, f));
  const r = await cli('ingest', ...caps, '--db', db);
  expect(r.code, r.err).toBe(0);
  for (const t of ['sessions', 'tls', 'http', 'smtp', 'files', 'dns']) {
    const e = await cli('export', t, '--format', 'eve', '-o', join(exported, `${t}.json`), '--db', db);
    expect(e.code, e.err).toBe(0);
  }
  flows = readFileSync(join(exported, 'sessions.json'), 'utf8').split('\n').filter((l) => l !== '');
  expect(flows.length).toBeGreaterThan(100);
}, 120_000);

describe('import eve by SQL equals the JS path', () => {
  it('our own export: each table\'s file, and all of them in one file; flow lines by SQL, a second import changes nothing', async () => {
    const names = ['sessions', 'tls', 'http', 'smtp', 'files', 'dns'];
    const all = join(exported, 'all.json');
    // flows between the other events (dns requests and responses pair across them)
    const others = names.slice(1).flatMap((t) => readFileSync(join(exported, `${t}.json`), 'utf8').split('\n').filter((l) => l !== ''));
    writeFileSync(all, `${flows.flatMap((f, i) => (i < others.length ? [f, others[i]!] : [f])).join('\n')}\n${others.slice(flows.length).join('\n')}\n`);
    const files = [...names.map((t) => join(exported, `${t}.json`)), all, all];
    const outs = await both('export', files, 'sensor-3');
    const s = outs[0]!;
    expect(s.status === 'imported' && s.via).toBe('sql');
    // every flow line of our own export between IPv4 addresses is taken by the scan (an IPv6 address is rewritten
    // to RFC 5952 by the JS path, a protocol number to its digits without the leading zeros: those lines go its way)
    const v4 = flows.filter((l) => !/"(src|dest)_ip":"[^"]*:/.test(l) && !/"proto":"\d+"/.test(l)).length;
    expect(v4).toBeGreaterThan(50);
    expect(s.status === 'imported' && s.sqlRows).toBe(v4);
    const a = outs[6]!;
    expect(a.status === 'imported' && a.sqlRows).toBe(v4);
    expect(a.status === 'imported' && a.records.dns).toBeGreaterThan(0);
    expect(outs[7]!.status).toBe('already');
  }, 120_000);

  it('flow lines changed in every way the scan refuses or takes, between good ones: the same rows, anomalies and stats', async () => {
    const f = flows.filter((l) => l.includes('"tcp":{') && l.includes('"age":') && l.includes('"app_proto":'));
    expect(f.length).toBeGreaterThan(30);
    const base = f[0]!;
    const ts = /"timestamp":"([^"]+)"/.exec(base)![1]!;
    const changed: Record<string, string> = {
      'an unknown key': base.replace('{', '{"pcap_cnt":12,'),
      'an unknown nested key': base.replace('"flow":{', '"flow":{"wrong_thread":false,'),
      'app_proto failed': base.replace(/"app_proto":"[^"]*"/, '"app_proto":"failed"'),
      'an empty app_proto': base.replace(/"app_proto":"[^"]*"/, '"app_proto":""'),
      'end before start': base.replace(/"start":"([^"]+)","end":"([^"]+)"/, '"start":"$2","end":"2001-01-01T00:00:00.000000+0000"'),
      'an IPv6 address': base.replace(/"src_ip":"[^"]*"/, '"src_ip":"2001:DB8:0:0::1"'),
      'a flow_id past 2^53': base.replace(/"flow_id":\d+/, '"flow_id":9007199254740993'),
      'the next flow_id past 2^53': base.replace(/"flow_id":\d+/, '"flow_id":9007199254740995'),
      'a 19-digit flow_id': base.replace(/"flow_id":\d+/, '"flow_id":9223372036854775807'),
      'a 20-digit flow_id': base.replace(/"flow_id":\d+/, '"flow_id":18446744073709551615'),
      'flow_id 0': base.replace(/"flow_id":\d+/, '"flow_id":0'),
      'a negative flow_id': base.replace(/"flow_id":\d+/, '"flow_id":-5'),
      'a \\u escape': base.replace(/"app_proto":"[^"]*"/, '"app_proto":"t\\u006cs"'),
      'an escaped slash': base.replace(/"community_id":"([^"]*)"/, '"community_id":"1:a\\/b="'),
      'a duplicate key': base.replace(/"src_port":(\d+)/, '"src_port":1,"src_port":$1'),
      'extra keys in another order': base.replace('"age":0,"state":"closed"', '"state":"closed","age":0'),
      'more extra keys': base.replace('"state":"closed"', '"state":"closed","reason":"timeout","alerted":true').replace('"tcp":{', '"tcp":{"state":"closed",'),
      'tcp state last': base.replace(/"tcp":\{(.*)\}\}$/, '"tcp":{$1,"state":"established"}}'),
      'tcp without one side\'s flags': base.replace(/"tcp_flags_ts":"[^"]*",/, ''),
      'tcp flags of one digit and upper case': base.replace(/"tcp_flags_ts":"[^"]*"/, '"tcp_flags_ts":"A"').replace(/"tcp_flags_tc":"[^"]*"/, '"tcp_flags_tc":"1F"'),
      'tcp flags not hex': base.replace(/"tcp_flags_ts":"[^"]*"/, '"tcp_flags_ts":"zz"'),
      'a fraction': base.replace(/"src_port":(\d+)/, '"src_port":$1.0'),
      'an exponent': base.replace(/"dest_port":(\d+)/, '"dest_port":4e2'),
      'a leading zero': base.replace(/"dest_port":(\d+)/, '"dest_port":0443'),
      'a negative port': base.replace(/"src_port":(\d+)/, '"src_port":-1'),
      '30 February': base.replace(/"start":"\d{4}-\d\d-\d\d/, '"start":"2025-02-30'),
      '29 February of a leap year': base.replace(/"start":"\d{4}-\d\d-\d\d/, '"start":"2024-02-29').replace(/"end":"\d{4}-\d\d-\d\d/, '"end":"2024-02-29').replace(/"timestamp":"\d{4}-\d\d-\d\d/, '"timestamp":"2024-02-29'),
      'a time in Z': base.replace(/"timestamp":"([^"]+)\+0000"/, '"timestamp":"$1Z"'),
      'a time at +0100': base.replace(/"start":"([^"]+)\+0000"/, '"start":"$1+0100"'),
      'a time with 3 digits': base.replace(/"end":"([^".]+)\.(\d{3})\d{3}\+0000"/, '"end":"$1.$2+0000"'),
      'a vlan': base.replace('{', '{"vlan":[5],'),
      'a vlan stack': base.replace('{', '{"vlan":[5,6],'),
      'a protocol number': base.replace(/"proto":"[^"]*"/, '"proto":"6"'),
      'IPv6-ICMP': base.replace(/"proto":"[^"]*"/, '"proto":"IPv6-ICMP"'),
      'a lower-case protocol': base.replace(/"proto":"[^"]*"/, '"proto":"udp"'),
      'no community_id': base.replace(/"community_id":"[^"]*",/, ''),
      'a community_id of 200 bytes': base.replace(/"community_id":"[^"]*"/, `"community_id":"1:${'A'.repeat(198)}"`),
      'no packet counts': base.replace(/"pkts_toserver":\d+,/, '').replace(/"bytes_toclient":\d+,/, ''),
      'a null': base.replace(/"app_proto":"[^"]*"/, '"app_proto":null'),
      'white space': base.replace(/":/g, '": '),
      'a non-ASCII value': base.replace(/"app_proto":"[^"]*"/, '"app_proto":"tlsé"'),
      'an empty flow object': base.replace(/"flow":\{[^}]*\}/, '"flow":{}'),
      'no flow object': base.replace(/,"flow":\{[^}]*\}/, ''),
      'no tcp object': base.replace(/,"tcp":\{[^}]*\}/, ''),
      'a netflow event': base.replace('"event_type":"flow"', '"event_type":"netflow"'),
      'a stats event': `{"timestamp":"${ts}","event_type":"stats","stats":{"uptime":5}}`,
      'truncated JSON': base.slice(0, 80),
      'not an object': '[1,2]',
      'a blank line': '',
      'spaces': '   ',
      'no event_type': base.replace('"event_type":"flow",', ''),
      'a line over the line limit': base.replace('{', `{"note":"${'x'.repeat(300_000)}",`),
      'a secret in an unknown key': base.replace('{', '{"api_token":"s3cr3t-value",'),
      'no trailing brace': `${base} `,
    };
    const lines: string[] = [];
    let k = 1;
    for (const line of Object.values(changed)) {
      lines.push(f[k++ % f.length]!, line);
    }
    lines.push(...f.slice(0, 20));
    const file = join(dir, 'changed.json');
    // the last line without its newline
    writeFileSync(file, lines.join('\n'));
    const [o] = await both('changed', [file], 'sensor-9') as [ImportOutcome];
    expect(o.status === 'imported' && o.via).toBe('sql');
    if (o.status !== 'imported') return;
    // most good lines went by SQL, and the changes that must go the JS way did
    expect(o.sqlRows).toBeGreaterThan(Object.keys(changed).length);
    expect(o.sqlRows).toBeLessThan(lines.length - 20);
    const st = stats(o);
    expect(Object.keys(st.anomalies as object)).toEqual(expect.arrayContaining(['import_bad_line', 'import_line_too_long', 'import_value_truncated']));
    expect(st.withheld_secrets).toBe(1);
  }, 120_000);

  it('a file with a CR or a byte-order mark goes the JS way whole; a file whose first line is not EVE fails both ways', async () => {
    const crlf = join(dir, 'crlf.json');
    writeFileSync(crlf, `${flows.slice(0, 50).join('\r\n')}\r\n`);
    const bom = join(dir, 'bom.json');
    writeFileSync(bom, `\ufeff${flows.slice(0, 50).join('\n')}\n`);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, `{"no":"event_type"}\n${flows.slice(0, 5).join('\n')}\n`);
    const outs = await both('fallback', [crlf, bom, bad]);
    expect(outs.map((o) => (o.status === 'imported' ? o.sqlFallback : o.status))).toEqual(['a CR', 'a byte-order mark', 'failed']);
  }, 60_000);
});

/** Mostly `good` (a form the scan takes), else one of `bad` (forms it must refuse or that change the mapping). */
function mostly<T>(good: fc.Arbitrary<T>, ...bad: T[]): fc.Arbitrary<T> {
  return bad.length === 0 ? good : fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: fc.constantFrom(...bad), weight: 1 });
}

/** Flow events built from parts, each part in the forms the scan takes and, now and then, in forms it must refuse. */
const flowEvent = fc.record({
  day: mostly(fc.constantFrom('2026-12-07', '2024-02-29'), '2025-02-29', '2025-02-30', '1969-12-31', '2026-13-01'),
  frac: mostly(fc.constantFrom('.000001', '.123456'), '.5', '', '.1234567'),
  zone: mostly(fc.constant('+0000'), 'Z', '-0130'),
  sec: fc.integer({ min: 0, max: 59 }),
  flowId: fc.oneof(fc.bigInt({ min: 0n, max: (1n << 53n) + 10n }), fc.bigInt({ min: 0n, max: (1n << 65n) })),
  src: mostly(fc.ipV4(), '::1', '2001:db8::1', 'host.local', '', 'a b'),
  dst: fc.ipV4(),
  sport: mostly<number | string>(fc.integer({ min: 0, max: 65535 }), -1, 1.5, 2 ** 53, '80'),
  proto: mostly(fc.constantFrom('TCP', 'UDP', 'ICMP', 'IPv6-ICMP', 'tcp', 'SCTP', 'GRE', 'Foo'), '6', '017'),
  app: mostly<string | undefined>(fc.constantFrom('tls', 'http', 'dns', undefined), 'failed', '', 'a b', 'é'),
  cid: mostly<string | undefined>(fc.constantFrom('1:abc+/=', '1:x'), '', undefined),
  iface: mostly<string | undefined>(fc.constantFrom('eth0', undefined), 'en p0', 'é'),
  vlan: mostly<number[] | undefined>(fc.constantFrom([5], undefined), [5, 6], []),
  counters: fc.subarray(['pkts_toserver', 'pkts_toclient', 'bytes_toserver', 'bytes_toclient']),
  startDelta: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
  endDelta: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
  flowExtra: mostly(fc.subarray(['age', 'state', 'reason', 'alerted']), ['state', 'age'], ['alerted', 'reason']),
  tcp: fc.option(fc.record({
    ts: mostly(fc.constantFrom('1b', 'A', '0', 'fF'), 'zz', '100'),
    tc: mostly<string | undefined>(fc.constantFrom('1b', '02'), undefined),
    state: fc.boolean(),
    syn: fc.boolean(),
  }), { nil: undefined }),
  unknown: mostly<string | undefined>(fc.constant(undefined), 'pcap_cnt', 'host', 'password'),
  shuffle: mostly(fc.constant(false), true),
});

function eventLine(e: typeof flowEvent extends fc.Arbitrary<infer T> ? T : never): string {
  const time = (d: number): string => `${e.day}T10:00:${String(Math.max(0, Math.min(59, e.sec + d))).padStart(2, '0')}${e.frac}${e.zone}`;
  const flow: Record<string, unknown> = {};
  for (const c of e.counters) flow[c] = c.length * 7;
  if (e.startDelta !== undefined) flow.start = time(e.startDelta);
  if (e.endDelta !== undefined) flow.end = time(e.endDelta);
  const extraValues: Record<string, unknown> = { age: 3, state: 'closed', reason: 'timeout', alerted: false };
  for (const k of e.flowExtra) flow[k] = extraValues[k];
  const o: Record<string, unknown> = { timestamp: time(0), flow_id: 0, event_type: 'flow', src_ip: e.src, src_port: e.sport, dest_ip: e.dst, dest_port: 443, proto: e.proto };
  if (e.iface !== undefined) o.in_iface = e.iface;
  if (e.app !== undefined) o.app_proto = e.app;
  if (e.cid !== undefined) o.community_id = e.cid;
  if (e.vlan !== undefined) o.vlan = e.vlan;
  o.flow = flow;
  if (e.tcp !== undefined) {
    const t: Record<string, unknown> = { tcp_flags: '1b', tcp_flags_ts: e.tcp.ts };
    if (e.tcp.tc !== undefined) t.tcp_flags_tc = e.tcp.tc;
    if (e.tcp.syn) t.syn = true;
    if (e.tcp.state) t.state = 'established';
    o.tcp = t;
  }
  if (e.unknown !== undefined) o[e.unknown] = 'v1';
  const keys = Object.keys(o);
  if (e.shuffle) keys.reverse();
  // the flow_id's digits as written (past 2^53 JSON.stringify of a number would round them)
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, o[k]]))).replace('"flow_id":0', `"flow_id":${e.flowId.toString()}`);
}

describe('import eve by SQL equals the JS path: generated flow events (property)', () => {
  it('any mix of taken and refused flow lines gives the same rows, anomalies and stats', async () => {
    let run = 0;
    let taken = 0;
    await fc.assert(fc.asyncProperty(fc.array(flowEvent, { minLength: 20, maxLength: 60 }), async (events) => {
      const file = join(dir, `prop-${run}.json`);
      writeFileSync(file, `${events.map(eventLine).join('\n')}\n`);
      // (no shrinking: each step is two imports; the failing file stays in the scratch directory)
      const [o] = await both(`prop-${run++}`, [file], 'sensor-p') as [ImportOutcome];
      if (o.status === 'imported') taken += o.sqlRows ?? 0;
    }), { numRuns: 12, endOnFailure: true });
    // the generator reaches the SQL path too (a property that only ever fell back would prove nothing)
    expect(taken).toBeGreaterThan(20);
  }, 300_000);
});

describe.skipIf(corpus === null)('import eve by SQL equals the JS path: the corpus', () => {
  it('crowdsec-hub\'s Suricata EVE log', async () => {
    const f = join(corpus ?? '', 'logs/crowdsec-hub/suricata-logs-evelog/suricata-logs-evelog.log');
    const [o] = await both('corpus', [f]) as [ImportOutcome];
    expect(o.status === 'imported' && o.via).toBe('sql');
    // its lines all read (flows, alerts, stats); its flows have no community_id (Suricata's default), which the
    // JS path computes: they go its way
    expect(o.status === 'imported' && o.lines).toBe(readFileSync(f, 'utf8').split('\n').filter((l) => l !== '').length);
    expect(o.status === 'imported' && o.records.sessions).toBe(2);
  }, 60_000);
});
