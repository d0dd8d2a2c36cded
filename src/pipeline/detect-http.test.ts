// The HTTP buffers rules inspect: http_uri / http.uri normalized, http_raw_uri / http.uri.raw as sent, and
// every buffer byte for byte what the client sent (no re-encoding of bytes >= 0x80).
import { describe, expect, it } from 'vitest';
import type { HttpTransaction } from '../analyzers/http/http-analyzer.js';
import { latin1 } from '../core/latin1.js';
import { DEFAULT_VARS } from '../detect/addresses.js';
import { Classifications } from '../detect/classification.js';
import { matchRule } from '../detect/match.js';
import { parseRule } from '../detect/parse-rule.js';
import { requestBuffers, responseBuffers } from './detect.js';

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

  it('each side has its own header block; names, host, protocol and lines as Suricata builds them', () => {
    const t = request('GET /x HTTP/1.1', [['Host', 'WWW.Example.COM:8080'], ['User-Agent', 'curl/8'], ['Accept-Language', 'de']]);
    (t as unknown as { version: string }).version = 'HTTP/1.1';
    (t as unknown as { response: unknown }).response = {
      line: 'HTTP/1.1 302 Found', headers: [['Server', 'nginx'], ['Location', '/y'], ['Content-Type', 'text/html']],
      body: new Uint8Array(0), bodyLen: 0, missing: 0, truncated: false,
    };
    Object.assign(t, { statusCode: 302, statusMsg: 'Found' });
    const req = requestBuffers(t);
    const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : latin1(b));
    expect(text(req['http.header_names'])).toBe('\r\nHost\r\nUser-Agent\r\nAccept-Language\r\n\r\n');
    expect(text(req['http.host'])).toBe('www.example.com');
    expect(text(req['http.host.raw'])).toBe('WWW.Example.COM:8080');
    expect(text(req['http.protocol'])).toBe('HTTP/1.1');
    expect(text(req['http.request_line'])).toBe('GET /x HTTP/1.1');
    expect(text(req['http.accept_lang'])).toBe('de');
    expect(text(req['http.header.raw'])).toBe('Host: WWW.Example.COM:8080\r\nUser-Agent: curl/8\r\nAccept-Language: de\r\n\r\n');
    const resp = responseBuffers(t, req)!;
    expect(text(resp['http.header'])).toBe('Server: nginx\r\nLocation: /y\r\nContent-Type: text/html\r\n');
    expect(text(resp['http.header_names'])).toBe('\r\nServer\r\nLocation\r\nContent-Type\r\n\r\n');
    expect([text(resp['http.server']), text(resp['http.location']), text(resp['http.response_line']), text(resp['http.stat_code'])]).toEqual(['nginx', '/y', 'HTTP/1.1 302 Found', '302']);
    // the request's own fields stay the request's: the URI, method and user agent; its Accept-Language does not
    expect([text(resp['http.uri']), text(resp['http.user_agent']), resp['http.accept_lang']]).toEqual(['/x', 'curl/8', undefined]);
    const fire = (o: string, b: typeof req): boolean => {
      const r = parseRule(`alert http any any -> any any (msg:"t"; ${o} sid:1;)`, { vars: DEFAULT_VARS, classifications: new Classifications(), file: 't', line: 1 });
      if (!r.ok) throw new Error(r.reason);
      return matchRule(r.rule, b);
    };
    expect(fire('http.header_names; content:!"Referer|0d 0a|"; content:"|0d 0a|Host|0d 0a|";', req)).toBe(true);
    expect(fire('content:"www.example.com"; http_host;', req)).toBe(true);
    expect(fire('content:"WWW.Example.COM:8080"; http_raw_host;', req)).toBe(true);
    expect(fire('flow:to_client; http.header; content:"Server|3a 20|nginx";', resp)).toBe(true);
  });
});
