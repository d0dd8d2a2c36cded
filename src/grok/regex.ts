// Oniguruma (Ruby/Logstash) regular expressions, parsed to a tree and written out as a JavaScript RegExp
// source with the same meaning. What JavaScript lacks is translated exactly, not approximated:
// - atomic groups (?>X) become (?=(X))\N: a lookahead does not backtrack into X once it matched, and the
//   backreference consumes what it matched; possessive X*+ X++ X?+ X{n,m}+ are atomic groups of X* ...;
// - \A \z \Z become lookarounds on the whole input (patterns are compiled with `m`, as Oniguruma's ^ and $
//   are always line anchors); \h \H are hex digits; POSIX brackets [[:alpha:]] become ranges;
// - inline flags (?i) (?m) (?x) and their scoped forms (?i:X): case-insensitivity by [aA] classes where it
//   does not cover the whole pattern, Oniguruma's m (dot matches newline) by [\s\S], x by dropping blanks
//   and comments when parsing.
// Anything else JavaScript cannot say the same way is an error naming the column.
// Grok's %{NAME:field:type} references are resolved by a callback while parsing (grok.ts).

export class RegexSyntaxError extends Error {
  constructor(message: string, readonly column: number) {
    super(message);
  }
}

export type Node =
  | { t: 'seq'; items: Node[]; spans?: [number, number][] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'group'; kind: 'capture' | 'plain' | 'atomic' | 'look'; look?: string; name?: string; type?: FieldType; child: Node; flags: Flags }
  | { t: 'quant'; child: Node; min: number; max: number; lazy: boolean; possessive: boolean }
  | { t: 'char'; ch: string; flags: Flags }
  | { t: 'raw'; src: string }
  | { t: 'class'; items: ClassItem[]; negated: boolean; flags: Flags }
  | { t: 'dot'; flags: Flags }
  | { t: 'backref'; name: string };

export type FieldType = 'string' | 'int' | 'float';

/** i: case-insensitive; s: dot matches newline (Oniguruma's m); x: extended */
export interface Flags {
  i: boolean;
  s: boolean;
  x: boolean;
}

type ClassItem = { t: 'range'; lo: number; hi: number } | { t: 'raw'; src: string };

/** What a grok reference expands to: a parsed sub-tree (a capture group around it when it names a field). */
export type Expand = (name: string, field: string | null, type: FieldType | null, column: number, flags: Flags) => Node;

const POSIX: Readonly<Record<string, string>> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', upper: 'A-Z', lower: 'a-z', space: '\\s', blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~', xdigit: '0-9A-Fa-f', word: '\\w', cntrl: '\\x00-\\x1f\\x7f', print: ' -~', graph: '!-~',
};

export class Parser {
  private p = 0;
  constructor(private readonly s: string, private readonly expand: Expand | null, private readonly offset = 0) {}

  parse(flags: Flags): Node {
    const n = this.alternation(flags);
    if (this.p < this.s.length) this.fail(`unbalanced ")"`);
    return n;
  }

  private fail(msg: string, at = this.p): never {
    throw new RegexSyntaxError(msg, this.offset + at + 1);
  }

