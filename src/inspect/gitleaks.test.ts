import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { beforeAll, describe, expect, it } from 'vitest';
import { isHaystackError } from '../core/errors.js';
import { corpusDir } from '../../test/helpers/run.js';
import { RE2 } from 're2-wasm';
import { jsAll, type Re2Match, re2All, rng, sample, withRe2 } from '../../test/helpers/re2-sample.js';
import { type GitleaksDetector, type GitleaksRules, loadGitleaksRules } from './gitleaks.js';
import { parseRe2 } from './re2-syntax.js';
import type { DetectContext, Hit } from './types.js';
import { shannonEntropy } from './detectors/secret-codec.js';

const ctx: DetectContext = { appProto: null, isObject: false };
const corpus = corpusDir();

/** What the engine does: run a detector only when one of its keywords is in the buffer (ASCII, any case). */
function engineRun(detectors: readonly GitleaksDetector[], text: string, c: DetectContext = ctx): Hit[] {
  const lower = text.toLowerCase();
  return detectors.filter((d) => d.keywords.some((k) => lower.includes(k))).flatMap((d) => d.detect(text, c));
}

interface RawAllowlist {
  regexTarget?: string;
  regexes?: string[];
  stopwords?: string[];
  paths?: string[];
  commits?: string[];
  condition?: string;
}
interface RawRule {
  id: string;
  regex?: string;
  path?: string;
  entropy?: number;
  secretGroup?: number;
  keywords?: string[];
  allowlists?: RawAllowlist[];
}

/**
 * gitleaks' decision for one match, written again over RE2 (re2-wasm) as the engine: the secret (secretGroup, else
 * the first non-empty group, else the match), the entropy gate, and the allowlists' regexes and stopwords. The
 * verdict is the secret, or null when gitleaks would not report it. `free` releases the RE2 patterns.
 */
