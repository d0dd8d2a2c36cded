// Go/RE2 regular-expression syntax (what gitleaks rules are written in) parsed to a small tree, and that tree
// written out as an equivalent JavaScript RegExp source for text of one character per byte (latin1()).
//
// Why translate: re2-wasm 1.0.2 runs in a fixed 16 MiB WebAssembly heap that its DFA caches fill and abort on
// (all of gitleaks' 221 regexes OOM within the first few KiB of input), compiles a rule in ~20 ms and copies
// the whole input into the heap on every exec (~30 MB/s per rule). The translation keeps RE2's leftmost-first
// semantics, which a backtracking engine shares; RE2 itself stays the reference (gitleaks.ts compiles every
// rule with it, and the tests compare both engines' matches).
//
// Byte semantics: gitleaks matches Go strings (UTF-8). A literal beyond ASCII is written as its UTF-8 bytes; a
// character class holding part of the range beyond ASCII is refused (it would need UTF-8 sequences); classes
// holding all of it (negated ones, \S, \W) and `.` match single bytes 0x80-0xFF where Go matches whole runes:
// a counted repeat of them counts bytes, not characters. Case folding ((?i)) folds ASCII letters (the fold partners Kelvin sign and long s,
// which are multi-byte in UTF-8, are left out).

/** RE2's own limit on a counted repetition ({n,m}: n, m <= 1000) */
export const RE2_MAX_REPEAT = 1000;
/** nesting of groups a rule may use (RE2 allows 1000; rules use a handful) */
export const RE2_MAX_DEPTH = 100;

export type AssertKind = 'bot' | 'eot' | 'bol' | 'eol' | 'wb' | 'nwb';

export type Re2Node =
  /** a set of character codes as sorted disjoint inclusive ranges [lo0, hi0, lo1, hi1, ...] */
  | { readonly t: 'set'; readonly ranges: readonly number[] }
  | { readonly t: 'cat'; readonly items: readonly Re2Node[] }
  | { readonly t: 'alt'; readonly items: readonly Re2Node[] }
  | { readonly t: 'group'; readonly index: number; readonly body: Re2Node }
  /** max -1: unbounded */
  | { readonly t: 'rep'; readonly min: number; readonly max: number; readonly greedy: boolean; readonly body: Re2Node }
  | { readonly t: 'assert'; readonly kind: AssertKind }
  | { readonly t: 'empty' };

/** A pattern RE2 accepts but this translation does not, or a pattern that is not valid RE2 syntax. */
export class Re2SyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
    this.name = 'Re2SyntaxError';
  }
}

