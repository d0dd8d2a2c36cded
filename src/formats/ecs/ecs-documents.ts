// Our records as ECS documents (Elastic Common Schema, for Elastic and OpenSearch): one nested JSON object per
// record, field names and value types as formats/ecs/fields.csv gives them (ecs-fields.ts).
import { isoMicros } from '../../core/time.js';
import type { AlertRecord } from '../../schema/alerts.js';
import type { AnomalyRecord } from '../../schema/anomalies.js';
import type { DnsRecord } from '../../schema/dns.js';
import type { FileRecord } from '../../schema/files.js';
import type { HttpRecord } from '../../schema/http.js';
import type { SessionRecord } from '../../schema/sessions.js';
import { sentOverSmtp, type SmtpRecord } from '../../schema/smtp.js';
import type { TlsRecord } from '../../schema/tls.js';
import { ECS_VERSION } from './ecs-fields.js';
import { own } from '../../core/own.js';

export type EcsDocument = Record<string, unknown>;

/** The data stream a table's documents go to: `logs-haystack.<table>-default` (type-dataset-namespace). */
export function ecsDataStream(table: string, namespace = 'default'): string {
  return `logs-${ecsDataset(table)}-${namespace}`;
}

/** `event.dataset` and the data stream's dataset. */
export const ecsDataset = (table: string): string => `haystack.${table}`;

const NS_PER_US = 1000;

/** IANA protocol numbers of our proto names (ECS network.iana_number is the number as a keyword). */
const IANA: Readonly<Record<string, string>> = { icmp: '1', tcp: '6', udp: '17', gre: '47', icmpv6: '58', sctp: '132' };
/** ECS network.transport: the IANA keyword, lower case (icmpv6 is `ipv6-icmp`). */
const TRANSPORT: Readonly<Record<string, string>> = { icmpv6: 'ipv6-icmp' };

interface Kind {
  kind: string;
  category: string[];
  type: string[];
}

/** event.kind / category / type of each table's documents (ECS's allowed values). */
const KINDS: Readonly<Record<string, Kind>> = {
  sessions: { kind: 'event', category: ['network'], type: ['connection', 'end'] },
  alerts: { kind: 'alert', category: ['network', 'intrusion_detection'], type: ['info'] },
  tls: { kind: 'event', category: ['network'], type: ['protocol'] },
  http: { kind: 'event', category: ['network', 'web'], type: ['access', 'protocol'] },
  smtp: { kind: 'event', category: ['network', 'email'], type: ['protocol'] },
  files: { kind: 'event', category: ['file'], type: ['info'] },
  dns: { kind: 'event', category: ['network'], type: ['protocol'] },
  anomalies: { kind: 'event', category: ['network'], type: ['info'] },
};

/** The fields every document of a table starts with. */
function base(table: string, ts: number, uid: string | null, captureId: string | null): EcsDocument {
  const k = KINDS[table]!;
  const dataset = ecsDataset(table);
  const doc: EcsDocument = {
    '@timestamp': isoMicros(ts),
    ecs: { version: ECS_VERSION },
    data_stream: { type: 'logs', dataset, namespace: 'default' },
    event: { kind: k.kind, category: k.category, type: k.type, dataset, module: 'haystack' },
  };
  if (uid !== null || captureId !== null) {
    const labels: EcsDocument = {};
    if (uid !== null) labels.uid = uid;
    if (captureId !== null) labels.capture_id = captureId;
    doc.labels = labels;
  }
  return doc;
}

function endpoint(ip: string, port: number | null): EcsDocument {
  const e: EcsDocument = { ip, address: ip };
  if (port !== null) e.port = port;
  return e;
}

function network(proto: string, appProto: string | null): EcsDocument {
  const n: EcsDocument = { transport: own(TRANSPORT, proto) ?? proto };
  const iana = own(IANA, proto) ?? (/^\d+$/.test(proto) ? proto : undefined);
  if (iana !== undefined) n.iana_number = iana;
  if (appProto !== null) n.protocol = appProto;
  return n;
}