function gitleaksJudge(rule: RawRule, globals: RawAllowlist[]): { verdict: (m: Re2Match, line: string) => string | null; free: () => void } {
  const lists = [...globals, ...(rule.allowlists ?? [])].map((a) => ({ a, res: (a.regexes ?? []).map((p) => new RE2(p, 'u')) }));
  const verdict = (m: Re2Match, line: string): string | null => {
    let secret = m.match.replace(/^\n+|\n+$/g, '');
    if (m.groups.length > 0) {
      if ((rule.secretGroup ?? 0) > 0) secret = m.groups[rule.secretGroup! - 1] ?? '';
      else secret = m.groups.find((g) => g !== undefined && g !== '') ?? secret;
    }
    if (secret === '') return null;
    if ((rule.entropy ?? 0) > 0 && shannonEntropy(secret) <= rule.entropy!) return null;
    if (line.includes('gitleaks:allow')) return null;
    for (const { a, res } of lists) {
      const target = a.regexTarget === 'match' ? m.match : a.regexTarget === 'line' ? line : secret;
      const re = target !== '' && res.some((r) => r.test(target));
      const stop = (a.stopwords ?? []).some((w) => secret.toLowerCase().includes(w.toLowerCase()));
      if ((a.condition ?? 'OR').toUpperCase() === 'AND') {
        const checks: boolean[] = [];
        if ((a.commits ?? []).length > 0) checks.push(false);
        if ((a.paths ?? []).length > 0) checks.push(false); // no path in these buffers
        if ((a.regexes ?? []).length > 0) checks.push(re);
        if ((a.stopwords ?? []).length > 0) checks.push(stop);
        if (checks.every((c) => c)) return null;
      } else if (re || stop) {
        return null;
      }
    }
    return secret;
  };
  const free = (): void => {
    for (const { res } of lists) for (const r of res) (r as unknown as { wrapper: { delete(): void } }).wrapper.delete();
  };
  return { verdict, free };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function lineOf(text: string, start: number, end: number): string {
  const from = text.lastIndexOf('\n', start - 1) + 1;
  const to = text.indexOf('\n', end);
  return text.slice(from, to < 0 ? text.length : to);
}

describe.skipIf(corpus === null)('gitleaks.toml from the corpus', () => {
  let toml = '';
  let raw: { rules: RawRule[]; allowlist?: RawAllowlist };
  let loaded: GitleaksRules;

  beforeAll(() => {
    toml = readFileSync(join(corpus!, 'content/gitleaks/gitleaks.toml'), 'utf8');
    raw = parseToml(toml) as unknown as typeof raw;
    loaded = loadGitleaksRules(toml); // with the RE2 check
  });

  it('loads every rule or reports why not: 221 run, the one path-only rule is rejected', () => {
    // counted in the text itself, not through any parser
    const tables = toml.match(/^\[\[rules\]\]$/gm)!.length;
    expect(tables).toBe(222);
    expect(loaded.detectors.length + loaded.rejected.length).toBe(tables);
    // pkcs12-file names a file by its extension only (path = '...\.p(?:12|fx)$', no regex): there is no content
    // to match, so content inspection cannot run it; file names are another detector's business
    // its line: the [[rules]] header nearest above its id, found in the text
    const lines = toml.split('\n');
    const idLine = lines.findIndex((l) => l.trim() === 'id = "pkcs12-file"');
    const header = lines.slice(0, idLine).map((l, i) => (l === '[[rules]]' ? i + 1 : 0)).filter((n) => n > 0).pop();
    expect(loaded.rejected).toEqual([{ id: 'pkcs12-file', reason: 'path-only rule', line: header }]);
    expect(loaded.detectors.every((d) => d.name === `gitleaks:${d.ruleId}` && d.category === 'secret')).toBe(true);
    expect(loaded.detectors.every((d) => d.keywords.length > 0 && !d.derivedKeywords)).toBe(true);
    expect(new Set(loaded.detectors.map((d) => d.name)).size).toBe(221);
    // where a backtracking engine could differ from RE2 (re2-syntax.ts): one rule, whose repeated group is set
    // by every iteration, so the two agree (the differential test below runs it too)
    expect(loaded.detectors.filter((d) => d.caveats.length > 0).map((d) => [d.ruleId, d.caveats])).toEqual([['microsoft-teams-webhook', ['capture-in-repeat']]]);
  });

  it('keywords are the rule keywords, lower case', () => {
    for (const d of loaded.detectors) {
      const r = raw.rules.find((x) => x.id === d.ruleId)!;
      expect([...d.keywords].sort()).toEqual([...new Set(r.keywords!.map((k) => k.toLowerCase()))].sort());
    }
  });

  it('finds planted tokens built from each rule regex, where RE2 and gitleaks semantics say it must', { timeout: 300_000 }, async () => {
    const globals = raw.allowlist === undefined ? [] : [raw.allowlist];
    const found: string[] = [];
    const missed: string[] = [];
    for (const d of loaded.detectors) {
      const rule = raw.rules.find((x) => x.id === d.ruleId)!;
      const tree = parseRe2(rule.regex!).root;
      const r = rng(0x5eed ^ d.ruleId.length);
      await tick(); // RE2 in WebAssembly is slow: let the worker answer vitest between rules
      const judge = gitleaksJudge(rule, globals);
      let ok = false;
      withRe2(rule.regex!, (re) => {
        for (let attempt = 0; attempt < 60 && !ok; attempt++) {
          const token = sample(tree, r);
          // gitleaks scans a file that holds a keyword anywhere: a token without one gets it 2 KiB above
          const head = d.keywords.some((k) => token.toLowerCase().includes(k)) ? '' : `${d.keywords[0]!}\n${'#'.repeat(2048)}\n`;
          const text = `${head}first line\n${token}\nlast line\n`;
          const at = head.length + 11;
          const m = re2All(re, text).find((x) => x.index <= at + token.length && x.index + x.match.length > at);
          if (m === undefined) continue;
          const expected = judge.verdict(m, lineOf(text, m.index, m.index + m.match.length));
          if (expected === null) continue;
          const hits = d.detect(text, ctx);
          // expected from RE2's match; where the secret is found is the secret's own offset
          expect(hits.map((h) => h.value), `${d.ruleId}: ${JSON.stringify(text)}`).toContain(expected);
          const h = hits.find((x) => x.value === expected)!;
          expect(text.slice(h.offset, h.offset + h.length)).toBe(expected);
          expect(h.masked).not.toBe(expected);
          ok = true;
        }
      }, 'gu');
      judge.free();
      (ok ? found : missed).push(d.ruleId);
    }
    // every rule yields a planted token that gitleaks would report and that its detector finds
    expect(missed).toEqual([]);
    expect(found.length).toBe(221);
  });

  // The translation against RE2 (same matches, groups included), and the detector as the engine runs it (only
  // with a keyword present) against gitleaks' decision judged over RE2's matches: the same secrets, in order.
  it('matches as RE2 does, and reports what gitleaks would, on texts mixing each rule\'s tokens, keywords and noise', { timeout: 300_000 }, async () => {
    const globals = raw.allowlist === undefined ? [] : [raw.allowlist];
    let compared = 0;
    let withHits = 0;
    for (const d of loaded.detectors) {
      const rule = raw.rules.find((x) => x.id === d.ruleId)!;
      const tree = parseRe2(rule.regex!).root;
      const r = rng(0xd1ff ^ d.ruleId.charCodeAt(0));
      const tokens = Array.from({ length: 4 }, () => sample(tree, r));
      const piece = fc.oneof(
        fc.constantFrom(...tokens),
        fc.constantFrom(...d.keywords),
        fc.constantFrom(' ', '\n', '"', "'", '=', ':', '\t', '\\n', '_', '-', '.', '/'),
        fc.string({ unit: fc.constantFrom(...'abcxyzABCXYZ0189+/=_-. \n"\''), maxLength: 24 }),
      );
      await tick();
      const judge = gitleaksJudge(rule, globals);
      withRe2(rule.regex!, (re) => {
        fc.assert(
          fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
            const text = parts.join('');
            const all = re2All(re, text);
            expect(jsAll(d.jsSource, text)).toEqual(all);
            const engineCalls = d.keywords.some((k) => text.toLowerCase().includes(k));
            const expected = engineCalls ? all.map((m) => judge.verdict(m, lineOf(text, m.index, m.index + m.match.length))).filter((x) => x !== null) : [];
            const got = engineCalls ? d.detect(text, ctx).map((h) => h.value) : [];
            expect(got, `${d.ruleId}: ${JSON.stringify(text)}`).toEqual(expected);
            if (expected.length > 0) withHits++;
            compared++;
          }),
          { numRuns: 12, seed: 17 },
        );
      }, 'gu');
      judge.free();
    }
    expect(compared).toBe(221 * 12);
    expect(withHits).toBeGreaterThan(221 * 2);
  });

  // Rules that need no high-entropy secret fire on noise when their shape is there: rules without an entropy
  // threshold are not expected to stay quiet (gitleaks does not ask them to). The entropy-gated ones must.
  it('stays quiet on random base64 and hex (every rule with an entropy threshold)', () => {
    const gated = loaded.detectors.filter((d) => (raw.rules.find((x) => x.id === d.ruleId)!.entropy ?? 0) > 0);
    expect(gated.length).toBeGreaterThan(120);
    const b64 = fc.base64String({ minLength: 512, maxLength: 4096 });
    const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 512, maxLength: 4096 });
    const lines = fc.array(fc.oneof(b64, hex), { minLength: 1, maxLength: 4 }).map((xs) => xs.join('\n'));
    const fired = new Map<string, number>();
    fc.assert(
      fc.property(fc.oneof(b64, hex, lines), (text) => {
        for (const h of engineRun(gated, text)) fired.set(h.detector, (fired.get(h.detector) ?? 0) + 1);
      }),
      { numRuns: 400, seed: 99 },
    );
    expect([...fired.keys()]).toEqual([]);
  });

  it('never throws on arbitrary bytes with keywords sprinkled in', () => {
    const kws = [...new Set(loaded.detectors.flatMap((d) => d.keywords))];
    const piece = fc.oneof(fc.constantFrom(...kws), fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 }));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        for (const h of engineRun(loaded.detectors, text)) {
          expect(h.offset).toBeGreaterThanOrEqual(0);
          expect(text.slice(h.offset, h.offset + h.length)).toBe(h.value);
        }
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});

