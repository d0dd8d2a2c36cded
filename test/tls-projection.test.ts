// `haystack tls --fields` computes JA3/JA4 and the certificate's fields only when printed or filtered on: the
// fields printed are the same as in the run that computes everything, record for record, in the same order, on the
// committed TLS captures and the corpus's TLS traces.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HashCache, fingerprints } from '../src/analyzers/tls/fingerprints.js';
import { parseClientHello } from '../src/analyzers/tls/hello.js';
import { cli } from './helpers/cli.js';
import { corpusDir, GEN, walkFiles } from './helpers/run.js';

const corpus = corpusDir();
const CAPTURES = [join(GEN, 'tls-clients.pcapng'), join(GEN, 'mixed-home.pcap'),
  ...(corpus === null ? [] : walkFiles(join(corpus, 'pcap')).filter((f) => /(tls|ssl)[^/]*\.(pcap|pcapng|cap)(\.gz)?$/i.test(f)))];

/** The records of `tls FILE` as JSON lines with every field. */
async function full(f: string): Promise<Record<string, unknown>[]> {
  const r = await cli('tls', f, '--format', 'jsonl');
  expect(r.code === 0 || r.code === 3, `${f}: ${r.err}`).toBe(true);
  return r.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The records of `tls FILE --fields F --format jsonl [--filter X]`. */
async function some(f: string, fields: string, filter?: string): Promise<Record<string, unknown>[]> {
  const r = await cli('tls', f, '--format', 'jsonl', '--fields', fields, ...(filter === undefined ? [] : ['--filter', filter]));
  expect(r.code === 0 || r.code === 3, `${f}: ${r.err}`).toBe(true);
  return r.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

const pick = (rows: Record<string, unknown>[], fields: string): Record<string, unknown>[] =>
  rows.map((r) => Object.fromEntries(fields.split(',').map((k) => [k, r[k]])));

describe('tls --fields: what is not printed is not computed, and what is printed is unchanged', () => {
  it('has TLS captures', () => expect(CAPTURES.length).toBeGreaterThan(corpus === null ? 1 : 20));

  it('the fields of the projected runs equal those of the whole run, in order', async () => {
    let records = 0;
    let withJa3 = 0;
    for (const f of CAPTURES) {
      const all = await full(f);
      records += all.length;
      withJa3 += all.filter((r) => typeof r.ja3 === 'string' && r.ja3 !== '').length;
      for (const fields of ['ts,uid,sni', 'sni,ja3,ja4,ja3s,version', 'uid,subject,san,cert_sha256,cipher']) {
        expect(await some(f, fields), `${f} --fields ${fields}`).toEqual(pick(all, fields));
      }
      // a filter on a fingerprint computes it though it is not printed
      const ja4 = all.find((r) => typeof r.ja4 === 'string' && r.ja4 !== '')?.ja4 as string | undefined;
      if (ja4 !== undefined) expect(await some(f, 'uid,sni', `ja4 = "${ja4}"`), f).toEqual(pick(all.filter((r) => r.ja4 === ja4), 'uid,sni'));
    }
    expect(records).toBeGreaterThan(10);
    expect(withJa3).toBeGreaterThan(10);
  }, 300_000);

  it('a cache that wants no fingerprints gives empty ones without hashing', () => {
    // a minimal ClientHello body: version, random, no session id, one suite, no compression, no extensions
    const body = Uint8Array.from([3, 3, ...new Array<number>(32).fill(7), 0, 0, 2, 0x13, 0x01, 1, 0]);
    const ch = parseClientHello(body, 0, body.length, { anomaly: null });
    const on = new HashCache();
    const off = new HashCache(false);
    expect(fingerprints(ch, 't', on).ja3).toMatch(/^[0-9a-f]{32}$/);
    expect(fingerprints(ch, 't', off)).toEqual({ ja3: '', ja3String: '', ja4: '', ja4R: '' });
    expect(off.hellos.size).toBe(0);
  });
});
