// DNS tunnelling on query streams made here: iodine- and dnscat2-like streams fire; ordinary names (a big site's
// many short names, CDN tenants, Akamai-style and hashed names, PTR lookups, DNS-SD, block-list lookups) do not.
// Windows, eviction and determinism by construction.
import { describe, expect, it } from 'vitest';
import {
  DISTINCT_CAP, DnsTunnelDetector, ENTROPY_BITS, MAX_DOMAINS, MIN_DISTINCT, registeredDomain, shannonEntropy, WINDOW_US, type DnsQueryRecord, type DnsTunnelFinding,
} from './dns-tunnel.js';

/** mulberry32: a seeded generator, so every stream is the same on every run */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const HEX = '0123456789abcdef';
const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const draw = (r: () => number, alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
/** data split into labels of at most 63 characters */
const labels = (s: string, max = 63): string => s.match(new RegExp(`.{1,${max}}`, 'g'))!.join('.');

const T0 = 1_700_000_000_000_000 - (1_700_000_000_000_000 % WINDOW_US); // the start of an hour, µs
const Q = { A: 1, CNAME: 5, NULL: 10, PTR: 12, MX: 15, TXT: 16, AAAA: 28 } as const;
let uid = 0;
const rec = (ts: number, query: string, qtype: number = Q.A, more: Partial<DnsQueryRecord> = {}): DnsQueryRecord =>
  ({ ts, uid: `C${uid++}`, query, qtype, outcome: 'answered', rrs: null, ...more });

function run(records: readonly DnsQueryRecord[], d = new DnsTunnelDetector()): DnsTunnelFinding[] {
  const out = records.flatMap((r) => d.add(r));
  return [...out, ...d.end()];
}
const fired = (f: DnsTunnelFinding): string[] => f.validations.map((v) => v.split(':')[0]!);

/** iodine: NULL queries, a type letter then base32 data in labels of up to 63, below its topdomain */
function iodine(n: number, top: string, seed = 1, from = T0, stepUs = 5_000_000): DnsQueryRecord[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => rec(from + i * stepUs, `${labels(`p${draw(r, B32, 150)}`, 57)}.${top}`, Q.NULL));
}

/** dnscat2: the packet in hex below the domain, TXT, CNAME and MX in turn; `hexChars` 18 is an idle poll */
function dnscat2(n: number, domain: string, hexChars: number, seed = 2, from = T0, stepUs = 1_000_000): DnsQueryRecord[] {
  const r = rng(seed);
  const types = [Q.TXT, Q.CNAME, Q.MX];
  return Array.from({ length: n }, (_, i) => rec(from + i * stepUs, `${labels(draw(r, HEX, hexChars))}.${domain}`, types[i % 3]));
}

describe('helpers', () => {
  it('computes Shannon entropy over the characters, dots left out', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('aabb')).toBe(1);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(shannonEntropy('ab.cd')).toBe(2);
    expect(shannonEntropy('')).toBe(0);
  });

  it('finds the registered domain with the PSL (private section included), else the last two labels', () => {
    expect(registeredDomain('a.b.example.co.uk')).toBe('example.co.uk');
    expect(registeredDomain('x.d111abcdef8.cloudfront.net')).toBe('d111abcdef8.cloudfront.net');
    expect(registeredDomain('www.example.com')).toBe('example.com');
    expect(registeredDomain('a.b.c.unlisted')).toBe('c.unlisted');
    expect(registeredDomain('intranet')).toBe('intranet');
  });
});

