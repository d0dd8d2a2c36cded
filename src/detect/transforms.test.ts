// Suricata transforms on sticky buffers, and the rules that use them.
import { describe, expect, it } from 'vitest';
import { latin1, latin1Bytes } from '../core/latin1.js';
import { DEFAULT_VARS } from './addresses.js';
import { Classifications } from './classification.js';
import { matchRule, type Buffers } from './match.js';
import { parseRule } from './parse-rule.js';
import { applyTransform, bufferOf } from './transforms.js';

const t = (name: Parameters<typeof applyTransform>[0], s: string): string => latin1(applyTransform(name, latin1Bytes(s)));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function parse(text: string) {
  return parseRule(text, { vars: DEFAULT_VARS, classifications: new Classifications(), file: 't', line: 1 });
}

describe('transforms', () => {
  it('each does what Suricata documents', () => {
    expect(t('strip_whitespace', ' a b\t\r\nc\v\f ')).toBe('abc');
    expect(t('compress_whitespace', 'a  \t b\r\n\nc ')).toBe('a b c ');
    expect(t('dotprefix', 'example.com')).toBe('.example.com');
    expect(t('to_lowercase', 'AbC\u00c9')).toBe('abc\u00c9');
    expect(t('to_uppercase', 'aBc\u00e9')).toBe('ABC\u00e9');
    expect(t('url_decode', 'a%20b+c%zz%4')).toBe('a b c%zz%4');
    expect(hex(applyTransform('to_md5', latin1Bytes('abc')))).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(hex(applyTransform('to_sha1', latin1Bytes('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(hex(applyTransform('to_sha256', latin1Bytes('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('chain in order, and are computed once per inspection', () => {
    const b: Buffers = { 'tls.sni': latin1Bytes('A B.Example') };
    const got = bufferOf(b, 'tls.sni|strip_whitespace|to_lowercase|dotprefix');
    expect(latin1(got!)).toBe('.ab.example');
    expect(bufferOf(b, 'tls.sni|strip_whitespace|to_lowercase|dotprefix')).toBe(got);
    expect(bufferOf({}, 'tls.sni|dotprefix')).toBeUndefined();
  });

  it('rules: dotprefix + endswith matches a domain and its subdomains only', () => {
    const r = parse('alert tls any any -> any any (tls.sni; dotprefix; content:".example.com"; endswith; sid:1;)');
    if (!r.ok) throw new Error(r.reason);
    const on = (sni: string): boolean => matchRule(r.rule, { 'tls.sni': latin1Bytes(sni) });
    expect([on('example.com'), on('www.example.com'), on('badexample.com')]).toEqual([true, true, false]);
  });
});

describe('rule keywords of Suricata 7/8', () => {
  it('alert on a pass rule; requires with the features Haystack has', () => {
    const pass = parse('pass tls any any -> any any (tls.sni; content:"x"; alert; sid:1;)');
    expect(pass.ok && pass.rule.alsoAlert).toBe(true);
    expect(() => parse('alert tls any any -> any any (tls.sni; content:"x"; alert; sid:2;)')).toThrow(/only a pass rule/);
    const ja4 = parse('alert tls any any -> any any (requires: feature ja4, version >= 7.0.3; ja4.hash; content:"t13"; sid:3;)');
    expect(ja4.ok).toBe(true);
    const lua = parse('alert tls any any -> any any (requires: feature lua; content:"x"; sid:4;)');
    expect(lua.ok ? null : [lua.keyword, lua.reason]).toEqual(['requires', 'requires: feature "lua" is not available here']);
    const flags = parse('alert tcp any any -> any any (tcp.flags:S; sid:5;)');
    expect(flags.ok && flags.rule.header.flags).toEqual({ mode: 'exact', flags: 0x02, ignore: 0 });
  });
});
