// Well-known ports and the application protocols expected on them, as data (IANA's service registry, in
// Haystack's app_proto names), and the inverse: each protocol Haystack names and the ports that are its own.
// Pure.
//
// app_proto names come from the analyzers that name a session (the first to decide): tls, http, smtp, ssh, dns,
// ftp, ftp-data (a data channel its control session announced), pop3, imap; tunnels decoded by UDP port or IP
// protocol name their outer session vxlan, geneve, gtpv1, teredo, ayiya, gre (decode/tunnel.ts). QUIC and DTLS
// give tls records but do not name the session: a UDP session on 443 has app_proto null.

export type Transport = 'tcp' | 'udp';

export interface PortRule {
  readonly port: number;
  readonly transport: Transport;
  /** IANA's service name, for notes */
  readonly service: string;
  /** app_proto values expected there; empty when Haystack names none of the port's protocols */
  readonly expect: readonly string[];
  /**
   * the port's protocol is one Haystack recognises by its opening bytes, and it is the only thing that port
   * should carry: a conversation there that no analyzer named is itself a finding ("not tls on 443")
   */
  readonly strict: boolean;
}

const r = (port: number, transport: Transport, service: string, expect: readonly string[], strict = false): PortRule =>
  ({ port, transport, service, expect, strict });

/** The table. Each row's choice is said where it is not IANA's plain assignment. */
export const PORT_RULES: readonly PortRule[] = [
  r(20, 'tcp', 'ftp-data', ['ftp-data']),
  r(21, 'tcp', 'ftp', ['ftp'], true),
  r(22, 'tcp', 'ssh', ['ssh'], true),
  r(23, 'tcp', 'telnet', []),
  r(25, 'tcp', 'smtp', ['smtp'], true), // STARTTLS upgrades inside smtp: the session stays smtp
  r(53, 'tcp', 'domain', ['dns'], true), // DNS over TCP (RFC 7766)
  r(53, 'udp', 'domain', ['dns'], true),
  r(67, 'udp', 'bootps', []),
  r(68, 'udp', 'bootpc', []),
  r(69, 'udp', 'tftp', []),
  r(80, 'tcp', 'http', ['http'], true),
  r(88, 'tcp', 'kerberos', []),
  r(88, 'udp', 'kerberos', []),
  r(110, 'tcp', 'pop3', ['pop3'], true), // STLS stays pop3
  r(123, 'udp', 'ntp', []),
  r(135, 'tcp', 'msrpc', []),
  r(137, 'udp', 'netbios-ns', ['dns']), // NetBIOS name service messages have DNS's wire format (RFC 1002 §4.2)
  r(138, 'udp', 'netbios-dgm', []),
  r(139, 'tcp', 'netbios-ssn', []),
  r(143, 'tcp', 'imap', ['imap'], true), // STARTTLS stays imap
  r(161, 'udp', 'snmp', []),
  r(162, 'udp', 'snmptrap', []),
  r(389, 'tcp', 'ldap', []),
  r(443, 'tcp', 'https', ['tls'], true),
  r(443, 'udp', 'https (quic)', []), // QUIC does not name its session
  r(445, 'tcp', 'microsoft-ds', []),
  r(465, 'tcp', 'submissions', ['tls'], true), // SMTP over implicit TLS (RFC 8314)
  r(500, 'udp', 'isakmp', []),
  r(514, 'udp', 'syslog', []),
  r(587, 'tcp', 'submission', ['smtp'], true),
  r(636, 'tcp', 'ldaps', ['tls'], true),
  r(853, 'tcp', 'domain-s', ['tls'], true), // DNS over TLS (RFC 7858)
  r(853, 'udp', 'domain-s', []), // DNS over QUIC (RFC 9250) or DTLS
  r(989, 'tcp', 'ftps-data', ['tls', 'ftp-data']),
  r(990, 'tcp', 'ftps', ['tls'], true),
  r(993, 'tcp', 'imaps', ['tls'], true),
  r(995, 'tcp', 'pop3s', ['tls'], true),
  r(1080, 'tcp', 'socks', []), // a SOCKS session has `proxy` set and is not judged here
  r(1194, 'udp', 'openvpn', []),
  r(1433, 'tcp', 'ms-sql-s', []),
  r(1521, 'tcp', 'oracle', []),
  r(1723, 'tcp', 'pptp', []),
  r(2152, 'udp', 'gtp-user', ['gtpv1']),
  r(2525, 'tcp', 'smtp (alternate submission)', ['smtp']), // not IANA's: a common submission port of mail providers
  r(3128, 'tcp', 'http proxy', ['http', 'tls']), // not IANA's (ndl-aas): Squid's default; TLS after CONNECT
  r(3306, 'tcp', 'mysql', []),
  r(3389, 'tcp', 'ms-wbt-server (rdp)', []),
  r(3544, 'udp', 'teredo', ['teredo']),
  r(4754, 'udp', 'gre-udp', ['gre']),
  r(4789, 'udp', 'vxlan', ['vxlan']),
  r(5060, 'tcp', 'sip', []),
  r(5060, 'udp', 'sip', []),
  r(5061, 'tcp', 'sips', ['tls'], true),
  r(5072, 'udp', 'ayiya', ['ayiya']),
  r(5222, 'tcp', 'xmpp-client', ['tls']), // XMPP with STARTTLS: Haystack has no XMPP analyzer; TLS (direct TLS, XEP-0368) is fine
  r(5353, 'udp', 'mdns', ['dns']),
  r(5355, 'udp', 'llmnr', ['dns']),
  r(5432, 'tcp', 'postgresql', []),
  r(5900, 'tcp', 'vnc (rfb)', []),
  r(6081, 'udp', 'geneve', ['geneve']),
  r(6379, 'tcp', 'redis', []),
  r(8000, 'tcp', 'http alternate', ['http', 'tls']), // not IANA's (irdmi): development servers
  r(8008, 'tcp', 'http alternate', ['http', 'tls']),
  r(8080, 'tcp', 'http-alt', ['http', 'tls']), // proxies and application servers speak either
  r(8443, 'tcp', 'https-alt', ['tls', 'http']), // not IANA's (pcsync-https): the common HTTPS alternate
  r(8888, 'tcp', 'http alternate', ['http', 'tls']),
];

const key = (transport: Transport, port: number): number => (transport === 'tcp' ? port : 0x10000 + port);
const BY_PORT = new Map<number, PortRule>(PORT_RULES.map((p) => [key(p.transport, p.port), p]));

/** The rule of a port, or undefined when the port is not in the table. */
export function portRule(transport: Transport, port: number): PortRule | undefined {
  return BY_PORT.get(key(transport, port));
}

/**
 * Each protocol's own ports (the inverse of the table): the ports whose rule expects it. A protocol not in it
 * (or ftp-data, whose ports are negotiated) has no own ports.
 */
export const PROTOCOL_PORTS: ReadonlyMap<string, readonly string[]> = (() => {
  const m = new Map<string, string[]>();
  for (const p of PORT_RULES) {
    for (const a of p.expect) {
      const list = m.get(a) ?? [];
      list.push(`${p.transport}/${p.port}`);
      m.set(a, list);
    }
  }
  return m;
})();
