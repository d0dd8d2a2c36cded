// The `tls` event of a ClientHello record as one JSON line, written straight to text (TLS records are most of a
// busy capture's records after sessions): the same text as JSON.stringify(tlsEvent(r)) (test/eve-roundtrip.test.ts).
import type { TlsRecord } from '../../schema/tls.js';
import { tlsEvent } from './eve-events.js';
import { eveCertTime, eveFingerprint, eveIp, eveSerial, eveTime, eveTlsVersion, flowId } from './eve-values.js';

const q = JSON.stringify;

/** One tls event as text (no newline); a QUIC handshake's `quic` event goes through the object. */
export function tlsLine(r: TlsRecord): string {
  if (r.transport === 'quic') return q(tlsEvent(r));
  let s = `{"timestamp":"${eveTime(r.ts)}","flow_id":${flowId(r.uid)},"event_type":"tls","src_ip":${q(eveIp(r.src_ip))},"src_port":${r.src_port},"dest_ip":${q(eveIp(r.dst_ip))},"dest_port":${r.dst_port},"proto":"${r.transport === 'tcp' ? 'TCP' : 'UDP'}","app_proto":"tls","tls":{`;
  let sep = '';
  if (r.subject !== null) {
    s += `"subject":${q(r.subject)}`;
    sep = ',';
  }
  if (r.issuer !== null) {
    s += `${sep}"issuerdn":${q(r.issuer)}`;
    sep = ',';
  }
  if (r.cert_serial !== null) {
    s += `${sep}"serial":${q(eveSerial(r.cert_serial))}`;
    sep = ',';
  }
  if (r.cert_sha1 !== null) {
    s += `${sep}"fingerprint":${q(eveFingerprint(r.cert_sha1))}`;
    sep = ',';
  }
  if (r.sni !== null) {
    s += `${sep}"sni":${q(r.sni)}`;
    sep = ',';
  }
  s += `${sep}"version":${q(eveTlsVersion(r.version ?? r.client_version))}`;
  if (r.not_before !== null) s += `,"notbefore":"${eveCertTime(r.not_before)}"`;
  if (r.not_after !== null) s += `,"notafter":"${eveCertTime(r.not_after)}"`;
  if (r.san !== null && r.san.length > 0) s += `,"subjectaltname":${q(r.san)}`;
  s += `,"ja3":{"hash":${q(r.ja3)},"string":${q(r.ja3_string)}}`;
  if (r.ja3s !== null) s += `,"ja3s":{"hash":${q(r.ja3s)}}`;
  s += `,"ja4":${q(r.ja4)}`;
  if (r.alpn.length > 0) s += `,"client_alpns":${q(r.alpn)}`;
  if (r.server_alpn !== null) s += `,"server_alpns":[${q(r.server_alpn)}]`;
  s += `,"client_handshake":{"version":${q(eveTlsVersion(r.client_version))}`;
  if (r.cipher_suites.length > 0) s += `,"ciphers":[${r.cipher_suites.join(',')}]`;
  if (r.extensions.length > 0) s += `,"exts":[${r.extensions.join(',')}]`;
  if (r.signature_algorithms.length > 0) s += `,"sig_algs":[${r.signature_algorithms.join(',')}]`;
  s += '}';
  if (r.version !== null || r.cipher !== null) {
    s += ',"server_handshake":{';
    if (r.version !== null) s += `"version":${q(eveTlsVersion(r.version))}`;
    if (r.cipher !== null) s += `${r.version !== null ? ',' : ''}"cipher":${r.cipher}`;
    s += '}';
  }
  return `${s}}}`;
}
