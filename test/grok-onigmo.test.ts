// Grok against Ruby's Onigmo, the engine Logstash runs grok patterns with: seeded random patterns over the
// constructs our translation supports (literals, classes, POSIX brackets, dot, anchors, groups, named
// captures, alternation, greedy / lazy / possessive quantifiers in Ruby's syntax, atomic groups, lookarounds,
// (?i) (?m) (?x) scoped and bare (?i) (?-i), grok references to definitions with their own captures), each
// tried on strings sampled from it, mutated and random. For every pattern and string: match or not, the span
// of the match, and the fields as Logstash makes them from the named groups (in group order, nil and "" left
// out, a name captured twice an array, :int by to_i). Ruby computes its side in one process (JSON on stdin).
// Also :int / :float conversion (String#to_i / #to_f) on random numeric text.
//
// Needs `ruby` on the PATH: skipped without it, except in CI (CI=true), where a missing ruby fails the suite
// (.ci/run installs it).
//
// Known differences, kept out of the generation on purpose (documented in src/grok/regex.ts):
// - a repetition's body never matches the empty string (JavaScript rejects an empty iteration, Onigmo ends
//   the loop there and may keep captures it made);
// - strings are short (at most 24 characters, bodies not empty): no repetition runs past the 24 unrolled
//   iterations, past which a capture of an earlier iteration can be lost;
// - no named capture under two repetitions one inside the other (the inner one is not unrolled: its groups
//   keep JavaScript's captures), and no more than two such repetitions at all (backtracking in both engines);
// - strings are ASCII, with " " and "\n" as their only blanks: no \r \u2028 \u2029 (line terminators for ^ $
//   in JavaScript only), no Unicode spaces (\s), letters (POSIX brackets, case folding) or digits;
// - no backreferences (JavaScript matches a group that did not take part as "", and a name used twice means
//   its first group), no captures inside lookarounds, lookbehinds of one character (Onigmo's are restricted).
// And one Onigmo bug is kept out of Ruby's side: see (?:P)|(?!) below.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GrokError, GrokLibrary, grokMatch, rubyToF, rubyToI, type FieldValue } from '../src/grok/grok.js';

const probe = spawnSync('ruby', ['-e', 'print RUBY_VERSION'], { encoding: 'utf8' });
const hasRuby = probe.status === 0;
const inCI = process.env.CI === 'true';

/** mulberry32: a small seeded generator, so that the cases are the same on every run */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs a Ruby script with a JSON value on stdin; its stdout, one JSON value a line. */
function ruby(script: string, input: unknown): unknown[] {
  const r = spawnSync('ruby', ['-W0', '-e', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`ruby failed (${r.status ?? r.signal}): ${r.error?.message ?? r.stderr}`);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);
}

// the definitions grok references may use: their Ruby form is the textual expansion, as Logstash builds it
const DEFS: readonly [string, string][] = [
  ['W', '[ab]+'],
  ['N', '(?<n>[01])'],
  ['P', 'a|b'],
  ['Q', '(?>a+)b?'],
];
const DEF = new Map(DEFS);
const SAMPLE: Record<string, (r: () => number) => string> = {
  W: (r) => 'ab'.repeat(2).slice(Math.floor(r() * 2), 1 + Math.floor(r() * 4)) || 'a',
  N: (r) => (r() < 0.5 ? '0' : '1'),
  P: (r) => (r() < 0.5 ? 'a' : 'b'),
  Q: (r) => 'aa'.slice(Math.floor(r() * 2)) + (r() < 0.5 ? 'b' : ''),
};

type G =
  | { k: 'lit'; src: string; ch: string }
  | { k: 'class'; src: string; members: string }
  | { k: 'dot' }
  | { k: 'anchor'; src: string }
  | { k: 'inline'; src: string }
  | { k: 'seq'; items: G[] }
  | { k: 'alt'; alts: G[] }
  | { k: 'group'; open: string; child: G; look?: boolean }
  | { k: 'quant'; child: G; q: string; min: number; max: number }
  | { k: 'ref'; name: string; field?: string };

