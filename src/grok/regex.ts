// Oniguruma (Ruby/Logstash) regular expressions, parsed to a tree and written out as a JavaScript RegExp
// source with the same meaning. What JavaScript lacks is translated exactly, not approximated:
// - atomic groups (?>X) become (?=(X))\N: a lookahead does not backtrack into X once it matched, and the
//   backreference consumes what it matched; possessive X*+ X++ X?+ are atomic groups of X* ...; neither
//   works backwards, so inside a lookbehind they are an error (as in Oniguruma);
// - \A \z \Z become lookarounds on the whole input (patterns are compiled with `m`, as Oniguruma's ^ and $
//   are always line anchors, and ^ does not match after a text's final "\n" there); \h \H are hex digits;
//   POSIX brackets [[:alpha:]] become ranges (folded under (?i));
// - inline flags (?i) (?m) (?x) and their scoped forms (?i:X): case-insensitivity by [aA] classes where it
//   does not cover the whole pattern, Oniguruma's m (dot matches newline) by [\s\S], x by dropping blanks
//   and comments when parsing. A bare (?i) applies to the rest of its group, alternatives included
//   (Onigmo reads ab(?i)c|d as ab(?i:c|d));
// - Ruby's quantifier syntax: X{n}? is (?:X{n})? (only {n,m}? and {n,}? are lazy), X{n,m}+ is (?:X{n,m})+;
//   in (?x), blanks and comments may stand between an atom and its quantifier.
// Anything else JavaScript cannot say the same way is an error naming the column (a backreference under (?i)
// too, unless the whole pattern is (?i): JavaScript compares case-insensitively only with the i flag).
//
// Known differences that remain (not errors, as they only matter in patterns grok configs do not use):
// - a backreference \k<name> to a group that did not take part matches the empty string in JavaScript, and
//   fails in Oniguruma; \k<name> for a name given to two groups refers to the first one only (Oniguruma tries
//   each, the last one first);
// - POSIX brackets and case folding under (?i) are ASCII ([[:alpha:]] is [a-zA-Z]; Oniguruma's are Unicode),
//   \s \w \d \b follow JavaScript (\s also matches Unicode spaces), and with the m flag \r \u2028 \u2029 end a
//   line for ^ and $ as \n does (Oniguruma: only \n);
// - an iteration of a repetition that matches the empty string is rejected by JavaScript and ends the loop in
//   Oniguruma, which may keep captures it made;
// - captures in repetitions: see emit's unrolled() (lost past 24 iterations, or in a repetition inside
//   another one, or when the pattern is too large to unroll);
// - Onigmo's search skips positions when a pattern starts with a zero-width assertion and then .* or .+
//   (Ruby: /\b.+x/ does not match " bx"); we match what the pattern says.
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
  | { t: 'backref'; name: string; flags: Flags };

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

/** POSIX brackets (ASCII), as class items: ranges, so that (?i) folds their letters ((?i)[[:upper:]] matches "a") */
const range = (lo: string, hi = lo): ClassItem => ({ t: 'range', lo: lo.charCodeAt(0), hi: hi.charCodeAt(0) });
const POSIX: Readonly<Record<string, ClassItem[]>> = {
  alpha: [range('a', 'z'), range('A', 'Z')], digit: [range('0', '9')], alnum: [range('a', 'z'), range('A', 'Z'), range('0', '9')],
  upper: [range('A', 'Z')], lower: [range('a', 'z')], space: [{ t: 'raw', src: '\\s' }], blank: [range(' '), range('\t')],
  punct: [range('!', '/'), range(':', '@'), range('[', '`'), range('{', '~')], xdigit: [range('0', '9'), range('A', 'F'), range('a', 'f')],
  word: [{ t: 'raw', src: '\\w' }], cntrl: [range('\x00', '\x1f'), range('\x7f')], print: [range(' ', '~')], graph: [range('!', '~')],
};

/** an interval {n}, {n,}, {,m}, {n,m} (sticky: read at a position) */
const INTERVAL = /\{(\d*)(,(\d*))?\}/y;
/** a bare inline flag group (?imx-imx) */
const INLINE = /\(\?([imx]*)(?:-([imx]*))?\)/y;

