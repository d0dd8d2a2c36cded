// http.log from `http`: Zeek's default columns (base/protocols/http), one line per request/response pair.
import { HTTP } from '../../../schema/http.js';
import { computed, connColumns, fixed, same, unfilled } from '../columns.js';
import type { Row, SqlParts, ZeekLog, ZeekValue } from '../zeek-types.js';
import { nonEmptySql } from '../sql-values.js';

/** cheap test before parsing the headers: most requests send no Origin */
const ORIGIN = /"origin"/i;

/** A request header's value from our request_headers (JSON text of [name, value] pairs), first of that name. */
function header(r: Row, name: string): string | null {
  const h = r.request_headers;
  if (typeof h !== 'string' || !ORIGIN.test(h)) return null;
  try {
    const pairs = JSON.parse(h) as unknown;
    if (!Array.isArray(pairs)) return null;
    for (const p of pairs) if (Array.isArray(p) && typeof p[0] === 'string' && p[0].toLowerCase() === name) return typeof p[1] === 'string' ? p[1] : null;
  } catch {
    return null;
  }
  return null;
}

/**
 * header(r, 'origin') in SQL: the same cheap test, then the first [name, value] pair whose name is `origin` in any
 * case (RE2's case folding has no other letter for these), its value when a string. Text JSON.parse refuses is no
 * header (json_valid: DuckDB's parser is stricter than none of JSON.parse's: both follow RFC 8259).
 */
function originSql(s: SqlParts): string {
  const h = s.col('request_headers');
  const pairs = `json_extract(${h}, ${s.lit('$[*]')})`;
  const named = `list_filter(${pairs}, lambda p: json_type(p) = ${s.lit('ARRAY')} AND json_type(p, ${s.lit('$[0]')}) = ${s.lit('VARCHAR')} ` +
    `AND regexp_full_match(p ->> ${s.lit('$[0]')}, ${s.lit('(?i)origin')}))[1]`;
  return `CASE WHEN regexp_matches(${h}, ${s.lit('(?i)"origin"')}) AND json_valid(${h}) AND json_type(${h}) = ${s.lit('ARRAY')} ` +
    `AND json_type(${named}, ${s.lit('$[1]')}) = ${s.lit('VARCHAR')} THEN ${named} ->> ${s.lit('$[1]')} END`;
}

/** Zeek writes a file list only when there are files. */
const files = (field: string) => (r: Row): ZeekValue => {
  const a = r[field] as string[] | null;
  return a === null || a.length === 0 ? null : a;
};

export const HTTP_LOG: ZeekLog = {
  path: 'http',
  schema: HTTP,
  columns: [
    ...connColumns('ts'),
    same('trans_depth', 'count', 'trans_depth'),
    same('method', 'string', 'method'),
    same('host', 'string', 'host'),
    same('uri', 'string', 'uri'),
    same('referrer', 'string', 'referer'),
    // Zeek writes the number only ("1.1")
    computed('version', 'string', (r) => (r.version === null ? null : (r.version as string).replace(/^HTTP\//i, '')),
      (s) => `CASE WHEN regexp_matches(${s.col('version')}, ${s.lit('^(?i)http/')}) THEN substr(${s.col('version')}, 6) ELSE ${s.col('version')} END`, (v, o) => { o.version = `HTTP/${String(v)}`; }, ['version']),
    same('user_agent', 'string', 'user_agent'),
    computed('origin', 'string', (r) => header(r, 'origin'), originSql),
    same('request_body_len', 'count', 'request_body_len'),
    same('response_body_len', 'count', 'response_body_len'),
    same('status_code', 'count', 'status_code'),
    // Zeek writes an empty reason phrase as <empty>
    computed('status_msg', 'string', (r) => (r.status_msg === '' ? '<empty>' : (r.status_msg ?? null) as string | null),
      (s) => `CASE WHEN ${s.col('status_msg')} = ${s.lit('')} THEN ${s.lit('<empty>')} ELSE ${s.col('status_msg')} END`, (v, o) => { o.status_msg = v === '<empty>' ? '' : v; }, ['status_msg']),
    same('info_code', 'count', 'info_code'),
    same('info_msg', 'string', 'info_msg'),
    fixed('tags', 'set[enum]', []),
    // credentials are never kept
    unfilled('username', 'string'),
    unfilled('password', 'string'),
    unfilled('proxied', 'set[string]'),
    computed('orig_fuids', 'vector[string]', files('request_fuids'), (s) => nonEmptySql(s.col('request_fuids')), (v, o) => { o.request_fuids = [...(v as string[])]; }, ['request_fuids']),
    unfilled('orig_filenames', 'vector[string]'),
    unfilled('orig_mime_types', 'vector[string]'),
    computed('resp_fuids', 'vector[string]', files('response_fuids'), (s) => nonEmptySql(s.col('response_fuids')), (v, o) => { o.response_fuids = [...(v as string[])]; }, ['response_fuids']),
    unfilled('resp_filenames', 'vector[string]'),
    unfilled('resp_mime_types', 'vector[string]'),
  ],
  finish: (o) => {
    // an unset file list is an empty one of ours
    if (o.request_fuids === null) o.request_fuids = [];
    if (o.response_fuids === null) o.response_fuids = [];
  },
};
