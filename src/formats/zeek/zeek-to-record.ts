// The inverse of the Zeek writers, for the importer: one decoded Zeek log row -> a row of our schema and what
// Zeek holds that we have no field for.
//
// API:
//   zeekToRecord(log, row) -> { table, record, extra, mergeOn? } | null
//     log    the Zeek path (`#path`, or the file's name without .log): conn, ssl, x509, http, smtp, files, dns, ssh,
//            ftp, weird, notice; any other -> null (the importer keeps such rows as it sees fit)
//     row    column name -> decoded value, as parseZeekField (zeek-text.ts) gives for the column's #types entry:
//            time -> µs integer, interval/double -> seconds, count/int/port -> number, bool -> boolean,
//            addr/string/enum -> string, set/vector -> array, unset (`-`, or absent in JSON) -> null,
//            `(empty)` -> '' or []. A column missing from the row is unset.
//     table  our table: conn->sessions, ssl/x509->tls, http, smtp, files, dns, ssh, ftp, weird->anomalies,
//            notice -> findings (note Haystack::Finding) or alerts (any other note)
//     throws HaystackError HAYSTACK_LOG_FORMAT when a mapped column's value is a list and the log has one value
//            there, or the reverse (the importer keeps such a line as an anomaly)
//     record every field of the table's schema, absent = null (fields Zeek does not carry stay null: the importer
//            fills uid/sensor/source/capture_id and may compute community_id)
//     extra  the row's non-null values of columns that have no field of ours (unknown columns included)
//     mergeOn set for x509: the record holds the certificate fields only, to merge into the tls row whose
//            cert_sha256 equals record.cert_sha256 (ssl.log's cert_chain_fps[0])
import { setOwn } from '../../core/own.js';
import { HaystackError } from '../../core/errors.js';
import { FINDING_NOTE } from './logs/notice.js';
import { zeekLogsByPath } from './zeek-logs.js';
import type { Row, ZeekLog, ZeekValue } from './zeek-types.js';

/** A decoded Zeek row: column name -> value (see the header). */
export type ZeekRow = Readonly<Record<string, ZeekValue | undefined>>;

export interface ZeekRecord {
  table: string;
  record: Row;
  extra: Record<string, ZeekValue>;
  /** x509 rows: the tls field to merge on */
  mergeOn?: 'cert_sha256';
}

function pick(path: string, row: ZeekRow): ZeekLog | undefined {
  const logs = zeekLogsByPath(path);
  if (path === 'notice') return logs.find((l) => (l.schema.name === 'findings') === (row.note === FINDING_NOTE));
  return logs[0];
}

/** What zeekToRecord needs of a log, made once: its column names, and its blank record's maker. */
interface Prepared {
  known: ReadonlySet<string>;
  /** a record with every field of the schema null, in the schema's order (one object literal) */
  blank: () => Row;
}

const PREPARED = new WeakMap<ZeekLog, Prepared>();

/**
 * A log's Prepared: per row, the column name set and adding the schema's fields one by one to an empty object were
 * a fifth of an import's time (the object's property store regrown ~5 times a row). Generated code (new Function),
 * the field names from our schema embedded through JSON.stringify, as the TSV reader's row maker.
 */
function prepared(spec: ZeekLog): Prepared {
  let p = PREPARED.get(spec);
  if (p === undefined) {
    const names = spec.schema.fields.map((f) => f.name);
    // a literal's "__proto__" key would set the prototype: never a field of ours, but then assigned as before
    const blank = names.includes('__proto__')
      ? (): Row => Object.fromEntries(names.map((n) => [n, null])) as Row
      : new Function(`return () => ({${names.map((n) => `${JSON.stringify(n)}: null`).join(', ')}});`)() as () => Row;
    p = { known: new Set(spec.columns.map((c) => c.name)), blank };
    PREPARED.set(spec, p);
  }
  return p;
}

/** One Zeek row as a record of ours (see the file header for the contract). */
export function zeekToRecord(log: string, row: ZeekRow): ZeekRecord | null {
  const spec = pick(log, row);
  if (spec === undefined) return null;
  const { known, blank } = prepared(spec);
  const record = blank();
  const extra: Record<string, ZeekValue> = {};
  for (const c of spec.columns) {
    const v = row[c.name];
    if (v === undefined || v === null) continue;
    if (c.set === undefined) extra[c.name] = v;
    else {
      // JSON has no types and a TSV's #types line is the file's word: a list where the log has one value (or the
      // reverse) is a line that cannot be read, not a value for the column's inverse
      const list = c.type.endsWith(']');
      if (Array.isArray(v) !== list) throw new HaystackError('HAYSTACK_LOG_FORMAT', `column ${c.name}: ${list ? 'one value where the log has a list' : 'a list where the log has one value'}`);
      c.set(v, record);
    }
  }
  for (const [k, v] of Object.entries(row)) if (!known.has(k) && v !== undefined && v !== null) setOwn(extra, k, v);
  spec.finish?.(record, extra);
  return spec.path === 'x509' ? { table: spec.schema.name, record, extra, mergeOn: 'cert_sha256' } : { table: spec.schema.name, record, extra };
}
