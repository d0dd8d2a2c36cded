// The rule parser: Snort 2.9 and Suricata spellings to typed rules, variables, unsupported keywords reported
// by sid, syntax errors with line and column, and random input that never throws anything but RuleSyntaxError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addrMatches, MAX_EXPANDED_CHARS, parseAddr, parsePorts, portMatches, RuleSyntaxError, withDefaults } from './addresses.js';
import { Classifications } from './classification.js';
import { MAX_CONTENT_BYTES, MAX_PCRE_CHARS, parseRule } from './parse-rule.js';
import type { ContentMatch } from './rule.js';
import { parseRules } from './rules-file.js';

const ctx = { vars: withDefaults({ HOME_NET: '[10.0.0.0/8,2001:db8::/32]' }), classifications: new Classifications(), file: 't.rules', line: 1 };
const ok = (text: string) => {
  const r = parseRule(text, ctx);
  if (!r.ok) throw new Error(r.reason);
  return r.rule;
};

describe('rule parser', () => {
  it('reads the PUT defacement rule: header variables, flow, content with depth, classtype priority', () => {
    const r = ok('alert tcp $EXTERNAL_NET any -> $HTTP_SERVERS $HTTP_PORTS (msg:"HTTP PUT Defacement Attempt"; flow:to_server,established; content:"PUT "; depth:4; classtype:web-application-attack; sid:1000003; rev:1;)');
    expect([r.action, r.proto, r.msg, r.sid, r.rev, r.priority, r.classtype]).toEqual(['alert', 'tcp', 'HTTP PUT Defacement Attempt', 1000003, 1, 1, 'web-application-attack']);
    expect(r.flow).toMatchObject({ toServer: true, established: true });
    const c = r.matches[0] as ContentMatch;
    expect([Buffer.from(c.bytes).toString(), c.depth, c.buffer]).toEqual(['PUT ', 4, 'pkt']);
    expect(addrMatches(r.src, Uint8Array.of(10, 1, 2, 3))).toBe(false); // $EXTERNAL_NET = !$HOME_NET
    expect(addrMatches(r.src, Uint8Array.of(192, 0, 2, 1))).toBe(true);
    expect([portMatches(r.dstPorts, 8080), portMatches(r.dstPorts, 8888), portMatches(r.dstPorts, 25)]).toEqual([true, true, false]);
    expect(r.fastPattern).toBe(c);
  });

  it('binds Snort http_* modifiers to the content before them, Suricata sticky buffers to the ones after', () => {
    const snort = ok('alert tcp any any -> any any (msg:"a"; content:"POST"; http_method; content:"/x.php"; nocase; http_uri; content:"|0d 0a|Host|3a|"; fast_pattern; sid:1;)');
    expect(snort.matches.map((m) => [m.buffer, (m as ContentMatch).nocase])).toEqual([['http.method', false], ['http.uri', true], ['pkt', false]]);
    expect(Buffer.from((snort.matches[2] as ContentMatch).bytes).toString('latin1')).toBe('\r\nHost:');
    expect(snort.fastPattern).toBe(snort.matches[2]);
    const suri = ok('alert http $EXTERNAL_NET any -> $HTTP_SERVERS any (msg:"b"; flow:established,to_server; http.method; content:"PUT"; http.request_body; content:"<title>.|3a 3a|[+] Defaced by "; nocase; sid:2013365; rev:3;)');
    expect([suri.proto, ...suri.matches.map((m) => m.buffer)]).toEqual(['http', 'http.method', 'http.request_body']);
  });

  it('reads pcre with Snort flags, byte_test, byte_jump, isdataat, dsize, flowbits, thresholds, flags', () => {
    const r = ok(String.raw`alert tcp any any -> any 25 (msg:"c"; content:"AUTH"; pcre:"/^AUTH\s+\S+\s*$/smiR"; byte_test:2,>,512,0,relative,little; byte_jump:4,0,relative,string,dec,post_offset 2; isdataat:!10,relative; dsize:>100; flowbits:set,a.b; flowbits:isset,x|y; flowbits:noalert; threshold:type limit, track by_src, count 1, seconds 60; detection_filter:track by_dst, count 5, seconds 10; flags:S+,12; sid:5;)`);
    expect(r.matches.map((m) => m.kind)).toEqual(['content', 'pcre', 'byte_test', 'byte_jump', 'isdataat', 'size']);
    const p = r.matches[1] as { re: RegExp; relative: boolean };
    expect([p.re.flags, p.relative, p.re.test('AUTH PLAIN')]).toEqual(['gims', true, true]);
    expect(r.matches[2]).toMatchObject({ bytes: 2, op: '>', value: 512, relative: true, bigEndian: false, base: null });
    expect(r.matches[3]).toMatchObject({ base: 10, postOffset: 2, relative: true });
    expect(r.matches[4]).toMatchObject({ negated: true, offset: 10, relative: true });
    expect(r.flowbits).toEqual([{ op: 'set', names: ['a.b'], mode: 'all' }, { op: 'isset', names: ['x', 'y'], mode: 'any' }, { op: 'noalert', names: [], mode: 'all' }]);
    expect([r.threshold?.type, r.detectionFilter?.count, r.header.flags?.mode]).toEqual(['limit', 5, 'all']);
  });

  it('reports what it does not support by sid, and never loads such a rule half-understood', () => {
    const cases: [string, string][] = [
      ['alert tcp any any -> any any (msg:"x"; content:"a"; byte_extract:2,0,len; sid:7;)', 'byte_extract'],
      ['alert smb any any -> any any (msg:"x"; content:"evil"; sid:8;)', 'protocol'],
      ['alert tcp any any -> any any (msg:"x"; pcre:"/(?>a+)b/"; sid:9;)', 'pcre'],
      ['alert tcp any any -> any any (msg:"x"; content:"a"; offset:len; sid:10;)', 'offset'],
      ['alert tcp any any -> any any (msg:"x"; classtype:no-such-class; sid:11;)', 'classtype'],
    ];
    for (const [text, keyword] of cases) expect(parseRule(text, ctx)).toMatchObject({ ok: false, keyword, sid: Number(/sid:(\d+)/.exec(text)![1]) });
  });

  it('names file, line and column of syntax errors; variables and continuations in files', () => {
    const set = parseRules([
      '# comment', 'var MY_NET [192.168.0.0/16]', 'alert tcp $MY_NET any -> any 80 (msg:"ok"; \\', '  content:"x"; sid:1;)',
      'alert tcp any any -> any 80 (msg:"no sid"; content:"x";)', 'alert tcp any any -> any 80 (msg:"bad"; content:"x"; depth:4x; sid:3;)',
      'alert tcp any any -> any 80 (msg:"bad"; content:"x|4g|"; sid:4;)', 'alert tcp any any => any 80 (msg:"x"; sid:5;)',
    ].join('\n'), 'f.rules');
    expect(set.rules.map((r) => [r.sid, r.line, r.src.text])).toEqual([[1, 3, '[192.168.0.0/16]']]);
    expect(set.errors.map((e) => [e.line, e.column !== null, e.message])).toEqual([
      [5, true, 'no sid'], [6, true, 'depth: depth needs an integer, got "4x"'], [7, true, 'content: bad hex in content: |4g|'], [8, true, 'direction must be -> or <>, got "=>"'],
    ]);
    expect(set.total).toBe(5);
  });

  it('parses address and port lists with negation, ranges and IPv6', () => {
    const a = parseAddr('[10.0.0.0/8,!10.1.0.0/16,2001:db8::/32]', {});
    expect([[10, 2, 0, 1], [10, 1, 0, 1], [11, 0, 0, 1]].map((b) => addrMatches(a, Uint8Array.from(b)))).toEqual([true, false, false]);
    const p = parsePorts('[1:1024,!80,8080]', {});
    expect([22, 80, 8080, 9000].map((n) => portMatches(p, n))).toEqual([true, false, true, false]);
    expect(() => parsePorts('[80,', {})).toThrow(RuleSyntaxError);
    expect(() => parseAddr('$NOPE', {})).toThrow(/undefined variable \$NOPE/);
  });

  it('refuses a content or a pcre past its limit by sid and reason, and loads one at the limit', () => {
    const at = ok(`alert tcp any any -> any any (msg:"x"; content:"${'A'.repeat(MAX_CONTENT_BYTES)}"; sid:1;)`);
    expect((at.matches[0] as ContentMatch).bytes.length).toBe(MAX_CONTENT_BYTES);
    // hex notation counts in bytes: |41 41| is 2
    expect(parseRule(`alert tcp any any -> any any (msg:"big"; content:"|${'41 '.repeat(MAX_CONTENT_BYTES + 1)}|"; sid:2;)`, ctx)).toEqual({
      ok: false, sid: 2, msg: 'big', keyword: 'content', reason: `content: a content of ${MAX_CONTENT_BYTES + 1} bytes is over the ${MAX_CONTENT_BYTES}-byte limit`,
    });
    expect(parseRule(`alert tcp any any -> any any (msg:"p"; pcre:"/${'a'.repeat(MAX_PCRE_CHARS + 1)}/"; sid:3;)`, ctx)).toEqual({
      ok: false, sid: 3, msg: 'p', keyword: 'pcre', reason: `pcre: a pattern of ${MAX_PCRE_CHARS + 1} characters is over the ${MAX_PCRE_CHARS}-character limit`,
    });
    // at the limit a pattern loads (compiled at load: V8 refuses only past ~32,000 atoms) and matches
    const p = ok(`alert tcp any any -> any any (msg:"p"; pcre:"/${'a'.repeat(MAX_PCRE_CHARS)}/i"; sid:4;)`).matches[0] as { re: RegExp };
    expect([p.re.test('A'.repeat(MAX_PCRE_CHARS)), p.re.test('A'.repeat(MAX_PCRE_CHARS - 1))]).toEqual([true, false]);
  });

  it('a byte_test value in hex has at most 32 bits', () => {
    expect(ok('alert tcp any any -> any any (msg:"x"; byte_test:4,=,0xFFFFFFFF,0; sid:1;)').matches[0]).toMatchObject({ value: 2 ** 32 - 1 });
    expect(() => parseRule('alert tcp any any -> any any (msg:"x"; byte_test:4,=,0x100000000,0; sid:1;)', ctx)).toThrow(/byte_test value: not a number of at most 32 bits "0x100000000"/);
    expect(() => parseRule('alert tcp any any -> any any (msg:"x"; byte_test:4,=,0xZZ,0; sid:1;)', ctx)).toThrow(RuleSyntaxError);
  });

  it('variables that each name the one before twice stop at a budget of characters, as a syntax error with the line', { timeout: 20_000 }, () => {
    const lines = ['var A0 [1.1.1.1,2.2.2.2]', ...Array.from({ length: 30 }, (_, i) => `var A${i + 1} [$A${i},$A${i}]`)];
    const set = parseRules([...lines, 'alert tcp $A30 any -> any any (msg:"v"; content:"x"; sid:1;)', 'alert tcp $A3 any -> any any (msg:"w"; content:"x"; sid:2;)'].join('\n'), 'bomb.rules');
    expect(set.errors).toEqual([{ file: 'bomb.rules', line: 32, column: null, message: expect.stringMatching(new RegExp(`^variables expand to more than ${MAX_EXPANDED_CHARS} characters`)) as unknown as string }]);
    // a small one still expands: $A3 is 16 addresses
    expect(set.rules.map((r) => [r.sid, r.src.terms.length])).toEqual([[2, 16]]);
  });

  it('a rule continued over 100,000 lines is joined in linear time', { timeout: 20_000 }, () => {
    const lines = ['alert tcp any any -> any any (msg:"c"; \\', ...Array.from({ length: 100_000 }, (_, i) => `content:"part${i}"; \\`), 'sid:9;)'];
    const set = parseRules(lines.join('\n'), 'long.rules');
    expect([set.errors, set.rules.length, set.rules[0]!.matches.length, set.rules[0]!.line]).toEqual([[], 1, 100_000, 1]);
  });

  it('never throws anything but RuleSyntaxError, whatever the text', () => {
    const seeds = ['alert tcp any any -> any any (msg:"a"; content:"|41|"; sid:1;)', 'alert http $HOME_NET any -> any any (http.uri; content:"x"; pcre:"/a/U"; sid:2;)'];
    const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(90), fc.nat(5), fc.string({ maxLength: 6 })), { maxLength: 6 }))
      .map(([s, edits]) => edits.reduce((t, [at, del, ins]) => t.slice(0, at) + ins + t.slice(at + del), s));
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), mutated), (text) => {
      try {
        parseRule(text, ctx);
      } catch (e) {
        if (!(e instanceof RuleSyntaxError)) throw e;
      }
      parseRules(text, 'fuzz.rules');
    }), { numRuns: 2000 });
  });
});
