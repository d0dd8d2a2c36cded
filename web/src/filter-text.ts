// Editing the filter language as text: a value as a literal, a term added to a query (+ and −), and what the
// caret is on for completion (a field name, or the value after `field op`).
const OPS = '==|!=|<=|>=|!~|=|<|>|~';

/** A value as the filter language writes it: "text" (escaped), a number, true, false or null. */
export function literal(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `field = v`, or `not field = v`. */
export function term(field: string, v: unknown, negate = false): string {
  return `${negate ? 'not ' : ''}${field} = ${literal(v)}`;
}

/** The query ANDed with one more term (an "or" in the query is kept whole by parentheses). */
export function addTerm(q: string, t: string): string {
  const s = q.trim();
  if (s === '') return t;
  return /\bor\b/i.test(s) ? `(${s}) and ${t}` : `${s} and ${t}`;
}

export type Completion =
  | { kind: 'field'; prefix: string; start: number }
  | { kind: 'value'; field: string; prefix: string; start: number; quoted: boolean };

/** What the text before the caret is completing, if anything. */
export function completionAt(text: string, caret: number): Completion | null {
  const before = text.slice(0, caret);
  const v = new RegExp(`([A-Za-z_][\\w]*)\\s*(?:${OPS})\\s*(")?([^"\\s()]*)$`).exec(before);
  if (v !== null) {
    const quoted = v[2] !== undefined;
    // an even number of quotes before the value's opening one: the value is not inside another string
    const lead = before.slice(0, v.index);
    if ((lead.match(/"/g)?.length ?? 0) % 2 === 0) return { kind: 'value', field: v[1]!, prefix: v[3]!, start: caret - v[3]!.length - (quoted ? 1 : 0), quoted };
  }
  const f = /(^|[\s(])([A-Za-z_]\w*)?$/.exec(before);
  if (f === null) return null;
  const prefix = f[2] ?? '';
  const start = caret - prefix.length;
  const prev = before.slice(0, start).trimEnd();
  if ((prev.match(/"/g)?.length ?? 0) % 2 === 1) return null;
  if (prev === '' || /(\(|\b(and|or|not))$/i.test(prev)) {
    if (/^(and|or|not)$/i.test(prefix)) return null;
    return { kind: 'field', prefix, start };
  }
  return null;
}

/** The error's column (1-based) where a 400 about the query names one. */
export function errorColumn(message: string): number | null {
  const m = /^q: .* at column (\d+)/.exec(message);
  return m === null ? null : Number(m[1]);
}