export interface Re2Parsed {
  readonly root: Re2Node;
  /** capturing groups */
  readonly groups: number;
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const MAX_CODE = 0x10ffff;

// ---- character sets --------------------------------------------------------------------------------------

function normalize(r: number[]): number[] {
  const pairs: [number, number][] = [];
  for (let k = 0; k < r.length; k += 2) pairs.push([r[k]!, r[k + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1]! + 1) out[n - 1] = Math.max(out[n - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

function negate(r: readonly number[]): number[] {
  const out: number[] = [];
  let next = 0;
  for (let k = 0; k < r.length; k += 2) {
    if (r[k]! > next) out.push(next, r[k]! - 1);
    next = r[k + 1]! + 1;
  }
  if (next <= MAX_CODE) out.push(next, MAX_CODE);
  return out;
}

/** ASCII case folding of a range list */
function fold(r: readonly number[]): number[] {
  const out = [...r];
  for (let k = 0; k < r.length; k += 2) {
    const lo = r[k]!;
    const hi = r[k + 1]!;
    const a = Math.max(lo, 0x41);
    const b = Math.min(hi, 0x5a);
    if (a <= b) out.push(a + 32, b + 32);
    const c = Math.max(lo, 0x61);
    const d = Math.min(hi, 0x7a);
    if (c <= d) out.push(c - 32, d - 32);
  }
  return normalize(out);
}

const DIGIT = [0x30, 0x39];
const SPACE = normalize([0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20]);
const WORD = normalize([0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a]);

const POSIX: Readonly<Record<string, readonly number[]>> = {
  alnum: normalize([0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a]),
  alpha: normalize([0x41, 0x5a, 0x61, 0x7a]),
  ascii: [0x00, 0x7f],
  blank: normalize([0x09, 0x09, 0x20, 0x20]),
  cntrl: normalize([0x00, 0x1f, 0x7f, 0x7f]),
  digit: DIGIT,
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: normalize([0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e]),
  space: normalize([0x09, 0x0d, 0x20, 0x20]),
  upper: [0x41, 0x5a],
  word: WORD,
  xdigit: normalize([0x30, 0x39, 0x41, 0x46, 0x61, 0x66]),
};

function perlClass(c: string): number[] | null {
  switch (c) {
    case 'd':
      return [...DIGIT];
    case 'D':
      return negate(DIGIT);
    case 's':
      return [...SPACE];
    case 'S':
      return negate(SPACE);
    case 'w':
      return [...WORD];
    case 'W':
      return negate(WORD);
    default:
      return null;
  }
}

function set(ranges: readonly number[]): Re2Node {
  return { t: 'set', ranges };
}

function utf8(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}

function literal(cp: number, flags: Flags): Re2Node {
  if (cp < 0x80) return set(flags.i ? fold([cp, cp]) : [cp, cp]);
  // beyond ASCII: the UTF-8 bytes Go would match, each a one-byte set (case variants as alternatives)
  const variants = new Set<number>([cp]);
  if (flags.i) {
    const ch = String.fromCodePoint(cp);
    for (const v of [ch.toLowerCase(), ch.toUpperCase()]) if ([...v].length === 1) variants.add(v.codePointAt(0)!);
  }
  const alts = [...variants].map((v): Re2Node => ({ t: 'cat', items: utf8(v).map((b) => set([b, b])) }));
  return alts.length === 1 ? alts[0]! : { t: 'alt', items: alts };
}

/**
 * Can the set be matched byte by byte? Yes when it holds nothing beyond ASCII, or everything from 0x80 up (as
 * \S, \W, [^"] do): then each byte of a multi-byte UTF-8 character matches on its own, as the rune would.
 */
function byteSafe(r: readonly number[]): boolean {
  const n = r.length;
  if (n === 0 || r[n - 1]! <= 0x7f) return true;
  return r[n - 1] === MAX_CODE && r[n - 2]! <= 0x80;
}

// ---- parser ------------------------------------------------------------------------------------------------

class Parser {
  private pos = 0;
  private groups = 0;
  private depth = 0;
  private flags: Flags = { i: false, m: false, s: false, U: false };

  constructor(private readonly src: string) {}

  parse(): Re2Parsed {
    const root = this.alternation();
    if (this.pos < this.src.length) this.fail(`unexpected ${this.src[this.pos]}`);
    return { root, groups: this.groups };
  }

  private fail(message: string): never {
    throw new Re2SyntaxError(message, this.pos);
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private alternation(): Re2Node {
    const items = [this.concatenation()];
    while (this.peek() === '|') {
      this.pos++;
      items.push(this.concatenation());
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }

  private concatenation(): Re2Node {
    const items: Re2Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      const atom = this.atom();
      if (atom === null) continue; // a flag group (?i) changes state only
      items.push(this.quantified(atom));
    }
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? items[0]! : { t: 'cat', items };
  }

  private repeatAt(): { min: number; max: number; len: number } | null {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 16));
    if (m === null) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
    return { min, max, len: m[0].length };
  }

  private quantified(atom: Re2Node): Re2Node {
    let node = atom;
    let repeated = false;
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === '*' || c === '+' || c === '?') {
        min = c === '+' ? 1 : 0;
        max = c === '?' ? 1 : -1;
        this.pos++;
      } else if (c === '{') {
        const r = this.repeatAt();
        if (r === null) return node; // a '{' that is not a repetition is a literal, read as the next atom
        if (r.min > RE2_MAX_REPEAT || r.max > RE2_MAX_REPEAT || (r.max >= 0 && r.max < r.min)) {
          this.fail('bad repetition operator');
        }
        min = r.min;
        max = r.max;
        this.pos += r.len;
      } else {
        return node;
      }
      if (repeated) this.fail('invalid nested repetition operator');
      repeated = true;
      let greedy = true;
      if (this.peek() === '?') {
        greedy = false;
        this.pos++;
      }
      if (this.flags.U) greedy = !greedy;
      if (node.t === 'empty') this.fail('missing argument to repetition operator');
      node = { t: 'rep', min, max, greedy, body: node };
    }
  }

  private atom(): Re2Node | null {
    const c = this.src[this.pos]!;
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '.':
        this.pos++;
        return set(this.flags.s ? [0, MAX_CODE] : negate([0x0a, 0x0a]));
      case '^':
        this.pos++;
        return { t: 'assert', kind: this.flags.m ? 'bol' : 'bot' };
      case '$':
        this.pos++;
        return { t: 'assert', kind: this.flags.m ? 'eol' : 'eot' };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        return this.fail('missing argument to repetition operator');
      case '{':
        if (this.repeatAt() !== null) this.fail('missing argument to repetition operator');
        this.pos++;
        return literal(0x7b, this.flags);
      default: {
        const cp = this.src.codePointAt(this.pos)!;
        this.pos += cp > 0xffff ? 2 : 1;
        return literal(cp, this.flags);
      }
    }
  }

  private group(): Re2Node | null {
    this.pos++; // (
    if (++this.depth > RE2_MAX_DEPTH) this.fail('expression nests too deeply');
    const saved = { ...this.flags };
    let capture = true;
    if (this.peek() === '?') {
      const rest = this.src.slice(this.pos + 1, this.pos + 4);
      if (rest.startsWith('P<') || (rest.startsWith('<') && rest[1] !== '=' && rest[1] !== '!')) {
        const open = this.src.indexOf('<', this.pos);
        const close = this.src.indexOf('>', open);
        const name = close < 0 ? '' : this.src.slice(open + 1, close);
        if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail('invalid named capture');
        this.pos = close + 1;
      } else if (rest.startsWith('=') || rest.startsWith('!') || rest.startsWith('<=') || rest.startsWith('<!')) {
        this.fail('lookaround is not RE2 syntax');
      } else if (rest.startsWith('P=') || rest.startsWith('P>')) {
        this.fail('backreference is not RE2 syntax');
      } else {
        // flags: (?flags) for the rest of the enclosing group, (?flags:re) for re only
        this.pos++;
        let negated = false;
        let any = false;
        for (;;) {
          const f = this.peek();
          if (f === undefined) this.fail('missing closing )');
          this.pos++;
          if (f === 'i' || f === 'm' || f === 's' || f === 'U') {
            this.flags[f] = !negated;
            any = true;
          } else if (f === '-') {
            if (negated) this.fail('invalid or unsupported Perl syntax');
            negated = true;
            any = false;
          } else if (f === ')' || f === ':') {
            if (negated && !any) this.fail('invalid or unsupported Perl syntax');
            if (f === ')') {
              this.depth--;
              return null; // the flags stay set until the enclosing group closes
            }
            capture = false;
            break;
          } else {
            this.fail(`invalid or unsupported Perl syntax (?${f}`);
          }
        }
      }
    }
    const index = capture ? ++this.groups : 0;
    const body = this.alternation();
    if (this.peek() !== ')') this.fail('missing closing )');
    this.pos++;
    this.flags = saved;
    this.depth--;
    return capture ? { t: 'group', index, body } : body;
  }

  /** \d etc., octal, \x, named escapes, escaped punctuation: the character code or a class's ranges */
  private escapeValue(inClass: boolean): number | number[] {
    this.pos++; // backslash
    const c = this.peek();
    if (c === undefined) this.fail('trailing backslash at end of expression');
    this.pos++;
    const cls = perlClass(c);
    if (cls !== null) return cls;
    switch (c) {
      case 'a':
        return 7;
      case 'f':
        return 12;
      case 't':
        return 9;
      case 'n':
        return 10;
      case 'r':
        return 13;
      case 'v':
        return 11;
      case 'x': {
        const m = /^(?:\{([0-9A-Fa-f]{1,6})\}|([0-9A-Fa-f]{2}))/.exec(this.src.slice(this.pos, this.pos + 8));
        if (m === null) this.fail('invalid escape sequence \\x');
        this.pos += m[0].length;
        const v = parseInt(m[1] ?? m[2]!, 16);
        if (v > MAX_CODE) this.fail('invalid escape sequence \\x');
        return v;
      }
      case 'p':
      case 'P':
        return this.fail('Unicode classes (\\p, \\P) are not supported');
      case 'C':
        return this.fail('\\C (any byte) is not supported');
      default:
        break;
    }
    if (c >= '0' && c <= '7') {
      const m = /^[0-7]{0,2}/.exec(this.src.slice(this.pos, this.pos + 2))![0];
      if (c !== '0' && m === '') this.fail('backreference is not RE2 syntax');
      this.pos += m.length;
      return parseInt(c + m, 8);
    }
    const code = c.charCodeAt(0);
    if (code < 0x80 && !/[A-Za-z0-9]/.test(c)) return code;
    return this.fail(`invalid escape sequence \\${c}${inClass ? ' in a character class' : ''}`);
  }

  private escape(): Re2Node {
    const c = this.src[this.pos + 1];
    switch (c) {
      case 'A':
        this.pos += 2;
        return { t: 'assert', kind: 'bot' };
      case 'z':
        this.pos += 2;
        return { t: 'assert', kind: 'eot' };
      case 'b':
        this.pos += 2;
        return { t: 'assert', kind: 'wb' };
      case 'B':
        this.pos += 2;
        return { t: 'assert', kind: 'nwb' };
      case undefined:
        this.pos++;
        return this.fail('trailing backslash at end of expression');
      case 'Q': {
        const end = this.src.indexOf('\\E', this.pos + 2);
        const text = this.src.slice(this.pos + 2, end < 0 ? this.src.length : end);
        this.pos = end < 0 ? this.src.length : end + 2;
        const items = [...text].map((ch) => literal(ch.codePointAt(0)!, this.flags));
        return items.length === 0 ? { t: 'empty' } : items.length === 1 ? items[0]! : { t: 'cat', items };
      }
      default: {
        const v = this.escapeValue(false);
        if (typeof v !== 'number') return set(this.flags.i ? fold(v) : v);
        return literal(v, this.flags);
      }
    }
  }

  private classAtom(): number | number[] {
    if (this.src.startsWith('[:', this.pos)) {
      const m = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos, this.pos + 12));
      if (m !== null) {
        const r = POSIX[m[2]!];
        if (r === undefined) this.fail(`invalid character class range [:${m[2]!}:]`);
        this.pos += m[0].length;
        return m[1] === '^' ? negate(r) : [...r];
      }
    }
    if (this.peek() === '\\') return this.escapeValue(true);
    const cp = this.src.codePointAt(this.pos)!;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private charClass(): Re2Node {
    const start = this.pos;
    this.pos++; // [
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    const r: number[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) {
        this.pos = start;
        this.fail('missing closing ]');
      }
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      // Go parses with Perl flags: a '-' that does not make a range is a literal anywhere in the class
      const lo = this.classAtom();
      if (typeof lo !== 'number') {
        r.push(...lo);
        continue;
      }
      if (this.peek() === '-' && this.src[this.pos + 1] !== ']' && this.src[this.pos + 1] !== undefined) {
        this.pos++;
        const hi = this.classAtom();
        if (typeof hi !== 'number' || hi < lo) this.fail('invalid character class range');
        r.push(lo, hi);
      } else {
        r.push(lo, lo);
      }
    }
    let ranges = normalize(r);
    if (this.flags.i) ranges = fold(ranges);
    if (negated) ranges = negate(ranges);
    if (!byteSafe(ranges)) {
      this.pos = start;
      this.fail('a character class with part of the range beyond ASCII is not supported (it would need UTF-8 sequences)');
    }
    return set(ranges);
  }
}

