// What a fuzz target is (an arbitrary over real seed inputs, a property over the real parser, and the byte
// form its failing inputs take in the corpus), the structure-aware mutators they share, and the contract
// checks: traffic never throws, user input fails only with its documented error naming a position.
import fc from 'fast-check';

/** A failing input in the corpus: `<sha256 prefix>.bin` holds `bin`, the `.json` beside it holds `extra`. */
export interface Encoded {
  bin: Uint8Array;
  extra?: unknown;
}

export interface FuzzTarget<T> {
  name: string;
  /** what it runs and what it asserts, for --list */
  about: string;
  arbitrary: fc.Arbitrary<T>;
  /** runs the real code on one input; throws (any Error) when the contract does not hold */
  check(input: T): void | Promise<void>;
  encode(input: T): Encoded;
  decode(e: Encoded): T;
}

/** Any target, as the runner holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTarget = FuzzTarget<any>;

/** A broken contract: the message says which; `cause` is what the code under test threw. */
export class ContractError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContractError';
  }
}

function describeThrown(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return `non-Error thrown: ${String(e)}`;
}

/** Traffic (captures, streams, datagrams): every malformation is an anomaly, nothing may throw. */
export function mustNotThrow<R>(what: string, f: () => R): R {
  try {
    return f();
  } catch (e) {
    throw new ContractError(`${what} threw on traffic (${describeThrown(e)})`, { cause: e });
  }
}

export async function mustNotReject<R>(what: string, f: () => Promise<R>): Promise<R> {
  try {
    return await f();
  } catch (e) {
    throw new ContractError(`${what} threw on traffic (${describeThrown(e)})`, { cause: e });
  }
}

/**
 * User input (rules, patterns, filters, configs): the documented error class, with a position, or success.
 * `documented` says whether an error is the parser's own kind and carries its position.
 * @returns the value, or null when the input was refused as documented
 */
export function userInput<R>(what: string, f: () => R, documented: (e: unknown) => boolean): R | null {
  try {
    return f();
  } catch (e) {
    if (documented(e)) return null;
    throw new ContractError(`${what}: not the documented error (${describeThrown(e)})`, { cause: e });
  }
}

/** A, B deep-equal as JSON (after canon()): the chunking invariance of the push parsers. */
export function sameRecords(what: string, whole: unknown, split: unknown): void {
  const a = JSON.stringify(whole);
  const b = JSON.stringify(split);
  if (a === b) return;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  throw new ContractError(`${what}: chunking changed the output at char ${i}: whole …${a.slice(Math.max(0, i - 80), i + 120)}… split …${b.slice(Math.max(0, i - 80), i + 120)}…`);
}

/** Records made comparable: byte arrays as length + a short fingerprint, Sessions and functions dropped. */
export function canon(v: unknown): unknown {
  if (v instanceof Uint8Array) return `bytes:${v.length}:${fingerprint(v)}`;
  if (Array.isArray(v)) return v.map(canon);
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => [k, canon(x)]);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'session' || typeof x === 'function') continue;
      out[k] = canon(x);
    }
    return out;
  }
  return v;
}

/** FNV-1a over the bytes (enough to tell outputs apart in a comparison; not a digest). */
function fingerprint(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return (h >>> 0).toString(16);
}

// ---- mutators

/** One edit of a byte string. Positions are taken modulo the length, so a mutation applies to any seed. */
export type Mutation =
  | { t: 'flip'; at: number; bit: number }
  | { t: 'byte'; at: number; v: number }
  | { t: 'int'; at: number; size: 2 | 3 | 4; le: boolean; v: number }
  | { t: 'cut'; at: number }
  | { t: 'del'; at: number; len: number }
  | { t: 'dup'; at: number; len: number; to: number }
  | { t: 'ins'; at: number; data: Uint8Array }
  | { t: 'splice'; at: number; from: number; len: number; other: number };

