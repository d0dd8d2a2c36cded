// TLS records against Suricata's EVE tls expectations in the corpus (SNI, version, JA3 hash and string,
// JA3S, JA4, client ALPNs, endpoints, certificate subject/issuer/serial/fingerprint/validity). Expectations
// on parts not built yet are todo, not passed.
import { describe, expect, it } from 'vitest';
import { formatIpv6, parseIpv6 } from '../src/core/ip.js';
import type { TlsRecord } from '../src/schema/tls.js';
import { corpusDir, readJson } from './helpers/run.js';
import { tlsRecords } from './helpers/tls.js';

const corpus = corpusDir();

interface Entry {
  file: string;
  kind: string;
  format?: string;
  test?: string;
  expect: { count: number; match: Record<string, unknown> };
}

/** Suricata's version names ("TLS 1.3", "TLS 1.3 draft-28") from ours (Zeek's "TLSv13", "TLSv13-draft28"). */
function suricataVersion(v: string | null): string | null {
  if (v === null) return null;
  if (v === 'TLSv13-draft<16') return 'TLS 1.3 draft-<16';
  if (v === 'TLSv10') return 'TLSv1'; // Suricata's name for TLS 1.0 ("TLS 1.1" and up are spelled with a space)
  const d = /^TLSv13-draft(\d+)$/.exec(v);
  if (d !== null) return Number(d[1]) < 16 ? 'TLS 1.3 draft-<16' : `TLS 1.3 draft-${d[1]}`;
  const m = /^(TLS|SSL)v(\d)(\d)$/.exec(v);
  return m === null ? v : m[1] === 'SSL' ? `SSLv${m[2]}` : `TLS ${m[2]}.${m[3]}`;
}

const norm = (ip: string): string => (ip.includes(':') ? formatIpv6(parseIpv6(ip)!) : ip);

const CHECKS: Record<string, (r: TlsRecord) => unknown> = {
  'tls.sni': (r) => r.sni,
  'tls.version': (r) => suricataVersion(r.version),
  'tls.ja3.hash': (r) => r.ja3,
  'tls.ja3.string': (r) => r.ja3_string,
  'tls.ja3s.hash': (r) => r.ja3s,
  'tls.ja4': (r) => r.ja4,
  src_ip: (r) => r.src_ip,
  dest_ip: (r) => r.dst_ip,
  src_port: (r) => r.src_port,
  dest_port: (r) => r.dst_port,
  proto: () => 'TCP',
  'tls.subject': (r) => r.subject,
  'tls.issuerdn': (r) => r.issuer,
  // Suricata prints the serial's DER bytes with colons (a leading 00 included), we keep the number in hex
  'tls.serial': (r) => r.cert_serial,
  'tls.fingerprint': (r) => (r.cert_sha1 === null ? null : r.cert_sha1.match(/../g)!.join(':')),
  'tls.notbefore': (r) => (r.not_before === null ? null : new Date(r.not_before / 1000).toISOString().slice(0, 19)),
  'tls.notafter': (r) => (r.not_after === null ? null : new Date(r.not_after / 1000).toISOString().slice(0, 19)),
};

const serialNumber = (s: string): string => s.replace(/:/g, '').replace(/^0+(?=.)/, '').toLowerCase();

describe.skipIf(corpus === null)('TLS vs Suricata EVE', () => {
  const dir = corpus!;
  const entries = readJson<{ entries: Entry[] }>(`${dir}/expected.json`).entries
    .filter((e) => (e.kind === 'tls_client_hello' || e.kind === 'tls_session') && e.format?.startsWith('suricata-eve') === true);

  it('has the expectations', () => expect(entries.length).toBeGreaterThanOrEqual(15));

  for (const e of entries) {
    const keys = Object.keys(e.expect.match).filter((k) => k !== 'event_type' && k !== 'community_id' && k !== 'pcap_cnt');
    const alpn = keys.filter((k) => k.startsWith('tls.client_alpns['));
    const unsupported = keys.filter((k) => !(k in CHECKS) && !alpn.includes(k) && k !== 'tls.ja3s.string');
    const name = `${e.test ?? e.file}: ${keys.join(', ')} x${e.expect.count}`;
    if (unsupported.length > 0) {
      it.todo(`${name} (needs ${unsupported.join(', ')})`);
      continue;
    }
    it(name, async () => {
      const { records } = await tlsRecords([`${dir}/${e.file}`]);
      const matching = new Set<string>();
      for (const r of records) {
        const ok = keys.every((k) => {
          const want = e.expect.match[k];
          if (k === 'tls.ja3s.string') return true; // the hash is compared
          if (alpn.includes(k)) return r.alpn[Number(/\[(\d+)\]/.exec(k)![1])] === want;
          const got = CHECKS[k]!(r);
          if (k === 'tls.serial') return typeof got === 'string' && serialNumber(got) === serialNumber(String(want));
          return typeof want === 'string' && (k === 'src_ip' || k === 'dest_ip') ? got === norm(want) : got === want;
        });
        if (ok) matching.add(r.uid);
      }
      expect(matching.size, JSON.stringify(records.map((r) => [r.sni, r.version, r.ja3, r.ja4]))).toBe(e.expect.count);
    });
  }
});

