// x509.log from `tls`: the server certificate of each tls row that has one, once per fingerprint (Zeek logs a
// certificate once, not per connection).
import { TLS } from '../../../schema/tls.js';
import { computed, fixed, same, unfilled } from '../columns.js';
import type { Row, ZeekLog, ZeekValue } from '../zeek-types.js';

/** An RDN boundary of our one-line DNs ("C=US, O=Google Inc, CN=x") and of Zeek's ("CN=x,O=Google Inc,C=US"). */
const OURS_RDN = /, (?=[A-Za-z][A-Za-z0-9.-]*=)/;
const ZEEK_RDN = /,(?=[A-Za-z][A-Za-z0-9.-]*=)/;

/** Our DN (most significant first) in Zeek's order and spelling (RFC 4514 order, OpenSSL's emailAddress). */
export function zeekDn(dn: string): string {
  return dn.split(OURS_RDN).reverse().map((rdn) => (rdn.startsWith('Email=') ? `emailAddress=${rdn.slice(6)}` : rdn)).join(',');
}

function ourDn(dn: string): string {
  return dn.split(ZEEK_RDN).reverse().map((rdn) => (rdn.startsWith('emailAddress=') ? `Email=${rdn.slice(13)}` : rdn)).join(', ');
}

/** Our san entries carry their kind ("DNS:x", "IP Address:1.2.3.4", "email:a@b", "URI:u"); Zeek splits them in columns. */
const SAN_KINDS: Readonly<Record<string, readonly string[]>> = {
  'san.dns': ['DNS:'], 'san.uri': ['URI:'], 'san.email': ['email:', 'EMAIL:'], 'san.ip': ['IP Address:', 'IP:'],
};

function sanOf(kind: string): (r: Row) => ZeekValue {
  const prefixes = SAN_KINDS[kind]!;
  return (r) => {
    const san = r.san as string[] | null;
    if (san === null) return null;
    const out: string[] = [];
    for (const s of san) {
      const p = prefixes.find((x) => s.startsWith(x));
      if (p !== undefined) out.push(s.slice(p.length));
    }
    return out.length === 0 ? null : out;
  };
}

function setSan(kind: string): (v: ZeekValue, o: Row) => void {
  const prefix = SAN_KINDS[kind]![0]!;
  return (v, o) => {
    o.san = [...((o.san as string[] | null) ?? []), ...(v as string[]).map((x) => `${prefix}${x}`)];
  };
}

/** No SQL form: a certificate is written once per fingerprint (ZeekLogWriter's dedup), which is no WHERE. */
export const X509_LOG: ZeekLog = {
  path: 'x509',
  schema: TLS,
  keep: (r) => r.cert_sha256 !== null,
  columns: [
    same('ts', 'time', 'ts'),
    same('fingerprint', 'string', 'cert_sha256'),
    unfilled('certificate.version', 'count'),
    computed('certificate.serial', 'string', (r) => (r.cert_serial === null ? null : (r.cert_serial as string).toUpperCase()), null, (v, o) => { o.cert_serial = (v as string).toLowerCase(); }),
    computed('certificate.subject', 'string', (r) => (r.subject === null ? null : zeekDn(r.subject as string)), null, (v, o) => { o.subject = ourDn(v as string); }, ['subject']),
    computed('certificate.issuer', 'string', (r) => (r.issuer === null ? null : zeekDn(r.issuer as string)), null, (v, o) => { o.issuer = ourDn(v as string); }, ['issuer']),
    same('certificate.not_valid_before', 'time', 'not_before'),
    same('certificate.not_valid_after', 'time', 'not_after'),
    unfilled('certificate.key_alg', 'string'),
    unfilled('certificate.sig_alg', 'string'),
    unfilled('certificate.key_type', 'string'),
    unfilled('certificate.key_length', 'count'),
    unfilled('certificate.exponent', 'string'),
    unfilled('certificate.curve', 'string'),
    computed('san.dns', 'vector[string]', sanOf('san.dns'), null, setSan('san.dns')),
    computed('san.uri', 'vector[string]', sanOf('san.uri'), null, setSan('san.uri')),
    computed('san.email', 'vector[string]', sanOf('san.email'), null, setSan('san.email')),
    computed('san.ip', 'vector[addr]', sanOf('san.ip'), null, setSan('san.ip')),
    unfilled('basic_constraints.ca', 'bool'),
    unfilled('basic_constraints.path_len', 'count'),
    // the server's certificate (tls rows keep no client certificate)
    fixed('host_cert', 'bool', true),
    fixed('client_cert', 'bool', false),
  ],
};
