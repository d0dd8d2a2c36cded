// test/fixtures/dns/dns-gen.pcap (dig against a tiny server on 127.0.0.1:5399, UDP and TCP; made by
// make-dns-gen.sh) against tshark's reading of it (dns-gen.tshark.tsv): every query/response pair is one dns
// record, on a port that is not a DNS port (content alone decides), with tshark's ids, names, types, flags,
// rcodes, answers by type, TTLs, rtt (dns.time), EDNS client subnet and cookies, HTTPS alpn and ECH.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DnsRecord } from '../src/schema/dns.js';
import { cli } from './helpers/cli.js';
import { dnsRecords } from './helpers/dns.js';
import { ROOT } from './helpers/run.js';

const DIR = join(ROOT, 'test/fixtures/dns');
// the -e fields of make-dns-gen.sh, in order
const COLS = ['time', 'src', 'dst', 'usport', 'tsport', 'udport', 'tdport', 'id', 'response', 'opcode', 'rcode', 'aa', 'tc', 'rd', 'ra', 'z', 'ad', 'cd',
  'qname', 'qtype', 'qclass', 'types', 'ttls', 'a', 'aaaa', 'cname', 'ptr', 'ns', 'mx_pref', 'mx', 'txt', 'srv', 'srv_port', 'soa_mname', 'soa_serial',
  'caa_tag', 'caa_issue', 'alpn', 'ech', 'udp_size', 'ecs_family', 'ecs4', 'ecs6', 'ecs_mask', 'ecs_scope', 'cookie_client', 'cookie_server', 'rtt', 'ancount'] as const;
type Row = Record<(typeof COLS)[number], string>;

const rows: Row[] = readFileSync(join(DIR, 'dns-gen.tshark.tsv'), 'utf8').trim().split('\n')
  .map((l) => Object.fromEntries(l.split('\t').map((v, i) => [COLS[i], v])) as Row);
const list = (v: string): string[] => (v === '' ? [] : v.split(','));
const bool = (v: string): boolean => v === '1';

/** Values of one data field across the answer section (and authority, for SOA) of our record. */
function typed(r: DnsRecord, type: string, key: string): unknown[] {
  const rrs = JSON.parse(String(r.rrs ?? '[]')) as Record<string, unknown>[];
  return rrs.filter((x) => x.type === type).map((x) => x[key]);
}

