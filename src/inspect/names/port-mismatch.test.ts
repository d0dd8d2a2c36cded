// Protocol/port mismatch on sessions made here, one per rule and per false positive the rules avoid.
import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../schema/sessions.js';
import { CONVERSATION_BYTES, MIN_OPENING_BYTES, portMismatch, type PortSession } from './port-mismatch.js';
import { PORT_RULES, PROTOCOL_PORTS } from './port-table.js';

/** A complete TCP conversation from an ephemeral port, 2 KB each way, unless told otherwise. */
const tcp = (dst: number, app: string | null, more: Partial<PortSession> = {}): PortSession => ({
  proto: 'tcp', src_port: 51234, dst_port: dst, app_proto: app, src_bytes: 2000, dst_bytes: 2000, state: 'SF', missed_bytes: 0, proxy: null, ...more,
});
const udp = (dst: number, app: string | null, more: Partial<PortSession> = {}): PortSession => ({
  proto: 'udp', src_port: 40000, dst_port: dst, app_proto: app, src_bytes: 40, dst_bytes: 120, state: 'SF', missed_bytes: 0, proxy: null, ...more,
});
const said = (s: PortSession): [string, string, string] | null => {
  const f = portMismatch(s);
  return f === null ? null : [f.confidence, f.note, f.validations[0]!];
};

