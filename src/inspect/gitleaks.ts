// A gitleaks configuration (TOML text) loaded as data: one Detector per [[rules]] entry, named gitleaks:<id>,
// with its keywords as the engine's prefilter, its entropy gate, its secretGroup and its allowlists; every rule
// that cannot run is listed with the reason.
//
// How a rule runs (gitleaks' detect.go semantics, with these differences):
// - Regexes are Go RE2 syntax. Each is parsed by re2-syntax.ts and run as the equivalent JavaScript RegExp; RE2
//   (re2-wasm) compiles every pattern at load as the reference for what is valid (option `re2Check`), and the
//   tests compare both engines' matches. Why not run RE2 itself: see re2-syntax.ts.
// - gitleaks runs a rule over the whole file when one of its keywords is anywhere in it. Here, when every match
//   of the regex must hold one of the keywords (everyMatchHolds), the regex runs over windows around each
//   keyword occurrence only: maxLength(regex) characters either side, or GITLEAKS_WINDOW when the regex is
//   unbounded or longer (so a match longer than that, e.g. a private key block over 16 KiB, is missed). A match
//   is confirmed (and its groups read) by running the regex anchored at its start over the whole buffer, so word
//   boundaries and anchors see the real neighbours. A rule whose matches need not hold a keyword (airtable's
//   "pat…" tokens under the keyword "airtable") runs over the whole buffer, as gitleaks does.
// - A rule without keywords gets as keywords the literal strings (3+ characters) that every match contains
//   (requiredLiterals); a rule without such literals is rejected: the engine runs a detector only when one of
//   its keywords occurs, and running a regex over every byte of traffic is what the prefilter is there to avoid.
// - Secret: the rule's secretGroup, else the first non-empty capture group, else the whole match (newlines at
//   either end trimmed). Entropy: Shannon entropy of the secret; at or below the rule's `entropy` -> no hit.
//   "gitleaks:allow" on the line -> no hit.
// - Allowlists (global [allowlist] / [[allowlists]] with targetRules, and the rule's [[rules.allowlists]] or
//   [rules.allowlist]): regexes against the secret, the match or the line (regexTarget), stopwords against the
//   secret (lower case), paths against DetectContext.path, commits never (traffic has none); condition OR (any
//   listed check) or AND (all listed checks), as gitleaks does.
// - A rule with `path` and `regex` is checked against DetectContext.path when there is one; without a path the
//   content regex alone decides and the hit is at most medium.
//
// Confidence: high when the rule has an entropy threshold and the secret passed it, one of the rule's keywords
// occurs inside the match itself (not only elsewhere in the buffer), and the secret is a capture group (or the
// whole match of a rule that has no groups); medium otherwise. testValue is always false (gitleaks has no
// notion of one; its allowlists drop known examples).
//
// Rejected (with the reason): path-only rules (no content regex), multi-part rules ([[rules.required]]) and
// their skipReport parts, patterns RE2 or the translation refuses, a secretGroup beyond the regex's groups, bad
// allowlists, duplicate ids, and [extend] (a file or the built-in default cannot be read here).
import { parse as parseToml } from 'smol-toml';
import { RE2 } from 're2-wasm';
import { HaystackError } from '../core/errors.js';
import { shannonEntropy } from './detectors/secret-codec.js';
import { maskSecret } from './detectors/secret-mask.js';
import { captureInRepeat, emptyIteration, everyMatchHolds, maxLength, nestedRepeat, parseRe2, requiredLiterals, splitLazyPrefix, toJsSource } from './re2-syntax.js';
import type { Confidence, DetectContext, Detector, Hit } from './types.js';

/** characters either side of a keyword a rule's regex is run over when its matches are unbounded */
export const GITLEAKS_WINDOW = 16 * 1024;
/** the description in a hit's note is cut to this */
const NOTE_MAX = 120;
const ALLOW_SIGNATURE = 'gitleaks:allow';

