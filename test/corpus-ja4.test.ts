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
