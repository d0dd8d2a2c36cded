// files.log from `files`: Zeek's default columns (base/frameworks/files) and the md5/sha1/sha256 columns its
// hash scripts add (base/files/hash with frameworks/files/hash-all-files), one line per object.
import { FILES } from '../../../schema/files.js';
import { computed, fixed, same, unfilled } from '../columns.js';
import type { Row, SqlParts, ZeekLog } from '../zeek-types.js';
import { renamedSql } from '../sql-values.js';
import { own } from '../../../core/own.js';

/** our source -> Zeek's (the analyzer's name, upper case) */
const SOURCE: Readonly<Record<string, string>> = { smtp: 'SMTP', http: 'HTTP', 'ftp-data': 'FTP_DATA', ftp: 'FTP_DATA' };

/** Sources whose objects the server sent: a message a client fetched from its mailbox (POP3 RETR, IMAP FETCH). */
const FROM_SERVER = ['pop3', 'imap'];

/**
 * who sent the object: a mail's parts come from the client over SMTP, from the server over POP3/IMAP, an HTTP
 * body from the side of its part_path
 */
function isOrig(r: Row): boolean | null {
  if (r.source === 'smtp') return true;
  if (FROM_SERVER.includes(r.source as string)) return false;
  const p = r.part_path as string | null;
  if (r.source === 'http' && p !== null) return p.startsWith('request');
  return null;
}

function isOrigSql(s: SqlParts): string {
  const [src, p] = [s.col('source'), s.col('part_path')];
  return `CASE WHEN ${src} = ${s.lit('smtp')} THEN true WHEN ${src} IN (${FROM_SERVER.map((x) => s.lit(x)).join(', ')}) THEN false WHEN ${src} = ${s.lit('http')} AND ${p} IS NOT NULL THEN starts_with(${p}, ${s.lit('request')}) END`;
}

/**
 * The source in SQL. DuckDB's upper() is toUpperCase but for the letters Unicode upper-cases to more than one
 * (SpecialCasing: ß is SS in JS, ẞ in DuckDB; ligatures): no source of ours or Zeek's has one.
 */
function sourceSql(s: SqlParts): string {
  const x = s.col('source');
  return renamedSql(s, x, SOURCE, `upper(${x})`);
}

export const FILES_LOG: ZeekLog = {
  path: 'files',
  schema: FILES,
  columns: [
    same('ts', 'time', 'ts'),
    same('fuid', 'string', 'fuid'),
    same('uid', 'string', 'uid'),
    // the files record does not name its session's endpoints (join sessions by uid)
    unfilled('id.orig_h', 'addr'),
    unfilled('id.orig_p', 'port'),
    unfilled('id.resp_h', 'addr'),
    unfilled('id.resp_p', 'port'),
    computed('source', 'string', (r) => own(SOURCE, r.source as string) ?? (r.source as string).toUpperCase(), sourceSql, (v, o) => {
      const s = String(v).toLowerCase();
      o.source = s === 'ftp_data' ? 'ftp-data' : s;
    }, ['source']),
    unfilled('depth', 'count'),
    fixed('analyzers', 'set[string]', ['MD5', 'SHA1', 'SHA256']),
    same('mime_type', 'string', 'mime_type'),
    same('filename', 'string', 'filename'),
    unfilled('duration', 'interval'),
    unfilled('local_orig', 'bool'),
    computed('is_orig', 'bool', isOrig, isOrigSql),
    same('seen_bytes', 'count', 'size'),
    unfilled('total_bytes', 'count'),
    same('missing_bytes', 'count', 'missing_bytes'),
    fixed('overflow_bytes', 'count', 0),
    fixed('timedout', 'bool', false),
    unfilled('parent_fuid', 'string'),
    same('md5', 'string', 'md5'),
    same('sha1', 'string', 'sha1'),
    same('sha256', 'string', 'sha256'),
  ],
};