export interface GitleaksRejected {
  /** the rule id, or "[extend]", "[allowlist]", "[[allowlists]] n" for config-level entries */
  readonly id: string;
  readonly reason: string;
  /** the line (1-based) of the rule's [[rules]] header, when the text's headers could be told apart */
  readonly line?: number;
}

export interface GitleaksDetector extends Detector {
  /** the rule id as written in the file */
  readonly ruleId: string;
  readonly description: string;
  /** the JavaScript source the rule's regex runs as */
  readonly jsSource: string;
  /** keywords were derived from the regex (the rule had none) */
  readonly derivedKeywords: boolean;
  /** the regex nests repeats (see nestedRepeat): the speed tests keep an eye on these */
  readonly nestedRepeat: boolean;
  /** every match holds one of the keywords: the regex runs around keyword occurrences, else over the buffer */
  readonly keywordInMatch: boolean;
  /**
   * where JavaScript and RE2 may match differently for this regex (re2-syntax.ts): "empty-iteration" (an
   * optional repeat whose body can match empty), "capture-in-repeat" (a capture inside a repeat whose later
   * iterations may leave it unset); empty for all the default rules but the Teams webhook's capture-in-repeat,
   * where every iteration sets the group, so both engines agree
   */
  readonly caveats: readonly string[];
}

export interface GitleaksRules {
  readonly detectors: GitleaksDetector[];
  readonly rejected: GitleaksRejected[];
}

export interface GitleaksOptions {
  /**
   * compile every pattern with RE2 (re2-wasm) too and reject what RE2 refuses (default true). It costs ~20 ms a
   * pattern (about 5 s for gitleaks' 221 rules); the translation alone refuses everything outside RE2 syntax.
   */
  readonly re2Check?: boolean;
}

/** Stopwords (lower case) found in a string: bucketed by their first two characters (gitleaks' generic rule has ~1500). */
class Stopwords {
  private readonly short: string[] = [];
  private readonly buckets = new Map<string, string[]>();
  readonly size: number;

  constructor(words: readonly string[]) {
    const unique = [...new Set(words.filter((w) => w !== ''))];
    this.size = unique.length;
    for (const w of unique) {
      if (w.length < 2) {
        this.short.push(w);
        continue;
      }
      const k = w.slice(0, 2);
      const b = this.buckets.get(k);
      if (b === undefined) this.buckets.set(k, [w]);
      else b.push(w);
    }
  }

  /** does `lower` (a lower-cased secret) contain one of the words? */
  in(lower: string): boolean {
    if (this.short.some((w) => lower.includes(w))) return true;
    for (let i = 0; i + 1 < lower.length; i++) {
      const b = this.buckets.get(lower.slice(i, i + 2));
      if (b !== undefined && b.some((w) => lower.startsWith(w, i))) return true;
    }
    return false;
  }
}

interface Allowlist {
  readonly and: boolean;
  readonly hasCommits: boolean;
  readonly paths: RegExp | null;
  readonly regexes: RegExp | null;
  readonly target: 'secret' | 'match' | 'line';
  readonly stopwords: Stopwords;
}

class RuleError extends Error {}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown, what: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new RuleError(`${what} must be a list of strings`);
  return v as string[];
}

/** A Go RE2 pattern -> its JavaScript source (throws RuleError naming `what`). */
function translate(pattern: string, what: string, re2Check: boolean): { source: string; groups: number; max: number; nested: boolean; root: ReturnType<typeof parseRe2>['root'] } {
  let parsed;
  try {
    parsed = parseRe2(pattern);
  } catch (e) {
    throw new RuleError(`${what}: ${(e as Error).message}`);
  }
  if (re2Check) {
    let re: RE2 | null = null;
    try {
      re = new RE2(pattern, 'u');
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw new RuleError(`${what}: RE2 failed on it: ${(e as Error).message.slice(0, 200)}`);
      throw new RuleError(`${what}: RE2 refuses it: ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/u: /s, '')}`);
    } finally {
      // re2-wasm never frees a pattern by itself and its heap is a fixed 16 MiB: free it through embind
      (re as unknown as { wrapper?: { delete?: () => void } } | null)?.wrapper?.delete?.();
    }
  }
  return { source: toJsSource(parsed.root), groups: parsed.groups, max: maxLength(parsed.root), nested: nestedRepeat(parsed.root), root: parsed.root };
}

