// Our records as Suricata EVE events (flow, alert, tls, http, smtp, fileinfo, dns, anomaly): one plain object
// per record, in the shape Suricata 8 writes and its schema (suricata-eve/schema.json) accepts.
import { md5 } from '../../core/md5.js';
import { hex } from '../../core/sha1.js';
import { Classifications } from '../../detect/classification.js';
import type { AlertRecord } from '../../schema/alerts.js';
import type { AnomalyRecord } from '../../schema/anomalies.js';
import type { DnsRecord } from '../../schema/dns.js';
import type { FileRecord } from '../../schema/files.js';
import type { HttpRecord } from '../../schema/http.js';
import type { SessionRecord } from '../../schema/sessions.js';
import { sentOverSmtp, type SmtpRecord } from '../../schema/smtp.js';
import type { TlsRecord } from '../../schema/tls.js';
import { eveCertTime, eveFingerprint, eveIp, eveProto, eveSerial, eveTcpFlags, eveTime, eveTlsVersion, flowId } from './eve-values.js';
import { own } from '../../core/own.js';

/** One EVE event as a JSON-ready object. */
export type EveEvent = Record<string, unknown>;

/** The table each EVE event type comes from (and goes back to: eve-inverse.ts). */
export const EVE_EVENT_TYPES: Readonly<Record<string, string>> = {
  sessions: 'flow', alerts: 'alert', tls: 'tls', // `quic` for the handshakes of QUIC
  http: 'http', smtp: 'smtp', files: 'fileinfo', dns: 'dns', anomalies: 'anomaly',
};

/** The DNS event version written: Suricata 8's (the schema's `queries` array and `rrname_truncated` are v3's). */
export const EVE_DNS_VERSION = 3;

const US_PER_S = 1_000_000;
const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;
const TCP_URG = 0x20;
const TCP_ECE = 0x40;
const TCP_CWR = 0x80;

/** Zeek conn_state -> Suricata's flow state: no handshake yet, established, or closed by FINs or a RST. */
export const FLOW_STATE: Readonly<Record<string, string>> = {
  S0: 'new', SH: 'new', OTH: 'new', S1: 'established', S2: 'established', S3: 'established',
  SF: 'closed', REJ: 'closed', RSTO: 'closed', RSTR: 'closed', RSTOS0: 'closed', RSTRH: 'closed', SHR: 'closed',
};

/** The endpoint keys every event of a record with endpoints starts with. */
function header(ev: EveEvent, ts: number, uid: string | null, type: string): EveEvent {
  ev.timestamp = eveTime(ts);
  if (uid !== null) ev.flow_id = flowId(uid);
  ev.event_type = type;
  return ev;
}

function endpoints(ev: EveEvent, srcIp: string, srcPort: number | null, dstIp: string, dstPort: number | null, proto: string): void {
  ev.src_ip = eveIp(srcIp);
  if (srcPort !== null) ev.src_port = srcPort;
  ev.dest_ip = eveIp(dstIp);
  if (dstPort !== null) ev.dest_port = dstPort;
  ev.proto = eveProto(proto);
}

