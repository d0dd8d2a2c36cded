// Zeek log writers, TSV and JSON: each log's row formatter is compiled once (one formatter per column, picked by
// its Zeek type), a row is one string built by concatenation, and output is handed over in blocks.
import { elementType, jsonString, zeekFieldText, zeekJsonSeconds, zeekJsonTime, zeekScalarText, zeekString, zeekTime, ZEEK_EMPTY, ZEEK_UNSET } from './zeek-text.js';
import type { Row, ZeekLog, ZeekScalar, ZeekType, ZeekValue } from './zeek-types.js';

/**
 * Text handed to the sink at a time: a write per block costs nothing against the rows, and a block stays small
 * enough to stream. The rows are appended to one string (V8 keeps it as a rope; joining an array of lines measured
 * 3x slower).
 */
const FLUSH_CHARS = 256 * 1024;

type Fmt = (v: ZeekValue) => string;

/** A TSV formatter for one column type: the scalar cases without the general dispatch. */
function tsvFormatter(type: ZeekType): Fmt {
  const el = elementType(type);
  if (el !== null) {
    // the element formatter picked once; a set's strings escape the set separator too
    const one = el === 'string' || el === 'enum' || el === 'addr' ? (x: ZeekScalar): string => zeekString(x as string, true) : (x: ZeekScalar): string => zeekScalarText(x, el, true);
    return (v) => {
      if (v === null) return ZEEK_UNSET;
      const a = v as readonly ZeekScalar[];
      if (a.length === 0) return ZEEK_EMPTY;
      let s = one(a[0]!);
      for (let i = 1; i < a.length; i++) s += `,${one(a[i]!)}`;
      return s;
    };
  }
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the other types take the general path
  switch (type) {
    case 'time': return (v) => (v === null ? ZEEK_UNSET : zeekTime(v as number));
    case 'count': case 'int': case 'port': return (v) => (v === null ? ZEEK_UNSET : String(v));
    case 'bool': return (v) => (v === null ? ZEEK_UNSET : v === true ? 'T' : 'F');
    case 'string': case 'enum': case 'addr': return (v) => (v === null ? ZEEK_UNSET : zeekString(v as string));
    default: return (v) => zeekFieldText(v, type);
  }
}

/**
 * Compiles a log's TSV line maker (no newline): one expression per column, the columns that are a field of ours read
 * directly and formatted inline by their type, the others through their get and the type's formatter. Generated
 * code (new Function) from our column definitions only (names embedded through JSON.stringify), for Node.
 */
export function compileTsvRow(log: ZeekLog): (r: Row) => string {
  const G = log.columns.map((c) => c.get);
  const F = log.columns.map((c) => tsvFormatter(c.type));
  const decls: string[] = [];
  const exprs = log.columns.map((c, i) => {
    if (c.field === undefined) return `F[${i}](G[${i}](r))`;
    decls.push(`const v${i} = r[${JSON.stringify(c.field)}];`);
    const v = `v${i}`;
    // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the other types go through F
    switch (c.type) {
      case 'time': return `(${v} == null ? '-' : T(${v}))`;
      case 'interval': return `(${v} == null ? '-' : ${v}.toFixed(6))`;
      case 'count': case 'int': case 'port': return `(${v} == null ? '-' : '' + ${v})`;
      case 'bool': return `(${v} == null ? '-' : ${v} === true ? 'T' : 'F')`;
      case 'string': case 'enum': case 'addr': return `(${v} == null ? '-' : S(${v}))`;
      default: return `F[${i}](${v} ?? null)`;
    }
  });
  const body = `return (r) => { ${decls.join(' ')} return ${exprs.join(" + '\\t' + ")}; };`;
  return new Function('G', 'F', 'T', 'S', body)(G, F, zeekTime, zeekString) as (r: Row) => string;
}

/** `#open`/`#close` time: Zeek's %Y-%m-%d-%H-%M-%S (in UTC here: formats are given the time, not the zone). */
export function zeekHeaderTime(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}-${p(d.getUTCMinutes())}-${p(d.getUTCSeconds())}`;
}

/** The header lines Zeek's ASCII writer puts before the rows (each ending with a newline). */
export function zeekHeader(log: ZeekLog, now: number): string {
  return '#separator \\x09\n' +
    `#set_separator\t,\n#empty_field\t${ZEEK_EMPTY}\n#unset_field\t${ZEEK_UNSET}\n#path\t${log.path}\n#open\t${zeekHeaderTime(now)}\n` +
    `#fields\t${log.columns.map((c) => c.name).join('\t')}\n#types\t${log.columns.map((c) => c.type).join('\t')}\n`;
}

