// The field expression language of --filter (and later --where and the console): parsed once, checked
// against a record schema, compiled to a predicate. Grammar:
//   expr := term ("or" term)* ; term := factor ("and" factor)* ; factor := "not" factor | "(" expr ")" | cmp
//   cmp  := FIELD [OP VALUE] ; OP := = == != < <= > >= ~ (contains, ASCII letters in any case) !~
//   VALUE := "text" | 'text' | number | true | false | null
// A bare FIELD is true when the field is set (not null, not false, not an empty list). On a list field,
// = and ~ test any element, and = null means the list is empty. Times without an offset are UTC.
// A chain of "and"s or "or"s is one node with a list of operands, so that nothing that walks an expression
// (the predicate here, the SQL in store/sql.ts) recurses once per operand; recursion follows parentheses and
// "not"s only, which MAX_FILTER_DEPTH bounds.
import { HaystackError } from '../core/errors.js';
import { queryTime } from '../core/time.js';
import type { FieldDef, RecordSchema } from '../schema/schema.js';

export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | '!~';
/**
 * Parentheses and "not"s nested deeper than this are refused: the parser, the predicate and the SQL
 * translation recurse once per level (a chain of and/or does not nest).
 */
export const MAX_FILTER_DEPTH = 64;
/**
 * Comparisons and field tests one expression may hold. An analyst's filter has a few; a generated list of
 * indicators may have hundreds. ClickHouse 18.16 analyses a query in time quadratic in them (0.2 s at 250,
 * ~1 s at 500, 3-5 s at 1000 on one server, twice that through a Distributed table), and takes 256 KiB of
 * query text and 50,000 syntax-tree elements by default: past this the expression is refused.
 */
export const MAX_FILTER_TERMS = 500;
type Value = string | number | boolean | null;

export type Expr =
  | { kind: 'and' | 'or'; items: Expr[] }
  | { kind: 'not'; expr: Expr }
  | { kind: 'cmp'; field: FieldDef; op: Op; value: Value }
  | { kind: 'set'; field: FieldDef };

interface Token {
  t: 'word' | 'str' | 'num' | 'op' | '(' | ')';
  v: string;
  col: number;
}

const OPS = ['==', '!=', '<=', '>=', '!~', '=', '<', '>', '~'];

function tokenize(src: string, option: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ t: c, v: c, col: i + 1 });
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let v = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        v += src[j];
        j++;
      }
      if (j >= src.length) throw bad(src, i, 'unterminated string', option);
      // neither store can query a text holding NUL: refused here, where the column is known
      if (v.includes('\0')) throw bad(src, i, 'a text value cannot hold a NUL character', option);
      out.push({ t: 'str', v, col: i + 1 });
      i = j + 1;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (op !== undefined) {
        out.push({ t: 'op', v: op === '==' ? '=' : op, col: i + 1 });
        i += op.length;
        continue;
      }
      const m = /^-?\d+(\.\d+)?(?![\w.])/.exec(src.slice(i)) ?? /^[A-Za-z_][\w.]*/.exec(src.slice(i));
      if (m === null) throw bad(src, i, `unexpected "${c}"`, option);
      out.push({ t: /^-?\d/.test(m[0]) ? 'num' : 'word', v: m[0], col: i + 1 });
      i += m[0].length;
    }
  }
  return out;
}

/** An expression longer than this is quoted in an error only up to the column (and a little after). */
const QUOTE_CHARS = 120;

function bad(src: string, at: number, what: string, option: string): HaystackError {
  const quoted = src.length <= QUOTE_CHARS ? src : `${at > QUOTE_CHARS / 2 ? '...' : ''}${src.slice(Math.max(0, at - QUOTE_CHARS / 2), at + QUOTE_CHARS / 2)}...`;
  return new HaystackError('HAYSTACK_BAD_ARGUMENT', `${option}: ${what} at column ${at + 1}: ${quoted}`);
}

/**
 * Parses and type-checks an expression against a schema; errors name the option (--filter, --where) and the
 * column.
 */
