// The grok filters of a Logstash configuration, loaded as they are: `filter { grok { ... } }` blocks with
// `match => { "message" => "..." | [...] }` or the older `pattern => [...]`, `patterns_dir`, `type`,
// `add_tag`, `break_on_match`. Input, output and other filters are read past. Strings are taken as written
// (Logstash does not process backslash escapes unless config.support_escapes is on), so `\S` stays `\S`.

export class LogstashConfigError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(message);
  }
}

export interface GrokFilter {
  /** patterns in order */
  patterns: string[];
  /** the field each pattern is matched against ("message": the line; another: a field an earlier filter captured) */
  fields: string[];
  /** only events of this type go through it (Logstash 1.x `type`) */
  type: string | null;
  tags: string[];
  breakOnMatch: boolean;
  patternsDirs: string[];
  /** 1-based line of the grok block */
  line: number;
}

type Value = string | number | boolean | Value[] | Map<string, Value> | { plugin: string; body: Setting[] }[];
interface Setting {
  key: string;
  value: Value;
  line: number;
}

/**
 * Blocks, conditionals, lists and hashes nested deeper than this are refused, with the line and column of the
 * one that goes past it: the reader recurses once per level. Real configurations nest a handful of levels
 * (filter > if > else if > grok > match > list); 5,000 nested ifs overflowed the stack.
 */
export const MAX_CONFIG_NESTING = 100;

class Reader {
  p = 0;
  /** levels of blocks, lists and hashes the reader is in */
  private depth = 0;
  /** where each line starts (found once, when a position is first asked for) */
  private starts: number[] | null = null;
  constructor(private readonly s: string) {}

  private pos(at = this.p): { line: number; column: number } {
    if (this.starts === null) {
      this.starts = [0];
      for (let i = this.s.indexOf('\n'); i >= 0; i = this.s.indexOf('\n', i + 1)) this.starts.push(i + 1);
    }
    // the last line start at or before `at`
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - this.starts[lo]! + 1 };
  }

  /** fn one level deeper (a block, list or hash opened at `at`), refused past MAX_CONFIG_NESTING */
  private nested<T>(at: number, fn: () => T): T {
    if (++this.depth > MAX_CONFIG_NESTING) this.fail(`nested deeper than ${MAX_CONFIG_NESTING} levels (blocks, conditionals, lists and hashes)`, at);
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  fail(msg: string, at = this.p): never {
    const { line, column } = this.pos(at);
    throw new LogstashConfigError(`line ${line}, column ${column}: ${msg}`, line, column);
  }

  line(at = this.p): number {
    return this.pos(at).line;
  }

  skip(): void {
    for (;;) {
      while (this.p < this.s.length && /\s/.test(this.s[this.p]!)) this.p++;
      if (this.s[this.p] === '#') {
        while (this.p < this.s.length && this.s[this.p] !== '\n') this.p++;
        continue;
      }
      return;
    }
  }

  peek(): string | undefined {
    this.skip();
    return this.s[this.p];
  }

  eat(c: string): void {
    this.skip();
    if (this.s[this.p] !== c) this.fail(`expected "${c}"`);
    this.p++;
  }

  word(): string {
    this.skip();
    const m = /^[A-Za-z0-9_@.-]+/.exec(this.s.slice(this.p));
    if (m === null) this.fail('expected a name');
    this.p += m[0].length;
    return m[0];
  }

  string(): string {
    this.skip();
    const q = this.s[this.p];
    if (q !== '"' && q !== "'") this.fail('expected a quoted string');
    const start = this.p;
    this.p++;
    let out = '';
    for (;;) {
      if (this.p >= this.s.length) this.fail('unterminated string', start);
      const c = this.s[this.p]!;
      // an escaped quote does not end the string; every other backslash stays as written
      if (c === '\\' && this.s[this.p + 1] === q) {
        out += q;
        this.p += 2;
        continue;
      }
      if (c === q) {
        this.p++;
        return out;
      }
      out += c;
      this.p++;
    }
  }

  value(): Value {
    const c = this.peek();
    if (c === '"' || c === "'") return this.string();
    if (c === '[') {
      return this.nested(this.p, () => {
        this.p++;
        const items: Value[] = [];
        while (this.peek() !== ']') {
          items.push(this.value());
          if (this.peek() === ',') this.p++;
        }
        this.p++;
        return items;
      });
    }
    if (c === '{') {
      return this.nested(this.p, () => {
        this.p++;
        const m = new Map<string, Value>();
        while (this.peek() !== '}') {
          const k = this.peek() === '"' || this.peek() === "'" ? this.string() : this.word();
          this.skip();
          if (!this.s.startsWith('=>', this.p)) this.fail('expected "=>"');
          this.p += 2;
          m.set(k, this.value());
          if (this.peek() === ',') this.p++;
        }
        this.p++;
        return m;
      });
    }
    const w = this.word();
    // a plugin as a value (codec => multiline { ... }): its name; its settings are read past
    if (this.peek() === '{') {
      this.p++;
      this.block();
      return w;
    }
    if (/^-?\d+(\.\d+)?$/.test(w)) return Number(w);
    if (w === 'true' || w === 'false') return w === 'true';
    return w;
  }

  /** Reads past a condition up to its body's "{": strings and /regex/ literals may hold braces. */
  condition(): void {
    while (this.p < this.s.length && this.s[this.p] !== '{') {
      const c = this.s[this.p]!;
      if (c === '"' || c === "'" || c === '/') {
        const start = this.p;
        this.p++;
        while (this.p < this.s.length && this.s[this.p] !== c) this.p += this.s[this.p] === '\\' ? 2 : 1;
        if (this.p >= this.s.length) this.fail(c === '/' ? 'unterminated regular expression in a condition' : 'unterminated string', start);
      }
      this.p++;
    }
  }

  /** A block's body after its "{", up to and including its "}", one level deeper. */
  private block(): ReturnType<Reader['body']> {
    return this.nested(this.p - 1, () => {
      const b = this.body();
      this.eat('}');
      return b;
    });
  }

  /** The body of a plugin or section: settings (key => value) and nested plugins (name { ... }). */
  body(): { settings: Setting[]; plugins: { name: string; body: Setting[]; line: number; nested: ReturnType<Reader['body']> }[] } {
    const settings: Setting[] = [];
    const plugins: { name: string; body: Setting[]; line: number; nested: ReturnType<Reader['body']> }[] = [];
    while (this.peek() !== '}' && this.peek() !== undefined) {
      const at = this.p;
      const name = this.word();
      if (name === 'if' || name === 'else') {
        // conditionals: their condition is read past, their body kept (the filters inside still load)
        if (name === 'else' && /^\s*if\b/.test(this.s.slice(this.p))) this.word();
        this.condition();
        this.eat('{');
        const nested = this.block();
        plugins.push({ name, body: [], line: this.line(at), nested });
        continue;
      }
      this.skip();
      if (this.s.startsWith('=>', this.p)) {
        this.p += 2;
        settings.push({ key: name, value: this.value(), line: this.line(at) });
        continue;
      }
      this.eat('{');
      const nested = this.block();
      plugins.push({ name, body: nested.settings, line: this.line(at), nested });
    }
    return { settings, plugins };
  }
}

