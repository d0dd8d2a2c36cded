// Zeek log writers, TSV and JSON: each log's row formatter is compiled once (one formatter per column, picked by
// its Zeek type), a row is one string built by concatenation, and output is handed over in blocks.
import { elementType, zeekFieldText, zeekJsonTime, zeekString, zeekTime, ZEEK_EMPTY, ZEEK_UNSET } from './zeek-text.js';
import type { Row, ZeekLog, ZeekScalar, ZeekType, ZeekValue } from './zeek-types.js';

/** Text handed to the sink at a time: large enough that a write per block costs nothing, small enough to stream. */
const FLUSH_CHARS = 256 * 1024;

type Fmt = (v: ZeekValue) => string;

/** A TSV formatter for one column type: the scalar cases without the general dispatch. */
function tsvFormatter(type: ZeekType): Fmt {
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check -- the other types take the general path
  switch (type) {
    case 'time': return (v) => (v === null ? ZEEK_UNSET : zeekTime(v as number));
    case 'count': case 'int': case 'port': return (v) => (v === null ? ZEEK_UNSET : String(v));
    case 'bool': return (v) => (v === null ? ZEEK_UNSET : v === true ? 'T' : 'F');
    case 'string': case 'enum': case 'addr': return (v) => (v === null ? ZEEK_UNSET : zeekString(v as string));
    default: return (v) => zeekFieldText(v, type);
  }
}

/** Compiles a log's TSV line maker: the row's fields joined by tabs (no newline). */
export function compileTsvRow(log: ZeekLog): (r: Row) => string {
  const gets = log.columns.map((c) => c.get);
  const fmts = log.columns.map((c) => tsvFormatter(c.type));
  const n = gets.length;
  return (r) => {
    let s = fmts[0]!(gets[0]!(r));
    for (let i = 1; i < n; i++) s += `\t${fmts[i]!(gets[i]!(r))}`;
    return s;
  };
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
    case 'interval': case 'double': return (v) => {
      const t = (v as number).toFixed(6).replace(/0+$/, '');
      return t.endsWith('.') ? `${t}0` : t;
    };
    case 'count': case 'int': case 'port': return (v) => String(v);
    case 'bool': return (v) => (v === true ? 'true' : 'false');
    default: return (v) => JSON.stringify(String(v));
  }
}

/** Compiles a log's JSON line maker: Zeek's JSON (dotted names, times as epoch seconds, unset fields left out). */
export function compileJsonRow(log: ZeekLog): (r: Row) => string {
  const gets = log.columns.map((c) => c.get);
  const keys = log.columns.map((c) => `${JSON.stringify(c.name)}:`);
  const fmts = log.columns.map((c) => {
    const el = elementType(c.type);
    if (el === null) return jsonScalar(c.type) as (v: ZeekValue) => string;
    const f = jsonScalar(el);
    return (v: ZeekValue): string => {
      const a = v as readonly ZeekScalar[];
      if (a.length === 0) return '[]';
      let s = `[${f(a[0]!)}`;
      for (let i = 1; i < a.length; i++) s += `,${f(a[i]!)}`;
      return `${s}]`;
    };
  });
  const n = gets.length;
  return (r) => {
    let s = '{';
    for (let i = 0; i < n; i++) {
      const v = gets[i]!(r);
      if (v === null) continue;
      s += `${s.length > 1 ? ',' : ''}${keys[i]!}${fmts[i]!(v)}`;
    }
    return `${s}}`;
  };
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
    if (this.buf.length >= FLUSH_CHARS) {
      this.write(this.buf);
      this.buf = '';
    }
  }

  /** Ends the log; a TSV log with no row still gets its header and `#close`, as Zeek writes an opened log. */
  end(): void {
    if (!this.started) this.start();
    if (!this.json && this.part.last) this.buf += `#close\t${zeekHeaderTime(this.now)}\n`;
    if (this.buf !== '') this.write(this.buf);
    this.buf = '';
  }

  private start(): void {
    this.started = true;
    if (!this.json && this.part.first) this.buf += zeekHeader(this.log, this.now);
  }
}
