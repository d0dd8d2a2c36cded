// Zeek's JSON log form (LogAscii::use_json): one flat object per line, keys as the TSV #fields name them
// (`id.orig_h`), unset fields left out. Times are decoded to µs as the TSV reader does; JSON has no types, so
// which fields are times comes from Zeek's log documentation, log by log (ZEEK_TIME_FIELDS).
import { jsonObjectLine } from './json-depth.js';
import type { ZeekRow } from './mapper.js';
import { BAD, secondsToMicros } from './zeek-values.js';

/** Fields of every Zeek log whose type is `time`. */
const ALL_LOGS_TIME_FIELDS: ReadonlySet<string> = new Set(['ts', '_write_ts']);

/**
 * Fields of Zeek's logs whose type is `time` besides `ts`, by log (Zeek's log documentation): x509's certificate
 * validity, kerberos' ticket times, ocsp's update times, pe's compile time, ntp's timestamps, smb_files' file
 * times, snmp's uptime start. By log, not one set for all: smtp.log's `from` is a header (kerberos' is a time).
 */
export const ZEEK_TIME_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  x509: new Set(['certificate.not_valid_before', 'certificate.not_valid_after']),
  known_certs: new Set(['not_valid_before', 'not_valid_after']),
  kerberos: new Set(['till', 'from']),
  ocsp: new Set(['thisUpdate', 'nextUpdate', 'revoketime']),
  pe: new Set(['compile_ts']),
  ntp: new Set(['ref_time', 'org_time', 'rec_time', 'xmt_time']),
  smb_files: new Set(['times.modified', 'times.accessed', 'times.created', 'times.changed']),
  snmp: new Set(['up_since']),
};

/** Whether a field of a log is a time. */
function isTimeField(log: string, field: string): boolean {
  return ALL_LOGS_TIME_FIELDS.has(field) || (Object.hasOwn(ZEEK_TIME_FIELDS, log) && ZEEK_TIME_FIELDS[log]!.has(field));
}

/** One line of a Zeek JSON log: the row and the log it belongs to, or why it cannot be read. */
export type ZeekJsonLine = { kind: 'row'; log: string; row: ZeekRow } | { kind: 'meta' } | { kind: 'bad'; reason: string };

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.(\d{1,9}))?Z$/;

/** A time value as Zeek's JSON writes it (epoch seconds, or ISO 8601 with json_timestamps=JSON::TS_ISO8601). */
function jsonTime(v: unknown): number | null | typeof BAD {
  if (v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? secondsToMicros(String(v)) : BAD;
  if (typeof v !== 'string') return BAD;
  const m = ISO.exec(v);
  if (m === null) return secondsToMicros(v);
  const ms = Date.parse(`${v.slice(0, 19)}Z`);
  if (Number.isNaN(ms)) return BAD;
  return ms * 1000 + Number((m[2] ?? '').slice(0, 6).padEnd(6, '0'));
}

/** Does this line begin like a JSON object? */
export function isJsonObjectStart(line: string): boolean {
  return line.trimStart().startsWith('{');
}

/** Parses one line (`log`: the name from the file, used when the object has no `_path`). */
export function zeekJsonLine(text: string, log: string): ZeekJsonLine {
  const line = jsonObjectLine(text);
  if (line.kind !== 'object') return line;
  const row = line.o;
  let name = log;
  if (typeof row._path === 'string' && row._path !== '') {
    name = row._path;
    delete row._path;
  }
  for (const k in row) {
    const v = row[k];
    if (isTimeField(name, k)) {
      const t = jsonTime(v);
      if (t === BAD) return { kind: 'bad', reason: `field ${k}: ${JSON.stringify(v)?.slice(0, 64)} is not a time` };
      row[k] = t;
    } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      return { kind: 'bad', reason: `field ${k}: a nested object (Zeek's JSON logs are flat)` };
    }
  }
  return { kind: 'row', log: name, row: row as ZeekRow };
}