/** Parses an RE2 pattern. Throws Re2SyntaxError for invalid or unsupported syntax. */
export function parseRe2(pattern: string): Re2Parsed {
  return new Parser(pattern).parse();
}

// ---- JavaScript output -------------------------------------------------------------------------------------

function hex(c: number): string {
  return c <= 0xff ? '\\x' + c.toString(16).padStart(2, '0') : '\\u' + c.toString(16).padStart(4, '0');
}

function charOut(c: number): string {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f) {
    return String.fromCharCode(c);
  }
  return hex(c);
}

function setOut(ranges: readonly number[]): string {
  // a buffer holds character codes 0-0xFF only; cut at the UTF-16 unit range a non-unicode RegExp reads
  const r: number[] = [];
  for (let k = 0; k < ranges.length; k += 2) {
    if (ranges[k]! > 0xffff) break;
    r.push(ranges[k]!, Math.min(ranges[k + 1]!, 0xffff));
  }
  if (r.length === 0) return '(?!)';
  if (r.length === 2 && r[0] === 0 && r[1] === 0xffff) return '[\\s\\S]';
  if (r.length === 2 && r[0] === r[1]) return charOut(r[0]!);
  let s = '[';
  for (let k = 0; k < r.length; k += 2) {
    s += charOut(r[k]!);
    if (r[k + 1]! > r[k]!) s += (r[k + 1]! > r[k]! + 1 ? '-' : '') + charOut(r[k + 1]!);
  }
  return s + ']';
}