const list = (v: Value | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** Every grok filter of a configuration, in order. */
export function grokFilters(text: string): GrokFilter[] {
  const r = new Reader(text);
  const top = r.body();
  if (r.peek() !== undefined) r.fail('unexpected "}"');
  const out: GrokFilter[] = [];
  const walk = (plugins: ReturnType<Reader['body']>['plugins'], inFilter: boolean): void => {
    for (const p of plugins) {
      if (p.name === 'grok' && inFilter) {
        const get = (k: string): Value | undefined => p.body.find((s) => s.key === k)?.value;
        const patterns: string[] = [];
        const fields: string[] = [];
        const add = (field: string, ps: string[]): void => {
          for (const x of ps) {
            patterns.push(x);
            fields.push(field.replace(/^\[(.*)\]$/, '$1'));
          }
        };
        const match = get('match');
        if (match instanceof Map) {
          for (const [field, v] of match) add(field, list(v));
        } else if (Array.isArray(match)) {
          // match => ["message", "pattern", ...]: field and pattern pairs
          for (let i = 0; i + 1 < match.length; i += 2) add(String(match[i]), [String(match[i + 1])]);
        }
        add('message', list(get('pattern')));
        const type = get('type');
        const bom = get('break_on_match');
        out.push({
          patterns, fields, type: type === undefined ? null : String(type), tags: [...new Set(list(get('add_tag')))],
          breakOnMatch: bom !== false && bom !== 'false', patternsDirs: list(get('patterns_dir')), line: p.line,
        });
        continue;
      }
      walk(p.nested.plugins, inFilter || p.name === 'filter');
    }
  };
  walk(top.plugins, false);
  return out;
}
