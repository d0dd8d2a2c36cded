// The tls record of one ClientHello (TCP, QUIC or DTLS), and the server's answer added to it.
import type { AnomalyLog } from '../../core/anomaly.js';
import { formatIpv4, formatIpv6 } from '../../core/ip.js';
import type { Session } from '../../flow/session.js';
import { bounded } from '../../schema/bounds.js';
import { TLS, type TlsRecord } from '../../schema/tls.js';
import { fingerprints, ja3s, versionName, type HashCache } from './fingerprints.js';
import type { ClientHello, ServerHello } from './hello.js';

const JA4_TRANSPORT = { tcp: 't', quic: 'q', udp: 'd' } as const;

/** A record for a ClientHello of session s (the server's fields still empty). */
export function helloRecord(
  s: Session, ch: ClientHello, transport: 'tcp' | 'quic' | 'udp', helloIndex: number, recordVersion: number, cache: HashCache,
): TlsRecord {
  const fp = fingerprints(ch, JA4_TRANSPORT[transport], cache);
  return {
    uid: s.uid,
    ts: s.last,
    src_ip: s.v6 ? formatIpv6(s.a6!) : formatIpv4(s.a4),
    src_port: s.aPort,
    dst_ip: s.v6 ? formatIpv6(s.b6!) : formatIpv4(s.b4),
    dst_port: s.bPort,
    transport,
    record_version: recordVersion === 0 ? null : versionName(recordVersion),
    client_version: versionName(ch.legacyVersion),
    supported_versions: ch.supportedVersions,
    sni: ch.sni,
    alpn: ch.alpn,
    cipher_suites: ch.ciphers,
    extensions: ch.extensions,
    supported_groups: ch.groups,
    ec_point_formats: ch.pointFormats,
    signature_algorithms: ch.sigAlgs,
    session_id_len: ch.sessionIdLen,
    hello_index: helloIndex,
    ja3: fp.ja3,
    ja3_string: fp.ja3String,
    ja4: fp.ja4,
    ja4_r: fp.ja4R,
    version: null,
    cipher: null,
    server_alpn: null,
    ja3s: null,
    hello_retry: null,
    last_alert: null,
    subject: null,
    issuer: null,
    san: null,
    not_before: null,
    not_after: null,
    cert_sha256: null,
    cert_sha1: null,
    cert_serial: null,
    capture_id: null,
  };
}

/**
 * The record as it goes out: every field within the bound its schema declares (a hello or certificate can carry
 * far more than a row holds: 32767 cipher suites, thousands of names), each cut an anomaly of its session.
 */
export function finished(r: TlsRecord, anomalies: Pick<AnomalyLog, 'add'>): TlsRecord {
  return bounded(TLS, r, (name, detail) => anomalies.add(r.ts, r.uid, name, detail));
}

/** Adds the ServerHello's choices to the record of the ClientHello it answers. */
export function answer(r: TlsRecord, sh: ServerHello, cache: HashCache): void {
  r.version = versionName(sh.selectedVersion ?? sh.legacyVersion);
  r.cipher = sh.cipher;
  r.server_alpn = sh.alpn;
  r.ja3s = cache.wanted ? ja3s(sh, cache) : null;
  r.hello_retry = sh.retry;
}

/** RFC 8446 §6 and RFC 5246 §7.2 alert descriptions. */
const ALERTS: ReadonlyMap<number, string> = new Map([
  [0, 'close_notify'], [10, 'unexpected_message'], [20, 'bad_record_mac'], [21, 'decryption_failed'],
  [22, 'record_overflow'], [30, 'decompression_failure'], [40, 'handshake_failure'], [41, 'no_certificate'],
  [42, 'bad_certificate'], [43, 'unsupported_certificate'], [44, 'certificate_revoked'], [45, 'certificate_expired'],
  [46, 'certificate_unknown'], [47, 'illegal_parameter'], [48, 'unknown_ca'], [49, 'access_denied'],
  [50, 'decode_error'], [51, 'decrypt_error'], [60, 'export_restriction'], [70, 'protocol_version'],
  [71, 'insufficient_security'], [80, 'internal_error'], [86, 'inappropriate_fallback'], [90, 'user_canceled'],
  [100, 'no_renegotiation'], [109, 'missing_extension'], [110, 'unsupported_extension'],
  [111, 'certificate_unobtainable'], [112, 'unrecognized_name'], [113, 'bad_certificate_status_response'],
  [114, 'bad_certificate_hash_value'], [115, 'unknown_psk_identity'], [116, 'certificate_required'],
  [120, 'no_application_protocol'],
]);

export function alertName(description: number): string {
  return ALERTS.get(description) ?? `alert_${description}`;
}