const ASSERT_JS: Readonly<Record<AssertKind, string>> = {
  bot: '^',
  eot: '$',
  bol: '(?<![^\\n])',
  eol: '(?![^\\n])',
  wb: '\\b',
  nwb: '\\B',
};

/** can a quantifier follow it directly in JS (an assertion cannot: \b* is a syntax error there)? */
function atomic(n: Re2Node): boolean {
  return n.t === 'set' || n.t === 'group';
}

function out(n: Re2Node): string {
  switch (n.t) {
    case 'set':
      return setOut(n.ranges);
    case 'cat':
      return n.items.map((x) => (x.t === 'alt' ? `(?:${out(x)})` : out(x))).join('');
    case 'alt':
      return n.items.map(out).join('|');
    case 'group':
      return `(${out(n.body)})`;
    case 'rep': {
      const body = atomic(n.body) ? out(n.body) : `(?:${out(n.body)})`;
      let q: string;
      if (n.min === 0 && n.max === -1) q = '*';
      else if (n.min === 1 && n.max === -1) q = '+';
      else if (n.min === 0 && n.max === 1) q = '?';
      else if (n.max === -1) q = `{${n.min},}`;
      else if (n.min === n.max) q = `{${n.min}}`;
      else q = `{${n.min},${n.max}}`;
      return body + q + (n.greedy ? '' : '?');
    }
    case 'assert':
      return ASSERT_JS[n.kind];
    case 'empty':
      return '(?:)';
  }
}

