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

/**
 * Decodes one DER certificate; null when OpenSSL cannot read it at all (the analyzer records an anomaly).
 * Never throws: a certificate OpenSSL accepts but one of whose fields it cannot give keeps every other field,
 * and names the unreadable ones in `unreadable`.
 */
export function decodeCertificate(der: Uint8Array): CertificateInfo | null {
  const sha256 = createHash('sha256').update(der).digest('hex');
  let info = decoded.get(sha256);
  if (info === undefined) {
    if (decoded.size >= MAX_DECODED) decoded.clear();
    decoded.set(sha256, (info = decode(der, sha256)));
  }
  return info;
}

/** The X509Certificate properties we read; each may throw or be null/undefined on hostile DER. */
type Property = 'subject' | 'issuer' | 'subjectAltName' | 'validFrom' | 'validTo' | 'serialNumber';

/**
 * One property as text, or null with its name added to `unreadable` when reading it throws or gives no
 * string. `optional`: undefined means the certificate does not have it (an absent extension), not damage.
 */
function property(c: X509Certificate, name: Property, unreadable: string[], optional = false): string | null {
  let v: unknown;
  try {
    v = c[name];
  } catch {
    unreadable.push(name);
    return null;
  }
  if (typeof v === 'string') return v;
  if (!(optional && v === undefined)) unreadable.push(name);
  return null;
}

/** A validity bound as µs; a text OpenSSL gives but that is no time ("Bad time value") is unreadable too. */
function time(c: X509Certificate, name: 'validFrom' | 'validTo', unreadable: string[]): number | null {
  const text = property(c, name, unreadable);
  if (text === null) return null;
  const t = micros(text);
  if (t === null) unreadable.push(name);
  return t;
}

function decode(der: Uint8Array, sha256: string): CertificateInfo | null {
  let c: X509Certificate;
  try {
    c = new X509Certificate(der);
  } catch {
    return null;
  }
  const unreadable: string[] = [];
  const subject = property(c, 'subject', unreadable);
  const issuer = property(c, 'issuer', unreadable);
  const before = unreadable.length;
  const san = property(c, 'subjectAltName', unreadable, true);
  const serial = property(c, 'serialNumber', unreadable);
  return {
    subject: subject === null ? null : oneLine(subject),
    issuer: issuer === null ? null : oneLine(issuer),
    // no extension: no names; an extension OpenSSL cannot print: not known (null), and named as unreadable
    san: san !== null ? san.split(', ').filter((x) => x !== '') : unreadable.length > before ? null : [],
    notBefore: time(c, 'validFrom', unreadable),
    notAfter: time(c, 'validTo', unreadable),
    sha256,
    sha1: createHash('sha1').update(der).digest('hex'),
    serial: serial === null ? null : serial.toLowerCase(),
    unreadable,
  };
}