describe('gen/dns-gen.pcap vs tshark', () => {
  let ours: DnsRecord[] = [];
  beforeAll(async () => {
    ours = await dnsRecords(join(DIR, 'dns-gen.pcap'));
  });
  const queries = rows.filter((r) => r.response === '0');
  const responses = rows.filter((r) => r.response === '1');

  it('one record per query/response pair, UDP and TCP, none left unpaired', () => {
    expect(queries.length).toBeGreaterThanOrEqual(15);
    expect(responses.length).toBe(queries.length);
    expect(ours.length).toBe(queries.length);
    expect(ours.every((r) => r.outcome === 'answered')).toBe(true);
    expect(new Set(ours.map((r) => r.transport))).toEqual(new Set(['udp', 'tcp']));
  });

  for (const resp of responses) {
    const id = parseInt(resp.id, 16);
    const port = Number(resp.udport || resp.tdport);
    it(`id ${id} ${resp.qname} type ${resp.qtype}`, () => {
      const r = ours.find((x) => x.trans_id === id && x.src_port === port)!;
      expect(r).toBeDefined();
      const q = queries.find((x) => x.id === resp.id && Number(x.usport || x.tsport) === port)!;
      expect([r.transport, r.src_ip, r.dst_ip, r.dst_port]).toEqual([resp.usport !== '' ? 'udp' : 'tcp', resp.dst, resp.src, 5399]);
      expect([r.query, r.qtype, r.qclass]).toEqual([resp.qname, Number(resp.qtype), parseInt(resp.qclass, 16)]);
      expect([r.opcode, r.rcode, r.aa, r.tc, r.ra]).toEqual([Number(resp.opcode), Number(resp.rcode), bool(resp.aa), bool(resp.tc), bool(resp.ra)]);
      expect([r.rd, r.z & 4 ? 1 : 0, r.ad, r.cd]).toEqual([bool(q.rd), Number(q.z), bool(q.ad), bool(q.cd)]);
      expect(r.rcode_name).toBe(resp.rcode === '3' ? 'NXDOMAIN' : 'NOERROR');
      // rtt: tshark's dns.time, to the microsecond
      expect(Math.abs(r.rtt! - Number(resp.rtt))).toBeLessThan(2e-6);
      // answer section: its TTLs are the first ancount of tshark's (the others are authority records)
      const n = Number(resp.ancount);
      expect((JSON.parse(String(r.rrs)) as unknown[]).length).toBe(n);
      expect(r.ttls).toEqual(list(resp.ttls).slice(0, n).map(Number));
      expect(typed(r, 'A', 'address')).toEqual(list(resp.a));
      expect(typed(r, 'AAAA', 'address')).toEqual(list(resp.aaaa));
      expect(typed(r, 'CNAME', 'target')).toEqual(list(resp.cname));
      expect(typed(r, 'PTR', 'target')).toEqual(list(resp.ptr));
      expect(typed(r, 'NS', 'target')).toEqual(list(resp.ns));
      expect(typed(r, 'MX', 'exchange')).toEqual(list(resp.mx));
      expect(typed(r, 'MX', 'preference')).toEqual(list(resp.mx_pref).map(Number));
      expect(typed(r, 'TXT', 'strings').flat()).toEqual(list(resp.txt));
      expect(typed(r, 'SRV', 'target')).toEqual(list(resp.srv));
      expect(typed(r, 'SRV', 'port')).toEqual(list(resp.srv_port).map(Number));
      // SOA: in the answers, or (NXDOMAIN, NODATA) in the authority section as text
      expect([...typed(r, 'SOA', 'mname'), ...r.auth]).toEqual(list(resp.soa_mname));
      if (n > 0) expect(typed(r, 'SOA', 'serial')).toEqual(list(resp.soa_serial).map(Number));
      expect(typed(r, 'CAA', 'tag')).toEqual(list(resp.caa_tag));
      expect(typed(r, 'CAA', 'value')).toEqual(list(resp.caa_issue));
      expect(typed(r, 'HTTPS', 'alpn').flat()).toEqual(list(resp.alpn));
      const ech = typed(r, 'HTTPS', 'ech') as string[];
      expect(ech.map((e) => Buffer.from(e, 'base64').toString('hex'))).toEqual(list(resp.ech));
      // EDNS of the query: payload size, client subnet, cookie (the server's added from the response)
      expect(r.edns_udp_size).toBe(q.udp_size === '' ? null : Number(q.udp_size));
      const ecs = q.ecs_family === '' ? null : `${q.ecs4 || q.ecs6}/${q.ecs_mask}/${q.ecs_scope}`;
      expect(r.ecs).toBe(ecs);
      const cookie = q.cookie_client === '' ? null : resp.cookie_server === '' ? q.cookie_client : `${q.cookie_client}/${resp.cookie_server}`;
      expect(r.cookie).toBe(cookie);
    });
  }

  it('haystack dns prints the same records', async () => {
    const r = await cli('dns', join(DIR, 'dns-gen.pcap'), '--format', 'jsonl');
    expect(r.code, r.err).toBe(0);
    const printed = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(printed.map((x) => [x.uid, x.trans_id, x.query, x.rcode_name])).toEqual(ours.map((x) => [x.uid, x.trans_id, x.query, x.rcode_name]));
  });

  it('covers what the capture was made for', () => {
    const types = new Set(ours.map((r) => r.qtype_name));
    for (const t of ['A', 'AAAA', 'MX', 'TXT', 'SRV', 'SOA', 'CAA', 'HTTPS', 'PTR', 'NS']) expect(types, t).toContain(t);
    expect(ours.some((r) => r.rcode_name === 'NXDOMAIN')).toBe(true);
    expect(ours.some((r) => r.tc === true && r.transport === 'udp')).toBe(true);
    expect(ours.some((r) => r.ecs?.includes('2001:db8:1234::/48/0'))).toBe(true);
    expect(ours.some((r) => r.cookie?.includes('/'))).toBe(true);
    expect(ours.find((r) => r.qtype_name === 'HTTPS')!.answers[0]).toMatch(/^HTTPS 1 \. alpn=h2,h3 ipv4hint=192\.0\.2\.10 ech$/);
  });
});