export function sessionDocument(r: SessionRecord): EcsDocument {
  const doc = base('sessions', r.start_time, r.uid, r.capture_id);
  const ev = doc.event as EcsDocument;
  ev.id = r.uid;
  ev.start = isoMicros(r.start_time);
  ev.end = isoMicros(r.end_time);
  ev.duration = (r.end_time - r.start_time) * NS_PER_US;
  const src = endpoint(r.src_ip, r.src_port);
  // bytes at the IP level, as ECS's source.bytes counts what was sent (payload bytes are not an ECS field)
  src.bytes = r.src_ip_bytes;
  src.packets = r.src_pkts;
  const dst = endpoint(r.dst_ip, r.dst_port);
  dst.bytes = r.dst_ip_bytes;
  dst.packets = r.dst_pkts;
  doc.source = src;
  doc.destination = dst;
  const net = network(r.proto, r.app_proto);
  net.community_id = r.community_id;
  if (r.direction !== null) net.direction = r.direction;
  net.bytes = r.src_ip_bytes + r.dst_ip_bytes;
  net.packets = r.src_pkts + r.dst_pkts;
  if (r.vlan !== null) net.vlan = { id: String(r.vlan) };
  doc.network = net;
  if (r.sensor !== null) doc.observer = { name: r.sensor };
  return doc;
}

export function alertDocument(r: AlertRecord): EcsDocument {
  const doc = base('alerts', r.ts, r.uid, r.capture_id);
  const ev = doc.event as EcsDocument;
  ev.action = r.action;
  ev.severity = r.priority;
  doc.source = endpoint(r.src_ip, r.src_port);
  doc.destination = endpoint(r.dst_ip, r.dst_port);
  const net = network(r.proto, r.app_proto);
  if (r.community_id !== null) net.community_id = r.community_id;
  doc.network = net;
  const rule: EcsDocument = { id: String(r.sid), name: r.msg, version: String(r.rev), ruleset: `gid ${r.gid}` };
  if (r.classtype !== null) rule.category = r.classtype;
  doc.rule = rule;
  return doc;
}

/** `TLSv13` -> protocol `tls`, version `1.3` (ECS splits them); SSLv3 -> `ssl`, `3.0`. */
function tlsVersion(v: string): { protocol: string; version: string } | null {
  const m = /^(D?TLS|SSL)v(\d)(\d)?(?:-draft.*)?$/.exec(v);
  if (m === null) return null;
  return { protocol: m[1]!.toLowerCase(), version: `${m[2]}.${m[3] ?? '0'}` };
}

export function tlsDocument(r: TlsRecord): EcsDocument {
  const doc = base('tls', r.ts, r.uid, r.capture_id);
  doc.source = endpoint(r.src_ip, r.src_port);
  doc.destination = endpoint(r.dst_ip, r.dst_port);
  doc.network = network(r.transport === 'tcp' ? 'tcp' : 'udp', r.transport === 'quic' ? 'quic' : 'tls');
  const tls: EcsDocument = {};
  const v = tlsVersion(r.version ?? r.client_version);
  if (v !== null) {
    tls.version = v.version;
    tls.version_protocol = v.protocol;
  }
  if (r.server_alpn !== null) tls.next_protocol = r.server_alpn;
  const client: EcsDocument = { ja3: r.ja3 };
  if (r.sni !== null) client.server_name = r.sni;
  tls.client = client;
  const server: EcsDocument = {};
  if (r.ja3s !== null) server.ja3s = r.ja3s;
  if (r.subject !== null) server.subject = r.subject;
  if (r.issuer !== null) server.issuer = r.issuer;
  if (r.not_before !== null) server.not_before = isoMicros(r.not_before);
  if (r.not_after !== null) server.not_after = isoMicros(r.not_after);
  if (r.cert_sha1 !== null || r.cert_sha256 !== null) {
    // ECS's examples write certificate hashes in upper case
    const hash: EcsDocument = {};
    if (r.cert_sha1 !== null) hash.sha1 = r.cert_sha1.toUpperCase();
    if (r.cert_sha256 !== null) hash.sha256 = r.cert_sha256.toUpperCase();
    server.hash = hash;
  }
  if (r.cert_serial !== null || (r.san !== null && r.san.length > 0)) {
    const x509: EcsDocument = {};
    if (r.cert_serial !== null) x509.serial_number = r.cert_serial.toUpperCase();
    if (r.san !== null && r.san.length > 0) x509.alternative_names = r.san;
    server.x509 = x509;
  }
  if (Object.keys(server).length > 0) tls.server = server;
  doc.tls = tls;
  return doc;
}

