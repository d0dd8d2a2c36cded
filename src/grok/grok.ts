// Grok: named regular-expression patterns (%{NAME:field:type}) compiled to one JavaScript RegExp per pattern,
// with Logstash's capture rules: only named fields are kept (%{NAME} alone is not), empty and absent captures
// are dropped, a field captured twice keeps both values (an array), :int and :float convert as Ruby's to_i /
// to_f do. Pattern definitions come from our library (patterns.ts), pattern files ("NAME regex" lines) or
// inline. Pure: no Node APIs.
import { caseSensitiveSomewhere, cloneTree, emit, Parser, RegexSyntaxError, type Flags, type Node } from './regex.js';

export class GrokError extends Error {
  constructor(message: string, readonly pattern: string, readonly column: number | null, readonly file: string | null = null) {
    super(message);
  }
}

export type FieldValue = string | number | (string | number)[];

export interface CompiledGrok {
  /** the grok text as given */
  pattern: string;
  /** the JavaScript source it compiled to: `re`'s (with the m flag; single lines run a copy that writes ^ as ^) */
  source: string;
  re: RegExp;
  fields: { group: number; name: string; type: 'string' | 'int' | 'float'; copies?: number[] }[];
}

interface Definition {
  regex: string;
  /** where it was defined (a file and line, or "built-in") */
  origin: string;
}

/** Ruby's ISSPACE: space, \t \n \v \f \r */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Ruby's String#to_i (rb_int_parse_cstr, base 10, as Ruby 3.1 does it): leading whitespace, one sign, an
 * optional "0d", then digits with single underscores between them ("1_0" is 10, "1__0" is 1, "_1" is 0);
 * anything else ends the number, and no digits is 0. Past 2^53 the value is the nearest double (Ruby: exact).
 */
export function rubyToI(s: string): number {
  // plain digits (what %{INT} mostly captures): their value, as below
  const n = s.length;
  if (n > 0 && n <= 15) {
    let v = 0;
    let k = 0;
    for (; k < n; k++) {
      const c = s.charCodeAt(k) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
    }
    if (k === n) return v;
  }
  let p = 0;
  while (p < n && isSpace(s.charCodeAt(p))) p++;
  let negative = false;
  if (s[p] === '+') p++;
  else if (s[p] === '-') {
    negative = true;
    p++;
  }
  if (s[p] === '0' && (s[p + 1] === 'd' || s[p + 1] === 'D')) p += 2;
  // leading zeros, with single underscores among them
  if (s[p] === '0' && p + 1 < n) {
    let us = 0;
    p++;
    for (; p < n; p++) {
      const c = s[p];
      if (c === '_') {
        if (++us >= 2) break;
      } else if (c === '0') us = 0;
      else break;
    }
    if (p >= n || isSpace(s.charCodeAt(p))) p--;
  }
  let digits = '';
  let underscore = false;
  for (; p < n; p++) {
    const c = s.charCodeAt(p);
    if (c === 95) {
      if (underscore || digits === '') break;
      underscore = true;
    } else if (isDigit(c)) {
      digits += s[p];
      underscore = false;
    } else break;
  }
  if (digits === '') return 0;
  const v = Number(digits);
  return negative && v !== 0 ? -v : v;
}

const HEX = '0123456789abcdef0123456789ABCDEF';

/**
 * Ruby's strtod (util.c, David Gay's, as Ruby 3.1 has it) on s from `start`: the value and where it stopped
 * (`start` when it read nothing). Decimal: digits, "." only when a digit follows, an exponent only when digits
 * follow the e and its sign; fraction digits past the 60th significant one are ignored; the exponent saturates
 * at 19999. Hexadecimal after a sign ("-0x1A"; to_f refuses a leading "0x"): digits, a fraction only with a
 * p exponent.
 */