/** The JavaScript RegExp source (no flags needed; add g, y or d as the caller runs it) matching as RE2 would. */
export function toJsSource(root: Re2Node): string {
  return out(root);
}

// ---- analysis ----------------------------------------------------------------------------------------------

/** The longest text a match can span (Infinity when a repeat is unbounded). */
export function maxLength(n: Re2Node): number {
  switch (n.t) {
    case 'set':
      return 1;
    case 'cat':
      return n.items.reduce((a, x) => a + maxLength(x), 0);
    case 'alt':
      return Math.max(0, ...n.items.map(maxLength));
    case 'group':
      return maxLength(n.body);
    case 'rep': {
      if (n.max === 0) return 0;
      const b = maxLength(n.body);
      return n.max === -1 ? (b === 0 ? 0 : Infinity) : n.max * b;
    }
    case 'assert':
    case 'empty':
      return 0;
  }
}

/** The characters (lower case, distinct) of a set of at most 4 of them counting case pairs once, else null. */
function smallSet(r: readonly number[]): string[] | null {
  const out = new Set<string>();
  for (let k = 0; k < r.length; k += 2) {
    if (r[k + 1]! - r[k]! > 8) return null;
    for (let c = r[k]!; c <= r[k + 1]!; c++) out.add(String.fromCharCode(c).toLowerCase());
    if (out.size > 4) return null;
  }
  return out.size === 0 ? null : [...out];
}

