// The `tls` record: one row per ClientHello, with the server's answer when it was seen.
import { ints, list, MAX_ID_BYTES, MAX_NAME_BYTES, own, text } from './bounds.js';
import { field, type RowOf } from './schema.js';
import { PROVENANCE_FIELDS } from './provenance.js';

/**
 * server_name as sent: a host name is at most 253 characters (RFC 1035 §2.3.4), the extension up to 64 KiB;
 * 8 KiB keeps the odd ones scanners send readable.
 */
export const TLS_MAX_SNI_BYTES = 8 * 1024;
/** ALPN offered: names of 1-255 bytes (RFC 7301 §3.1); browsers offer two or three, the corpus at most 11. */
export const TLS_MAX_ALPN = 256;
export const TLS_MAX_ALPN_BYTES = 64 * 1024;
/** One ALPN name (255 bytes, each perhaps escaped). */
export const TLS_MAX_ALPN_NAME_BYTES = 2 * 1024;
/**
 * Cipher suites offered, wire order: a ClientHello has room for 32767, scanners that offer every known suite send
 * ~350, browsers ~15-100.
 */
export const TLS_MAX_CIPHER_SUITES = 4096;
/** Extensions, supported groups, signature algorithms: browsers send ~10-30 of each. */
export const TLS_MAX_EXTENSION_LIST = 1024;
/** ec_point_formats and supported_versions have a one-byte length (at most 255 and 127 entries). */
export const TLS_MAX_BYTE_LIST = 256;
/**
 * ja3_string and ja4_r, built from the whole hello (fingerprints always use every value): 64 KiB holds the lists
 * of any hello within the list bounds above; a longer one keeps its start (ja3/ja4 are still whole).
 */
export const TLS_MAX_FINGERPRINT_STRING_BYTES = 64 * 1024;
/** Certificate subject and issuer on one line: a few hundred characters in practice (RFC 5280 ub-* bounds). */
export const TLS_MAX_DN_BYTES = 16 * 1024;
/**
 * Subject alternative names: CAs issue certificates with up to a few hundred; Zeek's tls-fragmented-handshake
 * test certificate has 10,000 (350 KiB), kept whole.
 */
export const TLS_MAX_SAN = 16384;
export const TLS_MAX_SAN_BYTES = 2 * 1024 * 1024;
export const TLS_MAX_SAN_NAME_BYTES = 4 * 1024;
/** Certificate serial number in hex: at most 20 octets, 40 digits (RFC 5280 §4.1.2.2). */
export const TLS_MAX_SERIAL_BYTES = 1024;

const HELLO = 'tls_hello_field_truncated';
const CERT = 'tls_certificate_field_truncated';

export const TLS = {
  name: 'tls',
  doc: 'One row per TLS ClientHello (TCP on any port), with fingerprints and, when seen, the ServerHello.',
  timeField: 'ts',
  fields: [
    field('uid', 'string', false, 'session uid', own(MAX_ID_BYTES)),
    field('ts', 'timestamp', false, 'time of the packet that completed the ClientHello'),
    field('src_ip', 'string', false, 'client address', own(MAX_NAME_BYTES)),
    field('src_port', 'int', false, 'client port'),
    field('dst_ip', 'string', false, 'server address', own(MAX_NAME_BYTES)),
    field('dst_port', 'int', false, 'server port'),
    field('transport', 'string', false, 'tcp, quic, or udp (DTLS)', own(MAX_NAME_BYTES)),
    field('record_version', 'string', true, 'version of the record that carried the ClientHello', own(MAX_NAME_BYTES)),
    field('client_version', 'string', false, 'ClientHello legacy_version', own(MAX_NAME_BYTES)),
    field('supported_versions', 'int[]', false, 'supported_versions extension, wire order', ints(TLS_MAX_BYTE_LIST, HELLO)),
    field('sni', 'string', true, 'server_name (host_name) as sent', text(TLS_MAX_SNI_BYTES, HELLO)),
    field('alpn', 'string[]', false, 'ALPN protocols offered, in order', list(TLS_MAX_ALPN, TLS_MAX_ALPN_BYTES, HELLO, TLS_MAX_ALPN_NAME_BYTES)),
    field('cipher_suites', 'int[]', false, 'cipher suites offered, wire order', ints(TLS_MAX_CIPHER_SUITES, HELLO)),
    field('extensions', 'int[]', false, 'extension types, wire order', ints(TLS_MAX_EXTENSION_LIST, HELLO)),
    field('supported_groups', 'int[]', false, 'supported_groups, wire order', ints(TLS_MAX_EXTENSION_LIST, HELLO)),
    field('ec_point_formats', 'int[]', false, 'ec_point_formats, wire order', ints(TLS_MAX_BYTE_LIST, HELLO)),
    field('signature_algorithms', 'int[]', false, 'signature_algorithms, wire order', ints(TLS_MAX_EXTENSION_LIST, HELLO)),
    field('session_id_len', 'int', false, 'legacy_session_id length'),
    field('hello_index', 'int', false, '1 for the first ClientHello of the session, 2 after a HelloRetryRequest'),
    field('ja3', 'string', false, 'JA3 (MD5 of ja3_string)', own(MAX_ID_BYTES)),
    field('ja3_string', 'string', false, 'JA3 input string, GREASE removed', text(TLS_MAX_FINGERPRINT_STRING_BYTES, HELLO)),
    field('ja4', 'string', false, 'JA4 fingerprint', own(MAX_NAME_BYTES)),
    field('ja4_r', 'string', false, 'JA4 raw (sorted lists)', text(TLS_MAX_FINGERPRINT_STRING_BYTES, HELLO)),
    field('version', 'string', true, 'version the server chose (supported_versions, else legacy_version)', own(MAX_NAME_BYTES)),
    field('cipher', 'int', true, 'cipher suite the server chose'),
    field('server_alpn', 'string', true, 'ALPN protocol the server chose', text(TLS_MAX_ALPN_NAME_BYTES, 'tls_server_hello_field_truncated')),
    field('ja3s', 'string', true, 'JA3S of the ServerHello', own(MAX_ID_BYTES)),
    field('hello_retry', 'bool', true, 'the server answered with a HelloRetryRequest'),
    field('last_alert', 'string', true, 'last plaintext alert before the answer was complete (e.g. handshake_failure)', own(MAX_NAME_BYTES)),
    field('subject', 'string', true, 'server certificate subject (TLS <= 1.2)', text(TLS_MAX_DN_BYTES, CERT)),
    field('issuer', 'string', true, 'server certificate issuer', text(TLS_MAX_DN_BYTES, CERT)),
    field('san', 'string[]', true, 'subject alternative names', list(TLS_MAX_SAN, TLS_MAX_SAN_BYTES, CERT, TLS_MAX_SAN_NAME_BYTES)),
    field('not_before', 'timestamp', true, 'certificate validity start'),
    field('not_after', 'timestamp', true, 'certificate validity end'),
    field('cert_sha256', 'string', true, 'sha256 of the certificate DER', own(MAX_ID_BYTES)),
    field('cert_sha1', 'string', true, 'sha1 of the certificate DER (the fingerprint Suricata and Zeek show)', own(MAX_ID_BYTES)),
    field('cert_serial', 'string', true, 'certificate serial number, hex', text(TLS_MAX_SERIAL_BYTES, CERT)),
    field('capture_id', 'string', true, 'capture it came from (store ingest)', own(MAX_ID_BYTES)),
    ...PROVENANCE_FIELDS,
  ],
} as const;

export type TlsRecord = RowOf<typeof TLS>;
