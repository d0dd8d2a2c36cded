// The grok compiler: Oniguruma constructs translated exactly, grok references and Logstash's capture rules,
// and errors that name the pattern and the column.
import { describe, expect, it } from 'vitest';
import { GrokError, GrokLibrary, grokMatch, MAX_GROK_EXPANDED, MAX_GROK_REFERENCE_DEPTH, rubyToF, rubyToI } from './grok.js';
import { BASE_PATTERNS } from './patterns.js';
import { UNROLL_BUDGET } from './regex.js';

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

// Expected values below come from Ruby 3.1 (Onigmo), the reference for grok's regular expressions, e.g.
// ruby -e 'm = Regexp.new(ARGV[0]).match(ARGV[1]); p m && [m[0], m.named_captures]' '(?i)a(?-i)b' 'AB'
// (a named group used twice: one value per group, as Logstash reads them: m[1], m[2], ...).
describe('Oniguruma semantics, checked against Ruby', () => {
  const err = (p: string, l: GrokLibrary = lib): GrokError => {
    try {
      l.compile(p);
    } catch (e) {
      if (e instanceof GrokError) return e;
      throw e;
    }
    throw new Error(`compiled: ${p}`);
  };

  it('a repetition inside an unrolled one is not unrolled (the source stays small and compiles at once); over the budget nothing is', () => {
    let t = performance.now();
    const two = lib.compile('(?:(?:%{IP:ip},?)+;)*');
    // Ruby: "9.9.9.9" (the last ip)
    expect(grokMatch(two, '1.2.3.4,5.6.7.8;9.9.9.9;')).toEqual({ ip: '9.9.9.9' });
    const three = lib.compile('(?:(?:(?:%{IP:ip},?)+;)+\\|)*');
    expect(grokMatch(three, '1.2.3.4;5.6.7.8,9.9.9.9;|')).toEqual({ ip: '9.9.9.9' });
    // was 920 KB and 5 s to the first match, 26 s and more for three levels
    expect(two.source.length).toBeLessThan(UNROLL_BUDGET);
    expect(three.source.length).toBeLessThan(UNROLL_BUDGET);
    expect(performance.now() - t).toBeLessThan(5000);
    // Ruby: x = "a" from the first outer iteration; the inner loop is JavaScript's: its last iteration ("b") clears it
    expect(grokMatch(lib.compile('(?:(?:(?<x>a)|b)+;)*'), 'ab;bb;')).toEqual({});
    // the outer one still keeps captures across its iterations (Ruby: {"a"=>"1", "b"=>"2"})
    expect(grokMatch(lib.compile('(?:(?:a=(?<a>\\w)|b=(?<b>\\w)|(?:%{IP:ip},?)+);)*'), 'a=1;b=2;1.2.3.4,5.6.7.8;')).toEqual({ a: '1', b: '2', ip: '5.6.7.8' });
    // 9 %{IPORHOST} in the body: unrolled, the source would be ~350 KB; written as it is, it keeps JavaScript's
    // captures (the last iteration's: h0 is lost, Ruby: {"h0"=>"1.2.3.4", "x"=>"y"})
    t = performance.now();
    const wide = lib.compile(`^((${Array.from({ length: 9 }, (_, i) => `h${i}=%{IPORHOST:h${i}}`).join('|')}|x=(?<x>\\w+))(, |$))*`);
    expect(wide.source.length).toBeLessThan(UNROLL_BUDGET);
    expect(grokMatch(wide, 'h0=1.2.3.4, x=y')).toEqual({ x: 'y' });
    expect(performance.now() - t).toBeLessThan(5000);
    // V8 refuses it: an error naming the size and V8's reason, not the translated source
    const big = err('(?:a|b)'.repeat(20000));
    expect(big.message).toMatch(/^not a valid pattern once translated \(140000 characters of JavaScript\): (Stack overflow|Regular expression too large)$/);
  });

  it('a definition used twice in a repetition is two groups', () => {
    const l = new GrokLibrary([['FOO', '(?<x>\\w)']]);
    // Ruby (?:(?<x>\w)-(?<x>\w);)+ on "a-b;c-d;": x "c", x "d"; Logstash: x = ["c", "d"] (was { x: 'd' })
    expect(grokMatch(l.compile('(?:%{FOO}-%{FOO};)+'), 'a-b;c-d;')).toEqual({ x: ['c', 'd'] });
    expect(grokMatch(l.compile('(?:%{FOO:f}-%{FOO:g};)+'), 'a-b;c-d;')).toEqual({ f: 'c', x: ['c', 'd'], g: 'd' });
  });

  it('a leading (?i) is the i flag only when nothing turns it off again', () => {
    // Ruby: nil, nil, "Ab", nil
    expect(whole('(?i)a(?-i:b)', 'AB')).toBeNull();
    expect(whole('(?i)a(?-i)b', 'AB')).toBeNull();
    expect(whole('(?i)a(?-i)b', 'Ab')).toBe('Ab');
    expect(whole('(?i)a(?-i:b)', 'aB')).toBeNull();
    expect(lib.compile('(?i)a(?-i)b').re.flags).toBe('m');
    expect(lib.compile('(?i)ab').re.flags).toBe('im');
  });

  it('a bare (?i) in the middle applies to the rest of its group, alternatives included', () => {
    // Ruby: /a(?i)b|c/ is a(?i:b|c): nil on "c", "aC"; ab(?i)c|def|gh on "abGH": "abGH"; (?:a(?i)b|c)d on "cd": nil
    expect(whole('a(?i)b|c', 'c')).toBeNull();
    expect(whole('a(?i)b|c', 'aC')).toBe('aC');
    expect(whole('ab(?i)c|def|gh', 'abGH')).toBe('abGH');
    expect(whole('(?:a(?i)b|c)d', 'cd')).toBeNull();
    expect(whole('(?:a(?i)b|c)d', 'aCd')).toBe('aCd');
    // Ruby: "C", nil
    expect(whole('a|(?i)b|c', 'C')).toBe('C');
    expect(whole('a(?x) b | c', 'c')).toBeNull();
  });

  it('a repetition whose groups a backreference names is not unrolled', () => {
    // Ruby: nil, "a,b,b" (the backreference is the last iteration's capture; unrolled, it was the first copy's)
    expect(whole('^(?:(?<a>\\w),)*\\k<a>$', 'a,b,a')).toBeNull();
    expect(match('^(?:(?<a>\\w),)*\\k<a>$', 'a,b,b')).toEqual({ a: 'b' });
    // Oniguruma compares a backreference under (?i) case-insensitively: only when the whole pattern is (?i)
    expect(match('(?i)(?<a>a)\\k<a>', 'aA')).toEqual({ a: 'a' });
    expect(err('(?i:(?<a>a)\\k<a>)').message).toMatch(/under \(\?i\)/);
  });

  it('a repetition with min above the unrolled iterations still keeps captures of the unrolled ones', () => {
    // Ruby: "x" both (was null: {25} was not unrolled at all)
    expect(match('(?:(?<a>x)|y){25}', `x${'y'.repeat(24)}`)).toEqual({ a: 'x' });
    expect(match('(?:(?<a>x)|y){25}', `${'y'.repeat(24)}x`)).toEqual({ a: 'x' });
    // Ruby: {"a"=>"x", "b"=>"y"} for all three
    expect(match('(?:(?<a>x)|(?<b>y)){26,30}', `x${'y'.repeat(24)}xy`)).toEqual({ a: 'x', b: 'y' });
    expect(match('(?:(?<a>x)|(?<b>y)){30}', `y${'x'.repeat(29)}`)).toEqual({ a: 'x', b: 'y' });
    expect(match('^(?:(?<a>x)|(?<b>y)){25,}$', `y${'x'.repeat(30)}`)).toEqual({ a: 'x', b: 'y' });
  });

  it('quantifiers in Ruby\'s syntax: {n}? is optional, not lazy; (?x) blanks and comments before a quantifier', () => {
    // Ruby: "aa", "" (^a{2}?$ on ""), "aa" ({n,m}? lazy), "" ({,m}? lazy), "aaaa" ({n}+ repeated), "" ({n}?? lazy optional)
    expect(whole('a{2}?', 'aaa')).toBe('aa');
    expect(whole('^a{2}?$', '')).toBe('');
    expect(whole('a{2,3}?', 'aaa')).toBe('aa');
    expect(whole('a{,3}?', 'aaa')).toBe('');
    expect(whole('a{2}+', 'aaaaa')).toBe('aaaa');
    expect(whole('a{2}??', 'aa')).toBe('');
    // Ruby: "aab", "aaa" (a + ? is (?:a+)?), "a" (+? lazy), "aab", "aaa" ((?#...) anywhere)
    expect(whole('(?x) a + b', 'aab')).toBe('aab');
    expect(whole('(?x) a + ?', 'aaa')).toBe('aaa');
    expect(whole('(?x) a +?', 'aaa')).toBe('a');
    expect(whole('(?x) a # many\n + b', 'aab')).toBe('aab');
    expect(whole('a(?#c)*', 'aaa')).toBe('aaa');
    // Ruby: "xa", "a", nil
    expect(whole('x(?i:[[:upper:]])', 'xa')).toBe('xa');
    expect(whole('(?i)[[:lower:]]', 'A')).toBe('A');
    expect(whole('(?i:[^[:upper:]])', 'a')).toBeNull();
  });

  it(':int and :float convert exactly as Ruby\'s String#to_i and #to_f', () => {
    // ruby -e 'p ["_1", "1__0", "1_0", " 12abc", "0x1A", "0d12", "-0", "0_1", "0__1", "+-1"].map(&:to_i)'
    expect(['_1', '1__0', '1_0', ' 12abc', '0x1A', '0d12', '-0', '0_1', '0__1', '+-1'].map(rubyToI)).toEqual([0, 1, 10, 12, 0, 12, 0, 1, 0, 0]);
    // ruby -e 'p ["1.e5", "1e3", "_1", "1_000.5", ".5", "1e", "1e5_0", "0x1A", "-0x1A", "-0x1.8p1", "-0x1.8", "Infinity"].map(&:to_f)'
    expect(['1.e5', '1e3', '_1', '1_000.5', '.5', '1e', '1e5_0', '0x1A', '-0x1A', '-0x1.8p1', '-0x1.8', 'Infinity'].map(rubyToF))
      .toEqual([1, 1000, 0, 1000.5, 0.5, 1, 1e50, 0, -26, -3, 0, 0]);
    // Ruby: -0.0; 63 ones then "x": 1.1111111111111112e+59 (only 60 digits are copied when strtod stops early)
    expect(Object.is(rubyToF('-0'), -0)).toBe(true);
    expect(rubyToF(`${'1'.repeat(63)}x`)).toBe(1.1111111111111112e59);
    const l = new GrokLibrary([['ANY', '[^;]*']]);
    expect(grokMatch(l.compile('%{ANY:i:int};%{ANY:f:float}'), '1_0;1.e5')).toEqual({ i: 10, f: 1 });
  });

  it('found by test/grok-onigmo: a digit after an atomic group or a backreference; ^ after a text\'s final newline', () => {
    // Ruby: "a0", "a1", "aa0" (the translation (?=(a))\1 followed by 0 read as \10)
    expect(whole('(?>a)0', 'a0')).toBe('a0');
    expect(whole('a?+1', 'a1')).toBe('a1');
    expect(match('(?<x>a)\\k<x>0', 'aa0')).toEqual({ x: 'a' });
    // Ruby: nil, nil, 1 (^ is not a line start at the end of the text, after its last "\n"), 1
    expect(whole('^$', 'a\n')).toBeNull();
    expect(whole('\\n^', 'a\n')).toBeNull();
    expect(whole('\\n^', 'a\nb')).toBe('\n');
    expect(lib.compile('\\n^$').re.exec('a\n\n')?.index).toBe(1);
    // single lines keep ^ as it is (V8 tries such a pattern at the start only)
    expect(match('^(?<w>\\w+)', 'abc def')).toEqual({ w: 'abc' });
  });

  it('an atomic group or a possessive quantifier inside a lookbehind is an error with its column (Ruby: invalid pattern in look-behind)', () => {
    expect(err('(?<=(?>ab))c')).toMatchObject({ column: 5, message: expect.stringMatching(/atomic group inside a lookbehind/) });
    expect(err('(?<=a++)c')).toMatchObject({ column: 6, message: expect.stringMatching(/possessive quantifier inside a lookbehind/) });
    expect(err('x(?<!%{BASE10NUM})c')).toMatchObject({ column: 6, message: expect.stringMatching(/%\{BASE10NUM\} has an atomic group/) });
    expect(err('(?<=(?=(?>a))a)b').column).toBe(8);
    // lookaheads are fine: Ruby "abc"
    expect(whole('(?=(?>ab))abc', 'abc')).toBe('abc');
  });
});

