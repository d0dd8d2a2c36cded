// `--format eve`'s SQL form: each EVE line built by DuckDB, the same text as the writer's (src/formats/eve: key
// order, keys left out, number and string spellings) for flow (sessions), tls, http, dns and fileinfo (files); the
// other tables (alerts, smtp, anomalies) have none and go through the writer.
import type { RecordSchema } from '../../schema/schema.js';
import { ident } from '../sql.js';
import type { ExternalSql, SqlFormBuilder } from './forms.js';
import { eveCertTimeSql, eveTimeSql, jint, jintMinusOne, type Json, lineSql, lit } from './eve-json-sql.js';
import {
  eveFingerprintSql, eveIpSql, eveProtoSql, eveSerialSql, eveTlsVersionSql, flowIdSql, flowStateSql, low8Sql, serialDigitsSql, TCP_FLAGS_HEX, TCP_FLAGS_NAMED,
} from './eve-values-sql.js';

const c = ident;

/** A form of lines only (EVE has no head or tail). */
function form(derived: readonly Readonly<Record<string, string>>[], parts: (j: Json) => string[], intLists = false): ExternalSql {
  return { head: '', tail: '', lines: (source) => lineSql(source, derived, parts, intLists) };
}

/** A literal piece of a line. */
const L = lit;

/** `,"key":<json>` when the value is not NULL (NULL otherwise: concat() skips it). */
const opt = (key: string, json: string): string => `(${lit(`,"${key}":`)} || ${json})`;

/** sessions -> flow: flowLine's text. */
function flowForm(): ExternalSql {
  const all = `(${low8Sql(c('tcp_flags_src'))} | ${low8Sql(c('tcp_flags_dst'))})`;
  const tcp = `CASE WHEN ${c('proto')} = 'tcp' AND ${c('tcp_flags_src')} IS NOT NULL AND ${c('tcp_flags_dst')} IS NOT NULL THEN concat(',"tcp":{"tcp_flags":"', ` +
    `${TCP_FLAGS_HEX}[${all} + 1], '","tcp_flags_ts":"', ${TCP_FLAGS_HEX}[${low8Sql(c('tcp_flags_src'))} + 1], '","tcp_flags_tc":"', ` +
    `${TCP_FLAGS_HEX}[${low8Sql(c('tcp_flags_dst'))} + 1], '"', ${TCP_FLAGS_NAMED}[${all} + 1], '}') END`;
  const derived = [{
    e_end: eveTimeSql(c('end_time')),
    e_start: eveTimeSql(c('start_time')),
    e_src: eveIpSql(c('src_ip')),
    e_dst: eveIpSql(c('dst_ip')),
    e_proto: eveProtoSql(c('proto')),
    e_fid: flowIdSql(c('uid')),
    e_state: flowStateSql(c('proto'), c('state'), c('dst_pkts')),
    e_tcp: tcp,
  }];
  const age = `(floor(epoch_us(${c('end_time')})::DOUBLE / 1000000.0) - floor(epoch_us(${c('start_time')})::DOUBLE / 1000000.0))::BIGINT`;
  return form(derived, (j) => [
    L('{"timestamp":"'), c('e_end'), L('+0000","flow_id":'), c('e_fid'), L(',"event_type":"flow","src_ip":'), j.str(c('e_src')),
    L(',"src_port":'), c('src_port'), L(',"dest_ip":'), j.str(c('e_dst')), L(',"dest_port":'), c('dst_port'), L(',"proto":'), j.str(c('e_proto')),
    `(',"vlan":[' || ${c('vlan')} || ']')`, opt('app_proto', j.str(c('app_proto'))),
    L(',"community_id":'), j.str(c('community_id')), L(',"flow":{"pkts_toserver":'), c('src_pkts'), L(',"pkts_toclient":'), c('dst_pkts'),
    L(',"bytes_toserver":'), c('src_frame_bytes'), L(',"bytes_toclient":'), c('dst_frame_bytes'), L(',"start":"'), c('e_start'), L('+0000","end":"'), c('e_end'),
    L('+0000","age":'), age, `(',"state":"' || ${c('e_state')} || '"')`, L('}'), c('e_tcp'), L('}'),
  ]);
}

/** `"key":<json>,` when the value is not NULL (tlsLine's optional keys before its `version`). */
const before = (key: string, json: string): string => `(${lit(`"${key}":`)} || ${json} || ',')`;