export class Parser {
  private p = 0;
  /** how many lookbehinds the parser is in (an atomic group cannot be translated inside one) */
  private behind = 0;
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
    for (;;) {
      alts.push(this.sequence(flags));
      if (this.s[this.p] === '|') {
        this.p++;
        continue;
      }
      break;
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  /**
   * A sequence up to | or ). A bare inline flag group (?i) applies to the rest of the enclosing group,
   * alternatives included: Onigmo reads ab(?i)c|d|e as ab(?i:c|d|e), so the rest is parsed here as one
   * alternation with the new flags (its items join this sequence when it has no alternatives).
   */
  private sequence(f: Flags): Node {
    const items: Node[] = [];
    const spans: [number, number][] = [];
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
      INLINE.lastIndex = this.p;
      const inline = this.s[this.p] === '(' ? INLINE.exec(this.s) : null;
      if (inline !== null && (inline[1] !== '' || inline[2] !== undefined)) {
        const g = withFlags(f, inline[1]!, inline[2] ?? '');
        this.p += inline[0].length;
        const at = this.offset + this.p;
        const rest = this.alternation(g);
        if (rest.t === 'seq') {
          items.push(...rest.items);
          spans.push(...(rest.spans ?? []));
        } else {
          items.push(rest.t === 'alt' ? { t: 'group', kind: 'plain', child: rest, flags: g } : rest);
          spans.push([at, this.offset + this.p]);
        }
        break;
      }
      const start = this.p;
      let atom = this.atom(f);
      if (atom === null) continue;
      atom = this.quantifiers(atom, start, f);
      items.push(atom);
      spans.push([this.offset + start, this.offset + this.p]);
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items, spans };
  }

  /** Skips what may stand between an atom and its quantifier: (?#...) comments, and in (?x) blanks and # comments. */
  private skipIgnored(f: Flags): void {
    for (;;) {
      const c = this.s[this.p];
      if (c === undefined) return;
      if (f.x && /\s/.test(c)) this.p++;
      else if (f.x && c === '#') {
        while (this.p < this.s.length && this.s[this.p] !== '\n') this.p++;
      } else if (c === '(' && this.s.startsWith('(?#', this.p)) {
        const end = this.s.indexOf(')', this.p);
        if (end < 0) this.fail('unterminated comment (?#');
        this.p = end + 1;
      } else return;
    }
  }

