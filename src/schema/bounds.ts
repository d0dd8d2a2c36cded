// Size bounds of record fields, declared once next to each field (src/schema/*.ts): what a value may weigh in a
// stored row, the cut that keeps it there (first characters, first entries), and the worst-case row they allow,
// which a test holds against the store's row limit. Sizes are UTF-8 bytes of the value's JSON text as the
// stores write it (quotes, escapes and separators included), so a bound holds whatever characters traffic sends.
import type { FieldDef, FieldType, RecordSchema, RowOf } from './schema.js';

/** A text value (or a json field's JSON text) weighs at most `bytes` in a row; a longer one keeps its start. */
export interface TextBound {
  readonly kind: 'text';
  readonly bytes: number;
  /** anomaly recorded when a value is cut (snake_case, layer-prefixed); the detail names the field */
  readonly anomaly: string;
  /**
   * a value Haystack writes itself in a fixed form (ids, hashes, formatted addresses, names from its own
   * tables, details the anomaly log cuts) or checks where it enters (the sensor name): its width holds by
   * construction, and boundRow does not look at it
   */
  readonly own?: true;
}

/**
 * A list keeps its first `items` entries and weighs at most `bytes` in a row (brackets, quotes, commas and
 * escapes included); a text entry longer than `itemBytes` is cut first.
 */
export interface ListBound {
  readonly kind: 'list';
  readonly items: number;
  readonly bytes: number;
  readonly itemBytes: number;
  readonly anomaly: string;
}

export type Bound = TextBound | ListBound;

/** JSON width of any safe integer ("-9007199254740991"): int, timestamp (µs) and int[] entries. */
export const MAX_INT_JSON = 17;
/** JSON width of any double ("-1.7976931348623157e+308"). */
export const MAX_FLOAT_JSON = 24;

export function text(bytes: number, anomaly: string): TextBound {
  return { kind: 'text', bytes, anomaly };
}

/** A value Haystack writes itself: MAX_ID_BYTES or MAX_NAME_BYTES (see `own` above). */
export function own(bytes: number): TextBound {
  return { kind: 'text', bytes, anomaly: '', own: true };
}

/** A list of text entries. */
export function list(items: number, bytes: number, anomaly: string, itemBytes = bytes): ListBound {
  return { kind: 'list', items, bytes, itemBytes, anomaly };
}

/** A list of integers: its weight follows from its length. */
export function ints(items: number, anomaly: string): ListBound {
  return { kind: 'list', items, bytes: 2 + items * (MAX_INT_JSON + 1), itemBytes: MAX_INT_JSON, anomaly };
}

/** Bytes of one UTF-16 unit inside a JSON string (a surrogate pair counts 4 on its high half, 0 on its low). */
function unitBytes(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0x80) {
    if (c >= 0x20) return c === 0x22 || c === 0x5c ? 2 : 1;
    return c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
  }
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = s.charCodeAt(i + 1);
    return d >= 0xdc00 && d <= 0xdfff ? 4 : 6;
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const p = i > 0 ? s.charCodeAt(i - 1) : 0;
    return p >= 0xd800 && p <= 0xdbff ? 0 : 6; // a lone low surrogate is written \udXXX (\ufffd by DuckDB's spool)
  }
  return 3;
}

/** UTF-8 bytes of `s` as a JSON string, quotes included. */
export function jsonStringBytes(s: string): number {
  let n = 2;
  for (let i = 0; i < s.length; i++) n += unitBytes(s, i);
  return n;
}

/** The longest start of `s` that weighs at most `bytes` as a JSON string (a surrogate pair is never split). */
export function cutText(s: string, bytes: number): string {
  if (s.length * 6 + 2 <= bytes) return s;
  let n = 2;
  for (let i = 0; i < s.length; i++) {
    const u = unitBytes(s, i);
    if (n + u > bytes) return s.slice(0, i);
    n += u;
    if (u === 4) i++; // the low half of the pair comes with it
  }
  return s;
}

/** Reports a cut: the bound's anomaly and a detail naming the field. */
export type CutReport = (anomaly: string, detail: string) => void;

/**
 * A list within its bound: the first entries that fit (entries cut to itemBytes first), the same array when
 * nothing had to change. `total` is how many entries there were before an earlier stage kept fewer.
 */
export function boundList<T extends string | number>(field: string, values: T[], b: ListBound, report: CutReport, total = values.length): T[] {
  let weight = 2;
  let fits = values.length <= b.items && total === values.length;
  if (fits) {
    for (const v of values) {
      const w = typeof v === 'string' ? v.length * 6 + 2 : MAX_INT_JSON;
      if (w > b.itemBytes) {
        fits = false;
        break;
      }
      weight += w + 1;
    }
    if (fits && weight <= b.bytes) return values;
  }
  const out: T[] = [];
  let cutItems = 0;
  weight = 2;
  for (const v of values) {
    if (out.length >= b.items) break;
    let x = v;
    if (typeof v === 'string') {
      const c = cutText(v, b.itemBytes);
      if (c.length < v.length) cutItems++;
      x = c as T;
    }
    const w = typeof x === 'string' ? jsonStringBytes(x) : String(x).length;
    if (weight + w + (out.length > 0 ? 1 : 0) > b.bytes) break;
    weight += w + (out.length > 0 ? 1 : 0);
    out.push(x);
  }
  if (out.length < total || cutItems > 0) {
    report(b.anomaly, `${field}: ${total} entries, first ${out.length} kept${cutItems > 0 ? `, ${cutItems} cut to ${b.itemBytes} bytes` : ''} (at most ${b.items} entries, ${b.bytes} bytes)`);
  }
  return out;
}