/** tls -> tls (tlsLine's text) or, over QUIC, quic (JSON.stringify of quicEvent). */
function tlsForm(): ExternalSql {
  const derived = [{ e_sdigits: serialDigitsSql(c('cert_serial')) }, {
    e_ts: eveTimeSql(c('ts')),
    e_src: eveIpSql(c('src_ip')),
    e_dst: eveIpSql(c('dst_ip')),
    e_fid: flowIdSql(c('uid')),
    e_version: eveTlsVersionSql(`coalesce(${c('version')}, ${c('client_version')})`),
    e_cversion: eveTlsVersionSql(c('client_version')),
    e_sversion: eveTlsVersionSql(c('version')),
    e_serial: eveSerialSql(c('cert_serial'), c('e_sdigits')),
    e_fp: eveFingerprintSql(c('cert_sha1')),
    e_nb: eveCertTimeSql(c('not_before')),
    e_na: eveCertTimeSql(c('not_after')),
  }];
  const head = (j: Json, type: string, portText: (e: string) => string): string[] => [
    L('{"timestamp":"'), c('e_ts'), L('+0000","flow_id":'), c('e_fid'), L(`,"event_type":"${type}","src_ip":`), j.str(c('e_src')), L(',"src_port":'), portText(c('src_port')),
    L(',"dest_ip":'), j.str(c('e_dst')), L(',"dest_port":'), portText(c('dst_port')),
  ];
  const quic = (j: Json): string => `concat(${[...head(j, 'quic', jint), L(',"proto":"UDP","app_proto":"quic","quic":{'), before('sni', j.str(c('sni'))),
    L('"ja3":{"hash":'), j.str(c('ja3')), L(',"string":'), j.str(c('ja3_string')), L('}'), `(',"ja3s":{"hash":' || ${j.str(c('ja3s'))} || '}')`,
    L(',"ja4":'), j.str(c('ja4')), L('}}')].join(', ')})`;
  const tls = (j: Json): string => {
    const intList = (key: string, col: string): string => `CASE WHEN len(${c(col)}) > 0 THEN concat(${lit(`,"${key}":`)}, ${j.intList(c(col))}) END`;
    const server = `CASE WHEN ${c('version')} IS NOT NULL OR ${c('cipher')} IS NOT NULL THEN concat(',"server_handshake":{', ` +
      `('"version":' || ${j.str(c('e_sversion'))}), CASE WHEN ${c('cipher')} IS NOT NULL THEN concat(CASE WHEN ${c('version')} IS NOT NULL THEN ',' ELSE '' END, '"cipher":', ${c('cipher')}) END, '}') END`;
    return `concat(${[...head(j, 'tls', (e) => e), L(',"proto":'), `CASE WHEN ${c('transport')} = 'tcp' THEN '"TCP"' ELSE '"UDP"' END`, L(',"app_proto":"tls","tls":{'),
      before('subject', j.str(c('subject'))), before('issuerdn', j.str(c('issuer'))), before('serial', j.str(c('e_serial'))),
      before('fingerprint', j.str(c('e_fp'))), before('sni', j.str(c('sni'))), L('"version":'), j.str(c('e_version')),
      `(',"notbefore":"' || ${c('e_nb')} || '"')`, `(',"notafter":"' || ${c('e_na')} || '"')`,
      `CASE WHEN len(${c('san')}) > 0 THEN concat(',"subjectaltname":', ${j.strList(c('san'))}) END`,
      L(',"ja3":{"hash":'), j.str(c('ja3')), L(',"string":'), j.str(c('ja3_string')), L('}'), `(',"ja3s":{"hash":' || ${j.str(c('ja3s'))} || '}')`,
      L(',"ja4":'), j.str(c('ja4')), `CASE WHEN len(${c('alpn')}) > 0 THEN concat(',"client_alpns":', ${j.strList(c('alpn'))}) END`,
      `(',"server_alpns":[' || ${j.str(c('server_alpn'))} || ']')`,
      L(',"client_handshake":{"version":'), j.str(c('e_cversion')), intList('ciphers', 'cipher_suites'), intList('exts', 'extensions'),
      intList('sig_algs', 'signature_algorithms'), L('}'), server, L('}}')].join(', ')})`;
  };
  return form(derived, (j) => [`CASE WHEN ${c('transport')} = 'quic' THEN ${quic(j)} ELSE ${tls(j)} END`], true);
}

/** The start of an event with endpoints (header() and endpoints() of eve-events.ts): ports as JSON numbers. */
function eventHead(j: Json, type: string, proto: string): string[] {
  return [L('{"timestamp":"'), c('e_ts'), L('+0000","flow_id":'), c('e_fid'), L(`,"event_type":"${type}","src_ip":`), j.str(c('e_src')), L(',"src_port":'), jint(c('src_port')),
    L(',"dest_ip":'), j.str(c('e_dst')), L(',"dest_port":'), jint(c('dst_port')), L(',"proto":'), proto];
}