/** sessions -> `flow`. `timestamp` is the last packet's time (when Suricata logs a flow). */
export function flowEvent(r: SessionRecord): EveEvent {
  const ev = header({}, r.end_time, r.uid, 'flow');
  endpoints(ev, r.src_ip, r.src_port, r.dst_ip, r.dst_port, r.proto);
  if (r.vlan !== null) ev.vlan = [r.vlan];
  if (r.app_proto !== null) ev.app_proto = r.app_proto;
  ev.community_id = r.community_id;
  const flow: EveEvent = {
    pkts_toserver: r.src_pkts,
    pkts_toclient: r.dst_pkts,
    // Suricata counts whole frames, link header included (MANIFEST note 1)
    bytes_toserver: r.src_frame_bytes,
    bytes_toclient: r.dst_frame_bytes,
    start: eveTime(r.start_time),
    end: eveTime(r.end_time),
    // whole seconds between the first and the last packet, as Suricata's age
    age: Math.floor(r.end_time / US_PER_S) - Math.floor(r.start_time / US_PER_S),
  };
  const state = r.proto === 'tcp' ? own(FLOW_STATE, r.state) : r.dst_pkts > 0 ? 'established' : 'new';
  if (state !== undefined) flow.state = state;
  ev.flow = flow;
  if (r.proto === 'tcp' && r.tcp_flags_src !== null && r.tcp_flags_dst !== null) {
    const all = r.tcp_flags_src | r.tcp_flags_dst;
    const tcp: EveEvent = { tcp_flags: eveTcpFlags(all), tcp_flags_ts: eveTcpFlags(r.tcp_flags_src), tcp_flags_tc: eveTcpFlags(r.tcp_flags_dst) };
    if ((all & TCP_SYN) !== 0) tcp.syn = true;
    if ((all & TCP_FIN) !== 0) tcp.fin = true;
    if ((all & TCP_RST) !== 0) tcp.rst = true;
    if ((all & TCP_PSH) !== 0) tcp.psh = true;
    if ((all & TCP_ACK) !== 0) tcp.ack = true;
    if ((all & TCP_URG) !== 0) tcp.urg = true;
    if ((all & TCP_ECE) !== 0) tcp.ecn = true;
    if ((all & TCP_CWR) !== 0) tcp.cwr = true;
    ev.tcp = tcp;
  }
  return ev;
}

const CLASSES = new Classifications();

/** Suricata's `alert.action`: what happened to the traffic (a drop or reject rule blocks it). */
const BLOCKING = new Set(['drop', 'reject', 'sdrop', 'rejectsrc', 'rejectdst', 'rejectboth']);

/** alerts -> `alert`; category is the classtype's description, severity its priority. */
export function alertEvent(r: AlertRecord): EveEvent {
  const ev = header({}, r.ts, r.uid, 'alert');
  endpoints(ev, r.src_ip, r.src_port, r.dst_ip, r.dst_port, r.proto);
  if (r.app_proto !== null) ev.app_proto = r.app_proto;
  if (r.community_id !== null) ev.community_id = r.community_id;
  const alert: EveEvent = {
    action: BLOCKING.has(r.action) ? 'blocked' : 'allowed',
    gid: r.gid,
    signature_id: r.sid,
    rev: r.rev,
    signature: r.msg,
    // Suricata writes "" for a rule without a classtype
    category: r.classtype === null ? '' : CLASSES.get(r.classtype)?.description ?? r.classtype,
    severity: r.priority,
  };
  ev.alert = alert;
  // Suricata's payload is the packet's bytes in base64; ours is a printable excerpt, which is what payload_printable is
  if (r.payload_excerpt !== null) ev.payload_printable = r.payload_excerpt;
  return ev;
}

/** A QUIC handshake's record -> `quic` (SNI and fingerprints: what Suricata's quic event holds of it). */
function quicEvent(r: TlsRecord): EveEvent {
  const ev = header({}, r.ts, r.uid, 'quic');
  endpoints(ev, r.src_ip, r.src_port, r.dst_ip, r.dst_port, 'udp');
  ev.app_proto = 'quic';
  const quic: EveEvent = {};
  if (r.sni !== null) quic.sni = r.sni;
  quic.ja3 = { hash: r.ja3, string: r.ja3_string };
  if (r.ja3s !== null) quic.ja3s = { hash: r.ja3s };
  quic.ja4 = r.ja4;
  ev.quic = quic;
  return ev;
}