function rubyStrtod(s: string, start: number): [number, number] {
  const n = s.length;
  let p = start;
  let negative = false;
  if (s[p] === '-' || s[p] === '+') {
    negative = s[p] === '-';
    p++;
    if (p >= n) return [0, start];
  }
  const signed = (v: number): number => (negative ? -v : v);
  if (s[p] === '0' && (s[p + 1] === 'x' || s[p + 1] === 'X')) {
    p += 2;
    let adj = 0;
    let aadj = 1;
    let nd0 = -4;
    if (p >= n || HEX.indexOf(s[p]!) < 0) return [0, start];
    while (s[p] === '0') p++;
    for (let d: number; p < n && (d = HEX.indexOf(s[p]!)) >= 0; p++) {
      adj += aadj * (d & 15);
      nd0 += 4;
      aadj /= 16;
    }
    let fraction = false;
    if (s[p] === '.') {
      fraction = true;
      p++;
      if (p >= n || HEX.indexOf(s[p]!) < 0) return [0, start];
      if (nd0 < 0) {
        while (s[p] === '0') {
          p++;
          nd0 -= 4;
        }
      }
      for (let d: number; p < n && (d = HEX.indexOf(s[p]!)) >= 0; p++) {
        adj += aadj * (d & 15);
        if ((aadj /= 16) === 0) {
          while (p + 1 < n && HEX.indexOf(s[p + 1]!) >= 0) p++;
          p++;
          break;
        }
      }
    }
    if (s[p] === 'p' || s[p] === 'P') {
      p++;
      let dsign = 1;
      if (s[p] === '+' || s[p] === '-') {
        dsign = s[p] === '-' ? -1 : 1;
        p++;
      }
      if (!isDigit(s.charCodeAt(p))) return [0, start];
      let e = 0;
      do {
        e = e * 10 + s.charCodeAt(p) - 48;
        p++;
        if (e + dsign * nd0 > 2095) {
          while (isDigit(s.charCodeAt(p))) p++;
          break;
        }
      } while (isDigit(s.charCodeAt(p)));
      nd0 += e * dsign;
    } else if (fraction) return [0, start];
    return [signed(ldexp(adj, nd0)), p];
  }
  let zeros = false;
  if (s[p] === '0') {
    zeros = true;
    while (s[p] === '0') p++;
  }
  let mantissa = '';
  while (isDigit(s.charCodeAt(p))) mantissa += s[p++];
  let nf = 0;
  let nz = 0;
  if (s[p] === '.' && isDigit(s.charCodeAt(p + 1))) {
    p++;
    for (; isDigit(s.charCodeAt(p)); p++) {
      const c = s[p]!;
      if (mantissa === '') {
        if (c === '0') {
          nz++;
          continue;
        }
        nf += nz;
        nz = 0;
        mantissa = c;
        nf++;
        continue;
      }
      nz++;
      if (mantissa.length > 60) continue;
      if (c !== '0') {
        nf += nz;
        mantissa += '0'.repeat(nz - 1) + c;
        nz = 0;
      }
    }
  }
  let e = 0;
  if (s[p] === 'e' || s[p] === 'E') {
    if (mantissa === '' && nz === 0 && !zeros) return [0, start];
    const save = p;
    p++;
    let esign = 1;
    if (s[p] === '-' || s[p] === '+') {
      esign = s[p] === '-' ? -1 : 1;
      p++;
    }
    if (isDigit(s.charCodeAt(p))) {
      while (s[p] === '0') p++;
      const from = p;
      let l = 0;
      while (isDigit(s.charCodeAt(p))) l = l * 10 + s.charCodeAt(p++) - 48;
      e = esign * (p - from > 8 || l > 19999 ? 19999 : l);
    } else p = save;
  }
  if (mantissa === '') return nz === 0 && !zeros ? [0, start] : [signed(0), p];
  return [signed(Number(`${mantissa}e${e - nf}`)), p];
}

/** x * 2^e without overflowing the power on the way */
function ldexp(x: number, e: number): number {
  if (x === 0) return 0;
  let v = x;
  let k = e;
  while (k > 1000) {
    v *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    v *= 2 ** -1000;
    k += 1000;
  }
  return v * 2 ** k;
}