/** The derived columns every event with endpoints writes. */
const endpointColumns = (): Record<string, string> => ({ e_ts: eveTimeSql(c('ts')), e_fid: flowIdSql(c('uid')), e_src: eveIpSql(c('src_ip')), e_dst: eveIpSql(c('dst_ip')) });

/** `host:port` as httpEvent splits it (HOST_PORT: `.` is any character but a line terminator). */
const HOST_PORT = '([^\\n\\r\\x{2028}\\x{2029}]*):([0-9]{1,5})';

/**
 * http -> http (httpEvent). request_headers is JSON text of [name, value] pairs: what JSON.parse refuses gives no
 * headers, items that are not two strings are left out (DuckDB's JSON reader also takes trailing commas and NaN,
 * which JSON.parse refuses: a header column of ours never holds them).
 */
function httpForm(): ExternalSql {
  const host = c('host');
  const derived = [{
    ...endpointColumns(),
    e_hostport: `CASE WHEN NOT (starts_with(${host}, '[') AND ends_with(${host}, ']')) AND regexp_full_match(${host}, ${lit(HOST_PORT)}) THEN regexp_extract(${host}, ${lit(`^${HOST_PORT}$`)}, 2) END`,
    e_headers: `CASE WHEN json_valid(${c('request_headers')}) AND json_type(${c('request_headers')}) = 'ARRAY' THEN list_filter(from_json(${c('request_headers')}, '["JSON"]'), ` +
      "p -> json_type(p) = 'ARRAY' AND json_type(p, '$[0]') = 'VARCHAR' AND json_type(p, '$[1]') = 'VARCHAR') END",
  }];
  return form(derived, (j) => {
    const headers = `CASE WHEN len(${c('e_headers')}) > 0 THEN concat(',"request_headers":[', array_to_string(list_transform(${c('e_headers')}, ` +
      `p -> concat('{"name":', ${j.str("(p->>'$[0]')")}, ',"value":', ${j.str("(p->>'$[1]')")}, '}')), ','), ']') END`;
    const hostname = `CASE WHEN ${c('e_hostport')} IS NULL THEN ${host} ELSE regexp_extract(${host}, ${lit(`^${HOST_PORT}$`)}, 1) END`;
    const fields = [
      `('"hostname":' || ${j.str(hostname)} || ',')`, `('"http_port":' || ${c('e_hostport')}::INTEGER || ',')`, before('url', j.str(c('uri'))),
      before('http_user_agent', j.str(c('user_agent'))), before('http_refer', j.str(c('referer'))), before('http_method', j.str(c('method'))),
      before('protocol', j.str(c('version'))), before('status', jint(c('status_code'))), L('"length":'), jint(c('response_body_len')), headers,
    ];
    return [...eventHead(j, 'http', "'\"TCP\"'"), L(',"tx_id":'), jintMinusOne(c('trans_depth')), L(',"app_proto":"http","http":{'), ...fields, L('}}')];
  });
}

/** files -> fileinfo (fileinfoEvent: no endpoints). */
function fileinfoForm(): ExternalSql {
  const derived = [{ e_ts: eveTimeSql(c('ts')), e_fid: flowIdSql(c('uid')) }];
  const gaps = `${c('missing_bytes')} > 0`;
  return form(derived, (j) => [
    L('{"timestamp":"'), c('e_ts'), L('+0000","flow_id":'), c('e_fid'), L(',"event_type":"fileinfo","app_proto":'), j.str(c('source')), L(',"fileinfo":{'),
    before('filename', j.str(c('filename'))), `CASE WHEN ${gaps} THEN '"gaps":true,"state":"TRUNCATED"' ELSE '"gaps":false,"state":"CLOSED"' END`,
    L(',"md5":'), j.str(c('md5')), L(',"sha1":'), j.str(c('sha1')), L(',"sha256":'), j.str(c('sha256')),
    `CASE WHEN ${c('stored_path')} IS NOT NULL THEN ',"stored":true' ELSE ',"stored":false' END`, L(',"size":'), jint(c('size')), L('}}'),
  ]);
}

/** The record types whose answers dnsEvent groups (its GROUPED). */
const GROUPED = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'NULL', 'PTR', 'TXT'];

/**
 * dns -> dns version 3 (dnsEvent): the flags word from the header bits, answers with the rrs JSON's names and
 * types when rrs is an array as long as answers, and the answers of the grouped types by type in order of first
 * appearance.
 */