/**
 * Literal strings (lower case) of which every match contains at least one, each at least `minLen` long, or null
 * when the pattern has no such set (a keyword-less rule gets its prefilter from these).
 */
export function requiredLiterals(root: Re2Node, minLen = 3): string[] | null {
  // For each node: the exact strings it can match when that set is small (null when not), and a required set.
  interface Info {
    exact: string[] | null;
    req: string[] | null;
  }
  const MAX_EXACT = 16;
  const single = smallSet;
  const best = (a: string[] | null, b: string[] | null): string[] | null => {
    if (a === null) return b;
    if (b === null) return a;
    const score = (x: string[]): number => Math.min(...x.map((s) => s.length)) - x.length / 100;
    return score(b) > score(a) ? b : a;
  };
  const ok = (x: string[] | null): string[] | null => (x !== null && x.every((s) => s.length >= minLen) ? x : null);
  const walk = (n: Re2Node): Info => {
    switch (n.t) {
      case 'set': {
        const e = single(n.ranges);
        return { exact: e, req: ok(e) };
      }
      case 'group':
        return walk(n.body);
      case 'assert':
      case 'empty':
        return { exact: [''], req: null };
      case 'alt': {
        const infos = n.items.map(walk);
        const exact = infos.every((i) => i.exact !== null) ? [...new Set(infos.flatMap((i) => i.exact!))] : null;
        const reqs = infos.map((i) => i.req ?? (i.exact !== null ? ok(i.exact) : null));
        const req = reqs.every((r) => r !== null) ? [...new Set(reqs.flatMap((r) => r!))] : null;
        return { exact: exact !== null && exact.length <= MAX_EXACT ? exact : null, req };
      }
      case 'rep': {
        const b = walk(n.body);
        // a short counted repeat of an exact body is exact: x? -> ['', x]; x{2} -> [xx]
        let exact: string[] | null = null;
        if (b.exact !== null && n.max !== -1 && n.max <= 4) {
          let all: string[] = [];
          for (let k = n.min; k <= n.max; k++) {
            let these = [''];
            for (let j = 0; j < k; j++) these = these.flatMap((a) => b.exact!.map((x) => a + x));
            all.push(...these);
            if (all.length > MAX_EXACT) break;
          }
          all = [...new Set(all)];
          exact = all.length <= MAX_EXACT ? all : null;
        }
        if (n.min === 0) return { exact, req: null };
        return { exact: exact !== null && exact.length <= MAX_EXACT ? exact : null, req: best(b.req, ok(exact)) };
      }
      case 'cat': {
        let req: string[] | null = null;
        let run: string[] | null = [''];
        const infos = n.items.map(walk);
        for (const i of infos) {
          req = best(req, i.req);
          if (i.exact !== null && run !== null && run.length * i.exact.length <= MAX_EXACT) {
            run = run.flatMap((a) => i.exact!.map((b) => a + b));
          } else {
            req = best(req, ok(run));
            run = i.exact;
          }
          req = best(req, ok(run));
        }
        return { exact: run !== null && infos.every((x) => x.exact !== null) ? run : null, req };
      }
    }
  };
  return walk(root).req;
}

