// The SQL form of eveToRecords for the flow lines eve-flow-scan.ts takes: DuckDB's read_json of a file of such
// lines and one SELECT giving the sessions rows the JS path stores for them (the mapping, the importer's fills,
// origin, sensor and extra), for CaptureWriter.appendSql.
import { SESSIONS } from '../../schema/sessions.js';
import { sqlIdent, sqlString } from '../zeek/zeek-sql.js';
import type { FILLABLE_COUNTERS } from './eve-flow-scan.js';

/** The longest line read_json takes (its buffers follow it): the scan takes none over ~3 KB (known keys, short values). */
const MAX_OBJECT = 1 << 14;

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Base-62 digits of a 64-bit flow_id: 62^11 > 2^64, so an imported uid's first 6 of its 17 digits are 0. */
const FLOW_ID_DIGITS = 11;
const UID_DIGITS = 17;

/** `S` + 17 base-62 digits of flow_id (eve-inverse.ts uidOfFlowId). */
function uidSql(): string {
  const parts: string[] = [`'S${'0'.repeat(UID_DIGITS - FLOW_ID_DIGITS)}'`];
  // one concat() of the digits: a chain of || makes a string per step
  for (let i = FLOW_ID_DIGITS - 1; i >= 0; i--) {
    const div = i === 0 ? 'flow_id' : `(flow_id // ${(62n ** BigInt(i)).toString()}::UBIGINT)`;
    parts.push(`substr('${B62}', CAST(${div} % 62 AS INTEGER) + 1, 1)`);
  }
  return `concat(${parts.join(', ')})`;
}

/** A one- or two-digit hex text (the scan took no other) as its number: DuckDB reads a 0x prefix. */
const hexSql = (e: string): string => `CAST('0x' || ${e} AS INTEGER)`;

/** A canonical EVE time (`2026-12-07T03:23:45.610603+0000`, the scan's only form) as a TIMESTAMP. */
const time = (e: string): string => `CAST(substr(${e}, 1, 26) AS TIMESTAMP)`;

/** `"key":value` of a non-null value (NULL otherwise: concat_ws leaves it out). */
const member = (key: string, value: string, quoted: boolean): string => (quoted ? `'"${key}":"' || ${value} || '"'` : `'"${key}":' || ${value}`);

/** The flow object's part of `extra` ('' when nothing of it is left), computed once per row as `x_flow`. */
const X_FLOW = `concat_ws(',', ${member('age', 'flow.age', false)}, ${member('state', 'flow.state', true)}, ${member('reason', 'flow.reason', true)}, ` +
  `${member('alerted', 'CAST(flow.alerted AS VARCHAR)', false)})`;

/** `extra`'s members (x_all), then `extra` as JSON.stringify writes what the JS path leaves (EXTRA_KEYS, in their order), NULL when nothing is left. */
const X_ALL = `concat_ws(',', CASE WHEN in_iface IS NOT NULL THEN concat('"in_iface":"', in_iface, '"') END, ` +
  `CASE WHEN x_flow <> '' THEN concat('"flow":{', x_flow, '}') END, CASE WHEN tcp.state IS NOT NULL THEN concat('"tcp":{"state":"', tcp.state, '"}') END)`;
const EXTRA = `CASE WHEN x_all = '' THEN NULL ELSE concat('{', x_all, '}') END`;

/** The sessions columns the flow's counters fill, by FILLABLE_COUNTERS' order. */
const COUNTERS: Record<(typeof FILLABLE_COUNTERS)[number], string> = {
  src_pkts: 'flow.pkts_toserver', dst_pkts: 'flow.pkts_toclient', src_frame_bytes: 'flow.bytes_toserver', dst_frame_bytes: 'flow.bytes_toclient',
};

/**
 * The sessions fields the JS path fills in every row the scan takes (required, never in a flow event), in schema
 * order; with FILLABLE_COUNTERS those a line leaves out.
 */
export const ALWAYS_FILLED = ['src_bytes', 'dst_bytes', 'src_ip_bytes', 'dst_ip_bytes', 'state', 'missed_bytes'] as const;

/**
 * The SELECT of the sessions rows (every field but capture_id, by name) of a file of lines FlowLineScanner took.
 * `sensor`: the rows' sensor (null: none).
 */
export function eveFlowSelect(path: string, sensor: string | null): string {
  const columns = {
    timestamp: 'VARCHAR', flow_id: 'UBIGINT', in_iface: 'VARCHAR', src_ip: 'VARCHAR', src_port: 'BIGINT', dest_ip: 'VARCHAR', dest_port: 'BIGINT', proto: 'VARCHAR',
    app_proto: 'VARCHAR', community_id: 'VARCHAR', vlan: 'BIGINT[]',
    flow: 'STRUCT(pkts_toserver BIGINT, pkts_toclient BIGINT, bytes_toserver BIGINT, bytes_toclient BIGINT, start VARCHAR, "end" VARCHAR, age BIGINT, state VARCHAR, reason VARCHAR, alerted BOOLEAN)',
    tcp: 'STRUCT(tcp_flags_ts VARCHAR, tcp_flags_tc VARCHAR, state VARCHAR)',
  };
  const cols = Object.entries(columns).map(([k, t]) => `${sqlString(k)}: ${sqlString(t)}`).join(', ');
  const read = `read_json(${sqlString(path)}, format = 'newline_delimited', auto_detect = false, maximum_object_size = ${MAX_OBJECT}, columns = {${cols}})`;
  const v: Record<string, string> = {
    uid: uidSql(),
    community_id: 'community_id',
    start_time: time('coalesce(flow.start, timestamp)'),
    end_time: time('coalesce(flow."end", timestamp)'),
    duration: 'NULL',
    proto: `CASE WHEN upper(proto) = 'IPV6-ICMP' THEN 'icmpv6' ELSE lower(proto) END`,
    src_ip: 'src_ip', src_port: 'src_port', dst_ip: 'dest_ip', dst_port: 'dest_port',
    tcp_flags_src: `CASE WHEN tcp IS NOT NULL THEN ${hexSql('tcp.tcp_flags_ts')} END`,
    tcp_flags_dst: `CASE WHEN tcp IS NOT NULL THEN ${hexSql('tcp.tcp_flags_tc')} END`,
    app_proto: 'app_proto',
    vlan: 'vlan[1]',
    sensor: sensor === null ? 'NULL' : sqlString(sensor),
    origin: `'suricata'`,
    extra: EXTRA,
  };
  for (const [f, e] of Object.entries(COUNTERS)) v[f] = `coalesce(${e}, 0)`;
  for (const f of ALWAYS_FILLED) v[f] = SESSIONS.fields.find((x) => x.name === f)!.type === 'string' ? `''` : '0';
  const inner = SESSIONS.fields.filter((f) => f.name !== 'capture_id' && f.name !== 'duration').map((f) => `${v[f.name] ?? 'NULL'} AS ${sqlIdent(f.name)}`);
  // duration from the two times as the JS path computes it: (end µs - start µs) / 1e6 in doubles
  return `SELECT *, CAST(epoch_us(end_time) - epoch_us(start_time) AS DOUBLE) / CAST(1000000 AS DOUBLE) AS duration FROM (SELECT ${inner.join(', ')} FROM ` +
    `(SELECT *, ${X_ALL} AS x_all FROM (SELECT *, ${X_FLOW} AS x_flow FROM ${read})))`;
}