const LITS: [string, string][] = [['a', 'a'], ['b', 'b'], ['c', 'c'], ['A', 'A'], ['B', 'B'], ['0', '0'], ['1', '1'], ['-', '-'], ['\\.', '.'], ['\\ ', ' '], ['\\n', '\n']];
const CLASSES: [string, string][] = [
  ['[ab]', 'ab'], ['[^a]', 'bcAB01 -.\n'], ['[a-c]', 'abc'], ['[A-Z]', 'AB'], ['[[:upper:]]', 'AB'], ['[[:alpha:]]', 'abcAB'],
  ['[[:digit:]]', '01'], ['[[:space:]]', ' \n'], ['\\w', 'abAB01'], ['\\W', ' -.\n'], ['\\d', '01'], ['\\D', 'ab -'], ['\\h', 'abcAB01'],
  ['\\s', ' \n'], ['\\S', 'ab1-.'], ['[a\\-]', 'a-'], ['[^\\s]', 'ab1'], ['[[a-b][01]]', 'ab01'],
];
const ANCHORS = ['^', '$', '\\A', '\\z', '\\Z', '\\b', '\\B'];
const NAMES = ['x', 'y', 'z'];
const STRING_CHARS = 'abcAB01 -.\n';

interface Ctx {
  /** how many enclosing repetitions may run more than once */
  reps: number;
  /** inside a lookaround: no captures */
  look: boolean;
  depth: number;
}

function nullable(g: G): boolean {
  switch (g.k) {
    case 'lit':
    case 'class':
    case 'dot':
    case 'ref':
      return false;
    case 'anchor':
    case 'inline':
      return true;
    case 'seq':
      return g.items.every(nullable);
    case 'alt':
      return g.alts.some(nullable);
    case 'group':
      return g.look === true || nullable(g.child);
    case 'quant':
      return g.min === 0 || nullable(g.child);
  }
}