const HOST_PORT = /^(.*):(\d{1,5})$/;

export function httpDocument(r: HttpRecord): EcsDocument {
  const doc = base('http', r.ts, r.uid, r.capture_id);
  doc.source = endpoint(r.src_ip, r.src_port);
  doc.destination = endpoint(r.dst_ip, r.dst_port);
  doc.network = network('tcp', 'http');
  const http: EcsDocument = {};
  // ECS's http.version is the number alone ("1.1")
  if (r.version !== null) http.version = r.version.replace(/^HTTP\//i, '');
  const request: EcsDocument = { body: { bytes: r.request_body_len } };
  if (r.method !== null) request.method = r.method;
  if (r.referer !== null) request.referrer = r.referer;
  http.request = request;
  const response: EcsDocument = { body: { bytes: r.response_body_len } };
  if (r.status_code !== null) response.status_code = r.status_code;
  http.response = response;
  doc.http = http;
  if (r.uri !== null || r.host !== null) {
    const url: EcsDocument = {};
    if (r.uri !== null) url.original = r.uri;
    if (r.host !== null) {
      const m = r.host.startsWith('[') && r.host.endsWith(']') ? null : HOST_PORT.exec(r.host);
      url.domain = m === null ? r.host : m[1];
      if (m !== null) url.port = Number(m[2]);
    }
    doc.url = url;
  }
  if (r.user_agent !== null) doc.user_agent = { original: r.user_agent };
  return doc;
}

const addresses = (l: readonly string[]): EcsDocument => ({ address: l });

export function smtpDocument(r: SmtpRecord): EcsDocument {
  const doc = base('smtp', r.ts, r.uid, r.capture_id);
  doc.source = endpoint(r.src_ip, r.src_port);
  doc.destination = endpoint(r.dst_ip, r.dst_port);
  doc.network = network('tcp', 'smtp');
  const email: EcsDocument = {};
  // the envelope sender (MAIL FROM) is the one responsible for sending: ECS's email.sender
  if (r.mail_from !== null) email.sender = { address: r.mail_from };
  // From is the header as sent ("Name <a@b>"): ECS wants the address
  if (r.from !== null) email.from = addresses([/<([^>]*)>/.exec(r.from)?.[1]?.trim() ?? r.from.trim()]);
  if (r.to.length > 0) email.to = addresses(r.to);
  if (r.cc.length > 0) email.cc = addresses(r.cc);
  if (r.subject !== null) email.subject = r.subject;
  if (r.message_id !== null) email.message_id = r.message_id;
  if (r.user_agent !== null) email.x_mailer = r.user_agent;
  doc.email = email;
  return doc;
}

export function fileDocument(r: FileRecord): EcsDocument {
  const doc = base('files', r.ts, r.uid, r.capture_id);
  (doc.event as EcsDocument).id = r.fuid;
  doc.network = { protocol: r.source };
  const file: EcsDocument = { size: r.size, hash: { md5: r.md5, sha1: r.sha1, sha256: r.sha256 } };
  if (r.filename !== null) file.name = r.filename;
  // the type read from the content (the declared one is only a label)
  if (r.mime_type !== null) file.mime_type = r.mime_type;
  if (r.stored_path !== null) file.path = r.stored_path;
  doc.file = file;
  if (r.message_id !== null) doc.email = { message_id: r.message_id };
  return doc;
}

interface Rr {
  name?: unknown;
  type?: unknown;
  ttl?: unknown;
  class?: unknown;
}

const CLASS_NAMES: Readonly<Record<number, string>> = { 1: 'IN', 3: 'CH', 4: 'HS' };

export function dnsDocument(r: DnsRecord): EcsDocument {
  const doc = base('dns', r.ts, r.uid, r.capture_id);
  doc.source = endpoint(r.src_ip, r.src_port);
  doc.destination = endpoint(r.dst_ip, r.dst_port);
  doc.network = network(r.transport, 'dns');
  const response = r.rcode !== null;
  const dns: EcsDocument = { id: String(r.trans_id), type: response ? 'answer' : 'query', op_code: r.opcode_name.toUpperCase() };
  if (r.rcode_name !== null) dns.response_code = r.rcode_name;
  const flags: string[] = [];
  if (r.aa === true) flags.push('AA');
  if (r.tc === true) flags.push('TC');
  if (r.rd) flags.push('RD');
  if (r.ra === true) flags.push('RA');
  if (r.ad) flags.push('AD');
  if (r.cd) flags.push('CD');
  if (r.edns_do === true) flags.push('DO');
  if (flags.length > 0) dns.header_flags = flags;
  if (r.query !== null) {
    const q: EcsDocument = { name: r.query };
    if (r.qtype_name !== null) q.type = r.qtype_name;
    if (r.qclass_name !== null) q.class = r.qclass_name;
    dns.question = q;
  }
  let rrs: unknown = null;
  if (typeof r.rrs === 'string') {
    try {
      rrs = JSON.parse(r.rrs);
    } catch {
      rrs = null;
    }
  }
  // rrs has every answer record, answers the ones with a text form: names and types only when they line up
  const typed = Array.isArray(rrs) && rrs.length === r.answers.length ? (rrs as Rr[]) : null;
  if (r.answers.length > 0) {
    const resolved: string[] = [];
    dns.answers = r.answers.map((data, i) => {
      const rr = typed?.[i];
      const a: EcsDocument = { data };
      if (typeof rr?.name === 'string') a.name = rr.name;
      if (typeof rr?.type === 'string') a.type = rr.type;
      if (typeof rr?.class === 'number') a.class = CLASS_NAMES[rr.class] ?? `CLASS${rr.class}`;
      if (r.ttls[i] !== undefined) a.ttl = r.ttls[i];
      if (rr?.type === 'A' || rr?.type === 'AAAA') resolved.push(data);
      return a;
    });
    if (resolved.length > 0) dns.resolved_ip = resolved;
  }
  doc.dns = dns;
  return doc;
}

export function anomalyDocument(r: AnomalyRecord): EcsDocument {
  const doc = base('anomalies', r.ts, r.uid, r.capture_id);
  const ev = doc.event as EcsDocument;
  ev.action = r.name;
  if (r.detail !== null) ev.reason = r.detail;
  return doc;
}

/**
 * Which rows of a table make a document; undefined: all. smtp: the SMTP transactions (a message a client fetched
 * over POP3/IMAP is no email event of its own; its files are documents).
 */
export function ecsKeep(table: string): ((r: Record<string, unknown>) => boolean) | undefined {
  return table === 'smtp' ? sentOverSmtp : undefined;
}

/** The document builder of a table; undefined for a table without ECS documents. */
export function ecsBuilder(table: string): ((r: Record<string, unknown>) => EcsDocument) | undefined {
  const b: Readonly<Record<string, (r: never) => EcsDocument>> = {
    sessions: sessionDocument, alerts: alertDocument, tls: tlsDocument, http: httpDocument, smtp: smtpDocument, files: fileDocument,
    dns: dnsDocument, anomalies: anomalyDocument,
  };
  return b[table] as ((r: Record<string, unknown>) => EcsDocument) | undefined;
}
