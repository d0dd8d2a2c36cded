// DuckDB SQL of eve-values.ts' spellings (flow ids, addresses, protocols, TLS versions, serials, fingerprints,
// TCP flags, flow states), each the same text as its JS function for every value a store column can hold.
import { FLOW_STATE } from '../../formats/eve/eve-events.js';
import { bind, lit, SAFE_INT } from './eve-json-sql.js';

/** flowId(uid): the first 48 bits of md5(uid) (big-endian), 1 when they are 0. */
export const flowIdSql = (uid: string): string => `coalesce(nullif(('0x' || left(md5(${uid}), 12))::BIGINT, 0), 1)`;

const HEX_GROUP = '[0-9a-fA-F]{1,4}';
const GROUPS = `(?:${HEX_GROUP}(?::${HEX_GROUP})*)?`;

/** A parseIpv6 text without its dotted IPv4 tail, every group written out (lower case, four digits); NULL if invalid. */
function ipv6Groups(t: string): string {
  const half = (e: string): string => `CASE WHEN ${e} = '' THEN []::VARCHAR[] ELSE string_split(${e}, ':') END`;
  const pad = (l: string): string => `array_to_string(list_transform(${l}, g -> lpad(lower(g), 4, '0')), ':')`;
  const compressed = bind(half(`split_part(${t}, '::', 1)`), 'hl', bind(half(`split_part(${t}, '::', 2)`), 'rl',
    `CASE WHEN len(hl) + len(rl) > 7 THEN NULL ELSE ${pad("list_concat(hl, list_transform(range(8 - len(hl) - len(rl)), z -> '0'), rl)")} END`));
  return `CASE WHEN regexp_full_match(${t}, ${lit(`${GROUPS}::${GROUPS}`)}) THEN ${compressed} ` +
    `WHEN regexp_full_match(${t}, ${lit(`${HEX_GROUP}(?::${HEX_GROUP}){7}`)}) THEN ${pad(`string_split(${t}, ':')`)} ELSE NULL END`;
}

/** parseIpv6's rewrite of a dotted IPv4 tail (`::ffff:1.2.3.4`) into two hex groups; NULL when the tail is no IPv4. */
function withoutDottedTail(s: string): string {
  const v4 = bind(`regexp_extract(${s}, '[^:]*$')`, 'tl', `CASE WHEN NOT contains(tl, '.') THEN ${s} ` +
    `WHEN regexp_full_match(tl, '[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}') THEN ${bind("list_transform(string_split(tl, '.'), o -> o::INTEGER)", 'q',
      `CASE WHEN list_max(q) > 255 THEN NULL ELSE concat(left(${s}, length(${s}) - length(tl)), printf('%x', q[1] * 256 + q[2]), ':', printf('%x', q[3] * 256 + q[4])) END`)} ELSE NULL END`);
  return v4;
}

/** eveIp(ip): IPv6 with every group written out; IPv4, and anything parseIpv6 refuses, as it is. */
export function eveIpSql(ip: string): string {
  return `CASE WHEN NOT contains(${ip}, ':') THEN ${ip} ELSE coalesce(${bind(ip, 's', `CASE WHEN length(s) > 45 THEN NULL ELSE ${bind(withoutDottedTail('s'), 't', ipv6Groups('t'))} END`)}, ${ip}) END`;
}

const PROTO_NAMES: readonly [string, string][] = [['tcp', 'TCP'], ['udp', 'UDP'], ['icmp', 'ICMP'], ['icmpv6', 'IPv6-ICMP'], ['sctp', 'SCTP'], ['gre', 'GRE']];

/** asciiUpper(s): translate() of the 26 letters. */
export const asciiUpperSql = (s: string): string => `translate(${s}, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')`;

/** eveProto(p): Suricata's names, a number as three digits (or more), else upper case (ASCII). */
export function eveProtoSql(p: string): string {
  return `CASE ${p} ${PROTO_NAMES.map(([a, b]) => `WHEN ${lit(a)} THEN ${lit(b)}`).join(' ')} ELSE CASE WHEN regexp_full_match(${p}, '[0-9]+') ` +
    `THEN CASE WHEN length(${p}) < 3 THEN lpad(${p}, 3, '0') ELSE ${p} END ELSE ${asciiUpperSql(p)} END END`;
}