function generate(r: () => number): G {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  // one in six: a key=value loop as hand-written configurations have them: ^(?:(?:a-(?<x>\w+)|b-(?<y>...))(?:\ |$))*
  if (r() < 1 / 6) {
    const alts: G[] = Array.from({ length: 2 + Math.floor(r() * 3) }, (_, i) => {
      const [src, members] = pick(CLASSES.filter(([, m]) => !m.includes('-')));
      const value: G = { k: 'quant', child: { k: 'class', src, members }, q: pick(['+', '+?', '{1,2}']), min: 1, max: 2 };
      return { k: 'seq', items: [{ k: 'lit', src: 'abc'[i % 3]!, ch: 'abc'[i % 3]! }, { k: 'lit', src: '-', ch: '-' }, { k: 'group', open: `(?<${pick(NAMES)}>`, child: value }] };
    });
    const item: G = { k: 'seq', items: [{ k: 'alt', alts }, { k: 'group', open: '(?:', child: { k: 'alt', alts: [{ k: 'lit', src: '\\ ', ch: ' ' }, { k: 'anchor', src: '$' }] } }] };
    const [q, min, max] = pick<[string, number, number]>([['*', 0, Infinity], ['+', 1, Infinity], ['{1,3}', 1, 3], ['*?', 0, Infinity]]);
    return { k: 'seq', items: [{ k: 'anchor', src: pick(['^', '\\A', '']) }, { k: 'quant', child: item, q, min, max }] };
  }
  const gen = (c: Ctx): G => {
    const leaf = c.depth >= 4 || r() < 0.15 + 0.1 * c.depth;
    if (leaf) {
      const x = r();
      if (x < 0.45) {
        const [src, ch] = pick(LITS);
        return { k: 'lit', src, ch };
      }
      if (x < 0.75) {
        const [src, members] = pick(CLASSES);
        return { k: 'class', src, members };
      }
      if (x < 0.82) return { k: 'dot' };
      if (x < 0.92) return { k: 'anchor', src: pick(ANCHORS) };
      // a reference: one whose definition captures, or that names a field, only where captures are allowed
      const name = pick(DEFS)[0];
      const captures = name === 'N' || r() < 0.4;
      if (captures && (c.look || c.reps > 1)) return { k: 'ref', name: 'W' };
      return { k: 'ref', name, ...(captures && r() < 0.8 ? { field: r() < 0.15 ? 'i' : pick(NAMES) } : {}) };
    }
    const d = { ...c, depth: c.depth + 1 };
    const x = r();
    if (x < 0.3) {
      const items: G[] = [];
      const n = 2 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) items.push(r() < 0.08 ? { k: 'inline', src: pick(['(?i)', '(?-i)', '(?i)', '(?m)']) } : gen(d));
      return { k: 'seq', items };
    }
    if (x < 0.45) return { k: 'alt', alts: Array.from({ length: 2 + Math.floor(r() * 2) }, () => (r() < 0.1 ? { k: 'seq', items: [] } : gen(d))) };
    if (x < 0.75) {
      const y = r();
      if (y < 0.35 && !c.look && c.reps <= 1) return { k: 'group', open: `(?<${pick(NAMES)}>`, child: gen(d) };
      if (y < 0.45) return { k: 'group', open: '(?>', child: gen(d) };
      if (y < 0.6) return { k: 'group', open: pick(['(?i:', '(?-i:', '(?m:', '(?i-m:', '(?x:']), child: gen(d) };
      if (y < 0.7) return { k: 'group', open: pick(['(?=', '(?!']), child: gen({ ...d, look: true }), look: true };
      if (y < 0.75) {
        // one character: Onigmo's lookbehinds have a fixed length
        const [src, chars] = r() < 0.5 ? pick(LITS) : pick(CLASSES);
        const child: G = chars.length > 1 || src.startsWith('[') ? { k: 'class', src, members: chars } : { k: 'lit', src, ch: chars };
        return { k: 'group', open: pick(['(?<=', '(?<!']), child, look: true };
      }
      return { k: 'group', open: pick(['(?:', '(']), child: gen(d) };
    }
    // a quantifier in Ruby's syntax, on a body that cannot match the empty string: min and max for the
    // sampler, and how many repetitions that can run more than once it puts the body in ({2}? is (?:X{2})?,
    // {1,2}+ is (?:X{1,2})+: two); at most two one inside the other (more, and both engines take minutes)
    const [q, min, max, reps] = pick<[string, number, number, number]>([
      ['?', 0, 1, 0], ['*', 0, Infinity, 1], ['+', 1, Infinity, 1], ['??', 0, 1, 0], ['*?', 0, Infinity, 1], ['+?', 1, Infinity, 1],
      ['?+', 0, 1, 0], ['*+', 0, Infinity, 1], ['++', 1, Infinity, 1], ['{2}', 2, 2, 1], ['{1,3}', 1, 3, 1], ['{2,}', 2, Infinity, 1],
      ['{,2}', 0, 2, 1], ['{1,2}?', 1, 2, 1], ['{2,}?', 2, Infinity, 1], ['{,2}?', 0, 2, 1], ['{2}?', 0, 2, 1], ['{1,2}+', 1, Infinity, 2],
      ['{2}+', 2, Infinity, 2],
    ].filter(([, , , n]) => c.reps + (n as number) <= 2) as [string, number, number, number][]);
    let child = gen({ ...d, reps: c.reps + reps });
    for (let tries = 0; nullable(child) && tries < 5; tries++) child = gen({ ...d, reps: c.reps + reps });
    if (nullable(child)) child = { k: 'lit', src: 'a', ch: 'a' };
    return { k: 'quant', child, q, min, max };
  };
  return gen({ reps: 0, look: false, depth: 0 });
}

/** The grok pattern (references kept) or Ruby's (references expanded as Logstash does). */
function render(g: G, expand: boolean, x = false): string {
  const sp = x ? ' ' : '';
  switch (g.k) {
    case 'lit':
    case 'class':
    case 'anchor':
    case 'inline':
      return g.src;
    case 'dot':
      return '.';
    case 'seq':
      // an alternation inside a sequence is a group
      return g.items.map((i) => (i.k === 'alt' ? `(?:${sp}${render(i, expand, x)}${sp})` : render(i, expand, x))).join(sp);
    case 'alt':
      return g.alts.map((a) => render(a, expand, x)).join(`${sp}|${sp}`);
    case 'group':
      // in (?x:...) blanks go between the parts (and before quantifiers), where Onigmo ignores them
      return `${g.open}${sp}${render(g.child, expand, x || g.open === '(?x:')}${sp})`;
    case 'quant': {
      const body = render(g.child, expand, x);
      // a reference is an atom (expanded, a group)
      const atom = g.child.k === 'lit' || g.child.k === 'class' || g.child.k === 'dot' || g.child.k === 'group' || g.child.k === 'ref';
      return `${atom ? body : `(?:${body})`}${sp}${g.q}`;
    }
    case 'ref': {
      if (!expand) return `%{${g.name}${g.field !== undefined ? `:${g.field}${g.field === 'i' ? ':int' : ''}` : ''}}`;
      const def = DEF.get(g.name)!;
      return g.field !== undefined ? `(?<${g.field}>${def})` : `(?:${def})`;
    }
  }
}

