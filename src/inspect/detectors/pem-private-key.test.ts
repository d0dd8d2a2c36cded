import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DetectContext } from '../types.js';
import { pemPrivateKey } from './pem-private-key.js';

const ctx: DetectContext = { appProto: 'http', isObject: true };
const run = (text: string) => pemPrivateKey.detect(text, ctx);

function b64lines(b: Uint8Array): string {
  return Buffer.from(b).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
}

function sshString(s: string | Uint8Array): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : Buffer.from(s);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** An OpenSSH private key file laid out as PROTOCOL.key says: magic, cipher, kdf, keys (content random). */
function opensshKey(cipher: string): string {
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString(cipher),
    sshString(cipher === 'none' ? 'none' : 'bcrypt'),
    sshString(cipher === 'none' ? '' : randomBytes(24)),
    Buffer.from([0, 0, 0, 1]),
    sshString(Buffer.concat([sshString('ssh-ed25519'), sshString(randomBytes(32))])),
    sshString(randomBytes(160)),
  ]);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64lines(body)}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

/** An ASCII-armoured OpenPGP secret key: a new-format tag-5 packet (content random), checksum line, headers. */
function pgpKey(): string {
  const packet = Buffer.concat([Buffer.from([0xc5, 0xc0, 0x58]), randomBytes(280)]);
  return `-----BEGIN PGP PRIVATE KEY BLOCK-----\nComment: test\n\n${b64lines(packet)}\n=Ab3d\n-----END PGP PRIVATE KEY BLOCK-----\n`;
}

describe('pem_private_key', () => {
  // OpenSSL (through node:crypto) writes the keys: the format is the peer's, not ours
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const cases: [string, string, string, boolean][] = [
    ['pkcs1 rsa', rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, 'rsa private key', false],
    ['pkcs8 rsa', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'pkcs8 private key', false],
    [
      'sec1 ec',
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string,
      'ec private key',
      false,
    ],
    ['pkcs8 ed25519', generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'pkcs8 private key', false],
    [
      'encrypted pkcs8',
      rsa.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string,
      'pkcs8 private key, encrypted',
      true,
    ],
    [
      'legacy encrypted pkcs1',
      rsa.privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'pw' }) as string,
      'rsa private key, encrypted',
      true,
    ],
    ['openssh', opensshKey('none'), 'openssh private key', false],
    ['openssh encrypted', opensshKey('aes256-ctr'), 'openssh private key, encrypted', true],
    ['pgp', pgpKey(), 'pgp private key', false],
  ];

  for (const [name, pem, note] of cases) {
    it(`finds a ${name} key, high, with the key type in the note`, () => {
      const text = `HTTP/1.1 200 OK\r\n\r\nhere:\n${pem}trailer`;
      const hits = run(text);
      expect(hits).toHaveLength(1);
      const h = hits[0]!;
      expect(h.confidence).toBe('high');
      expect(h.note).toBe(note);
      expect(h.offset).toBe(text.indexOf('-----BEGIN'));
      expect(text.slice(h.offset, h.offset + h.length)).toBe(pem.trimEnd());
      expect(h.validations).toContain('base64');
      expect(h.masked).not.toContain(pem.split('\n')[1]!);
    });
  }

  it('finds a key written inside a JSON string (\\n escapes)', () => {
    const pem = cases[1]![1];
    const text = JSON.stringify({ key: pem });
    expect(run(text).map((h) => h.note)).toEqual(['pkcs8 private key']);
  });

  it('is medium when the body decodes but its structure is not a key', () => {
    const text = `-----BEGIN RSA PRIVATE KEY-----\n${b64lines(randomBytes(600))}\n-----END RSA PRIVATE KEY-----`;
    // random bytes that happen to start a DER SEQUENCE of exactly their length: not with these
    const hits = run(text.replace(/^(-----BEGIN RSA PRIVATE KEY-----\n)./, '$1A'));
    expect(hits.map((h) => h.confidence)).toEqual(['medium']);
  });

  it('stays silent on decoys: truncated, not base64, too short, public keys, mismatched END', () => {
    const pem = cases[0]![1];
    expect(run(pem.slice(0, pem.length - 40))).toEqual([]); // END line cut
    expect(run(pem.slice(0, 200))).toEqual([]);
    expect(run('-----BEGIN RSA PRIVATE KEY-----\nthis is not base64 at all!\n-----END RSA PRIVATE KEY-----')).toEqual([]);
    expect(run('-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2Vw\n-----END PRIVATE KEY-----')).toEqual([]);
    expect(run(rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string)).toEqual([]);
    expect(run(pem.replace('-----END RSA PRIVATE KEY-----', '-----END EC PRIVATE KEY-----'))).toEqual([]);
  });

  it('reports each of several keys once', () => {
    const text = cases.map((c) => c[1]).join('\n--\n');
    expect(run(text)).toHaveLength(cases.length);
  });

  it('never throws, and every hit lies in the buffer', () => {
    const piece = fc.oneof(
      fc.constantFrom('-----BEGIN ', 'PRIVATE KEY-----', '-----END ', 'RSA ', 'OPENSSH ', 'PGP ', ' BLOCK', '\n', '\\n', 'Proc-Type: 4,ENCRYPTED\n'),
      fc.base64String({ maxLength: 200 }),
      fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 30 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        for (const h of run(text)) expect(h.offset + h.length).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 500 },
    );
  });
});
