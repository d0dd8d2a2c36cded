// Certificates with damaged DER: every field Node's X509Certificate can still give is kept, the ones it cannot
// are named (x509_field_unreadable), and decoding never throws; through `tls` and `ingest` the run goes on.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cli, scratchDir } from '../../test/helpers/cli.js';
import { GEN } from '../../test/helpers/run.js';
import { decodeCertificate, hasExtension } from './x509.js';

const CAPTURE = join(GEN, 'tls-clients.pcapng');
/** the server certificate with six subjectAltNames in the fixture (as tshark exports it) */
const CERT_SHA256 = '329432489e2e21ba609da921720ac3504433480af2cbf1f26406030edbb354b4';
const SAN_OID = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x11]);

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The certificate's DER and where it starts in the capture file (it lies whole inside one packet). */
function certificateInCapture(cap: Buffer): { der: Buffer; at: number } {
  for (let i = 0; i + 4 < cap.length; i++) {
    if (cap[i] !== 0x30 || cap[i + 1] !== 0x82) continue;
    const der = cap.subarray(i, i + 4 + ((cap[i + 2]! << 8) | cap[i + 3]!));
    if (sha256(der) === CERT_SHA256) return { der: Buffer.from(der), at: i };
  }
  throw new Error('certificate not found in the fixture');
}

/**
 * A copy of the certificate with one byte inside its subjectAltName value changed so that OpenSSL still parses
 * the certificate but can no longer print the extension (what the probe found: X509Certificate gives null).
 */
function corruptSan(der: Buffer): { bad: Buffer; offset: number } {
  const ext = der.indexOf(SAN_OID);
  for (let i = ext + SAN_OID.length; i < ext + 40; i++) {
    for (const x of [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80]) {
      const bad = Buffer.from(der);
      bad[i]! ^= x;
      try {
        // Node 20 gives null for an extension OpenSSL cannot print, Node 24 undefined (as for none)
        if (new X509Certificate(bad).subjectAltName == null) return { bad, offset: i };
      } catch {
        // not parsed at all: not the case wanted here
      }
    }
  }
  throw new Error('no single-bit change gives an unprintable subjectAltName');
}

const cap = readFileSync(CAPTURE);
const { der, at } = certificateInCapture(cap);
const corrupted = corruptSan(der);

describe('decodeCertificate', () => {
  it('reads every field of a sound certificate', () => {
    const c = decodeCertificate(der)!;
    expect(c.subject).toBe('CN=corpus-test.example, O=Corpus Test');
    expect(c.san).toEqual(['DNS:*.example', 'DNS:*.example.com', 'DNS:*.example.org', 'DNS:*.example.net', 'DNS:localhost', 'IP Address:127.0.0.1']);
    expect(c.unreadable).toEqual([]);
  });

  it('keeps subject, issuer, validity, serial and hashes when the subjectAltName cannot be read', () => {
    const good = new X509Certificate(der);
    const { bad } = corrupted;
    const c = decodeCertificate(bad)!;
    expect(c).not.toBeNull();
    expect(c.unreadable).toEqual(['subjectAltName']);
    expect(c.san).toBeNull();
    expect(c.subject).toBe('CN=corpus-test.example, O=Corpus Test');
    expect(c.issuer).toBe(decodeCertificate(der)!.issuer);
    expect(c.notBefore).toBe(Date.parse(good.validFrom) * 1000);
    expect(c.notAfter).toBe(Date.parse(good.validTo) * 1000);
    expect(c.serial).toBe(good.serialNumber.toLowerCase());
    expect(c.sha256).toBe(sha256(bad));
    expect(c.sha1).toBe(createHash('sha1').update(bad).digest('hex'));
  });

  it('finds the subjectAltName extension in the DER, also where OpenSSL cannot print it, and says when the DER cannot be walked', () => {
    const san = [0x55, 0x1d, 0x11];
    expect(hasExtension(der, san)).toBe(true);
    expect(hasExtension(corrupted.bad, san)).toBe(true);
    expect(hasExtension(der, [0x55, 0x1d, 0x1e])).toBe(false); // name constraints: not in this certificate
    expect(hasExtension(der.subarray(0, 100), san)).toBeNull();
    expect(hasExtension(new Uint8Array(0), san)).toBeNull();
  });

  it('a certificate without the extension has no names and nothing unreadable', () => {
    // the same certificate with its subjectAltName OID renamed to an unknown extension (2.5.29.99)
    const other = Buffer.from(der);
    other[der.indexOf(SAN_OID) + 4] = 0x63;
    expect(hasExtension(other, [0x55, 0x1d, 0x11])).toBe(false);
    const c = decodeCertificate(other)!;
    expect(c.subject).toBe('CN=corpus-test.example, O=Corpus Test');
    expect(c.san).toEqual([]);
    expect(c.unreadable).toEqual([]);
  });

  it('never throws on any single-byte change of a real certificate', () => {
    fc.assert(
      fc.property(fc.nat(der.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const bad = Buffer.from(der);
        bad[i]! ^= x;
        const c = decodeCertificate(bad);
        if (c === null) return;
        expect(c.sha256).toBe(sha256(bad));
        // a field is either read or named as unreadable
        if (c.subject === null) expect(c.unreadable).toContain('subject');
        if (c.san === null) expect(c.unreadable).toContain('subjectAltName');
        if (c.notBefore === null) expect(c.unreadable).toContain('validFrom');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('a capture whose certificate has a damaged subjectAltName', () => {
  const dir = scratchDir('x509');
  const badCapture = join(dir, 'bad-san.pcapng');
  const bytes = Buffer.from(cap);
  bytes[at + corrupted.offset] = corrupted.bad[corrupted.offset]!;
  writeFileSync(badCapture, bytes);

  it('tls: the record keeps what was read, an x509 anomaly names the field, exit 0', async () => {
    const r = await cli('tls', badCapture, '--format', 'jsonl', '--fields', 'subject,issuer,san,not_before,cert_sha256');
    expect(r.code).toBe(0);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const hit = rows.find((x) => x.subject === 'CN=corpus-test.example, O=Corpus Test');
    expect(hit).toMatchObject({ san: null, cert_sha256: sha256(corrupted.bad) });
    expect(hit!.issuer).not.toBeNull();
    expect(hit!.not_before).not.toBeNull();
    expect(r.err).toContain('x509_field_unreadable 1');
    expect(r.err).not.toContain('internal error');
  });

  it('ingest bad.pcapng good.pcap stores both, with the anomaly', async () => {
    const db = join(dir, 'x509.duckdb');
    const r = await cli('ingest', badCapture, join(GEN, 'http-put.pcap'), '--db', db);
    expect(r.err).not.toContain('internal error');
    expect(r.code).toBe(0);
    const q = await cli('sql', 'SELECT (SELECT count(*) FROM captures) AS captures, (SELECT list(detail) FROM anomalies WHERE name = \'x509_field_unreadable\') AS d', '--db', db, '--format', 'jsonl');
    const row = JSON.parse(q.out) as { captures: number; d: string[] };
    expect(row.captures).toBe(2);
    expect(row.d).toEqual([`subjectAltName (certificate sha256 ${sha256(corrupted.bad)})`]);
  });
});