  private alternation(flags: Flags): Node {
    const alts: Node[] = [];
    let f = { ...flags };
    for (;;) {
      const seq = this.sequence(f);
      alts.push(seq.node);
      f = seq.flags;
      if (this.s[this.p] === '|') {
        this.p++;
        continue;
      }
      break;
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  /** A sequence up to | or ) ; inline (?i) changes the flags for the rest of it (and of its alternation). */
  private sequence(flags: Flags): { node: Node; flags: Flags } {
    const items: Node[] = [];
    const spans: [number, number][] = [];
    let f = flags;
    while (this.p < this.s.length) {
      const c = this.s[this.p]!;
      if (c === '|' || c === ')') break;
      if (f.x && /\s/.test(c)) {
        this.p++;
        continue;
      }
      if (f.x && c === '#') {
        while (this.p < this.s.length && this.s[this.p] !== '\n') this.p++;
        continue;
      }
      // an inline flag group without a body: the flags change from here on
      const inline = /^\(\?([imx]*)(?:-([imx]*))?\)/.exec(this.s.slice(this.p));
      if (inline !== null && (inline[1] !== '' || inline[2] !== undefined)) {
        f = withFlags(f, inline[1]!, inline[2] ?? '');
        this.p += inline[0].length;
        continue;
      }
      const start = this.p;
      let atom = this.atom(f);
      if (atom === null) continue;
      atom = this.quantifiers(atom, start);
      items.push(atom);
      spans.push([this.offset + start, this.offset + this.p]);
    }
    return { node: items.length === 1 ? items[0]! : { t: 'seq', items, spans }, flags: f };
  }

  private quantifiers(atom: Node, start: number): Node {
    for (;;) {
      const c = this.s[this.p];
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const m = /^\{(\d*)(,(\d*))?\}/.exec(this.s.slice(this.p));
        // Oniguruma reads a "{" that is not a valid interval as a literal
        if (m === null || (m[1] === '' && (m[3] ?? '') === '')) return atom;
        min = m[1] === '' ? 0 : Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (max < min) this.fail('bad interval {n,m}: m < n');
        this.p += m[0].length - 1;
      } else return atom;
      this.p++;
      let lazy = false;
      let possessive = false;
      if (this.s[this.p] === '?') {
        lazy = true;
        this.p++;
      } else if (this.s[this.p] === '+' && c !== '{') {
        possessive = true;
        this.p++;
      }
      if (atom.t === 'group' && atom.kind === 'look') this.fail('a quantifier after a lookaround', start);
      atom = { t: 'quant', child: atom, min, max, lazy, possessive };
    }
  }

  private atom(f: Flags): Node | null {
    const c = this.s[this.p]!;
    if (c === '(') return this.group(f);
    if (c === '[') return this.charClass(f);
    if (c === '.') {
      this.p++;
      return { t: 'dot', flags: f };
    }
    if (c === '^' || c === '$') {
      this.p++;
      return { t: 'raw', src: c };
    }
    if (c === '\\') return this.escape(f, false) as Node;
    if (c === '%' && this.s[this.p + 1] === '{' && this.expand !== null) return this.reference(f);
    if (c === '*' || c === '+' || c === '?') this.fail(`nothing to repeat before "${c}"`);
    this.p++;
    return { t: 'char', ch: c, flags: f };
  }

  /** %{NAME}, %{NAME:field}, %{NAME:field:int|float} */
  private reference(f: Flags): Node {
    const start = this.p;
    const end = this.s.indexOf('}', this.p);
    if (end < 0) this.fail('"%{" without "}"');
    const body = this.s.slice(this.p + 2, end);
    this.p = end + 1;
    const m = /^([A-Za-z0-9_]+)(?::([^:]+))?(?::(int|float|string))?$/.exec(body);
    if (m === null) this.fail(`bad grok reference %{${body}}`, start);
    return this.expand!(m[1]!, m[2] ?? null, (m[3] as FieldType | undefined) ?? null, this.offset + start + 1, f);
  }

  private group(f: Flags): Node | null {
    const start = this.p;
    this.p++;
    const rest = this.s.slice(this.p);
    let kind: 'capture' | 'plain' | 'atomic' | 'look' = 'plain';
    let look: string | undefined;
    let name: string | undefined;
    let inner = f;
    if (rest.startsWith('?#')) {
      const end = this.s.indexOf(')', this.p);
      if (end < 0) this.fail('unterminated comment (?#', start);
      this.p = end + 1;
      return null;
    }
    let m: RegExpExecArray | null;
    if (rest.startsWith('?:')) this.p += 2;
    else if (rest.startsWith('?>')) {
      kind = 'atomic';
      this.p += 2;
    } else if ((m = /^\?(=|!|<=|<!)/.exec(rest)) !== null) {
      kind = 'look';
      look = m[1]!;
      this.p += m[0].length;
    } else if ((m = /^\?<([^>=!][^>]*)>/.exec(rest)) !== null || (m = /^\?'([^']+)'/.exec(rest)) !== null) {
      kind = 'capture';
      name = m[1]!;
      this.p += m[0].length;
    } else if ((m = /^\?([imx]*)(?:-([imx]*))?:/.exec(rest)) !== null) {
      inner = withFlags(f, m[1]!, m[2] ?? '');
      this.p += m[0].length;
    } else if (rest.startsWith('?')) {
      this.fail(`unsupported group syntax "(${rest.slice(0, 4)}"`, start);
    }
    const child = this.alternation(inner);
    if (this.s[this.p] !== ')') this.fail('missing ")"', start);
    this.p++;
    return { t: 'group', kind, ...(look !== undefined ? { look } : {}), ...(name !== undefined ? { name } : {}), child, flags: inner };
  }

