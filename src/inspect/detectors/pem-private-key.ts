// PEM private keys: -----BEGIN ... PRIVATE KEY----- blocks (PKCS#1 RSA, SEC1 EC, DSA, PKCS#8, encrypted PKCS#8,
// OpenSSH, and PGP PRIVATE KEY BLOCK armour) whose body decodes.
//
// Confidence: high when the body decodes as base64 to a plausible length AND its structure is that of a key
// (a DER SEQUENCE whose length fills the body; the "openssh-key-v1" magic; an OpenPGP secret-key packet;
// RFC 1421 Proc-Type/DEK-Info headers over whole cipher blocks);
// medium when it decodes to a plausible length but the structure is not recognised. A block with no END line
// within PEM_MAX_BODY, a body that is not base64, or one shorter than PEM_MIN_KEY_BYTES is not reported.
import type { Detector, Hit } from '../types.js';
import { bytesToLatin1, decodeBase64 } from './secret-codec.js';
import { maskSecret } from './secret-mask.js';

/** an Ed25519/X25519 PKCS#8 key, the smallest common private key, is 48 bytes of DER */
export const PEM_MIN_KEY_BYTES = 40;
/** characters between BEGIN and END: an RSA-16384 PKCS#8 key is ~12.5 KiB of base64; PGP keys with subkeys more */
export const PEM_MAX_BODY = 64 * 1024;

const BEGIN = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----/g;

const OPENSSH_MAGIC = 'openssh-key-v1\0';

interface Shape {
  kind: string;
  encrypted: boolean;
  structure: string | null;
}

/** The length a DER SEQUENCE at b[0] says it covers (header included), or -1. */
function derLength(b: Uint8Array): number {
  if (b.length < 2 || b[0] !== 0x30) return -1;
  const l0 = b[1]!;
  if (l0 < 0x80) return 2 + l0;
  const n = l0 & 0x7f;
  if (n === 0 || n > 4 || b.length < 2 + n) return -1;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!;
  return 2 + n + len;
}

function sshString(b: Uint8Array, at: number): string | null {
  if (at + 4 > b.length) return null;
  const len = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  if (len > 64 || at + 4 + len > b.length) return null;
  return bytesToLatin1(b.subarray(at + 4, at + 4 + len));
}

function shape(label: string, headers: string, der: Uint8Array): Shape {
  const l = label.trim();
  const legacyEncrypted = /Proc-Type:\s*4,\s*ENCRYPTED/i.test(headers);
  if (l === 'OPENSSH') {
    const magic = bytesToLatin1(der.subarray(0, OPENSSH_MAGIC.length));
    if (magic !== OPENSSH_MAGIC) return { kind: 'openssh', encrypted: false, structure: null };
    const cipher = sshString(der, OPENSSH_MAGIC.length);
    return { kind: 'openssh', encrypted: cipher !== null && cipher !== 'none', structure: 'openssh-key-v1' };
  }
  if (l === 'PGP') {
    // an OpenPGP packet header: bit 7 set; tag 5 (secret key) in the old or the new format
    const h = der[0] ?? 0;
    const tag = h & 0x40 ? h & 0x3f : (h >> 2) & 0x0f;
    return { kind: 'pgp', encrypted: false, structure: h & 0x80 && tag === 5 ? 'pgp-secret-key-packet' : null };
  }
  const kind = l === '' ? 'pkcs8' : l === 'ENCRYPTED' ? 'pkcs8' : l.toLowerCase();
  if (legacyEncrypted) {
    // RFC 1421 encryption: the body is ciphertext in whole cipher blocks, named by a DEK-Info header
    const ok = /DEK-Info:\s*[A-Z0-9-]+,[0-9A-Fa-f]{16,32}/.test(headers) && der.length % 8 === 0;
    return { kind, encrypted: true, structure: ok ? 'dek-info' : null };
  }
  const len = derLength(der);
  return { kind, encrypted: l === 'ENCRYPTED', structure: len === der.length ? 'der' : null };
}

/** Splits armour headers ("Key: value" lines up to a blank line) from the base64 body; drops a PGP checksum. */
function splitBody(block: string, pgp: boolean): { headers: string; body: string } {
  // a key inside a JSON or shell string writes its line ends as \n
  const lines = block.split(/\r?\n|\\r\\n|\\n/);
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  let headers = '';
  if (i < lines.length && /^[A-Za-z-]+:/.test(lines[i]!)) {
    while (i < lines.length && lines[i]!.trim() !== '') headers += lines[i++]! + '\n';
  }
  let body = lines.slice(i);
  if (pgp) body = body.filter((x) => !/^=[A-Za-z0-9+/]{4}\s*$/.test(x));
  return { headers, body: body.join('').replace(/\s+/g, '') };
}

function detect(text: string): Hit[] {
  const hits: Hit[] = [];
  BEGIN.lastIndex = 0;
  for (let m = BEGIN.exec(text); m !== null; m = BEGIN.exec(text)) {
    const label = (m[1] ?? '').trim();
    const block = m[2] === undefined ? '' : ' BLOCK';
    const endMark = `-----END ${label === '' ? '' : label + ' '}PRIVATE KEY${block}-----`;
    const bodyStart = m.index + m[0].length;
    const end = text.indexOf(endMark, bodyStart);
    if (end < 0 || end - bodyStart > PEM_MAX_BODY) continue;
    const pgp = label === 'PGP';
    const { headers, body } = splitBody(text.slice(bodyStart, end), pgp);
    const der = decodeBase64(body);
    if (der === null || der.length < PEM_MIN_KEY_BYTES) continue;
    const s = shape(label, headers, der);
    const validations = ['base64', `length:${der.length}`];
    if (s.structure !== null) validations.push(s.structure);
    const noteParts = [`${s.kind} private key`];
    if (s.encrypted) noteParts.push('encrypted');
    const length = end + endMark.length - m.index;
    hits.push({
      detector: 'pem_private_key',
      category: 'secret',
      confidence: s.structure !== null ? 'high' : 'medium',
      offset: m.index,
      length,
      value: `${label}:${body}`,
      masked: `-----BEGIN ${label === '' ? '' : label + ' '}PRIVATE KEY${block}----- ${maskSecret(body)}`,
      validations,
      contextTerms: [],
      testValue: false,
      note: noteParts.join(', '),
    });
    BEGIN.lastIndex = m.index + length;
  }
  return hits;
}

/** PEM private key blocks (see the header for the confidence rule). */
export const pemPrivateKey: Detector = {
  name: 'pem_private_key',
  category: 'secret',
  keywords: ['PRIVATE KEY'],
  detect,
};
