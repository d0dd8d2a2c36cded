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
  fields: { group: number; name: string; type: 'string' | 'int' | 'float' }[];
}

interface Definition {
  regex: string;
  /** where it was defined (a file and line, or "built-in") */
  origin: string;
}

/** Ruby's String#to_i: leading whitespace, an optional sign, then as many digits as there are (else 0). */
function toInt(s: string): number {
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
  return { pattern, source: out.source, re, fields: out.fields };
}

/**
 * The fields of a match, Logstash's way; null when the pattern does not match. keepEmpty: keep captures that
 * matched the empty string (Logstash's keep_empty_captures).
 */
export function grokMatch(g: CompiledGrok, line: string, keepEmpty = false): Record<string, FieldValue> | null {
  const m = g.re.exec(line);
  if (m === null) return null;
  const out: Record<string, FieldValue> = {};
  for (const f of g.fields) {
    const raw = m[f.group];
    if (raw === undefined || (raw === '' && !keepEmpty)) continue;
    const v = f.type === 'int' ? toInt(raw) : f.type === 'float' ? toFloat(raw) : raw;
    const had = out[f.name];
    if (had === undefined) out[f.name] = v;
    else if (Array.isArray(had)) had.push(v);
    else out[f.name] = [had, v];
  }
  return out;
}