/**
 * Ruby's String#to_f (rb_cstr_to_dbl, badcheck off, Ruby 3.1): leading whitespace; "0x..." is 0.0; strtod; if
 * it stopped before the end, again on a copy without underscores between digits ("1_000.5" is 1000.5), which
 * also reads a "." or an exponent strtod stopped at, in a 70-byte buffer (digits past it are dropped).
 */
export function rubyToF(str: string): number {
  const nul = str.indexOf('\0');
  const s = nul >= 0 ? str.slice(0, nul) : str;
  let p = 0;
  while (p < s.length && isSpace(s.charCodeAt(p))) p++;
  if (s[p] === '0' && (s[p + 1] === 'x' || s[p + 1] === 'X')) return 0;
  const [d, end] = rubyStrtod(s, p);
  if (end === p || end >= s.length) return d;
  // the copy: at most 60 characters up to where strtod stopped, 69 once an exponent letter was met
  let buf = '';
  let limit = 60;
  let prev = '';
  const push = (c: string): void => {
    buf += c;
    prev = c;
  };
  if (s[p] === '+' || s[p] === '-') push(s[p++]!);
  if (s[p] === '0') {
    push('0');
    while (s[++p] === '0');
  }
  while (p < end && buf.length < limit) push(s[p++]!);
  let dotSeen = 0;
  while (p < s.length) {
    if (s[p] === '_') {
      if (buf === '' || !isDigit(prev.charCodeAt(0)) || !isDigit(s.charCodeAt(++p))) break;
    }
    const c = s[p++]!;
    prev = c;
    if (limit === 60 && (c === 'e' || c === 'E' || c === 'p' || c === 'P')) {
      limit = 69;
      buf += c;
      if (s[p] === '+' || s[p] === '-') push(s[p++]!);
      if (s[p] === '0') {
        push('0');
        while (s[++p] === '0');
      }
      continue;
    }
    if (isSpace(c.charCodeAt(0))) {
      while (p < s.length && isSpace(s.charCodeAt(p))) p++;
      if (p < s.length) break;
    } else if (c === '.' ? dotSeen++ > 0 : !isDigit(c.charCodeAt(0))) break;
    if (buf.length < limit) buf += c;
  }
  return rubyStrtod(buf, 0)[0];
}

/**
 * The most characters a pattern may expand to: its text with every %{NAME} replaced by the definition's text,
 * itself expanded, counted as the references are resolved and before a copy is made. The largest built-in
 * recipe pattern expands to 3.2 KB, logstash-patterns-core's largest (BACULA_LOGLINE) to 12 KB,
 * postfix-grok-patterns' (POSTFIX_LMTP) to 29 KB; V8 takes ~2 s to compile a 300 KB expression. A definition
 * used twice in the one before it doubles at each level: 40 levels were 2^40 copies, and the V8 heap ran out
 * at 4 GB.
 */
export const MAX_GROK_EXPANDED = 256 * 1024;
/** Definitions used inside definitions deeper than this are refused (the parser recurses once per level; 2,000 overflowed the stack). */
export const MAX_GROK_REFERENCE_DEPTH = 256;

export class GrokLibrary {
  private readonly defs = new Map<string, Definition>();

  constructor(defs?: Iterable<readonly [string, string]>, origin = 'built-in') {
    if (defs !== undefined) for (const [name, regex] of defs) this.define(name, regex, origin);
  }