/** A RegExp of a translated source; a source V8 refuses is a translation bug, reported as the rule's reason. */
function jsRegExp(source: string, flags: string, what: string): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (e) {
    throw new RuleError(`${what}: the translation is not a valid JavaScript RegExp (${(e as Error).message})`);
  }
}

function combined(patterns: readonly string[], what: string, re2Check: boolean): RegExp | null {
  if (patterns.length === 0) return null;
  const sources = patterns.map((p, i) => translate(p, `${what} ${i + 1}`, re2Check).source);
  return jsRegExp(sources.map((s) => `(?:${s})`).join('|'), '', what);
}

function allowlist(t: unknown, what: string, re2Check: boolean): Allowlist {
  if (!isTable(t)) throw new RuleError(`${what} must be a table`);
  const cond = typeof t.condition === 'string' ? t.condition.toUpperCase() : '';
  if (!['', 'OR', '||', 'AND', '&&'].includes(cond)) throw new RuleError(`${what}: unknown condition '${String(t.condition)}'`);
  const target = t.regexTarget === undefined || t.regexTarget === '' || t.regexTarget === 'secret' ? 'secret' : t.regexTarget;
  if (target !== 'secret' && target !== 'match' && target !== 'line') {
    throw new RuleError(`${what}: unknown regexTarget '${String(t.regexTarget)}'`);
  }
  const commits = strings(t.commits, `${what} commits`);
  const paths = strings(t.paths, `${what} paths`);
  const regexes = strings(t.regexes, `${what} regexes`);
  const stopwords = strings(t.stopwords, `${what} stopwords`).map((s) => s.toLowerCase());
  if (commits.length + paths.length + regexes.length + stopwords.length === 0) {
    throw new RuleError(`${what}: an allowlist needs commits, paths, regexes or stopwords`);
  }
  return {
    and: cond === 'AND' || cond === '&&',
    hasCommits: commits.length > 0,
    paths: combined(paths, `${what} path`, re2Check),
    regexes: combined(regexes, `${what} regex`, re2Check),
    target,
    stopwords: new Stopwords(stopwords),
  };
}

/** Rule-level and targeted allowlists of a rule table. */
function ruleAllowlists(r: Record<string, unknown>, re2Check: boolean): Allowlist[] {
  const out: Allowlist[] = [];
  if (r.allowlist !== undefined) {
    if (r.allowlists !== undefined) throw new RuleError('[rules.allowlist] cannot be used alongside [[rules.allowlists]]');
    out.push(allowlist(r.allowlist, 'allowlist', re2Check));
  }
  if (r.allowlists !== undefined) {
    if (!Array.isArray(r.allowlists)) throw new RuleError('allowlists must be [[rules.allowlists]] tables');
    r.allowlists.forEach((a, i) => out.push(allowlist(a, `allowlist ${i + 1}`, re2Check)));
  }
  return out;
}

/** Is the path alone allowed (the fragment-level check: OR lists by path; AND lists with paths only)? */
function pathAllowed(lists: readonly Allowlist[], path: string | null): boolean {
  if (path === null || path === '') return false;
  for (const a of lists) {
    const p = a.paths !== null && a.paths.test(path);
    if (a.and) {
      if (a.regexes !== null || a.stopwords.size > 0) continue;
      if (!a.hasCommits && a.paths !== null && p) return true;
    } else if (p) {
      return true;
    }
  }
  return false;
}

