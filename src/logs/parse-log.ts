// One log line to a `logs` record: the syslog header split off, then the patterns tried in order (a Logstash
// configuration's or --pattern's on the whole line first, then the recipes of the line's program on its
// message); the first that matches gives the record its type, pattern name and typed fields. A line nothing
// matches is kept with parse_ok false.
import { GrokError, GrokLibrary, grokMatch, type CompiledGrok, type FieldValue } from '../grok/grok.js';
import { BASE_PATTERNS } from '../grok/patterns.js';
import { RECIPES, splitKv, type Recipe, type RecipePattern } from './recipes.js';
import { SyslogParser, type SyslogLine, type SyslogOptions } from './syslog.js';

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
  /** per pattern, the field it is matched against: "message" (default) is the line, another a field an earlier filter captured */
  fields?: readonly string[];
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
  /** the recipe's key=value fields typed as numbers */
  ints: ReadonlySet<string>;
}

const NO_INTS: ReadonlySet<string> = new Set();

/** Compiles the recipes once (their patterns over our library plus their own definitions). */
export function compileRecipes(recipes: readonly Recipe[], base?: GrokLibrary): Map<Recipe, CompiledPattern[]> {
  const out = new Map<Recipe, CompiledPattern[]>();
  for (const r of recipes) {
    const lib = new GrokLibrary(BASE_PATTERNS);
    if (base !== undefined) for (const n of base.names) lib.define(n, base.definition(n)!, 'patterns dir');
    for (const [n, d] of r.defs ?? []) lib.define(n, d, `recipe ${r.name}`);
    const ints = new Set(r.ints ?? []);
    out.set(r, r.patterns.map((p) => ({ recipe: r, def: p, name: `${r.name}/${p.type}`, type: p.type, g: lib.compile(p.grok), ints })));
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
        gs: f.patterns.map((g, k) => ({ recipe: null, def: null, name: `${f.name}#${k + 1}`, type: o.type ?? f.type ?? 'grok', g: compileNamed(lib, g, `${f.name}#${k + 1}`), ints: NO_INTS })),
      }));
    // a line without a program name is tried on every recipe's specific patterns, never on a catch-all
    this.all = [...this.recipes.values()].flat().filter((p) => p.def?.other !== true);
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

  /** The syslog header alone (time, host, program, pid, message): for a line whose patterns ran out of time. */
  header(line: string): Pick<LogParse, 'ts' | 'host' | 'program' | 'pid' | 'message'> {
    const h = this.syslog.parse(line);
    return { ts: h.ts, host: h.host, program: h.program, pid: h.pid, message: h.message };
  }

  parse(line: string): LogParse {
    const h = this.syslog.parse(line);
    if (this.user.length > 0) {
      let fields: Record<string, FieldValue> | null = null;
      let first: CompiledPattern | null = null;
      for (const u of this.user) {
        let hit = false;
        for (let k = 0; k < u.gs.length; k++) {
          const p = u.gs[k]!;
          const on = u.f.fields?.[k] ?? 'message';
          const subject = on === 'message' ? line : fields?.[on];
          if (typeof subject !== 'string') continue;
          const f = grokMatch(p.g, subject);
          if (f === null) continue;
          hit = true;
          first ??= p;
          fields = fields === null ? f : merge(fields, f);
          if (u.f.breakOnMatch !== false) break;
        }
        // Logstash's tags: always a list, each tag once
        if (hit && u.f.tags !== undefined && u.f.tags.length > 0) {
          const had = fields!.tags;
          const tags = had === undefined ? [] : Array.isArray(had) ? had : [had];
          for (const t of u.f.tags) if (!tags.includes(t)) tags.push(t);
          fields!.tags = tags;
        }
      }
      if (first !== null) return record(h, first.type, first.name, fields, true);
    }
    const ps = this.forProgram(h.program);
    for (let k = 0; k < ps.length; k++) {
      const p = ps[k]!;
      const f = grokMatch(p.g, h.message);
      if (f === null) continue;
      return record(h, p.type, p.name, finish(p, f), true);
    }
    return record(h, null, null, null, false);
  }
}

/** The record of a line (one shape for every record: no spreads, which V8 does slowly). */
function record(h: SyslogLine, type: string | null, pattern: string | null, fields: Record<string, FieldValue> | null, ok: boolean): LogParse {
  // an RFC 5424 frame's MSGID and STRUCTURED-DATA go with the fields (the message is what follows them)
  if (h.msgid !== undefined || h.sd !== undefined) {
    fields ??= {};
    if (h.msgid !== undefined && fields.syslog_msgid === undefined) fields.syslog_msgid = h.msgid;
    if (h.sd !== undefined && fields.syslog_sd === undefined) fields.syslog_sd = h.sd;
  }
  return { ts: h.ts, host: h.host, program: h.program, pid: h.pid, message: h.message, type, pattern, fields: fields === null ? null : boundFields(fields), parse_ok: ok };
}

/**
 * The most characters the JSON text of a line's fields may take. Captures are parts of the line, but a
 * pattern may capture the whole line many times over (nested groups, filters merged with break_on_match
 * false), and the fields are one column of one row, which a store takes up to a limit (DuckDB: 4 MiB of
 * JSON). Twice the longest line (pipeline/logs.ts MAX_LOG_LINE) keeps a line captured whole once; each of
 * these characters is at most 3 bytes of the stored row. Past it the fields are cut (boundFields).
 */
