// HTTP transactions to records: content codings undone within the session's and the capture's allowance of
// decoded bytes (a nested-gzip bomb is not inflated to the body limit again and again), the decoded body shared
// by signatures and records, and the request's header list kept within its field's bound.
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../core/anomaly.js';
import { Session } from '../flow/session.js';
import { DecodeAllowance, MAX_DECODED_PER_CAPTURE, MAX_DECODED_PER_SESSION } from '../analyzers/http/decode-budget.js';
import { HttpAnalyzer, MAX_BODY, type HttpTransaction } from '../analyzers/http/http-analyzer.js';
import { ORIG, RESP } from '../reassembly/stream-analyzer.js';
import { jsonStringBytes } from '../schema/bounds.js';
import { HTTP_MAX_HEADERS_JSON_BYTES, HTTP_MAX_URI_BYTES } from '../schema/http.js';
import { decodeContent, headersJson, httpRecords } from './http.js';

const enc = new TextEncoder();

/** Transactions of one session whose responses carry `bodies` with the given Content-Encoding. */
function transactions(bodies: Uint8Array[], coding: string, anomalies: string[], capture?: DecodeAllowance, uid = 'Ctest'): HttpTransaction[] {
  const s = new Session();
  s.uid = uid;
  const out: HttpTransaction[] = [];
  const a = new HttpAnalyzer({ session: s, anomalies: new AnomalyLog((e) => anomalies.push(e.name)), emit: (t) => out.push(t), ...(capture ? { decodeAllowance: capture } : {}) });
  for (const b of bodies) {
    a.deliver(ORIG, enc.encode('GET /x HTTP/1.1\r\nHost: bomb.example\r\n\r\n'));
    a.deliver(RESP, enc.encode(`HTTP/1.1 200 OK\r\nContent-Encoding: ${coding}\r\nContent-Length: ${b.length}\r\n\r\n`));
    a.deliver(RESP, b);
  }
  a.end(ORIG);
  a.end(RESP);
  return out;
}

// gzip inside gzip: 80 MiB of zeros, past the 64 MiB body limit once inflated twice; ~100 bytes on the wire
const inner = gzipSync(new Uint8Array(80 << 20), { level: 9 });
const bomb = new Uint8Array(gzipSync(inner, { level: 9 }));

describe('content decoding budget', () => {
  it('stops inflating nested-gzip bombs once the session has used its allowance: bodies kept as sent, said once', () => {
    const anomalies: string[] = [];
    const ts = transactions(Array.from({ length: 40 }, () => bomb), 'gzip, gzip', anomalies);
    const problems: string[] = [];
    for (const t of ts) expect(decodeContent(t.response!, (n) => problems.push(n), t.budget)).toBe(t.response!.body);
    // the first bomb fails at the body limit; the allowance then runs out and no body is inflated to the limit again
    expect(problems).toEqual(['http_content_decoding_failed']);
    expect(anomalies).toEqual(['http_decode_budget_exhausted']);
    const b = ts[0]!.budget;
    // what was inflated: the allowance and what the bodies earned, no more (40 bombs at the limit would be 2.5 GiB)
    expect(MAX_DECODED_PER_SESSION - b.session.left).toBeLessThanOrEqual(MAX_DECODED_PER_SESSION + 16 * 40 * bomb.length + inner.length);
    expect(b.left).toBe(0);
  });

  it('shares the capture allowance between sessions', () => {
    const capture = new DecodeAllowance(MAX_DECODED_PER_CAPTURE);
    const anomalies: string[] = [];
    let spent = 0;
    for (let i = 0; i < 12; i++) {
      for (const t of transactions([bomb, bomb], 'gzip, gzip', anomalies, capture, `C${i}`)) decodeContent(t.response!, () => undefined, t.budget);
      spent = MAX_DECODED_PER_CAPTURE - capture.left;
    }
    expect(spent).toBeLessThanOrEqual(MAX_DECODED_PER_CAPTURE + 16 * 24 * bomb.length + 12 * inner.length);
    expect(capture.left).toBeLessThanOrEqual(0);
    expect(anomalies.length).toBeGreaterThan(0);
    expect(new Set(anomalies)).toEqual(new Set(['http_decode_budget_exhausted']));
  });

  it('decodes real bodies whatever the session did before, and a body once for signatures and records', async () => {
    const page = enc.encode('<html>'.padEnd(100_000, 'x'));
    const anomalies: string[] = [];
    const gz = new Uint8Array(gzipSync(page));
    const ts = transactions(Array.from({ length: 30 }, () => gz), 'gzip', anomalies);
    for (const t of ts) {
      const first = decodeContent(t.response!, () => undefined, t.budget);
      expect(Buffer.from(first).equals(page)).toBe(true);
      // the second ask (records after signatures) gets the same bytes, not a second inflation
      expect(decodeContent(t.response!, () => undefined, t.budget)).toBe(first);
    }
    // 3 MB decoded from 30 bodies: within the allowance, nothing said
    expect(anomalies).toEqual([]);
    const r = await httpRecords(ts[0]!, { anomalies: new AnomalyLog(() => undefined), filesDir: null });
    expect(r.files.map((f) => f.size)).toEqual([page.length]);
    expect(MAX_BODY).toBe(64 << 20);
  });
});