describe('loadGitleaksRules on small configurations', () => {
  const load = (toml: string): GitleaksRules => loadGitleaksRules(toml);
  const one = (toml: string): GitleaksDetector => {
    const r = load(toml);
    expect(r.rejected).toEqual([]);
    expect(r.detectors).toHaveLength(1);
    return r.detectors[0]!;
  };

  it('applies the entropy gate to the secret group', () => {
    const d = one(`[[rules]]
id = "t"
regex = '''tok_([a-z0-9]{16})'''
entropy = 3
keywords = ["tok_"]`);
    // sixteen of one letter: entropy 0; sixteen distinct characters: log2(16) = 4 > 3
    expect(d.detect('x tok_aaaaaaaaaaaaaaaa y', ctx)).toEqual([]);
    const hits = d.detect('x tok_0123456789abcdef y', ctx);
    expect(hits.map((h) => [h.value, h.offset, h.confidence])).toEqual([['0123456789abcdef', 6, 'high']]);
    // 16 characters: no known prefix, the last 4 (a quarter), stars for the other 12
    expect(hits[0]!.masked).toBe('************cdef');
  });

  it('takes secretGroup, else the first non-empty group, else the match', () => {
    const d = one(`[[rules]]
id = "g"
regex = '''(a|(b))=(\\w{6})'''
secretGroup = 3
keywords = ["="]`);
    expect(d.detect('b=xyz123', ctx).map((h) => h.value)).toEqual(['xyz123']);
    const first = one(`[[rules]]
id = "f"
regex = '''(x)?(key)=(\\w+)'''
keywords = ["key"]`);
    expect(first.detect('key=abc', ctx).map((h) => h.value)).toEqual(['key']);
    const whole = one(`[[rules]]
id = "w"
regex = '''zz[0-9]{4}'''
keywords = ["zz"]`);
    expect(whole.detect('a zz1234 b', ctx).map((h) => [h.value, h.confidence])).toEqual([['zz1234', 'medium']]);
  });

  it('rule allowlists: regexes on secret, match or line; stopwords; AND needs every check', () => {
    const rules = (allow: string): GitleaksDetector =>
      one(`[[rules]]
id = "a"
regex = '''pass=(\\w+)'''
keywords = ["pass="]
${allow}`);
    const text = 'user=bob pass=hunter2 # demo';
    expect(rules(`[[rules.allowlists]]\nregexes = ['''^hunter''']`).detect(text, ctx)).toEqual([]);
    expect(rules(`[[rules.allowlists]]\nregexes = ['''^pass''']`).detect(text, ctx)).toHaveLength(1);
    expect(rules(`[[rules.allowlists]]\nregexTarget = "match"\nregexes = ['''^pass''']`).detect(text, ctx)).toEqual([]);
    expect(rules(`[[rules.allowlists]]\nregexTarget = "line"\nregexes = ['''# demo$''']`).detect(text, ctx)).toEqual([]);
    expect(rules(`[[rules.allowlists]]\nstopwords = ["UNTER"]`).detect(text, ctx)).toEqual([]);
    expect(rules(`[[rules.allowlists]]\ncondition = "AND"\nstopwords = ["unter"]\nregexes = ['''^x''']`).detect(text, ctx)).toHaveLength(1);
    expect(rules(`[[rules.allowlists]]\ncondition = "AND"\nstopwords = ["unter"]\nregexes = ['''^h''']`).detect(text, ctx)).toEqual([]);
    // a commit can never be matched in traffic: an AND list with commits never applies, an OR one by its regexes
    expect(rules(`[[rules.allowlists]]\ncondition = "AND"\ncommits = ["abc"]\nregexes = ['''^h''']`).detect(text, ctx)).toHaveLength(1);
    expect(rules(`[[rules.allowlists]]\ncommits = ["abc"]\nregexes = ['''^h''']`).detect(text, ctx)).toEqual([]);
    expect(rules(`[rules.allowlist]\nregexes = ['''^hunter''']`).detect(text, ctx)).toEqual([]);
  });

  it('global allowlists: [allowlist], [[allowlists]], and targetRules', () => {
    const base = `[[rules]]\nid = "a"\nregex = '''pass=(\\w+)'''\nkeywords = ["pass="]\n[[rules]]\nid = "b"\nregex = '''pwd=(\\w+)'''\nkeywords = ["pwd="]\n`;
    const text = 'pass=hunter2 pwd=hunter3';
    const run = (toml: string): string[] => engineRun(load(toml).detectors, text).map((h) => h.detector);
    expect(run(base)).toEqual(['gitleaks:a', 'gitleaks:b']);
    expect(run(`${base}[allowlist]\nstopwords = ["hunter"]`)).toEqual([]);
    expect(run(`${base}[[allowlists]]\nregexes = ['''3$''']`)).toEqual(['gitleaks:a']);
    expect(run(`${base}[[allowlists]]\ntargetRules = ["a"]\nregexes = ['''^hunter''']`)).toEqual(['gitleaks:b']);
    expect(load(`${base}[[allowlists]]\ntargetRules = ["zz"]\nregexes = ['''x''']`).rejected).toEqual([
      { id: '[[allowlists]]', reason: 'targetRules names zz, which is not a rule' },
    ]);
  });

  it('path rules and path allowlists use DetectContext.path; without one the content decides, at most medium', () => {
    const d = one(`[[rules]]
id = "p"
regex = '''secret: (\\w{12,})'''
path = '''(?i)\\.ya?ml$'''
entropy = 2
keywords = ["secret"]
[[rules.allowlists]]
paths = ['''(?:^|/)test/''']`);
    const text = 'secret: Zx81kQ0pLm27Rt';
    expect(d.detect(text, { ...ctx, path: 'deploy/app.yaml' }).map((h) => h.confidence)).toEqual(['high']);
    expect(d.detect(text, { ...ctx, path: 'deploy/app.json' })).toEqual([]);
    expect(d.detect(text, { ...ctx, path: 'test/app.yml' })).toEqual([]);
    const unknown = d.detect(text, ctx);
    expect(unknown.map((h) => h.confidence)).toEqual(['medium']);
    expect(unknown[0]!.note).toContain('file name unknown');
  });

  it('skips a line with gitleaks:allow', () => {
    const d = one(`[[rules]]\nid = "s"\nregex = '''tok_\\w{8}'''\nkeywords = ["tok_"]`);
    expect(d.detect('a=tok_12345678 # gitleaks:allow\nb=tok_87654321', ctx).map((h) => h.value)).toEqual(['tok_87654321']);
  });

  it('derives keywords for a rule without them, or rejects it when every match need not hold a literal', () => {
    const d = one(`[[rules]]\nid = "k"\nregex = '''(?i)(?:acme|widget)_key=[0-9a-f]{8}'''`);
    expect(d.derivedKeywords).toBe(true);
    // every match holds one of these by construction of the regex
    expect([...d.keywords].sort()).toEqual(['acme_key=', 'widget_key=']);
    expect(engineRun([d], 'ACME_KEY=0a1b2c3d').map((h) => h.value)).toEqual(['ACME_KEY=0a1b2c3d']);
    const r = load(`[[rules]]\nid = "n"\nregex = '''[0-9a-f]{32}'''`);
    expect(r.detectors).toEqual([]);
    expect(r.rejected[0]!.reason).toMatch(/^no keywords/);
  });

  it('rejects what it cannot run, each with its reason', () => {
    const r = load(`[extend]
useDefault = true
[[rules]]
id = "look"
regex = '''key(?=x)'''
keywords = ["key"]
[[rules]]
id = "uni"
regex = '''\\p{Greek}+key'''
keywords = ["key"]
[[rules]]
id = "back"
regex = '''(a)\\1key'''
keywords = ["key"]
[[rules]]
id = "group"
regex = '''key(\\w+)'''
secretGroup = 2
keywords = ["key"]
[[rules]]
id = "multi"
regex = '''key\\w+'''
keywords = ["key"]
[[rules.required]]
id = "group"
[[rules]]
id = "look"
regex = '''key'''
keywords = ["key"]
[[rules]]
id = "file"
path = '''\\.pem$'''
[[rules]]
id = "bad-allow"
regex = '''key'''
keywords = ["key"]
[[rules.allowlists]]
condition = "XOR"
regexes = ['''x''']
[[rules]]
description = "no id"
regex = '''key'''`);
    expect(r.detectors).toEqual([]);
    expect(r.rejected.map((x) => x.id)).toEqual(['[extend]', 'look', 'uni', 'back', 'group', 'multi', 'look', 'file', 'bad-allow', '(rule 9)']);
    const reasons = Object.fromEntries(r.rejected.map((x, i) => [`${i}`, x.reason]));
    expect(reasons['1']).toMatch(/lookaround/);
    expect(reasons['2']).toMatch(/Unicode classes/);
    expect(reasons['3']).toMatch(/backreference/);
    expect(reasons['4']).toBe('secretGroup 2 but the regex has 1 group(s)');
    expect(reasons['5']).toMatch(/multi-part/);
    expect(reasons['6']).toMatch(/duplicate id/);
    expect(reasons['7']).toBe('path-only rule');
    expect(reasons['8']).toMatch(/unknown condition 'XOR'/);
    expect(reasons['9']).toMatch(/id is missing/);
  });

  it('refuses repeats over RE2 limits: a count over 1000 (the translation), a program too large (RE2 itself)', () => {
    const r = load(`[[rules]]\nid = "big"\nregex = '''key\\w{1001}'''\nkeywords = ["key"]`);
    expect(r.rejected).toEqual([{ id: 'big', reason: 'regex: bad repetition operator', line: 1 }]);
    const huge = load(`[[rules]]\nid = "huge"\nregex = '''key(?:\\w{1000}){1000}'''\nkeywords = ["key"]`);
    expect(huge.rejected.map((x) => x.id)).toEqual(['huge']);
    expect(huge.rejected[0]!.reason).toMatch(/^regex: RE2 refuses it: /);
    expect(loadGitleaksRules(`[[rules]]\nid = "huge"\nregex = '''key(?:\\w{1000}){1000}'''\nkeywords = ["key"]`, { re2Check: false }).rejected).toEqual([]);
  });

  it('never throws on rules with arbitrary regexes, keywords and allowlists: each loads or is rejected', () => {
    const text = fc.string({ unit: fc.constantFrom(...'ab\\()[]{}?*+|^$.-:0123,iPs<>=!wdb'), maxLength: 16 });
    fc.assert(
      fc.property(fc.array(fc.tuple(text, fc.array(fc.constantFrom('ab', 'key', ''), { maxLength: 2 }), fc.option(text)), { maxLength: 4 }), (rules) => {
        const toml = rules
          .map(([regex, kws, allow], i) => {
            const lit = (s: string) => JSON.stringify(s);
            const al = allow === null ? '' : `[[rules.allowlists]]\nregexes = [${lit(allow)}]\n`;
            return `[[rules]]\nid = "r${i}"\nregex = ${lit(regex)}\nkeywords = [${kws.map(lit).join(', ')}]\n${al}`;
          })
          .join('');
        const r = loadGitleaksRules(toml, { re2Check: true });
        expect(r.detectors.length + r.rejected.length).toBe(rules.length);
        for (const d of r.detectors) d.detect('ab key abab (key) [ab]', ctx);
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('throws a HaystackError for text that is not TOML', () => {
    let err: unknown;
    try {
      load('[[rules]\nid = ');
    } catch (e) {
      err = e;
    }
    expect(isHaystackError(err, 'HAYSTACK_BAD_OPTION')).toBe(true);
  });

  it('finds a match that ends far from its keyword within the window, and runs anchors against the whole buffer', () => {
    const d = one(`[[rules]]\nid = "e"\nregex = '''\\bBEGIN\\b[\\s\\S]{0,1000}?\\bEND\\b'''\nkeywords = ["begin"]`);
    const text = 'xx BEGIN ' + 'y'.repeat(900) + ' END zz';
    expect(d.detect(text, ctx).map((h) => [h.offset, h.length])).toEqual([[3, 5 + 1 + 900 + 1 + 3]]);
    expect(d.detect('x'.repeat(5000) + 'xBEGIN yy END', ctx)).toEqual([]);
  });
});