function findingAllowed(lists: readonly Allowlist[], secret: string, match: string, line: string, path: string | null): boolean {
  for (const a of lists) {
    const target = a.target === 'secret' ? secret : a.target === 'match' ? match : line;
    const regexOk = a.regexes !== null && target !== '' && a.regexes.test(target);
    const stopOk = secret !== '' && a.stopwords.size > 0 && a.stopwords.in(secret.toLowerCase());
    if (a.and) {
      const checks: boolean[] = [];
      if (a.hasCommits) checks.push(false);
      if (a.paths !== null) checks.push(path !== null && path !== '' && a.paths.test(path));
      if (a.regexes !== null) checks.push(regexOk);
      if (a.stopwords.size > 0) checks.push(stopOk);
      if (checks.every((c) => c)) return true;
    } else if (regexOk || stopOk) {
      return true;
    }
  }
  return false;
}

/** Keyword positions of one buffer, shared by every rule of one load (the engine hands them the same text). */
class KeywordIndex {
  private text: string | null = null;
  private lower = '';
  private readonly positions = new Map<string, number[]>();

  find(text: string, keyword: string): number[] {
    if (text !== this.text) {
      this.text = text;
      this.lower = text.toLowerCase();
      this.positions.clear();
    }
    let p = this.positions.get(keyword);
    if (p === undefined) {
      p = [];
      for (let i = this.lower.indexOf(keyword); i >= 0; i = this.lower.indexOf(keyword, i + 1)) p.push(i);
      this.positions.set(keyword, p);
    }
    return p;
  }
}

/** A keyword as the latin1 string of its UTF-8 bytes, lower case: what a buffer holds. */
function keywordBytes(k: string): string {
  let s = '';
  for (const b of new TextEncoder().encode(k.toLowerCase())) s += String.fromCharCode(b);
  return s;
}

interface RuleSpec {
  id: string;
  description: string;
  /** searches the pattern (or, with a lazy prefix, the rest R) in a window */
  scan: RegExp;
  /** the same, sticky, over the whole buffer: confirms a candidate and gives its groups */
  verify: RegExp;
  /** the X of an `X{0,n}? R` pattern: a match extends back over up to n of these from R's start */
  prefix: { readonly table: Uint8Array; readonly max: number } | null;
  groups: number;
  secretGroup: number;
  entropy: number;
  keywords: string[];
  window: number;
  path: RegExp | null;
  allowlists: Allowlist[];
  globals: Allowlist[];
  index: KeywordIndex;
}

function windows(spec: RuleSpec, text: string): [number, number][] {
  if (spec.window === Infinity) return [[0, text.length]];
  const starts: [number, number][] = [];
  for (const k of spec.keywords) {
    for (const p of spec.index.find(text, k)) starts.push([Math.max(0, p - spec.window), Math.min(text.length, p + k.length + spec.window)]);
  }
  starts.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const w of starts) {
    const last = merged[merged.length - 1];
    if (last !== undefined && w[0] <= last[1]) last[1] = Math.max(last[1], w[1]);
    else merged.push([w[0], w[1]]);
  }
  return merged;
}

function lineAround(text: string, start: number, end: number): string {
  const from = text.lastIndexOf('\n', start - 1) + 1;
  const nl = text.indexOf('\n', end);
  return text.slice(from, nl < 0 ? text.length : nl);
}