/** Values that break length and count fields: zero, one, the maxima, the sign bits, and off-by-one sizes. */
const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0xffffff, 0x7fffffff, 0x80000000, 0xffffffff];
const INTERESTING_BYTES = [0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x20, 0x2e, 0x3a, 0x3b, 0x22, 0x5c];

/**
 * @param hot offsets where length or count fields are known to sit (record headers): half the int edits
 *   land there
 */
export function mutation(hot: readonly number[] = []): fc.Arbitrary<Mutation> {
  const at = fc.nat();
  const intAt = hot.length === 0 ? at : fc.oneof(at, fc.constantFrom(...hot));
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ t: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('byte' as const), at, v: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        t: fc.constant('int' as const), at: intAt, size: fc.constantFrom(2 as const, 3 as const, 4 as const), le: fc.boolean(),
        v: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat()),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('cut' as const), at }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('del' as const), at, len: fc.integer({ min: 1, max: 64 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('dup' as const), at, len: fc.integer({ min: 1, max: 256 }), to: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('ins' as const), at, data: fc.uint8Array({ minLength: 1, maxLength: 32 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('splice' as const), at, from: fc.nat(), len: fc.integer({ min: 1, max: 512 }), other: fc.nat() }) },
  );
}

/** Applies edits in order; `others` are the seeds a splice takes bytes from. */
export function mutate(seed: Uint8Array, edits: readonly Mutation[], others: readonly Uint8Array[] = []): Uint8Array {
  let b: Uint8Array = seed.slice();
  for (const m of edits) {
    const n = b.length;
    const pos = (x: number): number => (n === 0 ? 0 : x % n);
    switch (m.t) {
      case 'flip':
        if (n > 0) b[pos(m.at)]! ^= 1 << m.bit;
        break;
      case 'byte':
        if (n > 0) b[pos(m.at)] = m.v;
        break;
      case 'int': {
        if (n < m.size) break;
        const p = m.at % (n - m.size + 1);
        for (let i = 0; i < m.size; i++) {
          const shift = 8 * (m.le ? i : m.size - 1 - i);
          b[p + i] = Math.floor(m.v / 2 ** shift) & 0xff;
        }
        break;
      }
      case 'cut':
        b = b.subarray(0, pos(m.at));
        break;
      case 'del': {
        const p = pos(m.at);
        b = concat(b.subarray(0, p), b.subarray(Math.min(n, p + m.len)));
        break;
      }
      case 'dup': {
        const p = pos(m.at);
        const piece = b.subarray(p, Math.min(n, p + m.len));
        const to = n === 0 ? 0 : m.to % (n + 1);
        b = concat(b.subarray(0, to), piece, b.subarray(to));
        break;
      }
      case 'ins': {
        const p = n === 0 ? 0 : m.at % (n + 1);
        b = concat(b.subarray(0, p), m.data, b.subarray(p));
        break;
      }
      case 'splice': {
        if (others.length === 0) break;
        const o = others[m.other % others.length]!;
        if (o.length === 0) break;
        const from = m.from % o.length;
        const p = n === 0 ? 0 : m.at % (n + 1);
        b = concat(b.subarray(0, p), o.subarray(from, Math.min(o.length, from + m.len)), b.subarray(p));
        break;
      }
      default: {
        const never: never = m;
        throw new Error(`unknown mutation ${JSON.stringify(never)}`);
      }
    }
  }
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A seed mutated by a few edits (none now and then: the seed itself must pass too).
 * @param seeds real inputs (fixtures, synthetic conversations, sample rule lines)
 */
export function mutatedBytes(seeds: readonly Uint8Array[], o: { hot?: readonly number[]; maxEdits?: number } = {}): fc.Arbitrary<Uint8Array> {
  if (seeds.length === 0) throw new Error('a mutated arbitrary needs at least one seed');
  return fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutation(o.hot), { maxLength: o.maxEdits ?? 6 }))
    .map(([k, edits]) => mutate(seeds[k]!, edits, seeds));
}

