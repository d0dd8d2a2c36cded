// Protocol/port mismatch, both ways: what a session's port says (port-table.ts) against what its content was
// detected as (app_proto). Fed session records; pure.
//
// Rules, in order (the first that applies decides; at most one finding per session):
// - not judged: transports other than TCP and UDP; a session that opened with a proxy prelude (`proxy` set: the
//   port is the proxy's and the protocol inside is the tunnelled one); FTP data channels (ftp-data: their ports
//   are negotiated by the control session, any port is theirs).
// - the service port is dst_port; when dst_port is not in the table but src_port is and dst_port >= 1024, the
//   session was seen from its responder first (a DNS response with no query, a capture that began mid-flow)
//   and src_port is the service port.
// - foreign_protocol: the port is in the table and the detected protocol is not one it expects ("ssh on 443",
//   "http on 443, not tls", "tls on 80"). Confidence by how much was said: high when both sides sent payload and
//   together at least CONVERSATION_BYTES (a conversation, not a probe), medium when both sent some, low when
//   only one side did (a scanner's probe, a server's banner to nobody).
// - unrecognised: a strict port (its protocol is one Haystack names by its first bytes) where no analyzer named
//   anything although the side that opens that protocol sent at least MIN_OPENING_BYTES and the other side
//   answered: "not tls on 443". TCP only from a handshake (SYN seen: states SF S1 S2 S3 RSTO RSTR) with no
//   missed bytes, so a capture that began mid-stream or lost the opening is not taken for something else. A
//   scan, a half-open, a probe with a few bytes stays silent. Medium at CONVERSATION_BYTES, low below: an
//   absence of evidence is never high.
// - off_port: the port is not in the table and the detected protocol is one whose use off its own ports is
//   notable (OFF_PORT_NOTABLE: ssh, dns, smtp, ftp, pop3, imap) and both sides spoke: low ("ssh on 2222"). TLS
//   and HTTP run on any port (development servers, APIs, consoles): not a finding.
import { portRule, PROTOCOL_PORTS, type PortRule, type Transport } from './port-table.js';
import type { Confidence, NameFinding } from './types.js';

/** Payload bytes (both directions) from which a session is a conversation rather than a probe. */
export const CONVERSATION_BYTES = 1024;
/**
 * Bytes the opening side must have sent before "nothing recognised it" means anything: every opening Haystack
 * recognises is decided within them (a TLS ClientHello record header and hello, an SSH banner line, an SMTP,
 * FTP, POP3 or IMAP greeting line, an HTTP request line, a DNS header and question), and a scanner's probe is
 * usually shorter.
 */
export const MIN_OPENING_BYTES = 64;
/** A DNS message over UDP is at least its 12-byte header (RFC 1035 §4.1.1). */
export const MIN_DNS_UDP_BYTES = 12;

/** Protocols whose use on a port not their own is itself worth a (low) finding. */
export const OFF_PORT_NOTABLE: ReadonlySet<string> = new Set(['ssh', 'dns', 'smtp', 'ftp', 'pop3', 'imap']);

/** TCP conn_states in which the originator's SYN was seen (Zeek's codes): the stream's opening is there. */
const FROM_HANDSHAKE: ReadonlySet<string> = new Set(['SF', 'S1', 'S2', 'S3', 'RSTO', 'RSTR']);
/** Protocols whose server speaks first (a greeting); the others' client does (ssh: both, either counts). */
const SERVER_FIRST: ReadonlySet<string> = new Set(['smtp', 'ftp', 'pop3', 'imap']);

/** The session fields the detector reads (a `sessions` record has them all). */
export interface PortSession {
  readonly proto: string;
  readonly src_port: number | null;
  readonly dst_port: number | null;
  readonly app_proto: string | null;
  readonly src_bytes: number;
  readonly dst_bytes: number;
  /** Zeek conn_state; without it (null) a TCP session is not judged unrecognised */
  readonly state?: string | null;
  readonly missed_bytes?: number | null;
  readonly proxy?: string | null;
}

/** The port a session's service is on, and its rule (see the header). */
function servicePort(t: Transport, s: PortSession): { port: number; rule: PortRule | undefined } | null {
  if (s.dst_port === null) return null;
  const dst = portRule(t, s.dst_port);
  if (dst === undefined && s.src_port !== null && s.dst_port >= 1024) {
    const src = portRule(t, s.src_port);
    if (src !== undefined) return { port: s.src_port, rule: src };
  }
  return { port: s.dst_port, rule: dst };
}

const finding = (confidence: Confidence, note: string, subject: string, validations: string[]): NameFinding =>
  ({ detector: 'protocol_port_mismatch', category: 'evasion', confidence, note, subject, validations, count: 1, distinctCount: null });

/** How much both sides said (the foreign_protocol confidence rule). */
function spoken(s: PortSession): Confidence {
  if (s.src_bytes > 0 && s.dst_bytes > 0) return s.src_bytes + s.dst_bytes >= CONVERSATION_BYTES ? 'high' : 'medium';
  return 'low';
}

/** Bytes the opening side of `expected` sent (the larger side when either may open). */
function openingBytes(expected: string, s: PortSession): number {
  if (SERVER_FIRST.has(expected)) return s.dst_bytes;
  if (expected === 'ssh') return Math.max(s.src_bytes, s.dst_bytes);
  return s.src_bytes;
}

/** The mismatch finding of a session, or null (rules in the file header). */
export function portMismatch(s: PortSession): NameFinding | null {
  const t: Transport | null = s.proto === 'tcp' ? 'tcp' : s.proto === 'udp' ? 'udp' : null;
  if (t === null || (s.proxy !== null && s.proxy !== undefined) || s.app_proto === 'ftp-data') return null;
  const at = servicePort(t, s);
  if (at === null) return null;
  const { port, rule } = at;
  const subject = `${t}/${port}`;
  const app = s.app_proto;
  if (rule !== undefined) {
    if (app !== null) {
      if (rule.expect.includes(app)) return null;
      const note = rule.expect.length > 0 ? `${app} on ${port}, not ${rule.expect.join(' or ')}` : `${app} on ${port} (${rule.service})`;
      return finding(spoken(s), note, subject, ['rule:foreign_protocol', `port:${subject}`, `app_proto:${app}`]);
    }
    if (!rule.strict) return null;
    if (s.src_bytes === 0 || s.dst_bytes === 0) return null;
    const expected = rule.expect[0]!;
    if (t === 'tcp') {
      if (s.state === null || s.state === undefined || !FROM_HANDSHAKE.has(s.state)) return null;
      if ((s.missed_bytes ?? 0) > 0) return null;
      if (openingBytes(expected, s) < MIN_OPENING_BYTES) return null;
    } else if (s.src_bytes < MIN_DNS_UDP_BYTES) return null;
    const confidence: Confidence = s.src_bytes + s.dst_bytes >= CONVERSATION_BYTES ? 'medium' : 'low';
    return finding(confidence, `not ${rule.expect.join(' or ')} on ${port}`, subject, ['rule:unrecognised', `port:${subject}`, 'app_proto:none']);
  }
  if (app === null || !OFF_PORT_NOTABLE.has(app) || s.src_bytes === 0 || s.dst_bytes === 0) return null;
  const own = (PROTOCOL_PORTS.get(app) ?? []).filter((p) => p.startsWith(`${t}/`)).map((p) => p.slice(t.length + 1));
  return finding('low', `${app} on ${port}, not its own port${own.length > 0 ? ` (${own.join(', ')})` : ''}`, subject,
    ['rule:off_port', `port:${subject}`, `app_proto:${app}`]);
}