  /** An escape outside (inClass false) or inside a class; in a class it returns the class items. */
  private escape(f: Flags, inClass: boolean): Node | ClassItem[] {
    const start = this.p;
    const c = this.s[this.p + 1];
    if (c === undefined) this.fail('"\\" at the end of the pattern');
    this.p += 2;
    const raw = (src: string): Node | ClassItem[] => (inClass ? [{ t: 'raw', src }] : { t: 'raw', src });
    const char = (code: number): Node | ClassItem[] => (inClass ? [{ t: 'range', lo: code, hi: code }] : { t: 'char', ch: String.fromCharCode(code), flags: f });
    switch (c) {
      case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
        return raw(`\\${c}`);
      case 'h':
        return raw(inClass ? '0-9A-Fa-f' : '[0-9A-Fa-f]');
      case 'H':
        if (inClass) this.fail('\\H inside a class is not supported', start);
        return raw('[^0-9A-Fa-f]');
      case 'b': case 'B':
        if (inClass) return char(8);
        return raw(`\\${c}`);
      case 'A':
        return raw('(?<![\\s\\S])');
      case 'z':
        return raw('(?![\\s\\S])');
      case 'Z':
        return raw('(?=\\n?(?![\\s\\S]))');
      case 'n': return char(10);
      case 't': return char(9);
      case 'r': return char(13);
      case 'f': return char(12);
      case 'v': return char(11);
      case 'a': return char(7);
      case 'e': return char(27);
      case 'x': {
        const m = /^\{([0-9A-Fa-f]{1,4})\}|^([0-9A-Fa-f]{1,2})/.exec(this.s.slice(this.p));
        if (m === null) this.fail('bad \\x escape', start);
        this.p += m[0].length;
        return char(parseInt(m[1] ?? m[2]!, 16));
      }
      case 'u': {
        const m = /^[0-9A-Fa-f]{4}/.exec(this.s.slice(this.p));
        if (m === null) this.fail('bad \\u escape', start);
        this.p += 4;
        return char(parseInt(m[0], 16));
      }
      case '0': {
        const m = /^[0-7]{0,2}/.exec(this.s.slice(this.p))!;
        this.p += m[0].length;
        return char(parseInt(`0${m[0]}`, 8));
      }
      case 'k': {
        const m = /^<([^>]+)>/.exec(this.s.slice(this.p));
        if (m === null || inClass) this.fail('bad \\k<name> backreference', start);
        this.p += m[0].length;
        return { t: 'backref', name: m[1]! };
      }
      default:
        if (/[1-9]/.test(c)) this.fail('numbered backreferences are not supported (name the group and use \\k<name>)', start);
        if (/[A-Za-z]/.test(c)) this.fail(`unsupported escape "\\${c}"`, start);
        return char(c.charCodeAt(0));
    }
  }

  private charClass(f: Flags): Node {
    const start = this.p;
    this.p++;
    let negated = false;
    if (this.s[this.p] === '^') {
      negated = true;
      this.p++;
    }
    const items: ClassItem[] = [];
    let first = true;
    for (;;) {
      if (this.p >= this.s.length) this.fail('unterminated character class', start);
      const c = this.s[this.p]!;
      if (c === ']' && !first) {
        this.p++;
        break;
      }
      first = false;
      if (c === '[') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.s.slice(this.p));
        if (m !== null) {
          if (POSIX[m[2]!] === undefined) this.fail(`unknown POSIX bracket [:${m[2]}:]`, this.p);
          if (m[1] === '^') this.fail('negated POSIX brackets are not supported', this.p);
          items.push({ t: 'raw', src: POSIX[m[2]!]! });
          this.p += m[0].length;
          continue;
        }
        // a class nested in a class is their union (Oniguruma); a negated one would need intersection
        const at = this.p;
        const nested = this.charClass(f) as Extract<Node, { t: 'class' }>;
        if (nested.negated) this.fail('a negated class inside a class is not supported', at);
        items.push(...nested.items);
        continue;
      }
      if (c === '&' && this.s[this.p + 1] === '&') this.fail('class intersection && is not supported', this.p);
      let lo: number;
      if (c === '\\') {
        const e = this.escape(f, true) as ClassItem[];
        if (e.length !== 1 || e[0]!.t !== 'range') {
          items.push(...e);
          continue;
        }
        lo = e[0]!.lo;
      } else {
        lo = c.charCodeAt(0);
        this.p++;
      }
      if (this.s[this.p] === '-' && this.s[this.p + 1] !== ']' && this.p + 1 < this.s.length) {
        this.p++;
        let hi: number;
        if (this.s[this.p] === '\\') {
          const e = this.escape(f, true) as ClassItem[];
          if (e.length !== 1 || e[0]!.t !== 'range') this.fail('a range must end in a character', this.p);
          hi = e[0]!.lo;
        } else {
          hi = this.s.charCodeAt(this.p);
          this.p++;
        }
        if (hi < lo) this.fail('range out of order in character class', start);
        items.push({ t: 'range', lo, hi });
      } else items.push({ t: 'range', lo, hi: lo });
    }
    return { t: 'class', items, negated, flags: f };
  }
}

