// The grok compiler: Oniguruma constructs translated exactly, grok references and Logstash's capture rules,
// and errors that name the pattern and the column.
import { describe, expect, it } from 'vitest';
import { GrokError, GrokLibrary, grokMatch } from './grok.js';
import { BASE_PATTERNS } from './patterns.js';

const lib = new GrokLibrary(BASE_PATTERNS);
const match = (pattern: string, line: string, keepEmpty = false) => grokMatch(lib.compile(pattern), line, keepEmpty);
const whole = (pattern: string, line: string): string | null => lib.compile(pattern).re.exec(line)?.[0] ?? null;

describe('Oniguruma constructs', () => {
  it('atomic groups do not give back what they matched', () => {
    // a backtracking (?:a+)ab would find "aaab"; the atomic group keeps all a's, so "ab" cannot follow
    expect(whole('(?>a+)ab', 'aaab')).toBeNull();
    expect(whole('(?:a+)ab', 'aaab')).toBe('aaab');
    expect(whole('(?>a|ab)c', 'abc')).toBeNull();
    expect(whole('(?>ab|a)c', 'abc')).toBe('abc');
    // captures inside an atomic group are kept
    expect(match('(?>(?<x>\\d+))-', '12-')).toEqual({ x: '12' });
  });

  it('possessive quantifiers are atomic groups of the plain ones', () => {
    expect(whole('a++ab', 'aaab')).toBeNull();
    expect(whole('a*+b', 'aaab')).toBe('aaab');
    expect(whole('"[^"]*+"', '"abc"')).toBe('"abc"');
    expect(whole('x?+x', 'x')).toBeNull();
    expect(whole('(?:ab)++c', 'ababc')).toBe('ababc');
  });

  it('\\A, \\z and \\Z anchor the whole input; ^ and $ are line anchors as in Oniguruma', () => {
    expect(whole('\\Afoo', 'foo\nbar')).toBe('foo');
    expect(whole('\\Abar', 'foo\nbar')).toBeNull();
    expect(whole('^bar$', 'foo\nbar\nbaz')).toBe('bar');
    expect(whole('bar\\z', 'foo\nbar\n')).toBeNull();
    expect(whole('bar\\Z', 'foo\nbar\n')).toBe('bar');
    expect(whole('bar\\z', 'foo\nbar')).toBe('bar');
  });

  it('inline flags: (?i) for the whole pattern or part of it, (?m) dot-all, (?x) extended', () => {
    expect(whole('(?i)error: %{WORD:w}', 'ERROR: Disk')).toBe('ERROR: Disk');
    expect(whole('a(?i)b[c-d]', 'aBD')).toBe('aBD');
    expect(whole('a(?i)b', 'AB')).toBeNull();
    expect(whole('(?i:x)y', 'Xy')).toBe('Xy');
    expect(whole('(?i:x)y', 'XY')).toBeNull();
    expect(whole('a.b', 'a\nb')).toBeNull();
    expect(whole('(?m)a.b', 'a\nb')).toBe('a\nb');
    expect(whole('(?x) a  b # comment\n c', 'abc')).toBe('abc');
  });

  it('\\h, POSIX brackets, nested classes, \\x{...}, comments', () => {
    expect(whole('\\h+', 'zz0fA9g')).toBe('0fA9');
    expect(whole('[[:alpha:]]+', '12abC3')).toBe('abC');
    expect(whole('[[[:digit:]]x]+', 'ab1x2y')).toBe('1x2');
    expect(whole('\\x{41}(?#a comment)B', 'AB')).toBe('AB');
  });

  it('refuses what it cannot translate exactly, naming the pattern and the column', () => {
    const err = (p: string): GrokError => {
      try {
        lib.compile(p);
      } catch (e) {
        if (e instanceof GrokError) return e;
        throw e;
      }
      throw new Error(`compiled: ${p}`);
    };
    expect([err('ab(c').message, err('ab(c').column]).toEqual(['missing ")"', 3]);
    expect(err('x[a-z&&[^q]]').message).toMatch(/intersection/);
    expect(err('(a)\\1').message).toMatch(/numbered backreferences/);
    expect(err('%{NO_SUCH_PATTERN:x}')).toMatchObject({ message: 'unknown pattern %{NO_SUCH_PATTERN}', column: 1 });
    expect(err('a%{WORD}(?<x').column).toBe(9);
    const loop = new GrokLibrary([['A', 'x%{B}'], ['B', 'y%{A}']]);
    expect(() => loop.compile('%{A}')).toThrow(/refers to itself \(A -> B -> A\)/);
    const bad = new GrokLibrary([['BROKEN', 'a(b']]);
    bad.define('BROKEN', 'a(b', 'mine.grok:3');
    expect(() => bad.compile('x %{BROKEN}')).toThrow(/in %\{BROKEN\} \(mine\.grok:3\): missing "\)"/);
  });
});