describe('DnsTunnelDetector', () => {
  it('fires high on an iodine-like stream: long base32 names, NULL queries', () => {
    const f = run(iodine(300, 't.tun-example.com'));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ detector: 'dns_tunnel', category: 'evasion', confidence: 'high', subject: 'tun-example.com', count: 300, distinctCount: 300, ts: T0, windowStart: T0 });
    expect(fired(f[0]!)).toEqual(['gate', 'long', 'entropy', 'txt_null']);
    expect(f[0]!.note).toMatch(/^300 distinct subdomains in 300 queries, mean subdomain \d+\.\d chars, mean label \d+\.\d, max label 57, entropy \d\.\d\d bits\/char, TXT\/NULL 100%$/);
  });

  it('fires on dnscat2-like streams: medium when idle (short hex), high with data', () => {
    // an hour of idle polls, one a second: many distinct names and a third of them TXT, but short hex
    const idle = run(dnscat2(3600, 'cat-example.net', 18));
    expect(idle).toHaveLength(1);
    expect(idle[0]!.confidence).toBe('medium');
    expect(fired(idle[0]!)).toEqual(['gate', 'txt_null', 'volume']);
    expect(idle[0]!.distinctCount).toBe(DISTINCT_CAP);
    expect(idle[0]!.count).toBe(3600);
    expect(idle[0]!.note).toMatch(new RegExp(`^${DISTINCT_CAP}\\+ distinct subdomains in 3600 queries`));
    // a transfer: 120 hex characters a name (60 bytes of packet)
    const data = run(dnscat2(200, 'cat-example.net', 120));
    expect(data.map((f) => [f.confidence, fired(f)])).toEqual([['high', ['gate', 'long', 'entropy', 'txt_null']]]);
  });

  it('sums TXT and NULL answer bytes into the note', () => {
    const rrs = JSON.stringify([{ name: 'x', type: 'TXT', class: 1, ttl: 0, strings: ['a', 'b'], lengths: [200, 55] }, { name: 'x', type: 'A', class: 1, ttl: 0, address: '192.0.2.1' }]);
    const nul = JSON.stringify([{ name: 'x', type: 'NULL', class: 1, ttl: 0, length: 1000 }]);
    const stream = dnscat2(60, 'cat-example.net', 120).map((r, i) => ({ ...r, rrs: r.qtype === Q.TXT ? rrs : i === 1 ? nul : null, qtype: i === 1 ? Q.NULL : r.qtype }));
    const f = run(stream);
    // 20 TXT answers of 255 bytes, one NULL of 1000
    expect(f[0]!.note).toMatch(/, 6100 TXT\/NULL answer bytes$/);
  });

  it('stays quiet on ordinary names', () => {
    const r = rng(3);
    const words = 'mail www api cdn static img login account news sport video shop cloud app dev docs support help blog store search maps drive play images music photos calendar chat meet'.split(' ');
    const quiet: DnsQueryRecord[] = [];
    let t = T0;
    const push = (q: string, qtype: number = Q.A): void => void quiet.push(rec((t += 1_000_000), q, qtype));
    // a big site's many names, short and dictionary-like (one sensor in front of a whole office)
    for (const a of words) for (const b of ['', '-eu', '-us', '2', '.static', '.m']) push(`${a}${b}.bigsite-example.com`, quiet.length % 2 === 0 ? Q.A : Q.AAAA);
    // CDN tenants: each distribution is its own registered domain (PSL private section)
    for (let i = 0; i < 300; i++) push(`d${draw(r, B32, 13)}.cloudfront.net`);
    // Akamai-style edge names: short, digits and a few letters
    for (let i = 0; i < 300; i++) push(`e${1000 + Math.floor(r() * 90000)}.dsc${'abcdefg'[i % 7]}.akamaiedge.net`);
    for (let i = 0; i < 300; i++) push(`a${Math.floor(r() * 2000)}.w${Math.floor(r() * 100)}.akamai.net`);
    // hashed names of one CDN: 16 hex characters cannot reach the entropy threshold (log2 16 = 4, ~3.2 on average)
    for (let i = 0; i < 300; i++) push(`${draw(r, HEX, 16)}.hash-cdn-example.net`);
    // PTR lookups, IPv4 and IPv6 (the nibble names are 72 characters), and a unicast DNS-SD browse
    for (let i = 0; i < 300; i++) push(`${i % 256}.${Math.floor(i / 256)}.0.10.in-addr.arpa`, Q.PTR);
    for (let i = 0; i < 300; i++) push(`${draw(r, HEX, 32).split('').join('.')}.8.b.d.0.1.0.0.2.ip6.arpa`, Q.PTR);
    for (let i = 0; i < 100; i++) push(`svc${i}._http._tcp.example.com`, Q.PTR);
    // multicast DNS service discovery
    for (let i = 0; i < 200; i++) push(`device-${i}._airplay._tcp.local`);
    // block-list lookups of a mail server
    for (let i = 0; i < 300; i++) push(`${i % 256}.${Math.floor(r() * 256)}.51.198.zen.spamhaus.org`, Q.A);
    // tunnel-like names, but fewer distinct than the gate
    quiet.push(...iodine(MIN_DISTINCT - 1, 't.few-example.com', 4, t + 1_000_000, 1_000_000));
    expect(run(quiet)).toEqual([]);
  });

  it('fires low on many hashed base32 names of one domain (a known false positive at the entropy indicator alone)', () => {
    // 24 random base32 characters average ~3.9 bits: only `entropy` fires, so the finding is low
    const r = rng(5);
    const f = run(Array.from({ length: 100 }, (_, i) => rec(T0 + i * 1_000_000, `${draw(r, B32, 24)}.objects-example.com`)));
    expect(f.map((x) => [x.confidence, fired(x)])).toEqual([['low', ['gate', 'entropy']]]);
    expect(ENTROPY_BITS).toBe(3.5);
  });

  it('reports one finding per domain per hour, at the window\'s close', () => {
    const d = new DnsTunnelDetector();
    // one query a second from half past the hour to half past the next
    const stream = dnscat2(3600, 'cat-example.net', 120, 6, T0 + WINDOW_US / 2, 1_000_000);
    const atAdd: DnsTunnelFinding[] = [];
    for (const r of stream) atAdd.push(...d.add(r));
    // the first window closed when the first record of the second arrived
    expect(atAdd.map((f) => [f.windowStart, f.count])).toEqual([[T0, 1800]]);
    expect(d.end().map((f) => [f.windowStart, f.count, f.ts])).toEqual([[T0 + WINDOW_US, 1800, T0 + WINDOW_US]]);
    // a late record (an earlier hour) counts in the current window
    const e = new DnsTunnelDetector();
    const late = dnscat2(100, 'cat-example.net', 120, 7, T0 + WINDOW_US, 1_000_000);
    late.splice(50, 0, rec(T0 + 10, `${'ab'.repeat(40)}.cat-example.net`, Q.TXT));
    expect(run(late, e).map((f) => f.count)).toEqual([101]);
    expect(e.late).toBe(1);
  });

  it('ignores duplicate responses and decodes the record\'s escapes', () => {
    const stream = iodine(100, 't.tun-example.com');
    const dup = stream.map((r) => ({ ...r, outcome: 'duplicate' }));
    expect(run([...stream, ...dup])[0]!.count).toBe(100);
    // iodine's Base128 sends bytes above 0x7f, which the record writes \xNN: measured as one character each
    const r = rng(8);
    const raw = Array.from({ length: 60 }, (_, i) => rec(T0 + i, `${Array.from({ length: 50 }, () => `\\x${(0x80 + Math.floor(r() * 0x80)).toString(16)}`).join('')}.t.b128-example.com`, Q.NULL));
    const f = run(raw);
    expect(f[0]!.note).toMatch(/mean subdomain 52\.0 chars, mean label 25\.5, max label 50/);
  });

  it('is deterministic for the same records', () => {
    const stream = [...iodine(200, 't.tun-example.com', 9), ...dnscat2(200, 'cat-example.net', 120, 10)].sort((a, b) => a.ts - b.ts);
    expect(run(stream)).toEqual(run(stream));
  });

  it('keeps at most MAX_DOMAINS domains and keeps the tunnel\'s', () => {
    const d = new DnsTunnelDetector();
    const tunnel = iodine(300, 't.tun-example.com', 11, T0, 1000);
    const out: DnsTunnelFinding[] = [];
    for (let i = 0; i < MAX_DOMAINS * 3; i++) {
      out.push(...d.add(rec(T0 + i, `www.site${i}-example.com`)));
      if (i % 10 === 0 && tunnel.length > 0) out.push(...d.add(tunnel.shift()!));
      expect(d.tracked).toBeLessThanOrEqual(MAX_DOMAINS);
    }
    for (const r of tunnel) out.push(...d.add(r));
    out.push(...d.end());
    expect(d.evicted).toBeGreaterThan(0);
    expect(out.map((f) => [f.subject, f.count])).toEqual([['tun-example.com', 300]]);
  });
});