const utf8 = new TextEncoder();
const text = new TextDecoder('utf-8', { fatal: false });

/**
 * Text inputs (rule lines, patterns, filters, configs): byte edits of the seed's UTF-8, plus token edits that
 * keep it near valid (a token repeated, dropped, swapped for one from the grammar's vocabulary).
 */
export function mutatedText(seeds: readonly string[], vocabulary: readonly string[], maxEdits = 4, maxLength = MAX_TEXT): fc.Arbitrary<string> {
  const tokenEdit = fc.record({
    kind: fc.constantFrom('insert', 'replace', 'delete', 'repeat'),
    at: fc.nat(),
    word: fc.constantFrom(...vocabulary),
    times: fc.integer({ min: 2, max: 40 }),
  });
  const bytes = seeds.map((s) => utf8.encode(s));
  return fc.tuple(
    fc.nat({ max: seeds.length - 1 }),
    fc.array(fc.oneof(tokenEdit, mutation()), { maxLength: maxEdits }),
  ).map(([k, edits]) => {
    let s = seeds[k]!;
    for (const e of edits) {
      if ('kind' in e) s = tokenEdited(s, e);
      else s = text.decode(mutate(utf8.encode(s), [e], bytes));
      // repeats compound (40 x 40 x ...): past the cap an input only costs time
      if (s.length > maxLength) s = s.slice(0, maxLength);
    }
    return s;
  });
}

/** Text inputs are cut here: large enough for every size limit of the parsers (a 256 KiB log line), no more. */
export const MAX_TEXT = 1024 * 1024;

/** Token boundaries: runs of word characters, quoted strings, and single punctuation characters. */
const TOKEN = /"(?:[^"\\]|\\.)*"|[\w$.-]+|\s+|[^\w\s]/g;

function tokenEdited(s: string, e: { kind: string; at: number; word: string; times: number }): string {
  const toks = s.match(TOKEN) ?? [];
  const i = toks.length === 0 ? 0 : e.at % toks.length;
  switch (e.kind) {
    case 'insert':
      toks.splice(i, 0, e.word);
      break;
    case 'replace':
      toks[i] = e.word;
      break;
    case 'delete':
      toks.splice(i, 1);
      break;
    default:
      // a token (or a word from the vocabulary) many times over: nesting, long lists
      toks.splice(i, 0, (toks[i] ?? e.word).repeat(e.times));
  }
  return toks.join('');
}

/** Cut points for a push parser: sorted positions inside [1, len). */
export function cutsArb(maxCuts = 40): fc.Arbitrary<number[]> {
  return fc.array(fc.nat(), { maxLength: maxCuts });
}

/** Splits bytes at the cut points (taken modulo the length into [1, len)); the pieces are views of `b`. */
export function splitAt(b: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  if (b.length < 2) return [b];
  const at = [...new Set(cuts.map((c) => 1 + (c % (b.length - 1))))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let p = 0;
  for (const c of [...at, b.length]) {
    out.push(b.subarray(p, c));
    p = c;
  }
  return out;
}

/**
 * Hands each piece to `f` from one reused scratch buffer that is overwritten after the call, as the file
 * reader's buffers are: a parser that keeps a view past its call sees garbage and the comparison fails.
 */
export function throughScratch(pieces: readonly Uint8Array[], f: (chunk: Uint8Array) => void): void {
  let max = 0;
  for (const p of pieces) max = Math.max(max, p.length);
  const scratch = new Uint8Array(max);
  for (const p of pieces) {
    scratch.set(p);
    const view = scratch.subarray(0, p.length);
    f(view);
    view.fill(0xee);
  }
}

export const textBytes = (s: string): Uint8Array => utf8.encode(s);
export const bytesText = (b: Uint8Array): string => text.decode(b);
