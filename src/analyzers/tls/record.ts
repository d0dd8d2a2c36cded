// The tls record of one ClientHello (TCP, QUIC or DTLS), and the server's answer added to it.
import { formatIpv4, formatIpv6 } from '../../core/ip.js';
import type { Session } from '../../flow/session.js';
import type { TlsRecord } from '../../schema/tls.js';
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
    subject: null,
    issuer: null,
    san: null,
    not_before: null,
    not_after: null,
    cert_sha256: null,
    cert_sha1: null,
    cert_serial: null,
  };
}

/** Adds the ServerHello's choices to the record of the ClientHello it answers. */
export function answer(r: TlsRecord, sh: ServerHello, cache: HashCache): void {
  r.version = versionName(sh.selectedVersion ?? sh.legacyVersion);
  r.cipher = sh.cipher;
  r.server_alpn = sh.alpn;
  r.ja3s = ja3s(sh, cache);
  r.hello_retry = sh.retry;
}