/** tls -> `tls` (ClientHello, the server's answer and certificate where seen); over QUIC -> `quic`. */
export function tlsEvent(r: TlsRecord): EveEvent {
  if (r.transport === 'quic') return quicEvent(r);
  const ev = header({}, r.ts, r.uid, 'tls');
  endpoints(ev, r.src_ip, r.src_port, r.dst_ip, r.dst_port, r.transport === 'tcp' ? 'tcp' : 'udp');
  ev.app_proto = 'tls';
  const tls: EveEvent = {};
  if (r.subject !== null) tls.subject = r.subject;
  if (r.issuer !== null) tls.issuerdn = r.issuer;
  if (r.cert_serial !== null) tls.serial = eveSerial(r.cert_serial);
  if (r.cert_sha1 !== null) tls.fingerprint = eveFingerprint(r.cert_sha1);
  if (r.sni !== null) tls.sni = r.sni;
  tls.version = eveTlsVersion(r.version ?? r.client_version);
  if (r.not_before !== null) tls.notbefore = eveCertTime(r.not_before);
  if (r.not_after !== null) tls.notafter = eveCertTime(r.not_after);
  if (r.san !== null && r.san.length > 0) tls.subjectaltname = r.san;
  tls.ja3 = { hash: r.ja3, string: r.ja3_string };
  if (r.ja3s !== null) tls.ja3s = { hash: r.ja3s };
  tls.ja4 = r.ja4;
  if (r.alpn.length > 0) tls.client_alpns = r.alpn;
  if (r.server_alpn !== null) tls.server_alpns = [r.server_alpn];
  // the schema's arrays have minItems 1: an empty list is left out
  const hello: EveEvent = { version: eveTlsVersion(r.client_version) };
  if (r.cipher_suites.length > 0) hello.ciphers = r.cipher_suites;
  if (r.extensions.length > 0) hello.exts = r.extensions;
  if (r.signature_algorithms.length > 0) hello.sig_algs = r.signature_algorithms;
  tls.client_handshake = hello;
  if (r.version !== null || r.cipher !== null) {
    const server: EveEvent = {};
    if (r.version !== null) server.version = eveTlsVersion(r.version);
    if (r.cipher !== null) server.cipher = r.cipher;
    tls.server_handshake = server;
  }
  ev.tls = tls;
  return ev;
}

/** The request headers column (JSON text of [name, value] pairs) as EVE's [{name, value}]. */
function headerList(json: unknown): { name: string; value: string }[] {
  if (typeof json !== 'string') return [];
  let pairs: unknown;
  try {
    pairs = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(pairs)) return [];
  const out: { name: string; value: string }[] = [];
  for (const p of pairs) if (Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'string') out.push({ name: p[0], value: p[1] });
  return out;
}

const HOST_PORT = /^(.*):(\d{1,5})$/;

/** http -> `http`; `tx_id` is the transaction's number in the session from 0 (ours from 1). */
export function httpEvent(r: HttpRecord): EveEvent {
  const ev = header({}, r.ts, r.uid, 'http');
  endpoints(ev, r.src_ip, r.src_port, r.dst_ip, r.dst_port, 'tcp');
  ev.tx_id = r.trans_depth - 1;
  ev.app_proto = 'http';
  const http: EveEvent = {};
  if (r.host !== null) {
    // Suricata's hostname is the Host header without its port (a bracketed IPv6 literal keeps its brackets)
    const m = r.host.startsWith('[') && r.host.endsWith(']') ? null : HOST_PORT.exec(r.host);
    http.hostname = m === null ? r.host : m[1];
    if (m !== null) http.http_port = Number(m[2]);
  }
  if (r.uri !== null) http.url = r.uri;
  if (r.user_agent !== null) http.http_user_agent = r.user_agent;
  if (r.referer !== null) http.http_refer = r.referer;
  if (r.method !== null) http.http_method = r.method;
  if (r.version !== null) http.protocol = r.version;
  if (r.status_code !== null) http.status = r.status_code;
  http.length = r.response_body_len;
  const headers = headerList(r.request_headers);
  if (headers.length > 0) http.request_headers = headers;
  ev.http = http;
  return ev;
}

const UTF8 = new TextEncoder();

/** `<a@b>`, as Suricata prints an envelope address sent in the RFC 5321 form. */
const angle = (a: string): string => (a.startsWith('<') ? a : `<${a}>`);