describe('expansion limits', () => {
  /** Q0 is "a"; each Qk is %{Qk-1} twice: %{Qk} expands to 2^k a's (and more of the definitions' text) */
  const doubling = new GrokLibrary([['Q0', 'a'], ...Array.from({ length: 40 }, (_, k) => [`Q${k + 1}`, `%{Q${k}}%{Q${k}}`] as const)]);
  /** P0 is "a"; each Pk is %{Pk-1}: a chain of references */
  const chain = new GrokLibrary([['P0', 'a'], ...Array.from({ length: 3000 }, (_, k) => [`P${k + 1}`, `%{P${k}}`] as const)]);

  it('a pattern whose expansion passes MAX_GROK_EXPANDED is refused before it is built, naming the pattern and the definitions (2^40 copies ran the heap out)', () => {
    expect(grokMatch(doubling.compile('^%{Q10:x}$'), 'a'.repeat(1024))).toEqual({ x: 'a'.repeat(1024) });
    // %{Qk} expands to its text (%{Qk-1} twice) and twice %{Qk-1}'s expansion: Q13 to 90,116 characters, Q15 to 360,500
    let e: unknown = null;
    try {
      doubling.compile('%{Q39:x}');
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(GrokError);
    expect([(e as GrokError).pattern, (e as GrokError).message]).toEqual(['%{Q39:x}', expect.stringMatching(new RegExp(`^expands to more than ${MAX_GROK_EXPANDED} characters \\(definitions used within definitions: Q39 -> Q38 -> Q37 -> \\.\\.\\. -> `))]);
    expect(() => doubling.compile('%{Q13}')).not.toThrow();
    expect(() => doubling.compile('%{Q15}')).toThrow(/expands to more than/);
    // the text of the pattern itself counts too
    expect(() => doubling.compile(`${'b'.repeat(MAX_GROK_EXPANDED)}%{Q0}`)).toThrow(/expands to more than/);
  });

  it('references nested deeper than MAX_GROK_REFERENCE_DEPTH are refused (2,000 overflowed the stack)', () => {
    expect(grokMatch(chain.compile(`%{P${MAX_GROK_REFERENCE_DEPTH - 1}:x}`), 'a')).toEqual({ x: 'a' });
    expect(() => chain.compile(`%{P${MAX_GROK_REFERENCE_DEPTH}:x}`)).toThrow(`references nested deeper than ${MAX_GROK_REFERENCE_DEPTH} (P256 -> P255 -> P254 -> ... -> P0)`);
    expect(() => chain.compile('%{P2999:x}')).toThrow(/references nested deeper than 256/);
  });
});