  /**
   * Quantifiers after an atom, Ruby's syntax: X{n,m}? and X{n,}? are lazy, X{n}? is an optional X{n};
   * X*+ X++ X?+ are possessive, X{n,m}+ is a repetition of X{n,m}. The lazy ? and possessive + must follow at
   * once (in (?x), "a+ ?" is (?:a+)?).
   */
  private quantifiers(atom: Node, start: number, f: Flags): Node {
    for (;;) {
      const before = this.p;
      this.skipIgnored(f);
      const c = this.s[this.p];
      let min: number;
      let max: number;
      let fixed = false;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        INTERVAL.lastIndex = this.p;
        const m = INTERVAL.exec(this.s);
        // Oniguruma reads a "{" that is not a valid interval as a literal
        if (m === null || (m[1] === '' && (m[3] ?? '') === '')) {
          this.p = before;
          return atom;
        }
        min = m[1] === '' ? 0 : Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        fixed = m[2] === undefined;
        if (max < min) this.fail('bad interval {n,m}: m < n');
        this.p += m[0].length - 1;
      } else {
        this.p = before;
        return atom;
      }
      const at = this.p;
      this.p++;
      let lazy = false;
      let possessive = false;
      if (this.s[this.p] === '?' && !fixed) {
        lazy = true;
        this.p++;
      } else if (this.s[this.p] === '+' && c !== '{') {
        possessive = true;
        if (this.behind > 0) this.fail('a possessive quantifier inside a lookbehind (Oniguruma: invalid pattern in look-behind)', at);
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
    const n = this.expand!(m[1]!, m[2] ?? null, (m[3] as FieldType | undefined) ?? null, this.offset + start + 1, f);
    if (this.behind > 0 && hasAtomic(n)) this.fail(`%{${m[1]}} has an atomic group or a possessive quantifier, which cannot be inside a lookbehind (Oniguruma: invalid pattern in look-behind)`, start);
    return n;
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
      // (?=(X))\N does not work backwards; Oniguruma refuses it too
      if (this.behind > 0) this.fail('an atomic group inside a lookbehind (Oniguruma: invalid pattern in look-behind)', start);
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
    const behind = look !== undefined && look.startsWith('<');
    if (behind) this.behind++;
    const child = this.alternation(inner);
    if (behind) this.behind--;
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
        return { t: 'backref', name: m[1]!, flags: f };
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
          items.push(...POSIX[m[2]!]!);
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
  /** the source for text without line terminators (compiled without `m`, where ^ is the start only) */
  source: string;
  /**
   * the source for the `m` flag, on text that may hold line terminators: Oniguruma's ^ does not match at the
   * end of a text after its last "\n" (JavaScript's does); the same groups as `source`
   */
  lines: string;
  /**
   * capture groups that name fields: JavaScript group number -> field. A group inside a repetition that was
   * unrolled has a copy per iteration: `copies` lists their group numbers in iteration order (the value is the
   * last copy that took part, as Oniguruma keeps a group's capture from the last iteration it took part in).
   */
  fields: { group: number; name: string; type: FieldType; copies?: number[] }[];
  /** the whole pattern is case-insensitive: compile with the i flag */
  ignoreCase: boolean;
}

/** Iterations of a repetition with named captures written out one by one (see emit's unrolled()). */
export const UNROLL = 24;
/**
 * The most JavaScript source (characters) a pattern with unrolled repetitions may take; past it nothing is
 * unrolled (captures in repetitions then follow JavaScript: the last iteration's). V8's compile time grows
 * faster than the size: a key=value loop with 2 %{IPORHOST} in its body (a real sendmail configuration) is
 * 89 KB unrolled and takes ~0.2 s to compile, 4 of them 157 KB and ~0.6 s, 8 of them 313 KB and ~2 s.
 */
export const UNROLL_BUDGET = 160 * 1024;

/** thrown (and caught) inside emit when unrolling goes past the budget */
const OVER_BUDGET: unique symbol = Symbol('over budget');

/**
 * Writes the tree out as JavaScript sources (plus the i flag when ignoreCase): for single lines, where ^ is
 * written as ^ (V8 tries a pattern that starts with it at the start only), and for `m` on several lines.
 */
export function emit(root: Node, globalI: boolean): Emitted {
  // \k<name> refers to the first group of the name; a repetition with such a group inside is not unrolled
  // (the reference would stay on the first copy, where Oniguruma means the last iteration's capture)
  const refs = new Set<string>();
  some(root, (n) => {
    if (n.t === 'backref') refs.add(n.name);
    return false;
  });
  let e: Omit<Emitted, 'lines'>;
  try {
    e = emitTree(root, globalI, refs, true);
  } catch (err) {
    if (err !== OVER_BUDGET) throw err;
    e = emitTree(root, globalI, refs, false);
  }
  // ^ is written as a NUL, which the source has nowhere else (control characters are escaped)
  return { ...e, source: e.source.replaceAll(CARET, '^'), lines: e.source.replaceAll(CARET, LINE_START) };
}

/** ^ in emitTree's output */
const CARET = '\0';
/** Oniguruma's ^ with the m flag: not at the end of a text after its last "\n" */
const LINE_START = '^(?:(?<![\\s\\S])|(?=[\\s\\S]))';

function emitTree(root: Node, globalI: boolean, refs: ReadonlySet<string>, unroll: boolean): Omit<Emitted, 'lines'> {
  let group = 0;
  let unrolledAny = false;
  const fields: Emitted['fields'] = [];
  const named = new Map<string, number>();
  const out = (n: Node): string => {
    switch (n.t) {
      case 'seq':
        return n.items.map(out).join('');
      case 'alt':
        return n.alts.map(out).join('|');
      case 'raw':
        return n.src === '^' ? CARET : n.src;
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
        // Oniguruma compares a backreference under (?i) case-insensitively; JavaScript only with the i flag
        if (n.flags.i && !globalI) throw new RegexSyntaxError(`\\k<${n.name}> under (?i) in a pattern that is not (?i) throughout is not supported`, 0);
        // in a group: a digit after it would be read as part of its number
        return `(?:\\${g})`;
      }
      case 'quant': {
        if (n.possessive) return atomic({ ...n, possessive: false });
        if (n.max > 1 && unroll && unrolling.length === 0 && hasNamedCapture(n.child) && !some(n.child, (c) => c.t === 'group' && c.name !== undefined && refs.has(c.name))) {
          return unrolled(n);
        }
        const child = out(n.child);
        return `${needsWrap(n.child) ? `(?:${child})` : child}${quantifier(n.min, n.max, n.lazy)}`;
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
  /**
   * capture nodes met in the copies of each repetition being unrolled (outermost first). Copies are told apart
   * by node identity: a definition used twice must be two sub-trees (grok.ts clones them per reference).
   */
  const unrolling: Map<Node, Emitted['fields'][number]>[] = [];
  /**
   * A repetition whose body captures fields, unrolled: JavaScript clears a group's capture at each iteration,
   * Oniguruma keeps it from the last iteration the group took part in (so `((a=(?<a>\w+)|b=(?<b>\w+)),? )*`
   * captures both a and b). X{min,max} is written as its first UNROLL iterations one by one: min (at most
   * UNROLL) copies of X, then nested optional copies (?:X(?:X(?:...)?)?)? up to UNROLL iterations, which try
   * the same matches in the same order (greedy: one more first; lazy: one fewer first); then
   * X{max(0,min-UNROLL),max-UNROLL} for the rest, whose groups keep JavaScript's meaning. Each field takes the
   * last copy that took part, so a capture can only be lost from iterations past the UNROLL unrolled ones (an
   * iteration there that has it, followed by later ones there that do not).
   * A repetition inside one being unrolled is not unrolled itself (the copies would multiply, 25 per level:
   * 920 KB of source for (?:(?:%{IP:ip},?)+;)*, and V8's compile time with them): in each copy of the outer
   * one its groups keep JavaScript's meaning, so an inner iteration's capture is lost when a later inner
   * iteration of the same outer one does not take part in the group (Oniguruma keeps it).
   */
  const unrolled = (n: Extract<Node, { t: 'quant' }>): string => {
    unrolledAny = true;
    unrolling.push(new Map());
    let size = 0;
    const copy = (): string => {
      const c = `(?:${out(n.child)})`;
      size += c.length;
      if (size > UNROLL_BUDGET) throw OVER_BUDGET;
      return c;
    };
    let s = '';
    const lead = Math.min(n.min, UNROLL);
    for (let i = 0; i < lead; i++) s += copy();
    const heads: string[] = [];
    for (let i = lead; i < Math.min(n.max, UNROLL); i++) heads.push(copy());
    let inner = n.max > UNROLL ? copy() + quantifier(Math.max(0, n.min - UNROLL), n.max - UNROLL, n.lazy) : '';
    const q = n.lazy ? '??' : '?';
    for (let i = heads.length - 1; i >= 0; i--) inner = `(?:${heads[i]}${inner})${q}`;
    unrolling.pop();
    return s + inner;
  };
  // (?>X) as (?=(X))\N: the group is numbered before X's own groups, as its "(" comes first; \N in a group,
  // as a digit after it would be read as part of its number ((?>a)0 is not (?=(a))\10)
  const atomic = (child: Node): string => {
    const g = ++group;
    return `(?=(${out(child)}))(?:\\${g})`;
  };
  const source = out(root);
  if (unrolledAny && source.length > UNROLL_BUDGET) throw OVER_BUDGET;
  return { source, fields, ignoreCase: globalI };
}

function quantifier(min: number, max: number, lazy: boolean): string {
  const q = min === 0 && max === Infinity ? '*' : min === 1 && max === Infinity ? '+' : min === 0 && max === 1 ? '?'
    : max === Infinity ? `{${min},}` : min === max ? `{${min}}` : `{${min},${max}}`;
  return lazy ? `${q}?` : q;
}

/** Does the node or one inside it pass the test? */
export function some(n: Node, test: (n: Node) => boolean): boolean {
  if (test(n)) return true;
  switch (n.t) {
    case 'seq':
      return n.items.some((c) => some(c, test));
    case 'alt':
      return n.alts.some((c) => some(c, test));
    case 'quant':
    case 'group':
      return some(n.child, test);
    case 'backref':
    case 'char':
    case 'class':
    case 'dot':
    case 'raw':
      return false;
  }
}

function hasNamedCapture(n: Node): boolean {
  return some(n, (c) => c.t === 'group' && c.kind === 'capture' && c.name !== undefined);
}

/** An atomic group or a possessive quantifier (both written as (?=(X))\N) */
function hasAtomic(n: Node): boolean {
  return some(n, (c) => (c.t === 'group' && c.kind === 'atomic') || (c.t === 'quant' && c.possessive));
}

/**
 * Does the tree hold something case-sensitive (a letter, a class, a backreference outside (?i))? A pattern
 * that starts with (?i) is compiled with JavaScript's i flag only when it does not: (?i)a(?-i:b) must not
 * match "AB".
 */
export function caseSensitiveSomewhere(n: Node): boolean {
  return some(n, (c) => (c.t === 'char' && !c.flags.i && c.ch.toLowerCase() !== c.ch.toUpperCase())
    || ((c.t === 'class' || c.t === 'backref') && !c.flags.i));
}

/**
 * A copy of the tree whose groups, repetitions, sequences and alternations are new objects (leaves are
 * shared): emit tells capture groups apart by identity, so a definition used twice must be two sub-trees.
 */
export function cloneTree(n: Node): Node {
  switch (n.t) {
    case 'seq':
      return { ...n, items: n.items.map(cloneTree) };
    case 'alt':
      return { ...n, alts: n.alts.map(cloneTree) };
    case 'quant':
    case 'group':
      return { ...n, child: cloneTree(n.child) };
    case 'backref':
    case 'char':
    case 'class':
    case 'dot':
    case 'raw':
      return n;
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