  define(name: string, regex: string, origin: string): void {
    this.defs.set(name, { regex, origin });
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  get names(): string[] {
    return [...this.defs.keys()];
  }

  definition(name: string): string | undefined {
    return this.defs.get(name)?.regex;
  }

  /** Adds a pattern file's definitions ("NAME regex" per line, # comments); returns how many. */
  addFile(text: string, file: string): number {
    let n = 0;
    text.split(/\r?\n/).forEach((line, i) => {
      const t = line.replace(/^\s+/, '');
      if (t === '' || t.startsWith('#')) return;
      const m = /^([A-Za-z0-9_]+)\s+(.*)$/.exec(t);
      if (m === null) throw new GrokError(`${file}:${i + 1}: a pattern line is "NAME regex"`, t.slice(0, 40), 1, file);
      this.define(m[1]!, m[2]!.replace(/\s+$/, ''), `${file}:${i + 1}`);
      n++;
    });
    return n;
  }

  /** Compiles a grok pattern; errors name the pattern (or the definition inside it) and the column. */
  compile(pattern: string): CompiledGrok {
    const { tree, globalI } = this.tree(pattern);
    return finishCompile(pattern, tree, globalI);
  }

  /**
   * For a line the pattern does not match: how many of its top-level items (from the left) do match, what
   * they matched, and the text of the first one that does not: the grok debugger's "how far did it get".
   */
  closest(pattern: string, line: string): { items: number; of: number; matched: string; at: number; next: string } | null {
    const { tree, globalI } = this.tree(pattern);
    const items = tree.t === 'seq' ? tree.items : [tree];
    const spans = tree.t === 'seq' ? tree.spans ?? [] : [[0, pattern.length] as [number, number]];
    for (let k = items.length - 1; k >= 1; k--) {
      const g = finishCompile(pattern, { t: 'seq', items: items.slice(0, k) }, globalI);
      const m = g.re.exec(line);
      if (m !== null) {
        const [a, b] = spans[k] ?? [0, 0];
        return { items: k, of: items.length, matched: m[0], at: m.index + m[0].length, next: pattern.slice(a, b) };
      }
    }
    const [a, b] = spans[0] ?? [0, pattern.length];
    return { items: 0, of: items.length, matched: '', at: 0, next: pattern.slice(a, b) };
  }

  private tree(pattern: string): { tree: Node; globalI: boolean } {
    const cache = new Map<string, { node: Node; size: number }>();
    const stack: string[] = [];
    // the pattern's expanded size so far: its text, and each reference's definition text, expanded, where it is used
    let expanded = pattern.length;
    const grow = (by: number, name: string): void => {
      expanded += by;
      if (expanded > MAX_GROK_EXPANDED) {
        const path = [...stack, name];
        throw new GrokError(`expands to more than ${MAX_GROK_EXPANDED} characters (definitions used within definitions: ${path.length > 8 ? `${path.slice(0, 3).join(' -> ')} -> ... -> ${path.slice(-3).join(' -> ')}` : path.join(' -> ')})`, pattern, null);
      }
    };
    const expand = (name: string, field: string | null, type: 'string' | 'int' | 'float' | null, column: number, flags: Flags): Node => {
      const def = this.defs.get(name);
      if (def === undefined) throw new GrokError(`unknown pattern %{${name}}`, stack[stack.length - 1] ?? pattern, column);
      if (stack.includes(name)) throw new GrokError(`%{${name}} refers to itself (${[...stack, name].join(' -> ')})`, name, null);
      if (stack.length >= MAX_GROK_REFERENCE_DEPTH) {
        throw new GrokError(`references nested deeper than ${MAX_GROK_REFERENCE_DEPTH} (${stack.slice(0, 3).join(' -> ')} -> ... -> ${name})`, pattern, null);
      }
      const key = `${name}/${flags.i ? 'i' : ''}${flags.s ? 's' : ''}${flags.x ? 'x' : ''}`;
      const known = cache.get(key);
      let sub: Node;
      if (known === undefined) {
        const before = expanded;
        grow(def.regex.length, name);
        stack.push(name);
        try {
          sub = new Parser(def.regex, expand).parse(flags);
        } catch (e) {
          if (e instanceof RegexSyntaxError) throw new GrokError(`in %{${name}} (${def.origin}): ${e.message}`, name, e.column);
          throw e;
        } finally {
          stack.pop();
        }
        cache.set(key, { node: sub, size: expanded - before });
      } else {
        // counted before it is copied: a definition used twice in the one before it, 40 times over, is 2^40 copies
        grow(known.size, name);
        // a sub-tree per reference: emit tells capture groups apart by identity (two uses of one definition in
        // a repetition are two groups)
        sub = cloneTree(known.node);
      }
      if (field === null) return { t: 'group', kind: 'plain', child: sub, flags };
      return { t: 'group', kind: 'capture', name: field, type: type ?? 'string', child: sub, flags };
    };
    let tree: Node;
    const flags: Flags = { i: false, s: false, x: false };
    // a pattern that starts with (?i) is case-insensitive throughout unless something in it turns that off
    // again ((?-i), (?-i:...)): then the RegExp's own i flag does it
    let text = pattern;
    const lead = /^\(\?i\)/.exec(text);
    if (lead !== null) {
      flags.i = true;
      text = text.slice(lead[0].length);
    }
    try {
      tree = new Parser(text, expand, lead?.[0].length ?? 0).parse(flags);
    } catch (e) {
      if (e instanceof RegexSyntaxError) throw new GrokError(e.message, pattern, e.column);
      if (e instanceof RangeError) throw new GrokError(`too deeply nested to parse (${e.message})`, pattern, null);
      throw e;
    }
    return { tree, globalI: lead !== null && !caseSensitiveSomewhere(tree) };
  }
}

function finishCompile(pattern: string, tree: Node, globalI: boolean): CompiledGrok {
  let out;
  try {
    out = emit(tree, globalI);
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw new GrokError(e.message, pattern, e.column > 0 ? e.column : null);
    if (e instanceof RangeError) throw new GrokError(`too deeply nested to translate (${e.message})`, pattern, null);
    throw e;
  }
  let re: RegExp;
  let single: RegExp;
  try {
    re = new RegExp(out.lines, out.ignoreCase ? 'mi' : 'm');
    single = new RegExp(out.source, out.ignoreCase ? 'i' : '');
    // V8 compiles a RegExp when it first runs (to bytecode) and again on the next run (to machine code). A
    // large one is run here, so that a pattern V8 cannot compile ("Regular expression too large", "Stack
    // overflow") fails here, and the time it takes (from ~5 ms at 8 KB to ~0.6 s at 160 KB) is paid when the
    // pattern loads, not on a line (under the line time limit): the copy without m (single lines, nearly all)
    // to machine code, the one with m (text with line terminators only) to bytecode. A small one compiles in a
    // few milliseconds at its first use, and not at all when no line comes to it (a recipe set has ~120
    // patterns, 2-3 KB each: ~0.3 s to compile them all, which most runs do not need).
    if (out.lines.length >= EAGER_COMPILE) {
      single.exec('');
      single.exec('');
      re.exec('');
    }
  } catch (e) {
    throw new GrokError(`not a valid pattern once translated (${out.source.length} characters of JavaScript): ${reason(e)}`, pattern, null);
  }
  const g: CompiledGrok = { pattern, source: out.lines, re, fields: out.fields };
  SHORTCUTS.set(g, shortcut(tree, globalI, re, single));
  return g;
}

/** JavaScript source from which a pattern is compiled when it loads (see finishCompile) */
const EAGER_COMPILE = 8 * 1024;

/** V8's message without the source it quotes ("Invalid regular expression: /<source>/m: Regular expression too large") */
function reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /^Invalid regular expression: \/[\s\S]*\/[a-z]*: ([^:]*)$/.exec(msg);
  const r = m !== null ? m[1]! : msg;
  return r.length > 200 ? `${r.slice(0, 200)}...` : r;
}