function runRule(spec: RuleSpec, text: string, ctx: DetectContext): Hit[] {
  const path = ctx.path ?? null;
  if (spec.path !== null && path !== null && !spec.path.test(path)) return [];
  if (pathAllowed(spec.globals, path) || pathAllowed(spec.allowlists, path)) return [];
  const hits: Hit[] = [];
  let done = 0; // end of the last confirmed match: matches do not overlap
  for (const [ws, we] of windows(spec, text)) {
    if (we <= done) continue;
    const slice = text.slice(ws, we);
    spec.scan.lastIndex = Math.max(0, done - ws);
    for (let m = spec.scan.exec(slice); m !== null; m = spec.scan.exec(slice)) {
      let at = ws + m.index;
      spec.verify.lastIndex = at;
      const v = spec.verify.exec(text);
      if (v === null || v[0].length === 0) {
        spec.scan.lastIndex = m.index + 1;
        continue;
      }
      const end = at + v[0].length;
      if (spec.prefix !== null) {
        // X{0,n}? R: R matched at `at`; the match starts as far back over X as n and the last match allow
        const floor = Math.max(done, at - spec.prefix.max);
        while (at > floor && spec.prefix.table[text.charCodeAt(at - 1)] === 1) at--;
      }
      done = end;
      spec.scan.lastIndex = end - ws;
      const hit = toHit(spec, text, v, at, end, path);
      if (hit !== null) hits.push(hit);
      if (end >= we) break;
    }
  }
  return hits;
}

function toHit(spec: RuleSpec, text: string, v: RegExpExecArray, at: number, end: number, path: string | null): Hit | null {
  // gitleaks trims newlines off both ends of the match
  let mStart = at;
  let mEnd = end;
  while (mStart < mEnd && text.charCodeAt(mStart) === 0x0a) mStart++;
  while (mEnd > mStart && text.charCodeAt(mEnd - 1) === 0x0a) mEnd--;
  const match = text.slice(mStart, mEnd);
  let secret = match;
  let sStart = mStart;
  let fromGroup = spec.groups === 0;
  const indices = v.indices;
  if (spec.groups > 0) {
    const pick = (g: number): boolean => {
      const s = v[g];
      const ix = indices?.[g];
      if (s === undefined || s === '' || ix === undefined) return false;
      secret = s;
      sStart = ix[0];
      fromGroup = true;
      return true;
    };
    if (spec.secretGroup > 0) {
      if (!pick(spec.secretGroup)) return null;
    } else {
      for (let g = 1; g <= spec.groups && !pick(g); g++);
    }
  }
  if (secret === '') return null;
  if (spec.entropy > 0 && shannonEntropy(secret) <= spec.entropy) return null;
  const line = lineAround(text, mStart, mEnd);
  if (line.includes(ALLOW_SIGNATURE)) return null;
  if (findingAllowed(spec.globals, secret, match, line, path)) return null;
  if (findingAllowed(spec.allowlists, secret, match, line, path)) return null;
  const lowerMatch = match.toLowerCase();
  const inMatch = spec.keywords.filter((k) => lowerMatch.includes(k));
  const pathUnknown = spec.path !== null && (path === null || path === '');
  const confidence: Confidence = spec.entropy > 0 && inMatch.length > 0 && fromGroup && !pathUnknown ? 'high' : 'medium';
  const validations = ['regex'];
  if (spec.entropy > 0) validations.push(`entropy>${spec.entropy}`);
  if (spec.path !== null && !pathUnknown) validations.push('path');
  const lowerSecret = secret.toLowerCase();
  const prefix = spec.keywords.find((k) => lowerSecret.startsWith(k))?.length ?? 0;
  const note = spec.description === '' ? `gitleaks rule ${spec.id}` : spec.description.slice(0, NOTE_MAX);
  return {
    detector: `gitleaks:${spec.id}`,
    category: 'secret',
    confidence,
    offset: sStart,
    length: secret.length,
    value: secret,
    masked: maskSecret(secret, prefix),
    validations,
    contextTerms: inMatch,
    testValue: false,
    note: pathUnknown ? `${note} (path rule: file name unknown)` : note,
  };
}