/** smtp -> `smtp` (envelope) and `email` (headers); `tx_id` is the mail transaction's number from 0. */
export function smtpEvent(r: SmtpRecord): EveEvent {
  const ev = header({}, r.ts, r.uid, 'smtp');
  endpoints(ev, r.src_ip, r.src_port, r.dst_ip, r.dst_port, 'tcp');
  ev.tx_id = r.trans_depth - 1;
  ev.app_proto = 'smtp';
  const smtp: EveEvent = {};
  if (r.helo !== null) smtp.helo = r.helo;
  if (r.mail_from !== null) smtp.mail_from = angle(r.mail_from);
  if (r.rcpt_to.length > 0) smtp.rcpt_to = r.rcpt_to.map(angle);
  ev.smtp = smtp;
  const email: EveEvent = {};
  if (r.from !== null) email.from = r.from;
  if (r.to.length > 0) email.to = r.to.map(angle);
  if (r.cc.length > 0) email.cc = r.cc.map(angle);
  if (r.subject !== null) {
    email.subject = r.subject;
    // Suricata's digest of the Subject as sent; ours is RFC 2047 decoded (the same text for plain ASCII)
    email.subject_md5 = hex(md5(UTF8.encode(r.subject)));
  }
  if (r.date !== null) email.date = r.date;
  if (r.message_id !== null) email.message_id = r.message_id;
  if (r.received.length > 0) email.received = r.received;
  if (r.user_agent !== null) email.x_mailer = r.user_agent;
  if (Object.keys(email).length > 0) ev.email = email;
  return ev;
}

/** files -> `fileinfo` (the files record has no endpoints: the event has the flow_id of its session). */
export function fileinfoEvent(r: FileRecord): EveEvent {
  const ev = header({}, r.ts, r.uid, 'fileinfo');
  ev.app_proto = r.source;
  const fi: EveEvent = {};
  if (r.filename !== null) fi.filename = r.filename;
  fi.gaps = r.missing_bytes > 0;
  fi.state = r.missing_bytes > 0 ? 'TRUNCATED' : 'CLOSED';
  fi.md5 = r.md5;
  fi.sha1 = r.sha1;
  fi.sha256 = r.sha256;
  fi.stored = r.stored_path !== null;
  fi.size = r.size;
  ev.fileinfo = fi;
  return ev;
}

/** The DNS header's flags word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE) as Suricata's hex text. */
function dnsFlags(r: DnsRecord, response: boolean): string {
  const f = (response ? 0x8000 : 0) | ((r.opcode & 0xf) << 11) | (r.aa === true ? 0x400 : 0) | (r.tc === true ? 0x200 : 0) |
    (r.rd ? 0x100 : 0) | (r.ra === true ? 0x80 : 0) | ((r.z & 0x4) !== 0 ? 0x40 : 0) | (r.ad ? 0x20 : 0) | (r.cd ? 0x10 : 0) |
    (response && r.rcode !== null ? r.rcode & 0xf : 0);
  return f.toString(16);
}

interface Rr {
  name?: unknown;
  type?: unknown;
  ttl?: unknown;
}

/** The typed answers (rrs, JSON text) with the text form of each (answers). */
function dnsAnswers(r: DnsRecord): EveEvent[] {
  let rrs: unknown = null;
  if (typeof r.rrs === 'string') {
    try {
      rrs = JSON.parse(r.rrs);
    } catch {
      rrs = null;
    }
  }
  // rrs holds every answer record, answers the ones with a text form: names and types only when they line up
  const typed = Array.isArray(rrs) && rrs.length === r.answers.length ? (rrs as Rr[]) : null;
  const out: EveEvent[] = [];
  for (let i = 0; i < r.answers.length; i++) {
    const rr = typed?.[i];
    const a: EveEvent = {};
    if (typeof rr?.name === 'string') a.rrname = rr.name;
    if (typeof rr?.type === 'string') a.rrtype = rr.type;
    a.ttl = r.ttls[i] ?? 0;
    a.rdata = r.answers[i];
    out.push(a);
  }
  return out;
}

/**
 * dns -> `dns` version 3: one event per transaction, `type` "response" with the question and answers when a
 * response was seen, "request" otherwise (Suricata writes the request and the response as two events).
 */
