// The normalized URI of http_uri / http.uri against the raw one: what both Snort's http_inspect and
// Suricata's libhtp do by default (decode once, fix the path), and what they leave alone.
import { describe, expect, it } from 'vitest';
import { latin1, latin1Bytes } from '../core/latin1.js';
import { normalizeUri } from './uri.js';

const norm = (s: string): string => latin1(normalizeUri(latin1Bytes(s)));

describe('normalizeUri', () => {
  it('decodes %XX and IIS %uXXXX once; invalid escapes stay', () => {
    expect(norm('/etc/%70asswd')).toBe('/etc/passwd');
    expect(norm('/%2e%2e/%2E%2E/etc/passwd')).toBe('/etc/passwd');
    expect(norm('/a%u002fb')).toBe('/a/b');
    expect(norm('/x%u00e9')).toBe('/x\u00e9');
    expect(norm('/x%u20ac')).toBe('/x\u00e2\u0082\u00ac'); // U+20AC as its UTF-8 bytes
    expect(norm('/100%')).toBe('/100%');
    expect(norm('/a%zzb%4')).toBe('/a%zzb%4');
    expect(norm('/a%2541')).toBe('/a%41'); // no double decoding
    expect(norm('/a%00b')).toBe('/a\u0000b');
  });

  it('makes the path canonical: backslashes, repeated slashes, . and .. segments (never above the root)', () => {
    expect(norm('/a//b///c')).toBe('/a/b/c');
    expect(norm('/a/./b/.')).toBe('/a/b/');
    expect(norm('/a/b/../c')).toBe('/a/c');
    expect(norm('/a/b/..')).toBe('/a/');
    expect(norm('/../../../etc/passwd')).toBe('/etc/passwd');
    expect(norm('\\scripts\\..\\..\\winnt\\system32\\cmd.exe')).toBe('/winnt/system32/cmd.exe');
    expect(norm('/scripts/..%5c../winnt')).toBe('/winnt');
    expect(norm('/')).toBe('/');
    expect(norm('/dir/')).toBe('/dir/');
    expect(norm('')).toBe('');
    expect(norm('*')).toBe('*');
  });

  it('decodes the query but does not treat its slashes and dots as a path', () => {
    expect(norm('/cgi-bin/x.cgi?file=..%2f..%2fetc%2fpasswd&a=1+2')).toBe('/cgi-bin/x.cgi?file=../../etc/passwd&a=1+2');
    expect(norm('/a/../b?x=/./y//z')).toBe('/b?x=/./y//z');
  });

  it('keeps the scheme and authority of an absolute-form (proxy) URI', () => {
    expect(norm('http://Example.COM/a/../b//c')).toBe('http://Example.COM/b/c');
    expect(norm('http://example.com')).toBe('http://example.com');
  });
});

describe('latin1', () => {
  it('is one character per byte both ways, 0x80-0x9F included (TextDecoder("latin1") is windows-1252 on Node 24)', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const s = latin1(all);
    expect(s.length).toBe(256);
    for (let i = 0; i < 256; i++) expect(s.charCodeAt(i)).toBe(i);
    expect(latin1Bytes(s)).toEqual(all);
    expect(latin1(all, 0x41, 0x44)).toBe('ABC');
    expect(latin1(all, 0x7f, 0x82)).toBe('\u007f\u0080\u0081');
    expect(latin1(all, 250, 1000)).toBe('\u00fa\u00fb\u00fc\u00fd\u00fe\u00ff');
  });
});