function loadRule(r: unknown, n: number, globals: Allowlist[], targeted: Allowlist[], index: KeywordIndex, re2Check: boolean): GitleaksDetector {
  if (!isTable(r)) throw new RuleError('a [[rules]] entry must be a table');
  const id = typeof r.id === 'string' ? r.id.trim() : '';
  if (id === '') throw new RuleError(`rule ${n}: id is missing or empty`);
  if (r.required !== undefined) throw new RuleError('multi-part rules ([[rules.required]]) are not supported');
  if (r.skipReport === true) throw new RuleError('skipReport rule (a part of a multi-part rule): not supported');
  const regex = typeof r.regex === 'string' ? r.regex : '';
  const pathPattern = typeof r.path === 'string' ? r.path : '';
  if (regex === '' && pathPattern !== '') throw new RuleError('path-only rule');
  if (regex === '') throw new RuleError('no regex and no path: the rule matches nothing');
  const t = translate(regex, 'regex', re2Check);
  const secretGroup = r.secretGroup === undefined ? 0 : Number(r.secretGroup);
  if (!Number.isInteger(secretGroup) || secretGroup < 0 || secretGroup > t.groups) {
    throw new RuleError(`secretGroup ${String(r.secretGroup)} but the regex has ${t.groups} group(s)`);
  }
  const entropy = r.entropy === undefined ? 0 : Number(r.entropy);
  if (!Number.isFinite(entropy) || entropy < 0) throw new RuleError(`entropy ${String(r.entropy)} is not a number >= 0`);
  let keywords = [...new Set(strings(r.keywords, 'keywords').map(keywordBytes).filter((k) => k !== ''))];
  const derived = keywords.length === 0;
  if (derived) {
    const lits = requiredLiterals(t.root);
    if (lits === null) {
      throw new RuleError('no keywords, and no literal of 3+ characters in every match to derive one from (it would have to run on every buffer)');
    }
    keywords = lits;
  }
  // windows around keywords are exact when every match holds a keyword; otherwise (gitleaks only asks for the
  // keyword somewhere in the file) the rule runs over the whole buffer
  const keywordInMatch = everyMatchHolds(t.root, keywords);
  const path = pathPattern === '' ? null : jsRegExp(translate(pathPattern, 'path', re2Check).source, '', 'path');
  // global allowlists that name this rule in targetRules act as its own
  const allowlists = [...ruleAllowlists(r, re2Check), ...targeted];
  const description = typeof r.description === 'string' ? r.description : '';
  const split = splitLazyPrefix(t.root);
  let prefix: RuleSpec['prefix'] = null;
  let runSource = t.source;
  if (split !== null) {
    const table = new Uint8Array(0x10000);
    for (let k = 0; k < split.ranges.length; k += 2) {
      for (let c = split.ranges[k]!; c <= Math.min(split.ranges[k + 1]!, 0xffff); c++) table[c] = 1;
    }
    prefix = { table, max: split.max };
    runSource = toJsSource(split.rest);
  }
  const spec: RuleSpec = {
    id,
    description,
    scan: jsRegExp(runSource, 'g', 'regex'),
    verify: jsRegExp(runSource, 'yd', 'regex'),
    prefix,
    groups: t.groups,
    secretGroup,
    entropy,
    keywords,
    window: keywordInMatch ? Math.min(t.max, GITLEAKS_WINDOW) : Infinity,
    path,
    allowlists,
    globals,
    index,
  };
  return {
    name: `gitleaks:${id}`,
    category: 'secret',
    keywords,
    ruleId: id,
    description,
    jsSource: t.source,
    derivedKeywords: derived,
    nestedRepeat: t.nested,
    keywordInMatch,
    caveats: [...(emptyIteration(t.root) ? ['empty-iteration'] : []), ...(captureInRepeat(t.root) ? ['capture-in-repeat'] : [])],
    detect: (text, ctx) => runRule(spec, text, ctx),
  };
}

/**
 * The lines (1-based) of the `[[rules]]` headers, in order, outside multi-line strings (''' and """). The TOML
 * parser gives no positions; a header written another way (`[[ rules ]]` is found, an inline array of tables is
 * not) makes the count differ from the rules', and then no line is given.
 */