export function dnsEvent(r: DnsRecord): EveEvent {
  const ev = header({}, r.ts, r.uid, 'dns');
  endpoints(ev, r.src_ip, r.src_port, r.dst_ip, r.dst_port, r.transport);
  ev.app_proto = 'dns';
  const response = r.rcode !== null;
  const dns: EveEvent = { version: EVE_DNS_VERSION, type: response ? 'response' : 'request', id: r.trans_id, flags: dnsFlags(r, response) };
  if (response) dns.qr = true;
  if (r.aa === true) dns.aa = true;
  if (r.tc === true) dns.tc = true;
  if (r.rd) dns.rd = true;
  if (r.ra === true) dns.ra = true;
  if ((r.z & 0x4) !== 0) dns.z = true;
  dns.opcode = r.opcode;
  if (r.rcode_name !== null) dns.rcode = r.rcode_name;
  if (r.query !== null) {
    const q: EveEvent = { rrname: r.query };
    if (r.qtype_name !== null) q.rrtype = r.qtype_name;
    dns.queries = [q];
  }
  const answers = dnsAnswers(r);
  if (answers.length > 0) {
    dns.answers = answers;
    const grouped: Record<string, string[]> = {};
    for (const a of answers) {
      const t = typeof a.rrtype === 'string' && GROUPED.has(a.rrtype) ? a.rrtype : null;
      if (t !== null) (grouped[t] ??= []).push(String(a.rdata));
    }
    if (Object.keys(grouped).length > 0) dns.grouped = grouped;
  }
  ev.dns = dns;
  return ev;
}

/** Record types whose `grouped` entries are plain strings in the schema. */
const GROUPED = new Set(['A', 'AAAA', 'CNAME', 'MX', 'NS', 'NULL', 'PTR', 'TXT']);

/** Our anomaly-name prefixes of the application layer, with Suricata's app_proto. */
const APP_PREFIX: Readonly<Record<string, string>> = {
  smtp: 'smtp', mime: 'smtp', http: 'http', tls: 'tls', dns: 'dns', ssh: 'ssh', ftp: 'ftp', pop3: 'pop3', imap: 'imap', quic: 'quic',
};
/** Prefixes of stream-layer anomalies (reassembly), the rest of the layer names being decoder ones. */
const STREAM_PREFIX = new Set(['tcp', 'stream', 'reassembly']);

/**
 * anomalies -> `anomaly`: our name upper-cased as the event (Suricata's names are its own), typed by layer
 * prefix: `applayer` (with app_proto and layer proto_parser), `stream` (TCP reassembly) or `decode`.
 */
export function anomalyEvent(r: AnomalyRecord): EveEvent {
  const ev = header({}, r.ts, r.uid, 'anomaly');
  const prefix = r.name.split('_')[0]!;
  const app = own(APP_PREFIX, prefix);
  const anomaly: EveEvent = { type: app !== undefined ? 'applayer' : STREAM_PREFIX.has(prefix) && r.name !== 'tcp_truncated' ? 'stream' : 'decode', event: r.name.toUpperCase() };
  if (app !== undefined) {
    anomaly.app_proto = app;
    anomaly.layer = 'proto_parser';
  }
  ev.anomaly = anomaly;
  return ev;
}

/**
 * Which rows of a table make an event; undefined: all. smtp: the SMTP transactions (a message a client fetched
 * over POP3/IMAP is no smtp event; its files are fileinfo events).
 */
export function eveKeep(table: string): ((r: Record<string, unknown>) => boolean) | undefined {
  return table === 'smtp' ? sentOverSmtp : undefined;
}

/** The event builder of a table; undefined for a table EVE has no event type for. */
export function eveBuilder(table: string): ((r: Record<string, unknown>) => EveEvent) | undefined {
  const b: Readonly<Record<string, (r: never) => EveEvent>> = {
    sessions: flowEvent, alerts: alertEvent, tls: tlsEvent, http: httpEvent, smtp: smtpEvent, files: fileinfoEvent, dns: dnsEvent, anomalies: anomalyEvent,
  };
  return b[table] as ((r: Record<string, unknown>) => EveEvent) | undefined;
}
