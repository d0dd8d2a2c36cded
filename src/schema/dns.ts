// The `dns` record: one row per query/response transaction (Zeek dns.log), over UDP and TCP, on any port.
import { ints, list, MAX_ID_BYTES, MAX_NAME_BYTES, own, text } from './bounds.js';
import { field, type RowOf } from './schema.js';
import { PROVENANCE_FIELDS } from './provenance.js';

/** A name is at most 255 octets (RFC 1035 §3.1); each byte written \xNN at worst: ~1 KiB, 2 KiB with JSON escapes. */
export const DNS_MAX_QUERY_BYTES = 2 * 1024;
/**
 * Records of one section as text: a message is at most 64 KiB (one TCP message), a record at least 11 bytes, so
 * ~6,000; 4096 entries (the parser's DNS_MAX_RRS). One entry is at most one RDATA of 64 KiB written \xNN.
 */
export const DNS_MAX_RRS = 4096;
export const DNS_MAX_RR_TEXT_BYTES = 256 * 1024;
export const DNS_MAX_SECTION_BYTES = 1024 * 1024;
/** The answer section typed, as JSON: the same records with their fields. */
export const DNS_MAX_RRS_JSON_BYTES = 2 * 1024 * 1024;
/** EDNS client subnet (an IPv6 address and two prefix lengths) and cookie (8 + 32 bytes in hex, RFC 7873 §4). */
export const DNS_MAX_EDNS_TEXT_BYTES = 256;

const CUT = 'dns_field_truncated';

export const DNS = {
  name: 'dns',
  doc: 'One row per DNS query and its response (UDP or TCP, any port by content): a query never answered and a response to no query seen are rows too.',
  timeField: 'ts',
  fields: [
    field('uid', 'string', false, 'session uid', own(MAX_ID_BYTES)),
    field('ts', 'timestamp', false, 'time of the query (of the response when no query was seen)'),
    field('src_ip', 'string', false, 'client address (sender of the query)', own(MAX_NAME_BYTES)),
    field('src_port', 'int', false, 'client port'),
    field('dst_ip', 'string', false, 'server address', own(MAX_NAME_BYTES)),
    field('dst_port', 'int', false, 'server port'),
    field('transport', 'string', false, 'udp or tcp', own(MAX_NAME_BYTES)),
    field('trans_id', 'int', false, 'DNS message id'),
    field('rtt', 'float', true, 'seconds from the query to its response'),
    field('outcome', 'string', false, 'answered, unanswered (no response seen), response_only (no query seen), duplicate (another response to an answered query)', own(MAX_NAME_BYTES)),
    field('query', 'string', true, 'first question name (no trailing dot; bytes outside printable ASCII as \\xNN)', text(DNS_MAX_QUERY_BYTES, CUT)),
    field('qclass', 'int', true, 'question class'),
    field('qclass_name', 'string', true, 'question class name (IN, CH, ...)', own(MAX_NAME_BYTES)),
    field('qtype', 'int', true, 'question type'),
    field('qtype_name', 'string', true, 'question type name (A, AAAA, HTTPS, TYPE65534 when unnamed)', own(MAX_NAME_BYTES)),
    field('opcode', 'int', false, 'opcode'),
    field('opcode_name', 'string', false, 'query, notify, update, ...', own(MAX_NAME_BYTES)),
    field('rcode', 'int', true, 'response code, extended by EDNS (null without a response)'),
    field('rcode_name', 'string', true, 'NOERROR, NXDOMAIN, SERVFAIL, ...', own(MAX_NAME_BYTES)),
    field('aa', 'bool', true, 'authoritative answer (response)'),
    field('tc', 'bool', true, 'truncated (response)'),
    field('rd', 'bool', false, 'recursion desired (query, else response)'),
    field('ra', 'bool', true, 'recursion available (response)'),
    field('z', 'int', false, 'the three bits after RA (Z, AD, CD) as a number, of the query (else the response)'),
    field('ad', 'bool', false, 'authentic data bit (query, else response)'),
    field('cd', 'bool', false, 'checking disabled bit (query, else response)'),
    field('answers', 'string[]', false, 'answer records as text: addresses, names, "TXT 5 hello", "RRSIG 1 example.com", "HTTPS 1 . alpn=h2,h3 ech"; types not shown are in rrs only',
      list(DNS_MAX_RRS, DNS_MAX_SECTION_BYTES, CUT, DNS_MAX_RR_TEXT_BYTES)),
    field('ttls', 'int[]', false, 'TTL in seconds of each entry of answers', ints(DNS_MAX_RRS, CUT)),
    field('rrs', 'json', true, 'the answer section typed: name, type, ttl and the type\'s fields (MX preference, SOA serial, SVCB alpn/ech, DNSKEY key tag, ...)', text(DNS_MAX_RRS_JSON_BYTES, CUT)),
    field('auth', 'string[]', false, 'authority records as text', list(DNS_MAX_RRS, DNS_MAX_SECTION_BYTES, CUT, DNS_MAX_RR_TEXT_BYTES)),
    field('addl', 'string[]', false, 'additional records as text (OPT left out: see edns_*)', list(DNS_MAX_RRS, DNS_MAX_SECTION_BYTES, CUT, DNS_MAX_RR_TEXT_BYTES)),
    field('rejected', 'bool', false, 'the response carries no record in any section, OPT included (the server said no more than its rcode)'),
    field('edns_udp_size', 'int', true, 'EDNS UDP payload size of the query (else the response)'),
    field('edns_do', 'bool', true, 'EDNS DNSSEC OK bit of the query (else the response)'),
    field('ecs', 'string', true, 'EDNS client subnet, address/source prefix/scope prefix (query, else response)', text(DNS_MAX_EDNS_TEXT_BYTES, CUT)),
    field('cookie', 'string', true, 'EDNS cookie, client cookie hex (/server cookie hex from the response when there is one)', text(DNS_MAX_EDNS_TEXT_BYTES, CUT)),
    field('capture_id', 'string', true, 'capture it came from (store ingest)', own(MAX_ID_BYTES)),
    ...PROVENANCE_FIELDS,
  ],
} as const;

export type DnsRecord = RowOf<typeof DNS>;