/**
 * Does every match hold at least one of `keywords` (lower case)? Decided on the strings the pattern spells out
 * exactly (literals, small alternations and optional parts, case folded): a keyword that only a class could
 * spell (hooks.slack.com under an unescaped '.') does not count.
 */
export function everyMatchHolds(root: Re2Node, keywords: readonly string[]): boolean {
  const MAX_EXACT = 64;
  const holds = (xs: string[] | null): boolean => xs !== null && xs.length > 0 && xs.every((x) => keywords.some((k) => x.includes(k)));
  const exactSet = smallSet;
  const product = (a: string[], b: string[]): string[] | null => {
    if (a.length * b.length > MAX_EXACT) return null;
    return [...new Set(a.flatMap((x) => b.map((y) => x + y)))];
  };
  interface Info {
    exact: string[] | null;
    sat: boolean;
  }
  const walk = (n: Re2Node): Info => {
    switch (n.t) {
      case 'set': {
        const e = exactSet(n.ranges);
        return { exact: e, sat: holds(e) };
      }
      case 'group':
        return walk(n.body);
      case 'assert':
      case 'empty':
        return { exact: [''], sat: false };
      case 'alt': {
        const infos = n.items.map(walk);
        const exact = infos.every((i) => i.exact !== null) ? [...new Set(infos.flatMap((i) => i.exact!))] : null;
        return { exact: exact !== null && exact.length <= MAX_EXACT ? exact : null, sat: infos.every((i) => i.sat || holds(i.exact)) };
      }
      case 'rep': {
        const b = walk(n.body);
        let exact: string[] | null = null;
        if (b.exact !== null && n.max !== -1 && n.max <= 4) {
          let all: string[] | null = [];
          for (let k = n.min; k <= n.max && all !== null; k++) {
            let these: string[] | null = [''];
            for (let j = 0; j < k && these !== null; j++) these = product(these, b.exact);
            all = these === null ? null : [...new Set([...all, ...these])];
            if (all !== null && all.length > MAX_EXACT) all = null;
          }
          exact = all;
        }
        return { exact, sat: n.min > 0 && (b.sat || holds(exact)) };
      }
      case 'cat': {
        const infos = n.items.map(walk);
        if (infos.some((i) => i.sat)) return { exact: null, sat: true };
        // runs of consecutive exact items, multiplied out: a keyword may straddle their joins
        let run: string[] | null = [''];
        let sat = false;
        let allExact = true;
        for (const i of infos) {
          if (i.exact === null) {
            allExact = false;
            if (holds(run)) sat = true;
            run = [''];
            continue;
          }
          const next: string[] | null = run === null ? null : product(run, i.exact);
          if (next === null) {
            allExact = false;
            if (holds(run)) sat = true;
            run = i.exact;
          } else {
            run = next;
          }
        }
        if (holds(run)) sat = true;
        return { exact: allExact ? run : null, sat };
      }
    }
  };
  const top = walk(root);
  return top.sat || holds(top.exact);
}

/**
 * Does the tree hold a repeat (that can run more than once) inside another such repeat? Those are the patterns
 * where a backtracking engine may take more than polynomial time; gitleaks.ts reports which rules have them.
 */