/** A string the pattern may match: each part sampled (case flipped now and then, for (?i)). */
function sample(g: G, r: () => number): string {
  const flip = (s: string): string => (r() < 0.2 ? (s === s.toLowerCase() ? s.toUpperCase() : s.toLowerCase()) : s);
  switch (g.k) {
    case 'lit':
      return flip(g.ch);
    case 'class':
      return flip(g.members[Math.floor(r() * g.members.length)]!);
    case 'dot':
      return 'ab1 -.'[Math.floor(r() * 6)]!;
    case 'anchor':
      return r() < 0.1 ? '\n' : '';
    case 'inline':
      return '';
    case 'seq':
      return g.items.map((i) => sample(i, r)).join('');
    case 'alt':
      return sample(g.alts[Math.floor(r() * g.alts.length)]!, r);
    case 'group':
      return g.look === true ? '' : sample(g.child, r);
    case 'quant': {
      const n = g.min + Math.floor(r() * (Math.min(g.max, g.min + 3) - g.min + 1));
      let s = '';
      for (let i = 0; i < n; i++) s += sample(g.child, r);
      return s;
    }
    case 'ref':
      return SAMPLE[g.name]!(r);
  }
}

function mutate(s: string, r: () => number): string {
  let t = s;
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (t.length + 1));
    const ch = STRING_CHARS[Math.floor(r() * STRING_CHARS.length)]!;
    const op = r();
    if (op < 0.4) t = t.slice(0, at) + ch + t.slice(at);
    else if (op < 0.7) t = t.slice(0, at) + t.slice(at + 1);
    else t = t.slice(0, at) + ch + t.slice(at + 1);
  }
  return t;
}

interface Outcome {
  /** the pattern did not compile */
  error?: true;
  /** per string: null (no match) or the span and the fields */
  results?: ({ span: [number, number]; fields: Record<string, FieldValue> } | null)[];
}

// Ruby's side: Logstash's capture rules over Regexp#match (named groups in group order, m[i] each)
const RUBY_MATCH = `
require 'json'
JSON.parse(STDIN.read).each do |c|
  re = begin
    Regexp.new(c['p'])
  rescue RegexpError
    puts({ 'error' => true }.to_json)
    next
  end
  groups = re.named_captures.flat_map { |name, idx| idx.map { |i| [i, name] } }.sort
  results = c['s'].map do |s|
    m = re.match(s)
    next nil if m.nil?
    fields = {}
    groups.each do |i, name|
      v = m[i]
      next if v.nil? || v.empty?
      v = v.to_i if name == 'i'
      if !fields.key?(name) then fields[name] = v
      elsif fields[name].is_a?(Array) then fields[name] << v
      else fields[name] = [fields[name], v]
      end
    end
    { 'span' => [m.begin(0), m.end(0)], 'fields' => fields }
  end
  puts({ 'results' => results }.to_json)
end
`;

