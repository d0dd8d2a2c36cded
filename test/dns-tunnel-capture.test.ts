// A real DNS tunnel through the real dns analyzer: test/fixtures/dns-tunnel/iodine.pcap (make-iodine.sh: Debian's
// iodine 0.7.0 client and server on 127.0.0.2:53, NULL queries with Base128 data, plus ordinary A lookups of one
// site and PTR lookups), its dns records fed to the DNS tunnel detector.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DnsTunnelDetector } from '../src/inspect/names/dns-tunnel.js';
import { dnsRun } from './helpers/dns.js';
import { ROOT } from './helpers/run.js';

const PCAP = join(ROOT, 'test/fixtures/dns-tunnel/iodine.pcap');

describe('dns_tunnel on an iodine capture', () => {
  it('finds the tunnel\'s domain, high, and nothing else', async () => {
    const { records } = await dnsRun(PCAP);
    // tshark -r iodine.pcap -Y 'dns.flags.response==0 && dns.qry.type==10' (and ==1, ==12) counts 200, 80, 60:
    // the tunnel's NULL queries, make-iodine.sh's A lookups of bigsite-example.com and its PTR lookups
    const tunnel = records.filter((r) => r.query !== null && /\.t\.iodine-tunnel\.test$/i.test(r.query));
    expect(tunnel.length).toBe(200);
    expect(tunnel.every((r) => r.qtype_name === 'NULL')).toBe(true);
    expect(records.filter((r) => r.query?.endsWith('.bigsite-example.com')).length).toBe(80);
    expect(records.filter((r) => r.qtype_name === 'PTR').length).toBe(60);

    const d = new DnsTunnelDetector();
    const found = [...records.flatMap((r) => d.add(r)), ...d.end()];
    expect(found.map((f) => [f.subject, f.confidence, f.count])).toEqual([['iodine-tunnel.test', 'high', tunnel.length]]);
    const f = found[0]!;
    expect(f.validations).toEqual(expect.arrayContaining(['long:mean_subdomain>=40', 'entropy:>=3.5', 'txt_null:>=0.3']));
    expect(f.uid).toBe(tunnel[0]!.uid);
    expect(f.ts).toBe(tunnel[0]!.ts);
    // iodine's downstream rides in the NULL answers
    expect(f.note).toMatch(/TXT\/NULL 100%, \d+ TXT\/NULL answer bytes$/);
  });
});
