// The HTTP analyzer on synthetic streams: framing (Content-Length, chunked, until close), interim and
// body-less responses, HTTP/0.9, tunnels, gaps inside a body of known length, and noise that must never throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../../core/anomaly.js';
import { Session } from '../../flow/session.js';
import { ORIG, RESP, type Dir } from '../../reassembly/stream-analyzer.js';
import { HttpAnalyzer, type HttpTransaction } from './http-analyzer.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function run(steps: ([Dir, string] | ['gap', Dir, number])[]): { ts: HttpTransaction[]; anomalies: string[]; a: HttpAnalyzer } {
  const s = new Session();
  const ts: HttpTransaction[] = [];
  const anomalies: string[] = [];
  const a = new HttpAnalyzer({ session: s, anomalies: new AnomalyLog((e) => anomalies.push(e.name)), emit: (t) => ts.push(t) });
  for (const st of steps) {
    if (st[0] === 'gap') a.gap(st[1], st[2]);
    else a.deliver(st[0], enc.encode(st[1]));
  }
  a.end(ORIG);
  a.end(RESP);
  return { ts, anomalies, a };
}
const C = (t: string): [Dir, string] => [ORIG, t];
const S = (t: string): [Dir, string] => [RESP, t];
const sum = (t: HttpTransaction): unknown[] => [t.method, t.uri, t.statusCode, dec.decode(t.request.body), t.response === null ? null : dec.decode(t.response.body)];

