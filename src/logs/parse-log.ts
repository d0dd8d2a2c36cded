// One log line to a `logs` record: the syslog header split off, then the patterns tried in order (a Logstash
// configuration's or --pattern's on the whole line first, then the recipes of the line's program on its
// message); the first that matches gives the record its type, pattern name and typed fields. A line nothing
// matches is kept with parse_ok false.
import { GrokError, GrokLibrary, grokMatch, type CompiledGrok, type FieldValue } from '../grok/grok.js';
import { BASE_PATTERNS } from '../grok/patterns.js';
import { RECIPES, splitKv, type Recipe, type RecipePattern } from './recipes.js';
import { SyslogParser, type SyslogOptions } from './syslog.js';

export interface LogParse {
  ts: number | null;
  host: string | null;
  program: string | null;
  pid: number | null;
  type: string | null;
  message: string;
  pattern: string | null;
  fields: Record<string, FieldValue> | null;
  parse_ok: boolean;
}

/**
 * Patterns given by the user, matched against the whole line: a Logstash grok filter, or --pattern. As in
 * Logstash, every filter runs on the line: its patterns are tried in order and the first that matches gives
 * its captures (break_on_match false: every pattern that matches does, merged); filters add their tags.
 */
export interface UserFilter {
  /** where it came from, for the record's `pattern`: "<name>#<k>" names the pattern that matched */
  name: string;
  patterns: readonly string[];
  /** Logstash 1.x `type`: the filter runs only on events of this type (when the input's type is given) */
  type?: string | null;
  /** add_tag: added to the fields' `tags` when the filter matches */
  tags?: readonly string[];
  breakOnMatch?: boolean;
}

export interface LogParserOptions extends SyslogOptions {
  /** recipes to use (names); default all */
  recipes?: readonly string[];
  /** grok filters run on the whole line before the recipes */
  filters?: readonly UserFilter[];
  /** the input's event type (Logstash's input `type`): filters of another type do not run; user matches get it */
  type?: string | null;
  /** definitions added to the library (pattern files of --patterns-dir) */
  library?: GrokLibrary;
}

interface CompiledPattern {
  recipe: Recipe | null;
  def: RecipePattern | null;
  name: string;
  type: string;
  g: CompiledGrok;
}

/** Compiles the recipes once (their patterns over our library plus their own definitions). */
export function compileRecipes(recipes: readonly Recipe[], base?: GrokLibrary): Map<Recipe, CompiledPattern[]> {
  const out = new Map<Recipe, CompiledPattern[]>();
  for (const r of recipes) {
    const lib = new GrokLibrary(BASE_PATTERNS);
    if (base !== undefined) for (const n of base.names) lib.define(n, base.definition(n)!, 'patterns dir');
    for (const [n, d] of r.defs ?? []) lib.define(n, d, `recipe ${r.name}`);
    out.set(r, r.patterns.map((p) => ({ recipe: r, def: p, name: `${r.name}/${p.type}`, type: p.type, g: lib.compile(p.grok) })));
  }
  return out;
}

export function recipeByName(name: string): Recipe | undefined {
  return RECIPES.find((r) => r.name === name.toLowerCase());
}

export class LogParser {
  private readonly syslog: SyslogParser;
  private readonly user: { f: UserFilter; type: string; gs: CompiledPattern[] }[];
  private readonly recipes: Map<Recipe, CompiledPattern[]>;
  /** recipes by program name, found once per name */
  private readonly byProgram = new Map<string, CompiledPattern[]>();
  private readonly all: CompiledPattern[];

  constructor(o: LogParserOptions = {}) {
    this.syslog = new SyslogParser(o);
    const chosen = o.recipes === undefined ? RECIPES : o.recipes.map((n) => {
      const r = recipeByName(n);
      if (r === undefined) throw new Error(`unknown recipe "${n}" (${RECIPES.map((x) => x.name).join(', ')})`);
      return r;
    });
    this.recipes = compileRecipes(chosen, o.library);
    const lib = o.library ?? new GrokLibrary(BASE_PATTERNS);
    this.user = (o.filters ?? [])
      .filter((f) => o.type == null || f.type == null || f.type === o.type)
      .map((f) => ({
        f, type: o.type ?? f.type ?? 'grok',
        gs: f.patterns.map((g, k) => ({ recipe: null, def: null, name: `${f.name}#${k + 1}`, type: o.type ?? f.type ?? 'grok', g: compileNamed(lib, g, `${f.name}#${k + 1}`) })),
      }));
    this.all = [...this.recipes.values()].flat();
  }