/** A text value within its bound (the same string when it fits). */
export function boundText(field: string, value: string, b: TextBound, report: CutReport): string {
  const c = cutText(value, b.bytes);
  if (c.length < value.length) report(b.anomaly, `${field}: ${value.length} characters, first ${c.length} kept (at most ${b.bytes} bytes)`);
  return c;
}

/** The bound a schema declares for a field (every text and list field of a bounded schema has one). */
export function boundOf<S extends RecordSchema>(schema: S, name: S['fields'][number]['name']): Bound {
  const f = schema.fields.find((x) => x.name === name);
  if (f?.bound === undefined) throw new Error(`${schema.name}.${name} declares no bound`);
  return f.bound;
}

export function textBoundOf<S extends RecordSchema>(schema: S, name: S['fields'][number]['name']): TextBound {
  const b = boundOf(schema, name);
  if (b.kind !== 'text') throw new Error(`${schema.name}.${name} is not a text field`);
  return b;
}

export function listBoundOf<S extends RecordSchema>(schema: S, name: S['fields'][number]['name']): ListBound {
  const b = boundOf(schema, name);
  if (b.kind !== 'list') throw new Error(`${schema.name}.${name} is not a list field`);
  return b;
}

/** A bounded field as boundRow checks it: texts up to `fastChars` characters fit whatever they hold. */
interface Check {
  readonly name: string;
  readonly json: boolean;
  readonly bound: Bound;
  readonly fastChars: number;
  /** an int[] list fits by its length alone */
  readonly ints: boolean;
}

const CHECKS = new WeakMap<RecordSchema, readonly Check[]>();

function checksOf(schema: RecordSchema): readonly Check[] {
  let c = CHECKS.get(schema);
  if (c === undefined) {
    c = schema.fields.filter((f) => f.bound !== undefined && !(f.bound.kind === 'text' && f.bound.own === true)).map((f: FieldDef): Check => ({
      name: f.name, json: f.type === 'json', bound: f.bound!, fastChars: Math.floor((f.bound!.bytes - 2) / 6),
      ints: f.type === 'int[]' && f.bound!.kind === 'list' && f.bound!.bytes >= 2 + f.bound!.items * (MAX_INT_JSON + 1),
    }));
    CHECKS.set(schema, c);
  }
  return c;
}

/**
 * Applies every bound a schema declares to a row, in place, reporting each cut: a text keeps its start, a list
 * its first entries; a json value over its bound (its producer keeps it within) becomes null. Values that fit,
 * the usual case, cost a length comparison.
 */
export function boundRow(schema: RecordSchema, row: Record<string, unknown>, report: CutReport): void {
  for (const c of checksOf(schema)) {
    const v = row[c.name];
    if (typeof v === 'string') {
      if (v.length <= c.fastChars || c.bound.kind !== 'text') continue;
      if (c.json) {
        const w = jsonStringBytes(v);
        if (w <= c.bound.bytes) continue;
        report(c.bound.anomaly, `${c.name}: ${w} bytes of JSON, dropped (at most ${c.bound.bytes} bytes)`);
        row[c.name] = null;
      } else {
        row[c.name] = boundText(c.name, v, c.bound, report);
      }
    } else if (Array.isArray(v) && c.bound.kind === 'list') {
      if (c.ints && v.length <= c.bound.items) continue;
      row[c.name] = boundList(c.name, v as (string | number)[], c.bound, report);
    }
  }
}

/** boundRow for a typed record: the same record, within its schema's bounds. */
export function bounded<S extends RecordSchema>(schema: S, row: RowOf<S>, report: CutReport): RowOf<S> {
  boundRow(schema, row as Record<string, unknown>, report);
  return row;
}

function valueBytes(type: FieldType, bound: Bound | undefined): number {
  switch (type) {
    case 'int':
    case 'timestamp':
      return MAX_INT_JSON;
    case 'float':
      return MAX_FLOAT_JSON;
    case 'bool':
      return 5;
    case 'string':
    case 'json':
    case 'string[]':
    case 'int[]':
      return bound === undefined ? Infinity : Math.max(4, bound.bytes);
  }
}

/**
 * The longest row a schema's declared bounds allow as one JSON object ({"name":value,...}); Infinity when a
 * text, list or json field declares no bound.
 */
export function worstCaseRowBytes(schema: RecordSchema): number {
  let n = 2 + schema.fields.length - 1;
  for (const f of schema.fields) n += jsonStringBytes(f.name) + 1 + valueBytes(f.type, f.bound);
  return n;
}

/**
 * Widths of values Haystack writes itself, declared so that every row's worst case is known: ids and hashes
 * (a uid or fuid is 18 characters, a SHA-256 64 hex digits, a Community ID 30 characters), with room to spare.
 */
export const MAX_ID_BYTES = 130;
/**
 * Formatted addresses (an IPv6 address is at most 45 characters) and names from Haystack's own tables
 * (protocols, connection states, TLS versions and alerts, media types from file-type, "0x1234" for unknown codes).
 */
export const MAX_NAME_BYTES = 256;
