// fast-check arbitraries of whole records of a schema: every field by its type, the ones whose values follow a
// form (addresses, protocols, versions, hashes, consistent DNS flags) drawn in that form.
import fc from 'fast-check';
import { rcodeName, typeName, opcodeName } from '../../src/analyzers/dns/dns-names.js';
import { formatIpv6, parseIpv6 } from '../../src/core/ip.js';
import type { FieldDef, RecordSchema } from '../../src/schema/schema.js';

type Row = Record<string, unknown>;
type Arbs = Record<string, fc.Arbitrary<unknown>>;

/** Times from 1970 to 2096 in µs. */
const MAX_TS = 4e15;

const text = fc.string({ maxLength: 24 });
const hex = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
export const ipArb = fc.oneof(fc.ipV4(), fc.ipV6().map((s) => formatIpv6(parseIpv6(s)!)));
const port = fc.integer({ min: 0, max: 65535 });
const uid = fc.stringMatching(/^C[0-9A-Za-z]{17}$/);
const ts = fc.integer({ min: 0, max: MAX_TS });
const count = fc.integer({ min: 0, max: 2 ** 40 });
const addr = fc.emailAddress();

function byType(f: FieldDef): fc.Arbitrary<unknown> {
  const a: fc.Arbitrary<unknown> = {
    string: text,
    int: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    float: fc.double({ noNaN: true, noDefaultInfinity: true }),
    bool: fc.boolean(),
    timestamp: ts,
    'string[]': fc.array(text, { maxLength: 4 }),
    'int[]': fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 6 }),
    json: fc.constant(null),
  }[f.type];
  return f.nullable ? fc.option(a, { nil: null }) : a;
}

function recordOf(schema: RecordSchema, special: Arbs): fc.Arbitrary<Row> {
  const arbs: Arbs = {};
  for (const f of schema.fields) arbs[f.name] = special[f.name] ?? byType(f);
  return fc.record(arbs) as fc.Arbitrary<Row>;
}

const endpoints: Arbs = { uid, src_ip: ipArb, dst_ip: ipArb, src_port: port, dst_port: port };

const TLS_VERSIONS = ['SSLv3', 'TLSv10', 'TLSv11', 'TLSv12', 'TLSv13', 'TLSv13-draft28', 'TLSv13-draft<16', 'DTLSv12'];
const CLASSTYPES = ['trojan-activity', 'attempted-recon', 'web-application-attack', 'policy-violation', 'bad-unknown'];