export const MAX_LOG_FIELDS_JSON = 512 * 1024;
/** Characters of MAX_LOG_FIELDS_JSON kept free for the flags added after the captures (_fields_truncated, _line_truncated, _grok_timeout_ms). */
const FLAG_ROOM = 256;

/**
 * Fields whose JSON text fits in MAX_LOG_FIELDS_JSON as they are; others cut: the fields in their order while
 * they fit, the string (or list) that crosses the limit cut to what fits, the rest dropped, and
 * `_fields_truncated` set to the length the JSON text had. Nearly every line takes the first test only.
 */
export function boundFields(f: Record<string, FieldValue>, max = MAX_LOG_FIELDS_JSON): Record<string, FieldValue> {
  // a character is at most 6 in JSON (\u0001): small fields are under the limit without writing them out
  let most = 2;
  for (const k in f) {
    const v = f[k]!;
    most += 6 * k.length + 8 + (typeof v === 'string' ? 6 * v.length : typeof v === 'number' ? 24 : 6 * listChars(v));
  }
  if (most <= max - FLAG_ROOM) return f;
  const total = JSON.stringify(f).length;
  if (total <= max - FLAG_ROOM) return f;
  const out: Record<string, FieldValue> = {};
  let room = max - FLAG_ROOM - 2;
  for (const k in f) {
    const v = f[k]!;
    const keyCost = JSON.stringify(k).length + 2;
    if (keyCost >= room) break;
    const cost = JSON.stringify(v).length;
    if (keyCost + cost <= room) {
      out[k] = v;
      room -= keyCost + cost;
      continue;
    }
    if (typeof v === 'string') out[k] = cutToJson(v, room - keyCost);
    else if (Array.isArray(v)) {
      const kept: (string | number)[] = [];
      let left = room - keyCost - 2;
      for (const x of v) {
        const c = JSON.stringify(x).length + 1;
        if (c <= left) {
          kept.push(x);
          left -= c;
          continue;
        }
        if (typeof x === 'string' && left > 3) kept.push(cutToJson(x, left - 1));
        break;
      }
      out[k] = kept;
    }
    break;
  }
  out._fields_truncated = total;
  return out;
}

/** Characters of the strings of a list (numbers as 24) */
function listChars(v: (string | number)[]): number {
  let n = 0;
  for (const x of v) n += (typeof x === 'string' ? x.length : 24) + 2;
  return n;
}

/** The longest start of s whose JSON text is at most `room` characters (a surrogate pair is not split). */
function cutToJson(s: string, room: number): string {
  let len = Math.min(s.length, Math.max(0, room - 2));
  for (;;) {
    if (len > 0 && isHighSurrogate(s.charCodeAt(len - 1))) len--;
    const c = s.slice(0, len);
    const j = JSON.stringify(c).length;
    if (j <= room || len === 0) return c;
    // each pass shrinks by the ratio of what it is to what fits
    len = Math.min(len - 1, Math.floor((len * room) / j));
  }
}

export function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
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
  // the fields without the key=value one, in their order (a copy: V8 makes an object it deleted from slow)
  const o: Record<string, FieldValue> = {};
  for (const k of Object.keys(f)) if (k !== kv.field) o[k] = f[k]!;
  if (typeof raw !== 'string') return o;
  const ints = p.ints;
  const unbracket = p.recipe?.unbracket;
  for (const [k, v0] of splitKv(raw, kv.sep)) {
    const v = unbracket !== undefined && v0.length >= 2 && v0.charCodeAt(0) === 60 && v0.charCodeAt(v0.length - 1) === 62 && unbracket.includes(k) ? v0.slice(1, -1) : v0;
    const value: FieldValue = ints.has(k) && allDigits(v) ? Number(v) : v;
    if (o[k] === undefined) o[k] = value;
  }
  // sendmail and postfix write a peer as "host [ip]" or "host[ip]": its parts as fields of their own
  const relay = o.relay;
  if (typeof relay === 'string') {
    const m = RELAY.exec(relay);
    if (m !== null) {
      if (m[1] !== undefined && o.relay_host === undefined) o.relay_host = m[1];
      if (o.relay_ip === undefined) o.relay_ip = m[2]!.startsWith('IPv6:') ? m[2]!.slice(5) : m[2]!;
    }
  }
  return nextHop(o);
}

const RELAY = /^(?:([^\s[]+) ?)?\[([^\]]+)\]/;
const QUEUED_AS = /queued as ([0-9A-Za-z]+)/;

/** /^\d+$/ */
function allDigits(v: string): boolean {
  if (v.length === 0) return false;
  for (let k = 0; k < v.length; k++) {
    const c = v.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const NEXT_HOP_FIELDS = ['stat', 'response'];

/** A delivery the next MTA accepted names the queue id it got there ("Sent (Ok: queued as BDCBE522712)"). */
function nextHop(f: Record<string, FieldValue>): Record<string, FieldValue> {
  for (const k of NEXT_HOP_FIELDS) {
    const v = f[k];
    if (typeof v !== 'string' || !v.includes('queued as ')) continue;
    const m = QUEUED_AS.exec(v);
    if (m !== null) f.next_hop_queue_id = m[1]!;
  }
  return f;
}