/**
 * What grokMatch knows of a compiled pattern besides its RegExp, to answer faster with the same result: text
 * every match contains (a line without it cannot match), the text a match starts with when the pattern begins
 * with ^, and the RegExp without the m flag. On a line without line terminators (\n \r \u2028 \u2029) ^ and $
 * mean the same with or without m, and without it V8 tries a pattern that begins with ^ at the start only
 * (with m, at every position, to look for a line start).
 */
interface Shortcut {
  /** literal text every match contains (longest first; empty when the pattern is case-insensitive) */
  needs: string[];
  /** the pattern begins with ^ and this text: on a single line, the line starts with it */
  prefix: string;
  /** the pattern's RegExp when compiled (the shortcut holds while it is still the one in use) */
  re: RegExp;
  /** the same pattern without m, for single lines */
  single: RegExp;
}

const SHORTCUTS = new WeakMap<CompiledGrok, Shortcut>();

function shortcut(tree: Node, globalI: boolean, re: RegExp, single: RegExp): Shortcut {
  const runs: string[] = [];
  let prefix = '';
  if (!globalI) {
    required(tree, runs);
    const items = tree.t === 'seq' ? tree.items : [tree];
    if (items[0]?.t === 'raw' && items[0].src === '^') {
      for (let k = 1; k < items.length; k++) {
        const n = items[k]!;
        if (n.t !== 'char' || n.flags.i) break;
        prefix += n.ch;
      }
    }
  }
  const needs = [...new Set(runs)].filter((r) => r.length >= 2 && !prefix.includes(r)).sort((a, b) => b.length - a.length).slice(0, 3);
  return { needs, prefix, re, single };
}