  private forProgram(program: string | null): CompiledPattern[] {
    if (program === null) return this.all;
    let list = this.byProgram.get(program);
    if (list === undefined) {
      list = [];
      for (const [r, ps] of this.recipes) if (r.programs.test(program)) list.push(...ps);
      this.byProgram.set(program, list);
    }
    return list;
  }

  parse(line: string): LogParse {
    const h = this.syslog.parse(line);
    const base = { ts: h.ts, host: h.host, program: h.program, pid: h.pid, message: h.message };
    if (this.user.length > 0) {
      let fields: Record<string, FieldValue> | null = null;
      let first: CompiledPattern | null = null;
      for (const u of this.user) {
        let hit = false;
        for (const p of u.gs) {
          const f = grokMatch(p.g, line);
          if (f === null) continue;
          hit = true;
          first ??= p;
          fields = fields === null ? f : merge(fields, f);
          if (u.f.breakOnMatch !== false) break;
        }
        if (hit && u.f.tags !== undefined && u.f.tags.length > 0) fields = merge(fields!, { tags: u.f.tags.length === 1 ? u.f.tags[0]! : [...u.f.tags] });
      }
      if (first !== null) return { ...base, type: first.type, pattern: first.name, fields, parse_ok: true };
    }
    for (const p of this.forProgram(h.program)) {
      const f = grokMatch(p.g, h.message);
      if (f === null) continue;
      return { ...base, type: p.type, pattern: p.name, fields: finish(p, f), parse_ok: true };
    }
    return { ...base, type: null, pattern: null, fields: null, parse_ok: false };
  }
}

function compileNamed(lib: GrokLibrary, pattern: string, name: string): CompiledGrok {
  try {
    return lib.compile(pattern);
  } catch (e) {
    if (e instanceof GrokError) throw new GrokError(`${name}: ${e.message}`, e.pattern, e.column, e.file);
    throw e;
  }
}

/** Logstash's way with a field set twice: the values become an array. */
function merge(into: Record<string, FieldValue>, add: Record<string, FieldValue>): Record<string, FieldValue> {
  for (const [k, v] of Object.entries(add)) {
    const old = into[k];
    if (old === undefined) into[k] = v;
    else into[k] = [...(Array.isArray(old) ? old : [old]), ...(Array.isArray(v) ? v : [v])];
  }
  return into;
}

/** Splits a recipe's key=value field and types what the recipe says are numbers. */
function finish(p: CompiledPattern, f: Record<string, FieldValue>): Record<string, FieldValue> {
  const kv = p.def?.kv;
  if (kv === undefined) return nextHop(f);
  const raw = f[kv.field];
  delete f[kv.field];
  if (typeof raw !== 'string') return f;
  const ints = p.recipe?.ints ?? [];
  for (const [k, v] of splitKv(raw, kv.sep)) {
    const value: FieldValue = ints.includes(k) && /^\d+$/.test(v) ? Number(v) : v;
    if (f[k] === undefined) f[k] = value;
  }
  // sendmail and postfix write a peer as "host [ip]" or "host[ip]": its parts as fields of their own
  const relay = f.relay;
  if (typeof relay === 'string') {
    const m = /^(?:([^\s[]+) ?)?\[([^\]]+)\]/.exec(relay);
    if (m !== null) {
      if (m[1] !== undefined && f.relay_host === undefined) f.relay_host = m[1];
      if (f.relay_ip === undefined) f.relay_ip = m[2]!;
    }
  }
  return nextHop(f);
}

/** A delivery the next MTA accepted names the queue id it got there ("Sent (Ok: queued as BDCBE522712)"). */
function nextHop(f: Record<string, FieldValue>): Record<string, FieldValue> {
  for (const k of ['stat', 'response']) {
    const v = f[k];
    if (typeof v !== 'string') continue;
    const m = /queued as ([0-9A-Za-z]+)/.exec(v);
    if (m !== null) f.next_hop_queue_id = m[1]!;
  }
  return f;
}
