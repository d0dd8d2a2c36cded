// conn.log from `sessions`: Zeek's default columns (base/protocols/conn), in Zeek's order.
import { SESSIONS } from '../../../schema/sessions.js';
import { computed, connColumns, same, unfilled } from '../columns.js';
import type { Row, SqlParts, ZeekLog, ZeekValue } from '../zeek-types.js';
import { own } from '../../../core/own.js';
import { sqlMap } from '../zeek-sql.js';
import { renamedSql, transportSql } from '../sql-values.js';

/** our app_proto -> Zeek's service name, where they differ (Zeek names TLS "ssl") */
const SERVICE: Readonly<Record<string, string>> = { tls: 'ssl' };
const APP_PROTO: Readonly<Record<string, string>> = { ssl: 'tls' };

/** IP protocol numbers of our proto names (src/flow/session-record.ts PROTO_NAMES) */
const IP_PROTO: Readonly<Record<string, number>> = {
  tcp: 6, udp: 17, icmp: 1, icmpv6: 58, sctp: 132, gre: 47, esp: 50, ah: 51, igmp: 2, ospf: 89, pim: 103, vrrp: 112,
};
const PROTO_NAME = new Map(Object.entries(IP_PROTO).map(([k, v]) => [v, k]));

/**
 * The longest duration (s) the SQL finish takes: start + duration stays an exact µs count (the JS path's number).
 * A negative one goes the JS way too (Math.round and SQL's round differ on its halves).
 */
const SQL_MAX_DURATION = 1e9;

/** Zeek's transport_proto enum: tcp, udp, icmp (ICMPv6 too), else unknown_transport. */
function transport(proto: string): string {
  return proto === 'tcp' || proto === 'udp' || proto === 'icmp' ? proto : proto === 'icmpv6' ? 'icmp' : 'unknown_transport';
}

function ipProto(proto: string): number | null {
  const n = own(IP_PROTO, proto);
  if (n !== undefined) return n;
  return /^\d+$/.test(proto) ? Number(proto) : null;
}

/** Zeek sets duration, orig_bytes and resp_bytes only when the connection lasted (duration > 0). */
const lasted = (r: Row): boolean => (r.duration as number) > 0;
const lastedSql = (s: SqlParts, field: string): string => `CASE WHEN ${s.col('duration')} > 0 THEN ${s.col(field)} END`;

/** ipProto in SQL: a name's number, else the digits' (up to 15: a number past them is not an IP protocol's). */
function ipProtoSql(s: SqlParts, p: string): string {
  return `CASE ${Object.entries(IP_PROTO).map(([k, v]) => `WHEN ${p} = ${s.lit(k)} THEN ${v}`).join(' ')} ` +
    `WHEN regexp_full_match(${p}, ${s.lit('[0-9]{1,15}')}) THEN CAST(${p} AS BIGINT) END`;
}

export const CONN_LOG: ZeekLog = {
  path: 'conn',
  schema: SESSIONS,
  columns: [
    ...connColumns('start_time'),
    computed('proto', 'enum', (r) => transport(r.proto as string), (s) => transportSql(s, s.col('proto')), (v, o) => {
      // ip_proto (read after) refines it
      o.proto = v === 'unknown_transport' ? null : v;
    }, undefined, (v) => ({ proto: `CASE WHEN ${v} = 'unknown_transport' THEN NULL ELSE ${v} END` })),
    computed('service', 'string', (r) => (r.app_proto === null ? null : own(SERVICE, r.app_proto as string) ?? (r.app_proto as string)),
      (s) => renamedSql(s, s.col('app_proto'), SERVICE), (v, o) => {
      // Zeek joins the services it confirmed ("ftp,ssl"): the first is the session's protocol
      const first = String(v).split(',')[0]!;
      o.app_proto = first === '' ? null : own(APP_PROTO, first) ?? first;
    }, ['app_proto'], (v) => {
      const first = `split_part(${v}, ',', 1)`;
      return { app_proto: `CASE WHEN ${first} = '' THEN NULL ELSE ${sqlMap(first, new Map(Object.entries(APP_PROTO)), first)} END` };
    }),
    computed('duration', 'interval', (r) => (lasted(r) ? (r.duration as number) : null), (s) => lastedSql(s, 'duration'), (v, o) => { o.duration = v; }, ['duration'], (v) => ({ duration: v })),
    computed('orig_bytes', 'count', (r) => (lasted(r) ? (r.src_bytes as number) : null), (s) => lastedSql(s, 'src_bytes'), (v, o) => { o.src_bytes = v; }, ['src_bytes'], (v) => ({ src_bytes: v })),
    computed('resp_bytes', 'count', (r) => (lasted(r) ? (r.dst_bytes as number) : null), (s) => lastedSql(s, 'dst_bytes'), (v, o) => { o.dst_bytes = v; }, ['dst_bytes'], (v) => ({ dst_bytes: v })),
    same('conn_state', 'string', 'state'),
    same('local_orig', 'bool', 'local_src'),
    same('local_resp', 'bool', 'local_dst'),
    same('missed_bytes', 'count', 'missed_bytes'),
    // the order of the TCP events is not kept in a session record (only the OR of the flags each side sent)
    unfilled('history', 'string'),
    same('orig_pkts', 'count', 'src_pkts'),
    same('orig_ip_bytes', 'count', 'src_ip_bytes'),
    same('resp_pkts', 'count', 'dst_pkts'),
    same('resp_ip_bytes', 'count', 'dst_ip_bytes'),
    computed('tunnel_parents', 'set[string]', (r) => (r.tunnel_parents ?? null) as ZeekValue, (s) => s.col('tunnel_parents'), (v, o) => {
      o.tunnel_parents = (v as string[]).length === 0 ? null : [...(v as string[])];
    }, ['tunnel_parents'], (v) => ({ tunnel_parents: `CASE WHEN len(${v}) = 0 THEN NULL ELSE ${v} END` })),
    computed('ip_proto', 'count', (r) => ipProto(r.proto as string), (s) => ipProtoSql(s, s.col('proto')), (v, o) => {
      const n = v as number;
      const name = PROTO_NAME.get(n) ?? String(n);
      // Zeek writes ICMPv6 as proto icmp, ip_proto 58
      o.proto = name;
    }, ['proto'], (v) => ({ proto: sqlMap(v, PROTO_NAME, `CAST(${v} AS VARCHAR)`) })),
  ],
  finish: (o) => {
    // without ip_proto (Zeek before 6.1) ICMP over IPv6 is told by the address
    if (o.proto === 'icmp' && typeof o.src_ip === 'string' && o.src_ip.includes(':')) o.proto = 'icmpv6';
    // a connection Zeek gave no duration to lasted 0 s and (Zeek does not say) carried the bytes its packets did not
    if (o.duration === null) o.duration = 0;
    if (o.start_time !== null) o.end_time = (o.start_time as number) + Math.round((o.duration as number) * 1e6);
  },
  sqlFinish: (cur) => {
    const duration = `coalesce(${cur('duration')}, 0.0::DOUBLE)`;
    return {
      set: {
        proto: `CASE WHEN ${cur('proto')} = 'icmp' AND contains(${cur('src_ip')}, ':') THEN 'icmpv6' ELSE ${cur('proto')} END`,
        duration,
        end_time: `CASE WHEN ${cur('start_time')} IS NULL THEN ${cur('end_time')} ELSE ${cur('start_time')} + CAST(round(${duration} * 1000000.0::DOUBLE) AS BIGINT) END`,
      },
      bad: `(${duration} < 0 OR ${duration} > ${SQL_MAX_DURATION})`,
    };
  },
};