describe('grok captures', () => {
  it('keeps named fields only, typed as asked, Ruby-style conversion', () => {
    expect(match('%{WORD} %{INT:n:int} %{NUMBER:f:float} %{NUMBER:s}', 'size 42 3.5 7')).toEqual({ n: 42, f: 3.5, s: '7' });
    expect(match('%{SYSLOGBASE} %{GREEDYDATA:msg}', 'Nov 22 06:11:29 mail sm-mta[4579]: 6AM6BTsh004579: from=<a@b>')).toEqual({
      timestamp: 'Nov 22 06:11:29', logsource: 'mail', program: 'sm-mta', pid: '4579', msg: '6AM6BTsh004579: from=<a@b>',
    });
  });

  it('Oniguruma named groups are fields; a field captured twice keeps both; empty captures are dropped unless kept', () => {
    expect(match('(?<qid>\\w+): (?<qid>\\w+)', 'AB: CD')).toEqual({ qid: ['AB', 'CD'] });
    expect(match('id=(?<id>\\w*);', 'id=;')).toEqual({});
    expect(match('id=(?<id>\\w*);', 'id=;', true)).toEqual({ id: '' });
    expect(match('(?:a(?<x>1)|b(?<y>2))', 'b2')).toEqual({ y: '2' });
  });

  it('a group in a repetition keeps its capture from the last iteration it took part in (Oniguruma), not only the last iteration\'s', () => {
    const kv = '((a=(?<a>\\w+)|b=(?<b>\\w+)|c=(?<c>\\w+))(, |$))*';
    expect(match(kv, 'a=1, b=2')).toEqual({ a: '1', b: '2' });
    expect(match(kv, 'a=1, b=2, a=3')).toEqual({ a: '3', b: '2' });
    // past the unrolled iterations the repetition goes on; the last iteration's capture is still the value
    const long = Array.from({ length: 40 }, (_, i) => `${i === 5 ? 'c' : 'a'}=${i}`).join(', ');
    expect(match(kv, long)).toEqual({ a: '39', c: '5' });
    // a bounded one, a lazy one, and one that must give back an iteration to let the rest match
    expect(match('(?:(?<x>x)|(?<y>y)){2,3}z', 'yxz')).toEqual({ x: 'x', y: 'y' });
    expect(match('^(?:(?<x>x)|(?<y>y))*?y', 'xyy')).toEqual({ x: 'x' });
    expect(match('^(?:(?<x>\\w)|(?<y>-))+\\w', 'a-b')).toEqual({ x: 'a', y: '-' });
  });

  it('library patterns analysts rely on', () => {
    expect(match('%{IP:a} %{IP:b} %{IP:c}', '10.1.2.3 fe80::1%eth0 2001:db8::7')).toEqual({ a: '10.1.2.3', b: 'fe80::1%eth0', c: '2001:db8::7' });
    expect(match('%{EMAILADDRESS:e}', 'from=<alice@acme.test>')).toEqual({ e: 'from=<alice@acme.test' });
    expect(match('%{TIMESTAMP_ISO8601:t} %{HTTPDATE:h}', '2026-11-22T06:11:26.052851+00:00 22/Nov/2026:06:11:26 +0000')).toEqual({
      t: '2026-11-22T06:11:26.052851+00:00', h: '22/Nov/2026:06:11:26 +0000',
    });
    expect(match('%{QUOTEDSTRING:q}', 'say "hi \\"there\\"" now')).toEqual({ q: '"hi \\"there\\""' });
    expect(match('%{LOGLEVEL:l}', 'status WARNING: x')).toEqual({ l: 'WARNING' });
    expect(match('%{URIPATHPARAM:u}', 'GET /a/b.php?x=1&y=2 HTTP/1.1')).toEqual({ u: '/a/b.php?x=1&y=2' });
  });
});