/** eveTlsVersion(v): Suricata's names of the common versions at once, the rest through eve-values' patterns. */
export function eveTlsVersionSql(v: string): string {
  const known: [string, string][] = [['TLSv12', 'TLS 1.2'], ['TLSv13', 'TLS 1.3'], ['TLSv10', 'TLSv1'], ['TLSv11', 'TLS 1.1'], ['TLSv13-draft<16', 'TLS 1.3 draft-<16']];
  const draft = 'TLSv13-draft';
  return `CASE ${v} ${known.map(([a, b]) => `WHEN ${lit(a)} THEN ${lit(b)}`).join(' ')} ELSE CASE ` +
    `WHEN regexp_full_match(${v}, ${lit(`${draft}[0-9]+`)}) THEN CASE WHEN TRY_CAST(substr(${v}, ${draft.length + 1}) AS DOUBLE) < 16 THEN 'TLS 1.3 draft-<16' ELSE concat('TLS 1.3 draft-', substr(${v}, ${draft.length + 1})) END ` +
    `WHEN regexp_full_match(${v}, '(DTLS|TLS)v[0-9][0-9]') THEN regexp_replace(${v}, '^(DTLS|TLS)v([0-9])([0-9])$', ${lit('\\1 \\2.\\3')}) ELSE ${v} END END`;
}

/** Byte pairs joined by colons up to this many: substr() each; longer texts by a regex (4 times as slow). */
const PAIRS_BY_SUBSTR = 24;

/** A hex text's byte pairs with colons, an odd last digit dropped (the JS `match(/../g).join(':')`). */
function pairsSql(h: string): string {
  const bySubstr = `concat_ws(':', ${Array.from({ length: PAIRS_BY_SUBSTR }, (_, i) => `CASE WHEN ${2 * i + 2} <= length(${h}) THEN substr(${h}, ${2 * i + 1}, 2) END`).join(', ')})`;
  return `CASE WHEN length(${h}) <= ${2 * PAIRS_BY_SUBSTR} THEN ${bySubstr} ELSE array_to_string(regexp_extract_all(${h}, '..'), ':') END`;
}

/**
 * eveSerial's digits before the pairs (upper case, even, 00 before a high bit); NULL when not hex (written as it
 * is): a column of its own, eveSerialSql reads it many times.
 */
export function serialDigitsSql(s: string): string {
  const even = `CASE WHEN length(${s}) % 2 = 1 THEN concat('0', upper(${s})) ELSE upper(${s}) END`;
  return `CASE WHEN regexp_full_match(${s}, '[0-9a-fA-F]*') THEN concat(CASE WHEN left(${s}, 1) IN ('8', '9', 'a', 'b', 'c', 'd', 'e', 'f', 'A', 'B', 'C', 'D', 'E', 'F') AND length(${s}) % 2 = 0 THEN '00' END, ${even}) END`;
}

/** eveSerial(hex) from the serial and its serialDigitsSql column. */
export function eveSerialSql(s: string, digits: string): string {
  return `CASE WHEN ${digits} IS NULL THEN ${s} ELSE ${pairsSql(digits)} END`;
}

/** eveFingerprint(hex): byte pairs with colons (an odd last digit dropped, as the JS match does); not hex: as it is. */
export function eveFingerprintSql(s: string): string {
  return `CASE WHEN regexp_full_match(${s}, '[0-9a-fA-F]*') THEN ${pairsSql(s)} ELSE ${s} END`;
}

/** The low 8 bits of an int column as JS's `x & 0xff` sees it (past 2^53 the digits were read into a double). */
export const low8Sql = (x: string): string => `(CASE WHEN ${x} BETWEEN -${SAFE_INT} AND ${SAFE_INT} THEN ${x} ELSE ${x}::DOUBLE::HUGEINT END & 255)::INTEGER`;

/** eveTcpFlags of every byte, as a list literal indexed by the byte + 1. */
export const TCP_FLAGS_HEX = `[${Array.from({ length: 256 }, (_, i) => lit(i.toString(16).padStart(2, '0'))).join(', ')}]`;

/** flowLine's named TCP flags (`,"syn":true...`) of every byte, as a list literal indexed by the byte + 1. */
export const TCP_FLAGS_NAMED = (() => {
  const named: readonly [number, string][] = [[0x02, 'syn'], [0x01, 'fin'], [0x04, 'rst'], [0x08, 'psh'], [0x10, 'ack'], [0x20, 'urg'], [0x40, 'ecn'], [0x80, 'cwr']];
  return `[${Array.from({ length: 256 }, (_, i) => lit(named.filter(([b]) => (i & b) !== 0).map(([, n]) => `,"${n}":true`).join(''))).join(', ')}]`;
})();

/** Suricata's flow state of a session (flowLine): TCP's from conn_state (NULL: none), else established or new. */
export function flowStateSql(proto: string, state: string, dstPkts: string): string {
  return `CASE WHEN ${proto} = 'tcp' THEN CASE ${state} ${Object.entries(FLOW_STATE).map(([a, b]) => `WHEN ${lit(a)} THEN ${lit(b)}`).join(' ')} END ` +
    `WHEN ${dstPkts} > 0 THEN 'established' ELSE 'new' END`;
}