/** Arbitraries of the tables EVE and ECS write. */
export function tableArb(schema: RecordSchema): fc.Arbitrary<Row> {
  switch (schema.name) {
    case 'sessions':
      return fc.record({ proto: fc.constantFrom('tcp', 'udp', 'icmp', 'icmpv6', 'sctp', '47'), start: ts, len: fc.integer({ min: 0, max: 1e11 }) }).chain(({ proto, start, len }) =>
        recordOf(schema, {
          ...endpoints, proto: fc.constant(proto), start_time: fc.constant(start), end_time: fc.constant(start + len), duration: fc.constant(len / 1e6),
          community_id: fc.base64String({ minLength: 28, maxLength: 28 }).map((s) => `1:${s}`),
          src_pkts: count, dst_pkts: count, src_bytes: count, dst_bytes: count, src_ip_bytes: count, dst_ip_bytes: count, src_frame_bytes: count, dst_frame_bytes: count,
          state: fc.constantFrom('S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH', 'SHR', 'OTH'),
          tcp_flags_src: proto === 'tcp' ? fc.integer({ min: 0, max: 255 }) : fc.constant(null),
          tcp_flags_dst: proto === 'tcp' ? fc.integer({ min: 0, max: 255 }) : fc.constant(null),
          app_proto: fc.option(fc.constantFrom('http', 'tls', 'smtp', 'dns', 'ssh'), { nil: null }),
          direction: fc.option(fc.constantFrom('inbound', 'outbound', 'internal', 'external'), { nil: null }),
          vlan: fc.option(fc.integer({ min: 0, max: 4095 }), { nil: null }),
          tunnel_parents: fc.constant(null),
        }));
    case 'alerts':
      return recordOf(schema, {
        ...endpoints, uid: fc.option(uid, { nil: null }), src_port: fc.option(port, { nil: null }), dst_port: fc.option(port, { nil: null }),
        proto: fc.constantFrom('tcp', 'udp', 'icmp'), app_proto: fc.option(fc.constantFrom('http', 'tls'), { nil: null }),
        action: fc.constantFrom('alert', 'drop'), classtype: fc.option(fc.constantFrom(...CLASSTYPES), { nil: null }),
      });
    case 'tls':
      return recordOf(schema, {
        ...endpoints, transport: fc.constantFrom('tcp', 'udp', 'quic'), client_version: fc.constantFrom(...TLS_VERSIONS),
        version: fc.option(fc.constantFrom(...TLS_VERSIONS), { nil: null }), ja3: hex(32), ja3s: fc.option(hex(32), { nil: null }),
        cert_sha1: fc.option(hex(40), { nil: null }), cert_sha256: fc.option(hex(64), { nil: null }),
        cert_serial: fc.option(fc.stringMatching(/^[1-9a-f][0-9a-f]{0,39}$/), { nil: null }),
        not_before: fc.option(fc.integer({ min: 0, max: MAX_TS / 1e6 }).map((s) => s * 1e6), { nil: null }),
        not_after: fc.option(fc.integer({ min: 0, max: MAX_TS / 1e6 }).map((s) => s * 1e6), { nil: null }),
        san: fc.option(fc.array(fc.domain(), { maxLength: 3 }), { nil: null }),
      });
    case 'http':
      return recordOf(schema, {
        ...endpoints, trans_depth: fc.integer({ min: 1, max: 1000 }),
        host: fc.option(fc.oneof(fc.domain(), fc.tuple(fc.domain(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`)), { nil: null }),
        version: fc.option(fc.constantFrom('HTTP/1.0', 'HTTP/1.1'), { nil: null }),
        request_headers: fc.option(fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), text), { minLength: 1, maxLength: 4 }).map((p) => JSON.stringify(p)), { nil: null }),
        status_code: fc.option(fc.integer({ min: 100, max: 599 }), { nil: null }),
      });
    case 'smtp':
      return recordOf(schema, {
        ...endpoints, trans_depth: fc.integer({ min: 1, max: 1000 }), mail_from: fc.option(addr, { nil: null }),
        rcpt_to: fc.array(addr, { maxLength: 3 }), to: fc.array(addr, { maxLength: 3 }), cc: fc.array(addr, { maxLength: 3 }),
        // half sent over SMTP, half fetched from a mailbox (the exporters' smtp log and events leave those out)
        fetched_via: fc.option(fc.constantFrom('pop3', 'imap'), { nil: null, freq: 2 }),
      });
    case 'files':
      return recordOf(schema, {
        uid, fuid: fc.stringMatching(/^F[0-9A-Za-z]{17}$/), source: fc.constantFrom('smtp', 'http', 'ftp', 'pop3', 'imap'), md5: hex(32), sha1: hex(40), sha256: hex(64),
        missing_bytes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1e6 })), mime_type: fc.option(fc.constantFrom('application/pdf', 'text/plain'), { nil: null }),
      });
    case 'dns':
      return fc.record({
        response: fc.boolean(), rcode: fc.integer({ min: 0, max: 23 }), query: fc.option(fc.domain(), { nil: null }), qtype: fc.integer({ min: 1, max: 300 }),
        opcode: fc.integer({ min: 0, max: 15 }), z: fc.integer({ min: 0, max: 7 }), n: fc.integer({ min: 0, max: 3 }),
      }).chain(({ response, rcode, query, qtype, opcode, z, n }) => recordOf(schema, {
          ...endpoints, transport: fc.constantFrom('udp', 'tcp'), trans_id: fc.integer({ min: 0, max: 65535 }),
          outcome: fc.constant(response ? 'answered' : 'unanswered'), query: fc.constant(query),
          // a message without a question has no type or class
          qtype: fc.constant(query === null ? null : qtype), qtype_name: fc.constant(query === null ? null : typeName(qtype)),
          qclass: fc.constant(query === null ? null : 1), qclass_name: fc.constant(query === null ? null : 'IN'),
          opcode: fc.constant(opcode), opcode_name: fc.constant(opcodeName(opcode)),
          rcode: fc.constant(response ? rcode : null), rcode_name: fc.constant(response ? rcodeName(rcode) : null),
          aa: response ? fc.boolean() : fc.constant(null), tc: response ? fc.boolean() : fc.constant(null), ra: response ? fc.boolean() : fc.constant(null),
          z: fc.constant(z), ad: fc.constant((z & 2) !== 0), cd: fc.constant((z & 1) !== 0),
          answers: fc.array(ipArb, { minLength: n, maxLength: n }), ttls: fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { minLength: n, maxLength: n }),
          rrs: fc.constant(null),
        }));
    case 'anomalies':
      return recordOf(schema, { uid: fc.option(uid, { nil: null }), name: fc.stringMatching(/^(ipv4|tcp|smtp|mime|http|dns)_[a-z0-9]+(_[a-z0-9]+)?$/) });
    default:
      return recordOf(schema, {});
  }
}