describe('portMismatch', () => {
  it('is silent on each protocol on its own port', () => {
    for (const [port, app] of [[443, 'tls'], [80, 'http'], [22, 'ssh'], [25, 'smtp'], [587, 'smtp'], [465, 'tls'], [53, 'dns'], [110, 'pop3'], [995, 'tls'],
      [143, 'imap'], [993, 'tls'], [21, 'ftp'], [8080, 'http'], [8080, 'tls'], [8443, 'tls'], [8443, 'http'], [3128, 'http']] as const) {
      expect(said(tcp(port, app)), `${app} on ${port}`).toBeNull();
    }
    for (const [port, app] of [[53, 'dns'], [5353, 'dns'], [5355, 'dns'], [137, 'dns'], [4789, 'vxlan'], [443, null]] as const) {
      expect(said(udp(port, app)), `udp ${app} on ${port}`).toBeNull();
    }
  });

  it('names a known protocol on a port that belongs to another (foreign_protocol)', () => {
    expect(said(tcp(443, 'ssh'))).toEqual(['high', 'ssh on 443, not tls', 'rule:foreign_protocol']);
    expect(said(tcp(80, 'tls'))).toEqual(['high', 'tls on 80, not http', 'rule:foreign_protocol']);
    expect(said(tcp(443, 'http'))).toEqual(['high', 'http on 443, not tls', 'rule:foreign_protocol']);
    expect(said(tcp(53, 'http'))).toEqual(['high', 'http on 53, not dns', 'rule:foreign_protocol']);
    expect(said(tcp(3389, 'ssh'))).toEqual(['high', 'ssh on 3389 (ms-wbt-server (rdp))', 'rule:foreign_protocol']);
    expect(said(tcp(465, 'smtp'))?.[1]).toBe('smtp on 465, not tls'); // implicit TLS port spoken in clear
    expect(said(udp(443, 'dns'))).toEqual(['medium', 'dns on 443 (https (quic))', 'rule:foreign_protocol']);
    // confidence by how much was said
    expect(said(tcp(443, 'http', { src_bytes: 80, dst_bytes: 200 }))?.[0]).toBe('medium');
    expect(said(tcp(443, 'http', { src_bytes: 80, dst_bytes: 0 }))?.[0]).toBe('low'); // a scanner's probe
    expect(said(tcp(443, 'ssh', { src_bytes: CONVERSATION_BYTES / 2, dst_bytes: CONVERSATION_BYTES / 2 }))?.[0]).toBe('high');
  });

  it('names a strict port that carried something no analyzer recognised (unrecognised)', () => {
    expect(said(tcp(443, null))).toEqual(['medium', 'not tls on 443', 'rule:unrecognised']);
    expect(said(tcp(22, null, { src_bytes: 300, dst_bytes: 200 }))).toEqual(['low', 'not ssh on 22', 'rule:unrecognised']);
    expect(said(udp(53, null))).toEqual(['low', 'not dns on 53', 'rule:unrecognised']);
    expect(said(udp(53, null, { src_bytes: 5000, dst_bytes: 9000 }))?.[0]).toBe('medium'); // OpenVPN on udp/53
  });

  it('stays silent where an unnamed session proves nothing', () => {
    // a scan, a half-open, a probe of a few bytes
    expect(said(tcp(443, null, { src_bytes: 0, dst_bytes: 0, state: 'S0' }))).toBeNull();
    expect(said(tcp(443, null, { src_bytes: 0, dst_bytes: 0, state: 'REJ' }))).toBeNull();
    expect(said(tcp(443, null, { src_bytes: MIN_OPENING_BYTES - 1, dst_bytes: 7 }))).toBeNull();
    expect(said(tcp(443, null, { src_bytes: 500, dst_bytes: 0 }))).toBeNull(); // nobody answered
    // SMTP's server speaks first: a client's bytes alone do not show what the port carried
    expect(said(tcp(25, null, { src_bytes: 500, dst_bytes: MIN_OPENING_BYTES - 1 }))).toBeNull();
    // the opening was not seen: a capture that began mid-stream, a gap
    expect(said(tcp(443, null, { state: 'OTH' }))).toBeNull();
    expect(said(tcp(443, null, { missed_bytes: 1460 }))).toBeNull();
    expect(said(tcp(443, null, { state: null }))).toBeNull();
    // a port whose protocols Haystack does not name, or that carries anything
    expect(said(tcp(3389, null))).toBeNull();
    expect(said(tcp(8080, null))).toBeNull();
    expect(said(udp(443, null))).toBeNull(); // QUIC
    expect(said(udp(53, null, { src_bytes: 8 }))).toBeNull(); // shorter than a DNS header
  });

  it('does not judge proxies, FTP data channels or other transports', () => {
    // HTTP CONNECT on a proxy port, then TLS inside; SOCKS to an SMTP server
    expect(said(tcp(3128, 'tls', { proxy: 'http-connect www.example.com:443' }))).toBeNull();
    expect(said(tcp(8080, 'http', { proxy: 'http-connect www.example.com:443' }))).toBeNull();
    expect(said(tcp(1080, 'smtp', { proxy: 'socks5 mail.example:25' }))).toBeNull();
    expect(said(tcp(443, 'smtp', { proxy: 'socks5 mail.example:25' }))).toBeNull();
    // passive FTP data on any port, active FTP data from port 20
    expect(said(tcp(443, 'ftp-data'))).toBeNull();
    expect(said(tcp(50123, 'ftp-data'))).toBeNull();
    expect(said({ ...tcp(50123, 'ftp-data'), src_port: 20 })).toBeNull();
    expect(said({ ...tcp(443, 'tls'), proto: 'icmp' })).toBeNull();
    expect(said({ ...tcp(443, 'tls'), proto: '47' })).toBeNull();
  });

  it('takes the service port from the responder side when the session was seen from it first', () => {
    // a DNS response with no query: the "originator" is the server on 53
    expect(said(udp(40000, 'dns', { src_port: 53 }))).toBeNull();
    expect(said(tcp(51000, 'ssh', { src_port: 443 }))).toEqual(['high', 'ssh on 443, not tls', 'rule:foreign_protocol']);
  });

  it('names a notable protocol off its own ports, low (off_port); TLS and HTTP run anywhere', () => {
    expect(said(tcp(2222, 'ssh'))).toEqual(['low', 'ssh on 2222, not its own port (22)', 'rule:off_port']);
    expect(said(udp(5399, 'dns'))).toEqual(['low', 'dns on 5399, not its own port (53, 137, 5353, 5355)', 'rule:off_port']);
    expect(said(tcp(2525, 'smtp'))).toBeNull(); // in the table as a submission alternate
    expect(said(tcp(4433, 'tls'))).toBeNull();
    expect(said(tcp(8081, 'http'))).toBeNull();
    expect(said(tcp(2222, 'ssh', { dst_bytes: 0 }))).toBeNull();
  });

  it('takes a sessions record as it is', () => {
    const record = { ...tcp(443, 'ssh'), uid: 'C1', community_id: '1:x', src_ip: '192.0.2.1', dst_ip: '192.0.2.2' } as unknown as SessionRecord;
    const s: PortSession = record; // compiles: the record has every field the detector reads
    expect(said(s)?.[1]).toBe('ssh on 443, not tls');
  });

  it('has a consistent table: each port once per transport; the inverse lists each expected protocol', () => {
    const keys = PORT_RULES.map((r) => `${r.transport}/${r.port}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of PORT_RULES) {
      for (const a of r.expect) expect(PROTOCOL_PORTS.get(a), a).toContain(`${r.transport}/${r.port}`);
      if (r.strict) expect(r.expect.length, `${r.transport}/${r.port}`).toBe(1);
    }
    expect(PROTOCOL_PORTS.get('ssh')).toEqual(['tcp/22']);
  });
});
