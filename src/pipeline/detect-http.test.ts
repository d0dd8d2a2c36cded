// The HTTP buffers rules inspect: http_uri / http.uri normalized, http_raw_uri / http.uri.raw as sent, and
// every buffer byte for byte what the client sent (no re-encoding of bytes >= 0x80).
import { describe, expect, it } from 'vitest';
import type { HttpTransaction } from '../analyzers/http/http-analyzer.js';
import { latin1 } from '../core/latin1.js';
import { DEFAULT_VARS } from '../detect/addresses.js';
import { Classifications } from '../detect/classification.js';
import { matchRule } from '../detect/match.js';
import { parseRule } from '../detect/parse-rule.js';
import { requestBuffers } from './detect.js';

function request(line: string, headers: [string, string][] = []): HttpTransaction {
  const [method, uri] = line.split(' ');
  return {
    method, uri, version: 'HTTP/1.1',
    request: { line, headers, body: new Uint8Array(0) },
  } as unknown as HttpTransaction;
}

function fires(options: string, t: HttpTransaction): boolean {
  const r = parseRule(`alert http any any -> any any (msg:"t"; ${options} sid:1;)`, { vars: DEFAULT_VARS, classifications: new Classifications(), file: 't', line: 1 });
  if (!r.ok) throw new Error(r.reason);
  return matchRule(r.rule, requestBuffers(t));
}

describe('HTTP request buffers', () => {
  const obfuscated = request('GET /cgi-bin/..%2f..//etc/./%70asswd?x=%41 HTTP/1.1');

  it('http_uri / http.uri is the normalized URI, http_raw_uri / http.uri.raw the one sent', () => {
    const b = requestBuffers(obfuscated);
    expect(latin1(b['http.uri']!)).toBe('/etc/passwd?x=A');
    expect(latin1(b['http.uri.raw']!)).toBe('/cgi-bin/..%2f..//etc/./%70asswd?x=%41');
    expect(fires('content:"/etc/passwd"; http_uri;', obfuscated)).toBe(true);
    expect(fires('http.uri; content:"/etc/passwd";', obfuscated)).toBe(true);
    expect(fires('content:"/etc/passwd"; http_raw_uri;', obfuscated)).toBe(false);
    expect(fires('http.uri.raw; content:"%70asswd";', obfuscated)).toBe(true);
    expect(fires('uricontent:"passwd?x=A";', obfuscated)).toBe(true);
    // urilen: normalized length by default, the sent one with ",raw"
    expect(fires('urilen:15;', obfuscated)).toBe(true);
    expect(fires('urilen:38,raw;', obfuscated)).toBe(true);
    expect(fires('urilen:38;', obfuscated)).toBe(false);
  });

  it('keeps bytes >= 0x80 as they were sent', () => {
    const t = request('GET /\u00e9\u0080 HTTP/1.1', [['User-Agent', 'x\u0090y']]);
    const b = requestBuffers(t);
    expect([...b['http.uri.raw']!]).toEqual([0x2f, 0xe9, 0x80]);
    expect([...b['http.user_agent']!]).toEqual([0x78, 0x90, 0x79]);
    expect(fires('http.user_agent; content:"x|90|y";', t)).toBe(true);
    expect(fires('http.uri; content:"|e9 80|";', t)).toBe(true);
  });

  it('reads the cookie with every spelling: http_cookie, http_raw_cookie, pcre C and K, http.cookie', () => {
    const t = request('GET / HTTP/1.1', [['Host', 'x'], ['Cookie', 'session=abc; admin=1']]);
    for (const o of ['content:"admin=1"; http_cookie;', 'content:"admin=1"; http_raw_cookie;', 'pcre:"/admin=\\d/C";', 'pcre:"/admin=\\d/K";', 'http.cookie; content:"session=";']) {
      expect(fires(o, t), o).toBe(true);
    }
    expect(fires('content:"Host"; http_cookie;', t)).toBe(false);
  });
});