describe('http records within their bounds', () => {
  it('keeps the first request headers whole, as valid JSON, within the field bound', () => {
    const headers: [string, string][] = Array.from({ length: 400 }, (_x, i) => [`X-${i}`, '\u0001'.repeat(1000)]);
    const cuts: string[] = [];
    const json = headersJson(headers, (name, detail) => cuts.push(`${name}: ${detail}`));
    const kept = JSON.parse(json) as [string, string][];
    expect(jsonStringBytes(json)).toBeLessThanOrEqual(HTTP_MAX_HEADERS_JSON_BYTES);
    expect(kept).toEqual(headers.slice(0, kept.length));
    expect(kept.length).toBeGreaterThan(100);
    expect(cuts).toEqual([`http_header_truncated: request_headers: 400 headers, first ${kept.length} kept (at most ${HTTP_MAX_HEADERS_JSON_BYTES} bytes)`]);
    expect(headersJson([['Host', 'a']], () => expect.fail('cut'))).toBe('[["Host","a"]]');
  });

  it('keeps no credential of the request in clear: URL parameters, Referer, cookies, Authorization; JA4H from the whole headers', async () => {
    const s = new Session();
    s.uid = 'Ctest';
    const out: HttpTransaction[] = [];
    const a = new HttpAnalyzer({ session: s, anomalies: new AnomalyLog(() => undefined), emit: (t) => out.push(t) });
    const basic = Buffer.from('alice:PlantedPw1').toString('base64');
    a.deliver(ORIG, enc.encode('GET /login?user=alice&password=PlantedPw2&next=%2F HTTP/1.1\r\nHost: h.example\r\n' +
      `Referer: http://h.example/a?api_key=PlantedKey3\r\nCookie: sid=PlantedSid4; lang=en\r\nAuthorization: Basic ${basic}\r\nAccept-Language: en-US\r\n\r\n`));
    a.deliver(RESP, enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    a.end(ORIG);
    a.end(RESP);
    const r = await httpRecords(out[0]!, { anomalies: new AnomalyLog(() => undefined), filesDir: null });
    const text = JSON.stringify(r.http);
    for (const planted of ['PlantedPw1', 'PlantedPw2', 'PlantedKey3', 'PlantedSid4', basic]) expect(text).not.toContain(planted);
    expect(r.http.uri).toBe('/login?user=alice&password=[redacted]&next=%2F');
    expect(r.http.referer).toBe('http://h.example/a?api_key=[redacted]');
    expect(JSON.parse(String(r.http.request_headers))).toEqual([
      ['Host', 'h.example'], ['Referer', 'http://h.example/a?api_key=[redacted]'], ['Cookie', 'sid=[redacted 11 chars]; lang=[redacted 2 chars]'],
      ['Authorization', 'basic [redacted; user alice]'], ['Accept-Language', 'en-US'],
    ]);
    // JA4H by its definition: ge, 11, cookie, referer, 3 other headers, "enus"; the hashes over the names and the
    // cookies as sent (sorted by name: lang=en, sid=PlantedSid4)
    const sha12 = (l: string[]): string => createHash('sha256').update(l.join(',')).digest('hex').slice(0, 12);
    expect(r.http.ja4h).toBe(`ge11cr03enus_${sha12(['Host', 'Authorization', 'Accept-Language'])}_${sha12(['lang', 'sid'])}_${sha12(['lang=en', 'sid=PlantedSid4'])}`);
  });

  it('cuts a request target of control bytes to its bound and keeps the rest of the record', async () => {
    const anomalies: string[] = [];
    const s = new Session();
    s.uid = 'Ctest';
    const out: HttpTransaction[] = [];
    const a = new HttpAnalyzer({ session: s, anomalies: new AnomalyLog(() => undefined), emit: (t) => out.push(t) });
    a.deliver(ORIG, enc.encode(`GET /${'\u0001'.repeat(60_000)} HTTP/1.1\r\nHost: h.example\r\nUser-Agent: ua\r\n\r\n`));
    a.deliver(RESP, enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    a.end(ORIG);
    a.end(RESP);
    const r = await httpRecords(out[0]!, { anomalies: new AnomalyLog((e) => anomalies.push(`${e.name}: ${e.detail}`)), filesDir: null });
    expect(r.http.uri!.length).toBeLessThan(60_001);
    expect(r.http.uri!.startsWith('/\u0001')).toBe(true);
    expect([r.http.host, r.http.user_agent, r.http.status_code, r.files.length]).toEqual(['h.example', 'ua', 200, 1]);
    expect(anomalies).toEqual([expect.stringMatching(new RegExp(`^http_request_line_truncated: uri: 60001 characters, first ${1 + Math.floor((HTTP_MAX_URI_BYTES - 3) / 6)} kept \\(at most ${HTTP_MAX_URI_BYTES} bytes\\)$`))]);
  });
});