function dnsForm(): ExternalSql {
  const resp = `${c('rcode')} IS NOT NULL`;
  const bit = (cond: string, v: number): string => `CASE WHEN ${cond} THEN ${v} ELSE 0 END`;
  const flags = `printf('%x', ${[bit(resp, 0x8000), `((${low8Sql(c('opcode'))} & 15) << 11)`, bit(`${c('aa')} = true`, 0x400), bit(`${c('tc')} = true`, 0x200),
    bit(c('rd'), 0x100), bit(`${c('ra')} = true`, 0x80), bit(`(${low8Sql(c('z'))} & 4) <> 0`, 0x40), bit(c('ad'), 0x20), bit(c('cd'), 0x10),
    `CASE WHEN ${resp} THEN ${low8Sql(c('rcode'))} & 15 ELSE 0 END`].join(' | ')})`;
  const rrs = c('rrs');
  const typedKey = (key: string): string => `list_transform(range(1, len(${c('answers')}) + 1), i -> CASE WHEN json_type(${c('e_typed')}[i], '$.${key}') = 'VARCHAR' THEN ${c('e_typed')}[i]->>'$.${key}' END)`;
  const derived = [{
    ...endpointColumns(),
    e_proto: eveProtoSql(c('transport')),
    e_flags: flags,
    e_typed: `CASE WHEN json_valid(${rrs}) AND json_type(${rrs}) = 'ARRAY' AND json_array_length(${rrs}) = len(${c('answers')}) THEN from_json(${rrs}, '["JSON"]') END`,
  }, { e_names: typedKey('name'), e_types: typedKey('type') }];
  return form(derived, (j) => {
    const n = `len(${c('answers')})`;
    const answer = `i -> concat('{', ('"rrname":' || ${j.str(`${c('e_names')}[i]`)} || ','), ('"rrtype":' || ${j.str(`${c('e_types')}[i]`)} || ','), '"ttl":', ` +
      `coalesce(${jint(`${c('ttls')}[i]`)}, '0'), ',"rdata":', coalesce(${j.str(`${c('answers')}[i]`)}, 'null'), '}')`;
    const answers = `CASE WHEN ${n} > 0 THEN concat(',"answers":[', array_to_string(list_transform(range(1, ${n} + 1), ${answer}), ','), ']') END`;
    const types = c('e_types');
    const keys = `list_filter(range(1, ${n} + 1), i -> ${types}[i] IN (${GROUPED.map(lit).join(', ')}) AND list_position(${types}, ${types}[i]) = i)`;
    const group = `i -> concat(${j.str(`${types}[i]`)}, ':[', array_to_string(list_transform(list_filter(range(1, ${n} + 1), k -> ${types}[k] = ${types}[i]), ` +
      `k -> ${j.str(`coalesce(${c('answers')}[k], 'null')`)}), ','), ']')`;
    const grouped = `CASE WHEN len(${keys}) > 0 THEN concat(',"grouped":{', array_to_string(list_transform(${keys}, ${group}), ','), '}') END`;
    return [...eventHead(j, 'dns', j.str(c('e_proto'))), L(',"app_proto":"dns","dns":{"version":3,"type":'), `CASE WHEN ${resp} THEN '"response"' ELSE '"request"' END`,
      L(',"id":'), jint(c('trans_id')), L(',"flags":"'), c('e_flags'), L('"'), `CASE WHEN ${resp} THEN ',"qr":true' END`, `CASE WHEN ${c('aa')} = true THEN ',"aa":true' END`,
      `CASE WHEN ${c('tc')} = true THEN ',"tc":true' END`, `CASE WHEN ${c('rd')} THEN ',"rd":true' END`, `CASE WHEN ${c('ra')} = true THEN ',"ra":true' END`,
      `CASE WHEN (${low8Sql(c('z'))} & 4) <> 0 THEN ',"z":true' END`, L(',"opcode":'), jint(c('opcode')), opt('rcode', j.str(c('rcode_name'))),
      `(',"queries":[{"rrname":' || ${j.str(c('query'))} || coalesce(',"rrtype":' || ${j.str(c('qtype_name'))}, '') || '}]')`, answers, grouped, L('}}')];
  });
}

/** The SQL forms of EVE by table; a table missing here is written by the writer. */
const FORMS_BY_TABLE: Readonly<Record<string, () => ExternalSql>> = { sessions: flowForm, tls: tlsForm, http: httpForm, files: fileinfoForm, dns: dnsForm };

/** `--format eve`'s SQL form of a table, or null (alerts, smtp, anomalies: the writer). */
export const eveSqlForm: SqlFormBuilder = (schema: RecordSchema) => {
  const f = Object.hasOwn(FORMS_BY_TABLE, schema.name) ? FORMS_BY_TABLE[schema.name] : undefined;
  return f === undefined ? null : f();
};