describe.skipIf(corpus === null)('server certificates vs Zeek file analysis', () => {
  it('smtp.pcap: the certificate of the 443 session has the sha1 and sha256 Zeek reports for "file #4"', async () => {
    const dir = corpus!;
    const x = readJson<{ entries: Entry[] }>(`${dir}/expected.json`).entries
      .find((e) => e.kind === 'x509_certificate' && (e.expect as unknown as Record<string, unknown>).file === 'file #4')!
      .expect as unknown as Record<string, string>;
    const { records } = await tlsRecords([`${dir}/pcap/zeek/smtp.pcap`]);
    const r = records.find((t) => t.dst_port === 443 && t.src_ip === x.orig_h);
    expect(r).toBeDefined();
    expect([r!.cert_sha1, r!.cert_sha256]).toEqual([x.sha1, x.sha256]);
  });
});

describe.skipIf(corpus === null)('TLS vs Zeek ssl.log', () => {
  const dir = corpus!;
  const entries = readJson<{ entries: Entry[] }>(`${dir}/expected.json`).entries
    .filter((e) => (e.kind === 'tls_client_hello' || e.kind === 'tls_session') && e.format?.startsWith('zeek log') === true);

  it('has the expectations', () => expect(entries.length).toBe(18));

  for (const e of entries) {
    const x = e.expect as unknown as Record<string, string>;
    const name = `${e.file} ${x['id.orig_h']}:${x['id.orig_p']} ${x.version}`;
    it(name, async () => {
      const { records } = await tlsRecords([`${dir}/${e.file}`]);
      // Zeek logs one line per connection: the last ClientHello's offer (after a DTLS HelloVerifyRequest or
      // a HelloRetryRequest there are two) and the negotiated version
      const r = records.filter((t) => t.src_ip === x['id.orig_h'] && t.src_port === Number(x['id.orig_p']) &&
        t.dst_ip === x['id.resp_h'] && t.dst_port === Number(x['id.resp_p'])).sort((a, b) => b.hello_index - a.hello_index)[0];
      expect(r, 'ClientHello').toBeDefined();
      expect(r!.version).toBe(x.version);
      if (x.server_name !== undefined) expect(r!.sni).toBe(x.server_name);
      if (x.client_version !== undefined) expect(String(VERSION_NUMBERS[r!.client_version])).toBe(x.client_version);
      if (x.client_ciphers !== undefined) expect(r!.cipher_suites.join(',')).toBe(x.client_ciphers);
      // Zeek appends the extensions of every ClientHello of the connection to one list (the ciphers it replaces)
      const all = records.filter((t) => t.uid === r!.uid).sort((a, b) => a.hello_index - b.hello_index);
      if (x.ssl_client_exts !== undefined) expect(all.map((t) => t.extensions.join(',')).join(',')).toBe(x.ssl_client_exts);
      if (x.subject !== undefined) expect(r!.subject).toBe(x.subject);
      if (x.issuer !== undefined) expect(r!.issuer).toBe(x.issuer);
    });
  }
});

/** Our version names back to the numbers Zeek logs. */
const VERSION_NUMBERS: Record<string, number> = {
  SSLv2: 0x0002, SSLv3: 0x0300, TLSv10: 0x0301, TLSv11: 0x0302, TLSv12: 0x0303, TLSv13: 0x0304,
  DTLSv10: 0xfeff, DTLSv12: 0xfefd, DTLSv13: 0xfefc,
};

describe.skipIf(corpus === null)('HelloRetryRequest with the server\'s compatibility CCS', () => {
  it('zeek tls/hrr.pcap: both hellos get the server\'s answer', async () => {
    const { records } = await tlsRecords([`${corpus!}/pcap/zeek/tls/hrr.pcap`]);
    expect(records.map((r) => [r.hello_index, r.hello_retry, r.version])).toEqual([[1, true, 'TLSv13'], [2, false, 'TLSv13']]);
    expect(records[1]!.cipher).toBe(records[0]!.cipher);
    expect(records[1]!.ja3s).not.toBeNull();
  });
});