describe('HttpAnalyzer', () => {
  it('frames bodies by Content-Length, chunked coding and the end of the connection', () => {
    const { ts } = run([
      C('POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\n\r\n'),
      S('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n'),
      S('HTTP/1.0 200 OK\r\n\r\nuntil close'),
    ]);
    expect(ts.map(sum)).toEqual([['POST', '/a', 200, 'hello', 'abcde'], ['GET', '/b', 200, '', 'until close']]);
  });

  it('keeps large bodies byte for byte past the first 64 KiB (blocks joined into one exact buffer), in any framing and segmenting', () => {
    // a payload whose every 64 KiB block differs, delivered in segments that straddle the block boundaries
    const payload = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_x, i) => (i * 31 + seed + (i >> 16) * 7) & 0xff);
    const bin = (t: string): Uint8Array => enc.encode(t);
    const deliverCut = (a: HttpAnalyzer, dir: Dir, bytes: Uint8Array, seg: number): void => {
      for (let p = 0; p < bytes.length; p += seg) a.deliver(dir, bytes.subarray(p, Math.min(bytes.length, p + seg)));
    };
    const join = (...parts: Uint8Array[]): Uint8Array => {
      const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
      let at = 0;
      for (const x of parts) {
        out.set(x, at);
        at += x.length;
      }
      return out;
    };
    for (const [n, seg] of [[65_536, 1448], [65_537, 65_536], [200_000, 1448], [3 * 65_536 + 5, 100_003], [1 << 20, 9000]] as const) {
      const fixed = payload(n, 1);
      const chunked = payload(n + 11, 2);
      const closing = payload(n + 3, 3);
      const s = new Session();
      const ts: HttpTransaction[] = [];
      const a = new HttpAnalyzer({ session: s, anomalies: new AnomalyLog(() => undefined), emit: (t) => ts.push(t) });
      a.deliver(ORIG, bin('POST /up HTTP/1.1\r\nContent-Length: ' + n + '\r\n\r\n'));
      deliverCut(a, ORIG, fixed, seg);
      a.deliver(ORIG, bin('GET /c HTTP/1.1\r\n\r\nGET /z HTTP/1.1\r\n\r\n'));
      // the chunked body in three chunks of uneven sizes
      const c1 = chunked.subarray(0, 70_001);
      const c2 = chunked.subarray(70_001, Math.max(70_001, n - 5));
      const c3 = chunked.subarray(Math.max(70_001, n - 5));
      const chunk = (c: Uint8Array): Uint8Array => (c.length === 0 ? new Uint8Array(0) : join(bin(c.length.toString(16) + '\r\n'), c, bin('\r\n')));
      const resp = join(
        bin('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'),
        chunk(c1), chunk(c2), chunk(c3), bin('0\r\n\r\nHTTP/1.0 200 OK\r\n\r\n'), closing,
      );
      deliverCut(a, RESP, resp, seg);
      a.end(ORIG);
      a.end(RESP);
      expect(ts.map((t) => [t.uri, t.statusCode, t.request.bodyLen, t.response?.bodyLen])).toEqual([['/up', 201, n, 0], ['/c', 200, 0, n + 11], ['/z', 200, 0, n + 3]]);
      expect(Buffer.from(ts[0]!.request.body).equals(fixed)).toBe(true);
      expect(Buffer.from(ts[1]!.response!.body).equals(chunked)).toBe(true);
      expect(Buffer.from(ts[2]!.response!.body).equals(closing)).toBe(true);
      // the blocks a body gave back are reused by the next one: the bodies taken earlier keep their bytes
      expect(Buffer.from(ts[0]!.request.body).equals(fixed)).toBe(true);
    }
  });

  it('skips 100 Continue, and reads no body after HEAD, 204 and 304', () => {
    const { ts } = run([
      C('PUT /u HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n'), S('HTTP/1.1 100 Continue\r\n\r\n'), C('abc'),
      S('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'),
      C('HEAD / HTTP/1.1\r\n\r\nGET /n HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n'),
      S('HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\nHTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n'),
    ]);
    expect(ts.map(sum)).toEqual([['PUT', '/u', 201, 'abc', ''], ['HEAD', '/', 200, '', ''], ['GET', '/n', 204, '', ''], ['GET', '/c', 304, '', '']]);
  });

  it('takes an HTTP/0.9 answer as the body, and stops at a CONNECT tunnel', () => {
    expect(run([C('GET /old\r\n\r\n'), S('<html>raw</html>')]).ts.map(sum)).toEqual([['GET', '/old', null, '', '<html>raw</html>']]);
    const t = run([C('CONNECT h:443 HTTP/1.1\r\n\r\n'), S('HTTP/1.1 200 Connection established\r\n\r\n'), C('\x16\x03\x01 tls bytes')]);
    expect(t.ts.map(sum)).toEqual([['CONNECT', 'h:443', 200, '', '']]);
    expect(t.a.active).toBe(false);
  });

  it('counts a gap inside a body of known length and keeps the framing', () => {
    const { ts, anomalies } = run([C('GET /g HTTP/1.1\r\n\r\n'), S('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab'), ['gap', RESP, 5], S('xyz'),
      C('GET /h HTTP/1.1\r\n\r\n'), S('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')]);
    expect(ts.map((t) => [t.uri, t.statusCode, t.response?.missing, t.response?.bodyLen])).toEqual([['/g', 200, 5, 10], ['/h', 404, 0, 0]]);
    expect(anomalies).toEqual([]);
  });

  it('a response that comes before the request header ends completes the transaction; the request is still framed (fuzz: http/dbd3a337)', () => {
    const { ts } = run([
      C('GET / HTTP/1.1\r\n'), S('HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n'),
      C('Host: h\r\nContent-Length: 3\r\n\r\nabcGET /next HTTP/1.1\r\n\r\n'), S('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
    ]);
    expect(ts.map((t) => [t.method, t.uri, t.statusCode])).toEqual([['GET', '/', 408], ['GET', '/next', 200]]);
    expect(sum(ts[1]!)).toEqual(['GET', '/next', 200, '', 'ok']);
  });

  it('reads a chunked body of any number of chunks (the header limit bounds each chunk-size line, not all of them)', () => {
    const { ts, anomalies } = run([C('GET /s HTTP/1.1\r\n\r\nGET /t HTTP/1.1\r\n\r\n'),
      S(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'1\r\na\r\n'.repeat(20_000)}0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n`)]);
    expect(ts.map((t) => [t.uri, t.statusCode, t.response?.bodyLen, t.response?.truncated])).toEqual([['/s', 200, 20_000, false], ['/t', 204, 0, false]]);
    expect(anomalies).toEqual([]);
    const long = run([C('GET / HTTP/1.1\r\n\r\n'), S(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;${'x'.repeat(70_000)}\r\n`)]);
    expect(long.anomalies).toEqual(['http_header_too_long']);
  });

  it('is not HTTP when the client starts otherwise', () => {
    for (const first of ['EHLO mail.example\r\n', '\x16\x03\x01\x02\x00', 'SSH-2.0-OpenSSH\r\n']) expect(run([C(first)]).a.active).toBe(false);
  });

  it('never throws, whatever the bytes and their order', () => {
    const words = ['GET / HTTP/1.1\r\n', 'POST /p HTTP/1.1\r\n', 'Content-Length: 4\r\n', 'Content-Length: x\r\n', 'Transfer-Encoding: chunked\r\n', '\r\n',
      'HTTP/1.1 200 OK\r\n', 'HTTP/1.1 100 Continue\r\n', 'zz\r\n', '0\r\n', 'ffffffffffffff\r\n', 'abcd', 'x'.repeat(70000)];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.oneof(fc.constantFrom(...words), fc.string()), fc.option(fc.integer({ min: 1, max: 100000 }))), { maxLength: 40 }), (steps) => {
        run(steps.map(([client, text, gap]) => (gap !== null && text.length % 5 === 0 ? ['gap', client ? ORIG : RESP, gap] : [client ? ORIG : RESP, text])));
      }),
      { numRuns: 300 },
    );
  });
});
