// Our HTTP capture (test/fixtures/gen/http-put.pcap): every request (the PUT sent in five pieces, the split
// URI, the pipelined pair, port 8888 that tshark needs telling about) with method, URI, version, host, user
// agent and status as tshark states them; every body with the hashes of tshark's HTTP object export; and the
// same transactions however the streams are cut into segments.
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../src/core/anomaly.js';
import { Session } from '../src/flow/session.js';
import { HttpAnalyzer, type HttpTransaction } from '../src/analyzers/http/http-analyzer.js';
import { analysis } from '../src/pipeline/analyzers.js';
import { Engine } from '../src/pipeline/engine.js';
import { HttpQueue, type HttpRecords } from '../src/pipeline/http.js';
import { ORIG, RESP, type Dir } from '../src/reassembly/stream-analyzer.js';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN, readJson } from './helpers/run.js';

const PCAP = join(GEN, 'http-put.pcap');
interface Req { frame: number; tcp_stream: number; dport: number; method: string; uri: string; version: string; host: string | null; user_agent: string | null }
interface Resp { frame: number; codes: number[]; request_in: number[]; content_length: string[] }
const expected = readJson<{ http_requests: Req[]; http_responses: Resp[]; tshark_export_objects_http: { size: number; sha256: string; md5: string }[] }>(
  join(GEN, 'expected/http-put.pcap.json'),
);

async function records(): Promise<HttpRecords[]> {
  const out: HttpRecords[] = [];
  const q = new HttpQueue({ anomalies: { add: (...a) => engine.anomalies.add(...a) }, filesDir: null }, (r) => void out.push(r));
  const an = analysis({ http: q.push }, () => engine);
  const engine: Engine = new Engine({ ...an.handlers, afterChunk: () => q.drain() }, an.options);
  await engine.run([PCAP]);
  await q.drain();
  return out;
}

/** Every TCP session's deliveries in the order the reassembler made them. */
async function deliveries(): Promise<[Dir, Uint8Array][][]> {
  const all: [Dir, Uint8Array][][] = [];
  const engine = new Engine({}, {
    streams: () => {
      const log: [Dir, Uint8Array][] = [];
      all.push(log);
      return { deliver: (d, b) => void log.push([d, b.slice()]), gap: () => undefined, end: () => undefined };
    },
  });
  await engine.run([PCAP]);
  return all;
}

function replay(log: [Dir, Uint8Array][], cuts: number[]): unknown[] {
  const out: HttpTransaction[] = [];
  const s = new Session();
  const a = new HttpAnalyzer({ session: s, anomalies: new AnomalyLog(() => undefined), emit: (t) => out.push(t) });
  for (const [d, b] of log) {
    const pts = [...new Set([0, ...cuts.filter((c) => c < b.length), b.length])].sort((x, y) => x - y);
    for (let i = 1; i < pts.length; i++) a.deliver(d, b.subarray(pts[i - 1]!, pts[i]!));
  }
  a.end(ORIG);
  a.end(RESP);
  return out.map((t) => [t.method, t.uri, t.statusCode, t.request.headers, Buffer.from(t.request.body).toString('base64'),
    t.response === null ? null : Buffer.from(t.response.body).toString('base64')]);
}

describe('http: http-put.pcap', async () => {
  const recs = await records();
  const byTime = [...recs].sort((a, b) => a.http.ts - b.http.ts || a.http.trans_depth - b.http.trans_depth);

  it('has every request tshark decodes, with method, URI, version, host, user agent and port', () => {
    expect(byTime.map((r) => [r.http.method, r.http.uri, r.http.version, r.http.host, r.http.user_agent, r.http.dst_port]))
      .toEqual(expected.http_requests.map((q) => [q.method, q.uri, q.version, q.host, q.user_agent, q.dport]));
  });

  it('answers each request with the status tshark pairs with it (the interim 100 Continue aside)', () => {
    const status = new Map<number, number>();
    for (const r of expected.http_responses) for (const [i, f] of r.request_in.entries()) if (r.codes[i]! >= 200) status.set(f, r.codes[i]!);
    expect(byTime.map((r) => r.http.status_code)).toEqual(expected.http_requests.map((q) => status.get(q.frame) ?? null));
    const put5 = byTime.find((r) => r.http.uri === '/split.html')!;
    expect([put5.http.method, put5.http.request_body_len, put5.http.user_agent]).toEqual(['PUT', 322, 'split-sender/1.0']);
    const pipelined = byTime.filter((r) => r.http.user_agent === 'pipeliner/1.0');
    expect(pipelined.map((r) => [r.http.uri, r.http.trans_depth, r.http.status_code])).toEqual([['/about.html', 1, 200], ['/images/logo.png', 2, 200]]);
  });

  it('extracts every body with the hashes of tshark\'s HTTP object export (chunked and gzip undone)', () => {
    const ours = recs.flatMap((r) => r.files.map((f) => `${f.sha256} ${f.md5} ${f.size}`)).sort();
    expect(ours).toEqual(expected.tshark_export_objects_http.map((o) => `${o.sha256} ${o.md5} ${o.size}`).sort());
    const put = recs.find((r) => r.http.method === 'PUT' && r.http.dst_port === 8888)!;
    expect(put.files.map((f) => [f.part_path, f.size, f.source])).toEqual([['request', 65536, 'http']]);
    expect(put.http.request_fuids).toEqual([put.files[0]!.fuid]);
  });

  it('gives the same transactions however each delivery is cut into segments', async () => {
    const logs = (await deliveries()).filter((l) => l.length > 0);
    for (const log of logs) {
      const whole = replay(log, []);
      fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 20 }), (cuts) => {
        expect(replay(log, cuts)).toEqual(whole);
      }), { numRuns: 15 });
    }
    expect(logs.reduce((a, l) => a + replay(l, []).length, 0)).toBe(expected.http_requests.length);
  });

  it('haystack http and extract --proto http', async () => {
    const t = await cli('http', PCAP, '--format', 'csv', '--fields', 'method,uri,status_code', '--filter', 'method = "PUT"');
    expect(t.out).toBe('method,uri,status_code\nPUT,/index.html,405\nPUT,/index.html,201\nPUT,/uploads/upload.bin,201\nPUT,/split.html,201\n');
    const dir = scratchDir('extract-http');
    const x = await cli('extract', PCAP, '-o', dir, '--proto', 'http');
    expect(x.code).toBe(0);
    expect(x.err).toMatch(/0 messages, 25 objects/);
    expect(x.out).toContain('request body: 65536 bytes');
  });
});