function ruleHeaderLines(text: string): number[] {
  const out: number[] = [];
  let open: string | null = null;
  text.split('\n').forEach((l, i) => {
    if (open === null && /^\s*\[\[\s*rules\s*\]\]/.test(l)) out.push(i + 1);
    for (const m of l.matchAll(/'''|"""/g)) {
      if (open === null) open = m[0];
      else if (open === m[0]) open = null;
    }
  });
  return out;
}

/**
 * Loads a gitleaks configuration's TOML text: a detector per usable rule, the rest listed with the reason.
 * Throws HaystackError (HAYSTACK_BAD_OPTION) only when the text is not TOML or not a gitleaks configuration.
 *
 * @example
 *   const { detectors, rejected } = loadGitleaksRules(readFileSync('gitleaks.toml', 'utf8'));
 */
export function loadGitleaksRules(tomlText: string, options: GitleaksOptions = {}): GitleaksRules {
  const re2Check = options.re2Check ?? true;
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(tomlText) as Record<string, unknown>;
  } catch (e) {
    // smol-toml's TomlError says where (line and column, 1-based) and starts its message with a fixed prefix
    const where = e instanceof Error && typeof (e as { line?: unknown }).line === 'number'
      ? ` at line ${(e as unknown as { line: number }).line}, column ${String((e as { column?: unknown }).column)}` : '';
    const why = (e as Error).message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    throw new HaystackError('HAYSTACK_BAD_OPTION', `gitleaks rules: not TOML${where}: ${why}`, { cause: e });
  }
  if (doc.rules !== undefined && !Array.isArray(doc.rules)) {
    throw new HaystackError('HAYSTACK_BAD_OPTION', 'gitleaks rules: rules must be [[rules]] tables');
  }
  const rejected: GitleaksRejected[] = [];
  if (doc.extend !== undefined) {
    rejected.push({ id: '[extend]', reason: 'extend is not supported: the extended file (or the built-in default) cannot be read here; load it itself' });
  }
  const globals: Allowlist[] = [];
  const targeted = new Map<string, Allowlist[]>();
  const globalTables: [string, unknown][] = [];
  if (doc.allowlist !== undefined) globalTables.push(['[allowlist]', doc.allowlist]);
  if (Array.isArray(doc.allowlists)) doc.allowlists.forEach((a, i) => globalTables.push([`[[allowlists]] ${i + 1}`, a]));
  for (const [what, t] of globalTables) {
    try {
      const a = allowlist(t, what, re2Check);
      const targets = isTable(t) ? strings(t.targetRules, `${what} targetRules`) : [];
      if (targets.length === 0) globals.push(a);
      for (const id of targets) targeted.set(id, [...(targeted.get(id) ?? []), a]);
    } catch (e) {
      rejected.push({ id: what, reason: `ignored: ${(e as Error).message}` });
    }
  }
  const index = new KeywordIndex();
  const detectors: GitleaksDetector[] = [];
  const seen = new Set<string>();
  const rules = (doc.rules ?? []) as unknown[];
  const headers = ruleHeaderLines(tomlText);
  const lineOf = headers.length === rules.length ? (i: number): { line?: number } => ({ line: headers[i]! }) : (): { line?: number } => ({});
  rules.forEach((r, i) => {
    const id = isTable(r) && typeof r.id === 'string' && r.id.trim() !== '' ? r.id.trim() : `(rule ${i + 1})`;
    try {
      if (seen.has(id)) throw new RuleError('duplicate id (the first rule with it is kept)');
      seen.add(id);
      detectors.push(loadRule(r, i + 1, globals, targeted.get(id) ?? [], index, re2Check));
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      rejected.push({ id, reason: e.message, ...lineOf(i) });
    }
  });
  for (const id of targeted.keys()) {
    if (!seen.has(id)) rejected.push({ id: '[[allowlists]]', reason: `targetRules names ${id}, which is not a rule` });
  }
  return { detectors, rejected };
}
