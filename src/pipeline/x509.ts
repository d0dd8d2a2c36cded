// Server certificates decoded with Node's X509Certificate (OpenSSL underneath: a well-kept X.509 parser).
import { createHash, X509Certificate } from 'node:crypto';
import type { CertificateInfo } from '../analyzers/tls/tls-analyzer.js';

/**
 * "C=FR\nST=IDF\nO=A\, B" as Suricata writes a DN: "C=FR, ST=IDF, O=A, B" (one line, values unescaped, as
 * analysts search for them; OpenSSL's emailAddress is Suricata's Email).
 */
function oneLine(dn: string): string {
  return dn.split('\n').filter((x) => x !== '')
    .map((rdn) => rdn.replace(/\\(.)/g, '$1').replace(/^emailAddress=/, 'Email='))
    .join(', ');
}

function micros(text: string): number | null {
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms * 1000 : null;
}

/**
 * Decoded certificates by their sha256: a server hands every client the same certificate, and decoding one
 * (OpenSSL) costs ~100x hashing it. Bounded: cleared when full.
 */
const decoded = new Map<string, CertificateInfo | null>();
const MAX_DECODED = 1024;

/** Decodes one DER certificate; null when OpenSSL cannot read it (the analyzer records an anomaly). */
export function decodeCertificate(der: Uint8Array): CertificateInfo | null {
  const sha256 = createHash('sha256').update(der).digest('hex');
  let info = decoded.get(sha256);
  if (info === undefined) {
    if (decoded.size >= MAX_DECODED) decoded.clear();
    decoded.set(sha256, (info = decode(der, sha256)));
  }
  return info;
}

function decode(der: Uint8Array, sha256: string): CertificateInfo | null {
  let c: X509Certificate;
  try {
    c = new X509Certificate(der);
  } catch {
    return null;
  }
  return {
    subject: oneLine(c.subject),
    issuer: oneLine(c.issuer),
    san: c.subjectAltName === undefined ? [] : c.subjectAltName.split(', ').filter((x) => x !== ''),
    notBefore: micros(c.validFrom),
    notAfter: micros(c.validTo),
    sha256,
    sha1: createHash('sha1').update(der).digest('hex'),
    serial: c.serialNumber.toLowerCase(),
  };
}