export function nestedRepeat(root: Re2Node): boolean {
  const many = (n: Re2Node): boolean => n.t === 'rep' && (n.max === -1 || n.max > 1);
  const inner = (n: Re2Node): boolean => {
    switch (n.t) {
      case 'rep':
        return many(n) || inner(n.body);
      case 'group':
        return inner(n.body);
      case 'cat':
      case 'alt':
        return n.items.some(inner);
      case 'set':
      case 'assert':
      case 'empty':
        return false;
    }
  };
  const walk = (n: Re2Node): boolean => {
    switch (n.t) {
      case 'rep':
        return (many(n) && inner(n.body)) || walk(n.body);
      case 'group':
        return walk(n.body);
      case 'cat':
      case 'alt':
        return n.items.some(walk);
      case 'set':
      case 'assert':
      case 'empty':
        return false;
    }
  };
  return walk(root);
}

/** The shortest text a match can span. */
export function minLength(n: Re2Node): number {
  switch (n.t) {
    case 'set':
      return 1;
    case 'cat':
      return n.items.reduce((a, x) => a + minLength(x), 0);
    case 'alt':
      return Math.min(...n.items.map(minLength));
    case 'group':
      return minLength(n.body);
    case 'rep':
      return n.min * minLength(n.body);
    case 'assert':
    case 'empty':
      return 0;
  }
}

/**
 * Has a repeat an optional iteration whose body can match empty (x?, x*, x{1,3} where x can match "")? There RE2
 * (like Perl) takes the empty iteration and stops, while JavaScript refuses an empty iteration past the minimum
 * and backtracks into the body's other branches: the two may match differently. No default gitleaks rule has it.
 */
export function emptyIteration(n: Re2Node): boolean {
  switch (n.t) {
    case 'rep':
      return (n.max !== n.min && minLength(n.body) === 0) || emptyIteration(n.body);
    case 'group':
      return emptyIteration(n.body);
    case 'cat':
    case 'alt':
      return n.items.some((x) => emptyIteration(x));
    case 'set':
    case 'assert':
    case 'empty':
      return false;
  }
}

/**
 * Is a capturing group inside a repeat that may run more than once? JavaScript clears such a capture at each
 * iteration, RE2 keeps the value of the last iteration that set it: the secret group may differ.
 */
export function captureInRepeat(n: Re2Node, inRepeat = false): boolean {
  switch (n.t) {
    case 'group':
      return inRepeat || captureInRepeat(n.body, inRepeat);
    case 'rep':
      return captureInRepeat(n.body, inRepeat || n.max === -1 || n.max > 1);
    case 'cat':
    case 'alt':
      return n.items.some((x) => captureInRepeat(x, inRepeat));
    case 'set':
    case 'assert':
    case 'empty':
      return false;
  }
}

export interface LazyPrefix {
  /** the repeated set's ranges */
  readonly ranges: readonly number[];
  /** its upper bound n */
  readonly max: number;
  /** the rest of the pattern, R */
  readonly rest: Re2Node;
}

/**
 * Splits a pattern that opens with a lazy bounded repeat of one set, `X{0,n}? R` (gitleaks' generic prefix
 * `[\w.-]{0,50}?` before a keyword, in 101 of its rules), when R cannot match empty. Such a pattern's leftmost
 * match is R's leftmost match at r, extended back over at most n characters of X (not before the previous
 * match's end): every earlier start would need an R match before r. Searching R alone avoids trying n prefix
 * lengths at every position.
 */
export function splitLazyPrefix(root: Re2Node): LazyPrefix | null {
  if (root.t !== 'cat' || root.items.length < 2) return null;
  const first = root.items[0]!;
  if (first.t !== 'rep' || first.greedy || first.min !== 0 || first.max < 1 || first.body.t !== 'set') return null;
  const rest: Re2Node = root.items.length === 2 ? root.items[1]! : { t: 'cat', items: root.items.slice(1) };
  if (minLength(rest) === 0) return null;
  return { ranges: first.body.ranges, max: first.max, rest };
}
