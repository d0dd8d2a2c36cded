// Grok: named regular-expression patterns (%{NAME:field:type}) compiled to one JavaScript RegExp per pattern,
// with Logstash's capture rules: only named fields are kept (%{NAME} alone is not), empty and absent captures
// are dropped, a field captured twice keeps both values (an array), :int and :float convert as Ruby's to_i /
// to_f do. Pattern definitions come from our library (patterns.ts), pattern files ("NAME regex" lines) or
// inline. Pure: no Node APIs.
import { emit, Parser, RegexSyntaxError, type Flags, type Node } from './regex.js';

export class GrokError extends Error {
  constructor(message: string, readonly pattern: string, readonly column: number | null, readonly file: string | null = null) {
    super(message);
  }
}

export type FieldValue = string | number | (string | number)[];

export interface CompiledGrok {
  /** the grok text as given */
  pattern: string;
  /** the JavaScript source it compiled to */
  source: string;
  re: RegExp;
  fields: { group: number; name: string; type: 'string' | 'int' | 'float'; copies?: number[] }[];
}

interface Definition {
  regex: string;
  /** where it was defined (a file and line, or "built-in") */
  origin: string;
}

/** Ruby's String#to_i: leading whitespace, an optional sign, then as many digits as there are (else 0). */
function toInt(s: string): number {
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
  const m = /^\s*([+-]?\d+)/.exec(s.replace(/_/g, ''));
  return m === null ? 0 : Number.parseInt(m[1]!, 10);
}

/** Ruby's String#to_f (close enough: a leading decimal number, else 0). */
function toFloat(s: string): number {
  const m = /^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/.exec(s.replace(/_/g, ''));
  return m === null ? 0 : Number.parseFloat(m[1]!);
}

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
    const cache = new Map<string, Node>();
    const stack: string[] = [];
    const expand = (name: string, field: string | null, type: 'string' | 'int' | 'float' | null, column: number, flags: Flags): Node => {
      const def = this.defs.get(name);
      if (def === undefined) throw new GrokError(`unknown pattern %{${name}}`, stack[stack.length - 1] ?? pattern, column);
      if (stack.includes(name)) throw new GrokError(`%{${name}} refers to itself (${[...stack, name].join(' -> ')})`, name, null);
      const key = `${name}/${flags.i ? 'i' : ''}${flags.s ? 's' : ''}${flags.x ? 'x' : ''}`;
      let sub = cache.get(key);
      if (sub === undefined) {
        stack.push(name);
        try {
          sub = new Parser(def.regex, expand).parse(flags);
        } catch (e) {
          if (e instanceof RegexSyntaxError) throw new GrokError(`in %{${name}} (${def.origin}): ${e.message}`, name, e.column);
          throw e;
        } finally {
          stack.pop();
        }
        cache.set(key, sub);
      }
      if (field === null) return { t: 'group', kind: 'plain', child: sub, flags };
      return { t: 'group', kind: 'capture', name: field, type: type ?? 'string', child: sub, flags };
    };
    let tree: Node;
    const flags: Flags = { i: false, s: false, x: false };
    // a pattern that starts with (?i) is case-insensitive throughout: the RegExp's own i flag does it
    let text = pattern;
    let globalI = false;
    const lead = /^\(\?i\)/.exec(text);
    if (lead !== null) {
      globalI = true;
      flags.i = true;
      text = text.slice(lead[0].length);
    }
    try {
      tree = new Parser(text, expand, lead?.[0].length ?? 0).parse(flags);
    } catch (e) {
      if (e instanceof RegexSyntaxError) throw new GrokError(e.message, pattern, e.column);
      throw e;
    }
    return { tree, globalI };
  }
}

function finishCompile(pattern: string, tree: Node, globalI: boolean): CompiledGrok {
  let out;
  try {
    out = emit(tree, globalI);
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw new GrokError(e.message, pattern, null);
    throw e;
  }
  let re: RegExp;
  try {
    re = new RegExp(out.source, out.ignoreCase ? 'mi' : 'm');
  } catch (e) {
    throw new GrokError(`not a valid pattern once translated: ${(e as Error).message}`, pattern, null);
  }
  const g: CompiledGrok = { pattern, source: out.source, re, fields: out.fields };
  SHORTCUTS.set(g, shortcut(tree, globalI, re, new RegExp(out.source, out.ignoreCase ? 'i' : '')));
  return g;
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
    const v = f.type === 'int' ? toInt(raw) : f.type === 'float' ? toFloat(raw) : raw;
    const had = out[f.name];
    if (had === undefined) out[f.name] = v;
    else if (Array.isArray(had)) had.push(v);
    else out[f.name] = [had, v];
  }
  return out;
}
