// JA4 against FoxIO's reference implementation (ja4.py outputs in the corpus): every ClientHello of every
// TCP stream, JA4 and JA4_r, including the second ClientHello after a HelloRetryRequest (JA4.2).
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
  expect: Record<string, string | number>;
}

const norm = (ip: string): string => (ip.includes(':') ? formatIpv6(parseIpv6(ip)!) : ip);

describe.skipIf(corpus === null)('JA4 vs FoxIO ja4.py', () => {
  const dir = corpus!;
  const entries = readJson<{ entries: Entry[] }>(`${dir}/expected.json`).entries
    .filter((e) => e.kind === 'tls_client_hello' && e.format?.startsWith('ja4.py') === true);
  const cache = new Map<string, Promise<TlsRecord[]>>();
  const records = (file: string): Promise<TlsRecord[]> => {
    let p = cache.get(file);
    if (p === undefined) cache.set(file, (p = tlsRecords([`${dir}/${file}`]).then((r) => r.records)));
    return p;
  };

  it('has the reference outputs', () => expect(entries.length).toBe(150));

  for (const e of entries) {
    const x = e.expect;
    const hellos = Object.keys(x).filter((k) => /^JA4\.\d+$/.test(k));
    for (const k of hellos) {
      const n = Number(k.slice(4));
      it(`${e.file} stream ${x.stream} ${x.src}:${x.srcport} hello ${n}`, async () => {
        const rs = await records(e.file);
        const r = rs.find((t) => t.src_ip === norm(String(x.src)) && t.src_port === Number(x.srcport) &&
          t.dst_ip === norm(String(x.dst)) && t.dst_port === Number(x.dstport) && t.hello_index === n);
        expect(r, 'ClientHello').toBeDefined();
        expect(r!.ja4).toBe(x[k]);
        if (x[`JA4_r.${n}`] !== undefined) expect(r!.ja4_r).toBe(x[`JA4_r.${n}`]);
        if (typeof x.sni === 'string' && n === 1) expect(r!.sni).toBe(x.sni);
      });
    }
  }
});

describe.skipIf(corpus === null)('JA4 vs the FoxIO rust CLI, Zeek ja4 and Suricata (TCP and QUIC)', () => {
  const dir = corpus!;
  const all = readJson<{ entries: Entry[] }>(`${dir}/expected.json`).entries;
  const rust = all.filter((e) => (e.kind === 'tls_client_hello' || e.kind === 'quic_client_hello') && e.format?.startsWith('rust ja4') === true && 'ja4' in e.expect);
  const zeek = all.filter((e) => e.kind === 'tls_client_hello' && e.format?.startsWith('zeek-ssl.log') === true);
  const suriQuic = all.filter((e) => e.format?.startsWith('suricata-eve') === true &&
    (e.expect as unknown as { match?: Record<string, unknown> }).match?.event_type === 'quic');
  const cache = new Map<string, Promise<TlsRecord[]>>();
  const records = (file: string): Promise<TlsRecord[]> => {
    let p = cache.get(file);
    if (p === undefined) cache.set(file, (p = tlsRecords([`${dir}/${file}`]).then((r) => r.records)));
    return p;
  };

  it('has the expectations', () => {
    expect(rust.length).toBeGreaterThanOrEqual(100);
    expect(zeek.length).toBe(20);
    expect(suriQuic.length).toBe(3);
  });

  for (const e of rust) {
    const x = e.expect;
    it(`rust ${e.file} ${String(x.transport)} ${x.src}:${x.src_port}`, async () => {
      const r = (await records(e.file)).find((t) => t.src_ip === norm(String(x.src)) && t.src_port === Number(x.src_port) &&
        t.dst_ip === norm(String(x.dst)) && t.dst_port === Number(x.dst_port) && t.hello_index === 1 &&
        t.transport === (x.transport === 'udp' ? 'quic' : 'tcp'));
      expect(r, 'ClientHello').toBeDefined();
      expect(r!.ja4).toBe(x.ja4);
      if (x.tls_server_name !== undefined) expect(r!.sni).toBe(x.tls_server_name);
    });
  }

  const CIPHERS: Record<string, number> = { TLS_AES_128_GCM_SHA256: 0x1301, TLS_AES_256_GCM_SHA384: 0x1302, TLS_CHACHA20_POLY1305_SHA256: 0x1303 };
  for (const e of zeek) {
    const x = e.expect as Record<string, string>;
    it(`zeek ${e.file} ${x['id.orig_h']}:${x['id.orig_p']} ${x.server_name}`, async () => {
      const r = (await records(e.file)).find((t) => t.src_ip === x['id.orig_h'] && t.src_port === Number(x['id.orig_p']) && t.dst_port === Number(x['id.resp_p']));
      expect(r, 'ClientHello').toBeDefined();
      expect([r!.ja4, r!.sni, r!.version, r!.cipher]).toEqual([x.ja4, x.server_name, x.version, CIPHERS[x.cipher!]]);
    });
  }

  for (const e of suriQuic) {
    const m = (e.expect as unknown as { count: number; match: Record<string, unknown> });
    it(`suricata ${e.file} quic.ja4 x${m.count}`, async () => {
      const rs = (await records(e.file)).filter((t) => t.transport === 'quic' && t.ja4 === m.match['quic.ja4']);
      expect(new Set(rs.map((t) => t.uid)).size).toBe(m.count);
    });
  }
});
