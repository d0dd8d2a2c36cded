// notice.log from `alerts` (note Signatures::Sensitive_Signature, as Zeek's signature framework raises) and from
// `findings` (note Haystack::Finding); the inverse takes any other note as an alert.
import { ALERTS } from '../../../schema/alerts.js';
import { FINDINGS } from '../../../schema/findings.js';
import { computed, connColumns, fixed, same, unfilled } from '../columns.js';
import type { Row, SqlParts, ZeekColumn, ZeekLog } from '../zeek-types.js';
import { transportSql } from '../sql-values.js';

export const ALERT_NOTE = 'Signatures::Sensitive_Signature';
export const FINDING_NOTE = 'Haystack::Finding';

const PROTO = (r: Row): string | null => {
  const p = r.proto as string | null | undefined;
  return p === undefined || p === null ? null : p === 'tcp' || p === 'udp' || p === 'icmp' ? p : p === 'icmpv6' ? 'icmp' : 'unknown_transport';
};

const PROTO_SQL = (s: SqlParts): string => `CASE WHEN ${s.col('proto')} IS NOT NULL THEN ${transportSql(s, s.col('proto'))} END`;

/** the columns after id.* up to note, and the tail every notice has */
function tail(): ZeekColumn[] {
  return [
    computed('src', 'addr', (r) => (r.src_ip ?? null) as string | null, (s) => s.col('src_ip')),
    computed('dst', 'addr', (r) => (r.dst_ip ?? null) as string | null, (s) => s.col('dst_ip')),
    computed('p', 'port', (r) => (r.dst_port ?? null) as number | null, (s) => s.col('dst_port')),
  ];
}

const REST: ZeekColumn[] = [
  unfilled('peer_descr', 'string'),
  fixed('actions', 'set[enum]', ['Notice::ACTION_LOG']),
  unfilled('email_dest', 'set[string]'),
  unfilled('suppress_for', 'interval'),
  unfilled('remote_location.country_code', 'string'),
  unfilled('remote_location.region', 'string'),
  unfilled('remote_location.city', 'string'),
  unfilled('remote_location.latitude', 'double'),
  unfilled('remote_location.longitude', 'double'),
];

/** `gid:sid:rev`, Snort's way of naming a rule */
const RULE = /^(\d+):(\d+):(\d+)$/;

export const NOTICE_ALERTS_LOG: ZeekLog = {
  path: 'notice',
  schema: ALERTS,
  columns: [
    ...connColumns('ts'),
    unfilled('fuid', 'string'),
    unfilled('file_mime_type', 'string'),
    unfilled('file_desc', 'string'),
    computed('proto', 'enum', PROTO, PROTO_SQL, (v, o) => { o.proto = v; }),
    computed('note', 'enum', () => ALERT_NOTE, (s) => s.lit(ALERT_NOTE), (v, o) => { if (v !== ALERT_NOTE) o.classtype = v; }),
    same('msg', 'string', 'msg'),
    // String(null) is 'null'
    computed('sub', 'string', (r) => `${String(r.gid)}:${String(r.sid)}:${String(r.rev)}`,
      (s) => `concat_ws(${s.lit(':')}, ${['gid', 'sid', 'rev'].map((f) => `coalesce(CAST(${s.col(f)} AS VARCHAR), ${s.lit('null')})`).join(', ')})`, (v, o) => {
      const m = RULE.exec(v as string);
      if (m !== null) [o.gid, o.sid, o.rev] = [Number(m[1]), Number(m[2]), Number(m[3])];
    }, ['gid', 'sid', 'rev']),
    ...tail(),
    same('n', 'count', 'priority'),
    ...REST,
  ],
};

export const NOTICE_FINDINGS_LOG: ZeekLog = {
  path: 'notice',
  schema: FINDINGS,
  columns: [
    ...connColumns('ts'),
    same('fuid', 'string', 'fuid'),
    unfilled('file_mime_type', 'string'),
    same('file_desc', 'string', 'decode_path'),
    unfilled('proto', 'enum'),
    fixed('note', 'enum', FINDING_NOTE),
    same('msg', 'string', 'detector'),
    same('sub', 'string', 'masked'),
    ...tail(),
    same('n', 'count', 'count'),
    ...REST,
  ],
};
