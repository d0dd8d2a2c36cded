// tls-clients.pcapng: every ClientHello with tshark's SNI, JA3 string and hash, versions, lists, and FoxIO
// ja4.py's JA4 and JA4_r; ServerHellos with tshark's JA3S and version. Includes the hellos that span two
// TCP segments, upper-case and IDN names, hellos without SNI, ports 8443/9999 and SMTP STARTTLS on 25.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TlsRecord } from '../src/schema/tls.js';
import { GEN, readJson } from './helpers/run.js';
import { tlsRecords } from './helpers/tls.js';

interface TsharkHello {
  frame: number;
  tcp_stream: number;
  sport: number;
  dport: number;
  sni: string | null;
  ja3: string;
  ja3_full: string;
  record_version: string;
  client_version: string;
  supported_versions: string[] | null;
  alpn: string[] | null;
  cipher_suites: string[];
  extensions: number[];
  tcp_reassembled_length: number | null;
}

interface Expected {
  client_hellos: TsharkHello[];
  client_hello_count: number;
  distinct_sni: string[];
  server_hellos: { tcp_stream: number; ja3s: string; version: string; supported_version: string | null; cipher_suite: string }[];
  ja4_foxio: Record<string, string>[];
}

const hex = (v: number): string => `0x${v.toString(16).padStart(4, '0')}`;

describe('gen/tls-clients.pcapng TLS vs tshark and ja4.py', async () => {
  const exp = readJson<Expected>(join(GEN, 'expected/tls-clients.pcapng.json'));
  const { records, anomalies } = await tlsRecords([join(GEN, 'tls-clients.pcapng')]);
  const bySport = new Map<number, TlsRecord>(records.map((r) => [r.src_port, r]));

  it('finds every ClientHello and every distinct SNI, with no anomalies', () => {
    expect(records.length).toBe(exp.client_hello_count);
    expect([...new Set(records.map((r) => r.sni).filter((s) => s !== null))].sort()).toEqual([...exp.distinct_sni].sort());
    expect(anomalies).toEqual([]);
  });

  for (const t of exp.client_hellos) {
    it(`frame ${t.frame}, stream ${t.tcp_stream}, port ${t.dport}: ${t.sni ?? '(no SNI)'}${t.tcp_reassembled_length !== null ? ' (spans segments)' : ''}`, () => {
      const r = bySport.get(t.sport);
      expect(r, 'ClientHello from that port').toBeDefined();
      expect(r!.dst_port).toBe(t.dport);
      expect(r!.sni).toBe(t.sni);
      expect(r!.ja3).toBe(t.ja3);
      expect(r!.ja3_string).toBe(t.ja3_full);
      expect(r!.cipher_suites.map(hex)).toEqual(t.cipher_suites);
      expect(r!.extensions).toEqual(t.extensions);
      expect(r!.supported_versions.map(hex)).toEqual(t.supported_versions ?? []);
      expect(r!.alpn).toEqual(t.alpn ?? []);
      const foxio = exp.ja4_foxio.find((f) => Number(f.srcport) === t.sport)!;
      expect(r!.ja4).toBe(foxio['JA4.1']);
      expect(r!.ja4_r).toBe(foxio['JA4_r.1']);
    });
  }

  it('answers each ClientHello with tshark\'s ServerHello fields', () => {
    for (const sh of exp.server_hellos) {
      const ch = exp.client_hellos.find((c) => c.tcp_stream === sh.tcp_stream)!;
      const r = bySport.get(ch.sport)!;
      expect(r.ja3s, `stream ${sh.tcp_stream}`).toBe(sh.ja3s);
      expect(hex(r.cipher!)).toBe(sh.cipher_suite);
      const v = Number(sh.supported_version ?? sh.version);
      expect(r.version).toBe({ 0x0304: 'TLSv13', 0x0303: 'TLSv12', 0x0302: 'TLSv11', 0x0301: 'TLSv10' }[v]);
    }
  });
});