export function parseFilter(src: string, schema: RecordSchema, option = '--filter'): Expr {
  const toks = tokenize(src, option);
  let k = 0;
  const peek = (): Token | undefined => toks[k];
  const fail = (what: string): never => {
    throw bad(src, (toks[k]?.col ?? src.length + 1) - 1, what, option);
  };
  const word = (w: string): boolean => peek()?.t === 'word' && peek()!.v.toLowerCase() === w;
  /** operands joined by "or" (or "and"): one node however many */
  const chain = (kind: 'and' | 'or', operand: () => Expr): Expr => {
    const first = operand();
    if (!word(kind)) return first;
    const items = [first];
    while (word(kind)) {
      k++;
      items.push(operand());
    }
    return { kind, items };
  };
  const expr = (): Expr => chain('or', term);
  const term = (): Expr => chain('and', factor);
  let depth = 0;
  let terms = 0;
  const factor = (): Expr => {
    if (++depth > MAX_FILTER_DEPTH) fail(`nested deeper than ${MAX_FILTER_DEPTH}`);
    try {
      return factorInner();
    } finally {
      depth--;
    }
  };
  const factorInner = (): Expr => {
    if (word('not')) {
      k++;
      return { kind: 'not', expr: factor() };
    }
    if (peek()?.t === '(') {
      k++;
      const e = expr();
      if (peek()?.t !== ')') fail('expected ")"');
      k++;
      return e;
    }
    const f = peek();
    if (f?.t !== 'word') return fail('expected a field name');
    if (++terms > MAX_FILTER_TERMS) return fail(`more than ${MAX_FILTER_TERMS} comparisons in one expression`);
    const field = schema.fields.find((x) => x.name === f.v);
    if (field === undefined) return fail(`unknown field "${f.v}" (${schema.name} has ${schema.fields.map((x) => x.name).join(', ')})`);
    k++;
    if (peek()?.t !== 'op') return { kind: 'set', field };
    const op = peek()!.v as Op;
    k++;
    const v = peek();
    if (v === undefined) return fail('expected a value');
    let value: Value;
    if (v.t === 'str') value = v.v;
    else if (v.t === 'num') {
      value = Number(v.v);
      // hundreds of digits read as Infinity: no store can compare with that
      if (!Number.isFinite(value)) throw bad(src, v.col - 1, `${v.v.slice(0, 20)}... is too large a number`, option);
    }
    else if (v.t === 'word' && ['true', 'false', 'null'].includes(v.v)) value = v.v === 'null' ? null : v.v === 'true';
    else return fail('expected a value ("text", a number, true, false or null)');
    k++;
    const numeric = field.type === 'int' || field.type === 'float' || field.type === 'timestamp' || field.type === 'int[]';
    const textual = field.type === 'string' || field.type === 'string[]' || field.type === 'json';
    // comparisons that would mean different things in memory and in SQL are refused rather than guessed
    if ((op === '~' || op === '!~') && typeof value !== 'string') throw bad(src, v.col - 1, `${op} needs a text value`, option);
    if ((op === '~' || op === '!~') && !textual && field.type !== 'int' && field.type !== 'int[]') {
      throw bad(src, v.col - 1, `${op} works on text and integer fields; ${field.name} is ${field.type}`, option);
    }
    if (field.type === 'bool' && value !== null && (typeof value !== 'boolean' || (op !== '=' && op !== '!='))) {
      throw bad(src, v.col - 1, `${field.name} is true or false: compare it with = or != and true, false or null`, option);
    }
    if (field.type !== 'bool' && typeof value === 'boolean') throw bad(src, v.col - 1, `${field.name} is not true/false`, option);
    if (textual && typeof value === 'number' && op !== '=' && op !== '!=') {
      throw bad(src, v.col - 1, `${field.name} is text: compare it with "text"`, option);
    }
    if (field.type === 'timestamp' && typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw bad(src, v.col - 1, `${field.name} takes a time ("2026-11-22T08:00:00") or whole microseconds`, option);
    }
    if (numeric && typeof value === 'string' && op !== '~' && op !== '!~') {
      // a time without an offset is UTC, as every time in the records is (not the reader's time zone)
      const iso = /T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(value) ? `${value}Z` : value;
      if (field.type !== 'timestamp' || Number.isNaN(Date.parse(iso))) throw bad(src, v.col - 1, `${field.name} is a number`, option);
      value = queryTime(Date.parse(iso) * 1000); // timestamps compare as µs (year 1 to 9999: core/time.ts)
    }
    return { kind: 'cmp', field, op, value };
  };
  const e = expr();
  if (k < toks.length) fail(`unexpected "${toks[k]!.v}"`);
  return e;
}

type Row = Record<string, unknown>;

/**
 * The case folding of ~ and !~: the ASCII letters A-Z become a-z, every other character stays itself. It is
 * the one folding JavaScript, DuckDB and ClickHouse 18.16 give alike (store/sql.ts writes it as translate()
 * and ASCII lower()): Unicode lower-casing differs between them (JavaScript's "İ" is "i̇", DuckDB's "i",
 * ClickHouse leaves it, and it leaves every letter whose lower case has another UTF-8 length). So "ü" does
 * not find "Ü", as Snort's and Suricata's nocase.
 */
export function foldCase(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.replace(UPPER_ASCII, (m) => m.toLowerCase());
  }
  return s;
}

const UPPER_ASCII = /[A-Z]+/g;

function test(v: unknown, op: Op, want: Value): boolean {
  if (Array.isArray(v) && want === null && (op === '=' || op === '!=')) return (v.length === 0) === (op === '=');
  if (Array.isArray(v)) {
    if (op === '!=' || op === '!~') return !v.some((x) => test(x, op === '!=' ? '=' : '~', want));
    return v.some((x) => test(x, op, want));
  }
  switch (op) {
    case '=':
      return v === want || (v !== null && want !== null && String(v) === String(want) && typeof v !== 'number');
    case '!=':
      return !test(v, '=', want);
    case '~':
      return v !== null && v !== undefined && foldCase(String(v)).includes(foldCase(String(want)));
    case '!~':
      return !test(v, '~', want);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (v === null || v === undefined || want === null) return false;
      const a = v as number | string;
      const b = want as number | string;
      return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
    }
  }
}

/** Compiles a parsed expression to a predicate over records of its schema. */
export function compileFilter(e: Expr): (r: Row) => boolean {
  switch (e.kind) {
    case 'and': {
      const fs = e.items.map(compileFilter);
      return (x) => {
        for (const f of fs) if (!f(x)) return false;
        return true;
      };
    }
    case 'or': {
      const fs = e.items.map(compileFilter);
      return (x) => {
        for (const f of fs) if (f(x)) return true;
        return false;
      };
    }
    case 'not': {
      const f = compileFilter(e.expr);
      return (x) => !f(x);
    }
    case 'set': {
      const name = e.field.name;
      return (x) => {
        const v = x[name];
        return v !== null && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0);
      };
    }
    case 'cmp': {
      const { op, value } = e;
      const name = e.field.name;
      return (x) => test(x[name], op, value);
    }
  }
}