function jsonScalar(type: string): (v: ZeekScalar) => string {
  switch (type) {
    case 'time': return (v) => zeekJsonTime(v as number);
    case 'interval': case 'double': return (v) => zeekJsonSeconds(v as number);
    case 'count': case 'int': case 'port': return (v) => String(v);
    case 'bool': return (v) => (v === true ? 'true' : 'false');
    default: return (v) => jsonString(String(v));
  }
}

/** A JSON formatter for one column type (sets and vectors as arrays). */
function jsonFormatter(type: ZeekType): (v: ZeekValue) => string {
  const el = elementType(type);
  if (el === null) return jsonScalar(type) as (v: ZeekValue) => string;
  const f = jsonScalar(el);
  return (v: ZeekValue): string => {
    const a = v as readonly ZeekScalar[];
    if (a.length === 0) return '[]';
    let s = `[${f(a[0]!)}`;
    for (let i = 1; i < a.length; i++) s += `,${f(a[i]!)}`;
    return `${s}]`;
  };
}

/**
 * Compiles a log's JSON line maker: Zeek's JSON (dotted names, times as epoch seconds, unset fields left out).
 * Generated code as compileTsvRow's.
 */
export function compileJsonRow(log: ZeekLog): (r: Row) => string {
  const G = log.columns.map((c) => c.get);
  const F = log.columns.map((c) => jsonFormatter(c.type));
  const stmts = log.columns.map((c, i) => {
    const v = `v${i}`;
    const read = c.field === undefined ? `G[${i}](r)` : `r[${JSON.stringify(c.field)}]`;
    const key = JSON.stringify(`${JSON.stringify(c.name)}:`);
    let fmt = `F[${i}](${v})`;
    if (c.field !== undefined) {
      if (c.type === 'count' || c.type === 'int' || c.type === 'port') fmt = `'' + ${v}`;
      else if (c.type === 'bool') fmt = `(${v} === true ? 'true' : 'false')`;
      else if (c.type === 'string' || c.type === 'enum' || c.type === 'addr') fmt = `J(${v})`;
    }
    return `const ${v} = ${read}; if (${v} != null) s += (s.length > 1 ? ',' : '') + ${key} + ${fmt};`;
  });
  const body = `return (r) => { let s = '{'; ${stmts.join(' ')} return s + '}'; };`;
  return new Function('G', 'F', 'J', body)(G, F, jsonString) as (r: Row) => string;
}

/** Writes one Zeek log: header (TSV), one line per kept row, `#close` (TSV). */
export class ZeekLogWriter {
  private readonly line: (r: Row) => string;
  private readonly keep: ((r: Row) => boolean) | undefined;
  private buf = '';
  private started = false;
  /** x509: a certificate is logged once (Zeek's x509 log deduplicates by fingerprint) */
  private readonly seenCerts: Set<string> | null;
  rows = 0;

  /**
   * `part`: this writer adds rows to a log another writer began (`first` false: no header) or that another will end
   * (`last` false: no #close); notice.log is written from alerts, then findings.
   */
  constructor(private readonly log: ZeekLog, private readonly json: boolean, private readonly write: (text: string) => void, private readonly now: number,
    private readonly part: { first: boolean; last: boolean } = { first: true, last: true }) {
    this.line = json ? compileJsonRow(log) : compileTsvRow(log);
    this.keep = log.keep;
    this.seenCerts = log.path === 'x509' ? new Set() : null;
  }

  row(r: Row): void {
    if (this.keep !== undefined && !this.keep(r)) return;
    if (this.seenCerts !== null) {
      const fp = r.cert_sha256 as string;
      if (this.seenCerts.has(fp)) return;
      this.seenCerts.add(fp);
    }
    if (!this.started) this.start();
    this.buf += `${this.line(r)}\n`;
    this.rows++;
    if (this.buf.length >= FLUSH_CHARS) this.flush();
  }

  /** Ends the log; a TSV log with no row still gets its header and `#close`, as Zeek writes an opened log. */
  end(): void {
    if (!this.started) this.start();
    this.flush();
    if (!this.json && this.part.last) this.write(`#close\t${zeekHeaderTime(this.now)}\n`);
  }

  private flush(): void {
    if (this.buf === '') return;
    this.write(this.buf);
    this.buf = '';
  }

  private start(): void {
    this.started = true;
    if (!this.json && this.part.first) this.write(zeekHeader(this.log, this.now));
  }
}