/**
 * Adds to `out` runs of literal characters that every match of the node contains (each run contiguous; a
 * positive lookaround's text is in the input, if not in the match). Conservative: anything it does not know
 * ends a run and adds nothing.
 */
function required(n: Node, out: string[]): void {
  switch (n.t) {
    case 'seq': {
      let run = '';
      for (const it of n.items) {
        if (it.t === 'char' && !it.flags.i) {
          run += it.ch;
          continue;
        }
        if (run !== '') out.push(run);
        run = '';
        required(it, out);
      }
      if (run !== '') out.push(run);
      return;
    }
    case 'char':
      if (!n.flags.i) out.push(n.ch);
      return;
    case 'quant':
      if (n.min >= 1) required(n.child, out);
      return;
    case 'group':
      if (n.kind !== 'look' || n.look === '=' || n.look === '<=') required(n.child, out);
      return;
    case 'alt':
    case 'class':
    case 'dot':
    case 'raw':
    case 'backref':
      // alternatives, classes, dots, anchors, backreferences: nothing certain
      return;
  }
}

/** Does the text hold a line terminator (where ^ and $ with the m flag also match)? indexOf is faster here. */
function multiline(s: string): boolean {
  return s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0 || s.indexOf('\u2028') >= 0 || s.indexOf('\u2029') >= 0;
}
/** the last line grokMatch looked at, and whether it is a single line (one line is tried on many patterns) */
let lastLine = '';
let lastSingle = true;

/**
 * The fields of a match, Logstash's way; null when the pattern does not match. keepEmpty: keep captures that
 * matched the empty string (Logstash's keep_empty_captures).
 */
export function grokMatch(g: CompiledGrok, line: string, keepEmpty = false): Record<string, FieldValue> | null {
  const sc = SHORTCUTS.get(g);
  let re = g.re;
  if (sc !== undefined && sc.re === re) {
    for (const t of sc.needs) if (!line.includes(t)) return null;
    if (line !== lastLine) {
      // in this order: a line stopped by the time limit between the two leaves lastLine stale, not lastSingle
      lastSingle = !multiline(line);
      lastLine = line;
    }
    if (lastSingle) {
      if (!line.startsWith(sc.prefix)) return null;
      re = sc.single;
    }
  }
  const m = re.exec(line);
  if (m === null) return null;
  const out: Record<string, FieldValue> = {};
  const fields = g.fields;
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k]!;
    let raw = m[f.group];
    // a group of an unrolled repetition: its last copy that took part
    if (f.copies !== undefined) for (let c = f.copies.length - 1; c >= 0; c--) if ((raw = m[f.copies[c]!]) !== undefined) break;
    if (raw === undefined || (raw === '' && !keepEmpty)) continue;
    const v = f.type === 'int' ? rubyToI(raw) : f.type === 'float' ? rubyToF(raw) : raw;
    const had = out[f.name];
    if (had === undefined) out[f.name] = v;
    else if (Array.isArray(had)) had.push(v);
    else out[f.name] = [had, v];
  }
  return out;
}