function withFlags(f: Flags, on: string, off: string): Flags {
  const g = { ...f };
  for (const c of on) set(g, c, true);
  for (const c of off) set(g, c, false);
  return g;
}

function set(f: Flags, c: string, v: boolean): void {
  if (c === 'i') f.i = v;
  else if (c === 'm') f.s = v; // Oniguruma's m is "dot matches newline"
  else if (c === 'x') f.x = v;
}

/** Characters that mean something in a JavaScript pattern outside a class. */
const SPECIAL = /[\\^$.*+?()[\]{}|/]/;

function escChar(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
  return SPECIAL.test(ch) ? `\\${ch}` : ch;
}

function classChar(code: number): string {
  if (code < 0x20 || code === 0x7f || (code > 0x7e && code < 0x100)) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code >= 0x100) return `\\u${code.toString(16).padStart(4, '0')}`;
  const ch = String.fromCharCode(code);
  return /[\\\]^-]/.test(ch) ? `\\${ch}` : ch;
}

export interface Emitted {
  source: string;
  /**
   * capture groups that name fields: JavaScript group number -> field. A group inside a repetition that was
   * unrolled has a copy per iteration: `copies` lists their group numbers in iteration order (the value is the
   * last copy that took part, as Oniguruma keeps a group's capture from the last iteration it took part in).
   */
  fields: { group: number; name: string; type: FieldType; copies?: number[] }[];
  /** the whole pattern is case-insensitive: compile with the i flag */
  ignoreCase: boolean;
}

