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
 * string. `absent`: the certificate does not have it (an extension it lacks), so no string is no damage.
 */
function property(c: X509Certificate, name: Property, unreadable: string[], absent = false): string | null {
  let v: unknown;
  try {
    v = c[name];
  } catch {
    unreadable.push(name);
    return null;
  }
  if (typeof v === 'string') return v;
  if (!absent) unreadable.push(name);
  return null;
}

/** id-ce-subjectAltName (2.5.29.17) as DER content bytes */
const SAN_OID = [0x55, 0x1d, 0x11];

/**
 * Whether the certificate's extensions list one with the OID `oid` (RFC 5280 §4.1: Certificate ->
 * tbsCertificate -> [3] extensions -> Extension { extnID, ... }); null when the DER cannot be walked that far.
 * Node tells an extension OpenSSL cannot print from an absent one on some versions only (null on Node 20,
 * undefined as for "none" on Node 24), so whether it is there is read from the DER.
 */
export function hasExtension(der: Uint8Array, oid: readonly number[]): boolean | null {
  /** the TLV at p within [p, end): tag, content start and end; null when it does not fit */
  const tlv = (p: number, end: number): { tag: number; start: number; end: number } | null => {
    if (p + 2 > end) return null;
    const tag = der[p]!;
    let len = der[p + 1]!;
    let start = p + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || start + n > end) return null;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
      start += n;
    }
    return start + len > end ? null : { tag, start, end: start + len };
  };
  const cert = tlv(0, der.length);
  const tbs = cert && cert.tag === 0x30 ? tlv(cert.start, cert.end) : null;
  if (tbs === null || tbs.tag !== 0x30) return null;
  for (let p = tbs.start; p < tbs.end;) {
    const f = tlv(p, tbs.end);
    if (f === null) return null;
    if (f.tag === 0xa3) {
      const list = tlv(f.start, f.end);
      if (list === null || list.tag !== 0x30) return null;
      for (let q = list.start; q < list.end;) {
        const ext = tlv(q, list.end);
        const id = ext && ext.tag === 0x30 ? tlv(ext.start, ext.end) : null;
        if (ext === null || id === null || id.tag !== 0x06) return null;
        if (id.end - id.start === oid.length && oid.every((b, i) => der[id.start + i] === b)) return true;
        q = ext.end;
      }
      return false;
    }
    p = f.end;
  }
  return false;
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
  // no subjectAltName extension (the DER says so): no names, and no damage
  const san = property(c, 'subjectAltName', unreadable, hasExtension(der, SAN_OID) === false);
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