describe.skipIf(!hasRuby && !inCI)('grok against Ruby (Onigmo) on generated patterns', () => {
  it('has ruby to compare with (CI installs it)', () => {
    expect(hasRuby, `ruby is not on the PATH (${probe.error?.message ?? probe.stderr})`).toBe(true);
  });

  it('matches, spans and fields equal Ruby\'s on 2,000 pattern and string pairs', () => {
    const r = rng(20261122);
    const lib = new GrokLibrary(DEFS);
    const cases: { pattern: string; ruby: string; strings: string[] }[] = [];
    while (cases.length < 500) {
      let g = generate(r);
      // a leading (?i) now and then: the pattern is case-insensitive throughout (or turns it off again)
      if (r() < 0.1) g = { k: 'seq', items: [{ k: 'inline', src: '(?i)' }, g] };
      const pattern = render(g, false);
      const strings = [sample(g, r), sample(g, r) + mutate('', r), mutate(sample(g, r), r), Array.from({ length: Math.floor(r() * 8) }, () => STRING_CHARS[Math.floor(r() * STRING_CHARS.length)]).join('')];
      if (strings.some((s) => s.length > 24)) continue;
      // (?:P)|(?!) means P: Onigmo does not apply to it an optimization that is wrong for a pattern that starts
      // with a zero-width assertion and then .* or .+ (it then tries the first position of each line only: in
      // Ruby, /\b.+x/ does not match " bx", /(?:\b.+x)|(?!)/ does, as JavaScript's)
      cases.push({ pattern, ruby: `(?:${render(g, true)})|(?!)`, strings });
    }
    const theirs = ruby(RUBY_MATCH, cases.map((c) => ({ p: c.ruby, s: c.strings }))) as Outcome[];
    expect(theirs.length).toBe(cases.length);
    const diffs: string[] = [];
    let matched = 0;
    let withFields = 0;
    let unrolled = 0;
    cases.forEach((c, k) => {
      const want = theirs[k]!;
      let g;
      try {
        g = lib.compile(c.pattern);
      } catch (e) {
        if (!(e instanceof GrokError)) throw e;
        if (want.error !== true) diffs.push(`${JSON.stringify(c.pattern)}: ours does not compile (${e.message}), Ruby's ${JSON.stringify(c.ruby)} does`);
        return;
      }
      if (g.fields.some((f) => f.copies !== undefined)) unrolled++;
      if (want.error === true) {
        diffs.push(`${JSON.stringify(c.pattern)}: Ruby refuses ${JSON.stringify(c.ruby)}, ours compiles`);
        return;
      }
      c.strings.forEach((s, i) => {
        const w = want.results![i]!;
        const m = g.re.exec(s);
        const got = m === null ? null : { span: [m.index, m.index + m[0].length], fields: grokMatch(g, s) };
        if (w !== null) {
          matched++;
          if (Object.keys(w.fields).length > 0) withFields++;
        }
        if (JSON.stringify(got) !== JSON.stringify(w === null ? null : { span: w.span, fields: sortedFields(got?.fields ?? null, w.fields) })) {
          diffs.push(`${JSON.stringify(c.pattern)} on ${JSON.stringify(s)}: ours ${JSON.stringify(got)}, Ruby ${JSON.stringify(w)} (Ruby's pattern ${JSON.stringify(c.ruby)}, ours ${JSON.stringify(g.source)})`);
        }
      });
    });
    // the generation is not degenerate: most strings match, many with fields, many patterns are unrolled
    expect(matched).toBeGreaterThan(1000);
    expect(withFields).toBeGreaterThan(200);
    expect(unrolled).toBeGreaterThan(80);
    expect(diffs.slice(0, 10)).toEqual([]);
  });

  it(':int and :float convert as String#to_i and #to_f on random numeric text', () => {
    const r = rng(7);
    const chars = ' \t0123456789_.eE+-xXpPdab0011__';
    const strs = Array.from({ length: 3000 }, () => Array.from({ length: Math.floor(r() * 14) }, () => chars[Math.floor(r() * chars.length)]).join(''));
    strs.push('-0x1A', '+0x1.8p1', '-0x1_0', `${'1'.repeat(63)}x`, `0.${'0'.repeat(70)}1x`, `1.${'3'.repeat(80)}`, '1e400', ' \n12abc');
    const theirs = ruby('require "json"; JSON.parse(STDIN.read).each { |s| puts [s.to_i.to_s, [s.to_f].pack("G").unpack1("H*")].to_json }', strs) as [string, string][];
    const bits = (v: number): string => {
      const b = new DataView(new ArrayBuffer(8));
      b.setFloat64(0, v);
      return [0, 1, 2, 3, 4, 5, 6, 7].map((i) => b.getUint8(i).toString(16).padStart(2, '0')).join('');
    };
    const diffs = strs.flatMap((s, i) => {
      const [ti, tf] = theirs[i]!;
      const out: string[] = [];
      if (rubyToI(s) !== Number(ti)) out.push(`${JSON.stringify(s)}.to_i: ours ${rubyToI(s)}, Ruby ${ti}`);
      if (bits(rubyToF(s)) !== tf) out.push(`${JSON.stringify(s)}.to_f: ours ${rubyToF(s)} (${bits(rubyToF(s))}), Ruby ${tf}`);
      return out;
    });
    expect(diffs.slice(0, 10)).toEqual([]);
  });
});

/** Ruby's fields in our key order (JSON.stringify compares key order too) */
function sortedFields(ours: Record<string, FieldValue> | null, theirs: Record<string, FieldValue>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const k of Object.keys(ours ?? {})) if (k in theirs) out[k] = theirs[k]!;
  for (const k of Object.keys(theirs)) if (!(k in out)) out[k] = theirs[k]!;
  return out;
}