/** Writes the tree out as a JavaScript source (flags `m`, plus `i` when ignoreCase). */
export function emit(root: Node, globalI: boolean): Emitted {
  let group = 0;
  const fields: Emitted['fields'] = [];
  const named = new Map<string, number>();
  const out = (n: Node): string => {
    switch (n.t) {
      case 'seq':
        return n.items.map(out).join('');
      case 'alt':
        return n.alts.map(out).join('|');
      case 'raw':
        return n.src;
      case 'dot':
        return n.flags.s ? '[\\s\\S]' : '.';
      case 'char': {
        const lower = n.ch.toLowerCase();
        const upper = n.ch.toUpperCase();
        if (n.flags.i && !globalI && lower !== upper && lower.length === 1 && upper.length === 1) return `[${lower}${upper}]`;
        return escChar(n.ch);
      }
      case 'class': {
        let body = '';
        for (const it of n.items) {
          if (it.t === 'raw') body += it.src;
          else {
            body += it.lo === it.hi ? classChar(it.lo) : `${classChar(it.lo)}-${classChar(it.hi)}`;
            if (n.flags.i && !globalI) body += caseFolded(it.lo, it.hi);
          }
        }
        if (body === '' && !n.negated) return '(?!)';
        return `[${n.negated ? '^' : ''}${body}]`;
      }
      case 'backref': {
        const g = named.get(n.name);
        if (g === undefined) throw new RegexSyntaxError(`\\k<${n.name}>: no group of that name before it`, 0);
        return `\\${g}`;
      }
      case 'quant': {
        if (n.possessive) return atomic({ ...n, possessive: false });
        if (n.max > 1 && n.min <= UNROLL && hasNamedCapture(n.child)) return unrolled(n);
        const q = n.min === 0 && n.max === Infinity ? '*' : n.min === 1 && n.max === Infinity ? '+' : n.min === 0 && n.max === 1 ? '?'
          : n.max === Infinity ? `{${n.min},}` : n.min === n.max ? `{${n.min}}` : `{${n.min},${n.max}}`;
        const child = out(n.child);
        const wrapped = needsWrap(n.child) ? `(?:${child})` : child;
        return `${wrapped}${q}${n.lazy ? '?' : ''}`;
      }
      case 'group': {
        if (n.kind === 'atomic') return atomic(n.child);
        if (n.kind === 'look') return `(?${n.look}${out(n.child)})`;
        if (n.kind === 'plain') return `(?:${out(n.child)})`;
        const g = ++group;
        if (n.name !== undefined) {
          if (!named.has(n.name)) named.set(n.name, g);
          const copyOf = unrolling.find((m) => m.has(n))?.get(n);
          if (copyOf !== undefined) (copyOf.copies ??= [copyOf.group]).push(g);
          const entry = copyOf ?? { group: g, name: n.name, type: n.type ?? 'string' };
          if (copyOf === undefined) fields.push(entry);
          for (const m of unrolling) m.set(n, entry);
        }
        return `(${out(n.child)})`;
      }
    }
  };
  /** capture nodes met in the copies of each repetition being unrolled (outermost first) */
  const unrolling: Map<Node, Emitted['fields'][number]>[] = [];
  /**
   * A repetition whose body captures fields, unrolled: JavaScript clears a group's capture at each iteration,
   * Oniguruma keeps it from the last iteration the group took part in (so `((a=(?<a>\w+)|b=(?<b>\w+)),? )*`
   * captures both a and b). X{min,max} is written as min copies of X, then nested optional copies
   * (?:X(?:X(?:...)?)?)? up to UNROLL iterations, which try the same matches in the same order (greedy: one
   * more first; lazy: one fewer first), then X{0,max-UNROLL} for the rest, whose groups keep JavaScript's
   * meaning (only past UNROLL iterations can a capture of an earlier iteration be lost).
   */
  const unrolled = (n: Extract<Node, { t: 'quant' }>): string => {
    unrolling.push(new Map());
    const q = n.lazy ? '??' : '?';
    const copy = (): string => `(?:${out(n.child)})`;
    let s = '';
    for (let i = 0; i < n.min; i++) s += copy();
    const optional = Math.min(n.max, UNROLL) - n.min;
    const heads: string[] = [];
    for (let i = 0; i < optional; i++) heads.push(copy());
    let tail = '';
    if (n.max > UNROLL) {
      const rest = n.max === Infinity ? '*' : `{0,${n.max - UNROLL}}`;
      tail = `(?:${out(n.child)})${rest}${n.lazy ? '?' : ''}`;
    }
    let inner = tail;
    for (let i = heads.length - 1; i >= 0; i--) inner = `(?:${heads[i]}${inner})${q}`;
    unrolling.pop();
    return s + inner;
  };
  // (?>X) as (?=(X))\N: the group is numbered before X's own groups, as its "(" comes first
  const atomic = (child: Node): string => {
    const g = ++group;
    return `(?=(${out(child)}))\\${g}`;
  };
  const source = out(root);
  return { source, fields, ignoreCase: globalI };
}

/** Iterations of a repetition with named captures written out one by one (see emit's unrolled()). */
export const UNROLL = 24;

function hasNamedCapture(n: Node): boolean {
  switch (n.t) {
    case 'seq':
      return n.items.some(hasNamedCapture);
    case 'alt':
      return n.alts.some(hasNamedCapture);
    case 'quant':
      return hasNamedCapture(n.child);
    case 'group':
      return (n.kind === 'capture' && n.name !== undefined) || hasNamedCapture(n.child);
    case 'backref':
    case 'char':
    case 'class':
    case 'dot':
    case 'raw':
      return false;
  }
}

/** The other case of the ASCII letters in [lo, hi], as class text. */
function caseFolded(lo: number, hi: number): string {
  let s = '';
  const a = Math.max(lo, 0x41);
  const b = Math.min(hi, 0x5a);
  if (a <= b) s += `${classChar(a + 32)}-${classChar(b + 32)}`;
  const c = Math.max(lo, 0x61);
  const d = Math.min(hi, 0x7a);
  if (c <= d) s += `${classChar(c - 32)}-${classChar(d - 32)}`;
  return s;
}

/** Does a quantified node need (?:...) around it? */
function needsWrap(n: Node): boolean {
  if (n.t === 'char' || n.t === 'class' || n.t === 'dot' || n.t === 'backref') return false;
  if (n.t === 'group') return n.kind === 'atomic';
  if (n.t === 'raw') return !/^(\\[dDwWsSbB]|\[[^\]]*\]|\\x[0-9a-f]{2})$/.test(n.src);
  return true;
}
