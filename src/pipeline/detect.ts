// The signature engine wired to the pipeline: the detector with its time guard, a stream analyzer per TCP
// session feeding the first bytes of each direction, packets from the engine, HTTP transactions and TLS
// hellos from their analyzers.
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP } from '../decode/constants.js';
import type { DnsMessage } from '../analyzers/dns/dns-message.js';
import type { PacketMeta } from '../decode/packet-meta.js';
import { parseIpv4, parseIpv6 } from '../core/ip.js';
import { latin1Bytes } from '../core/latin1.js';
import { normalizeUri } from '../detect/uri.js';
import type { AnomalyLog } from '../core/anomaly.js';
import { limitOption } from '../core/limits.js';
import { Detector, STREAM_DEPTH, type Inspected } from '../detect/detector.js';
import type { Rule } from '../detect/rule.js';
import type { AlertRecord } from '../schema/alerts.js';
import type { Buffers } from '../detect/match.js';
import type { Session } from '../flow/session.js';
import { headerOf, type HttpMessage, type HttpTransaction } from '../analyzers/http/http-analyzer.js';
import { ORIG, RESP, type Dir, type StreamAnalyzer } from '../reassembly/stream-analyzer.js';
import type { TlsRecord } from '../schema/tls.js';
import { decodeContent } from './http.js';
import { decodeBody, leaves } from './mail.js';
import { MAX_MIME_DEPTH, parseMime, type MimePart } from '../analyzers/mime/mime-tree.js';
import type { SmtpMessage } from '../analyzers/smtp/smtp-analyzer.js';
import { linearEngineTakes, TimeGuard } from './line-guard.js';

/**
 * The most one evaluation of a rule with a pcre V8 cannot bound may take (lookarounds, backreferences; on
 * Node 20 also `i` and large counted repetitions; every pcre when boundRegexTime was not called). Real rules
 * take microseconds (Snort and Suricata cut a pcre after a few thousand backtracking steps); a hostile
 * buffer costs at most this per rule, once per stream direction.
 */
export const PCRE_BUDGET_MS = 100;

export interface DetectionOptions {
  emit(a: AlertRecord): void;
  /** where detect_pcre_budget_exceeded goes */
  anomalies: Pick<AnomalyLog, 'add'>;
  /** the time budget of one guarded rule evaluation, ms (default PCRE_BUDGET_MS) */
  pcreBudgetMs?: number;
}

/** The signature engine, each evaluation of a rule whose pcre V8 cannot bound under a time guard. */
export function guardedDetector(rules: readonly Rule[], o: DetectionOptions): Detector {
  const ms = limitOption('pcreBudgetMs', o.pcreBudgetMs, PCRE_BUDGET_MS, 1);
  const t = new TimeGuard(ms);
  return new Detector(rules, { emit: o.emit, anomalies: o.anomalies, guard: { timeoutMs: ms, linear: linearEngineTakes, call: (fn) => t.call(fn) } });
}

function v4(n: number): Uint8Array {
  const b = new Uint8Array(4);
  b[0] = n >>> 24;
  b[1] = (n >>> 16) & 255;
  b[2] = (n >>> 8) & 255;
  b[3] = n & 255;
  return b;
}

/** A session's originator and responder addresses as bytes. */
function sessionAddrs(s: Session): [Uint8Array, Uint8Array] {
  let ab = ADDRS.get(s);
  if (ab === undefined) ADDRS.set(s, (ab = [s.v6 ? s.a6! : v4(s.a4), s.v6 ? s.b6! : v4(s.b4)]));
  return ab;
}

/** Each session's addresses as bytes, made once (every delivery of its streams needs them). */
const ADDRS = new WeakMap<Session, [Uint8Array, Uint8Array]>();

/** What the detector needs to know about bytes of `s` going in direction `dir`. */
export function inspected(s: Session, dir: Dir, ts: number): Inspected {
  const [a, b] = sessionAddrs(s);
  const fwd = dir === ORIG;
  return {
    ts, session: s, toServer: fwd, proto: s.proto, src: fwd ? a : b, dst: fwd ? b : a, sport: fwd ? s.aPort : s.bPort, dport: fwd ? s.bPort : s.aPort,
    tcpFlags: 0, icmpType: 0, icmpCode: 0,
  };
}

/** Feeds each direction's first STREAM_DEPTH bytes to the detector as they arrive. */
export class DetectStream implements StreamAnalyzer {
  private readonly bufs: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
  private readonly lens = [0, 0];
  private readonly full = [false, false];

  constructor(private readonly detector: Detector, private readonly session: Session) {}

  get active(): boolean {
    return !(this.full[0] && this.full[1]);
  }

  deliver(dir: Dir, data: Uint8Array): void {
    if (this.full[dir]) return;
    const old = this.lens[dir]!;
    const n = Math.min(data.length, STREAM_DEPTH - old);
    let buf = this.bufs[dir];
    if (old + n > buf.length) {
      const next = new Uint8Array(Math.min(STREAM_DEPTH, Math.max(old + n, buf.length * 2, 1024)));
      next.set(buf.subarray(0, old));
      buf = this.bufs[dir] = next;
    }
    buf.set(data.subarray(0, n), old);
    this.lens[dir] = old + n;
    if (this.lens[dir] >= STREAM_DEPTH) this.full[dir] = true;
    this.detector.stream(inspected(this.session, dir, this.session.last), buf.subarray(0, old + n), old);
    if (this.full[dir]) this.bufs[dir] = new Uint8Array(0);
  }

  gap(dir: Dir): void {
    // what follows a hole is not the stream's beginning any more
    this.full[dir] = true;
    this.bufs[dir] = new Uint8Array(0);
  }

  end(dir: Dir): void {
    this.full[dir] = true;
    this.bufs[dir] = new Uint8Array(0);
  }
}

/** A packet to the detector (its payload as the packet buffer), for the rules that look at packets. */
export function inspectPacket(detector: Detector, m: PacketMeta, s: Session | null, dir: Dir): void {
  if (m.ipVersion === 0) return;
  if (!detector.wantsPackets(m.ipProto)) return;
  // a session's addresses are made once; a packet outside any session gets its own
  const ab = s === null ? null : sessionAddrs(s);
  const fwd = dir === ORIG;
  const src = ab !== null ? ab[fwd ? 0 : 1] : m.ipVersion === 4 ? v4(m.src4) : m.buf.slice(m.src6, m.src6 + 16);
  const dst = ab !== null ? ab[fwd ? 1 : 0] : m.ipVersion === 4 ? v4(m.dst4) : m.buf.slice(m.dst6, m.dst6 + 16);
  const icmp = m.ipProto === IPPROTO_ICMP || m.ipProto === IPPROTO_ICMPV6;
  const p: Inspected = {
    ts: m.ts, session: s, toServer: s === null ? true : dir === ORIG, proto: m.ipProto, src, dst, sport: m.sport, dport: m.dport,
    tcpFlags: m.ipProto === IPPROTO_TCP ? m.tcpFlags : 0, icmpType: icmp ? m.icmpType : 0, icmpCode: icmp ? m.icmpCode : 0,
  };
  detector.packet(p, m.buf.subarray(m.payloadOff, m.payloadOff + m.payloadLen));
}

/**
 * A DNS message to the detector, as the dns analyzer parsed it (UDP or TCP, any port: where it decided the
 * session is DNS): each question's name of a query as dns.query, from the asking side. Answers are not matched
 * on (dns.answer.* is not a buffer here).
 */
export function inspectDns(detector: Detector, s: Session, dir: Dir, m: DnsMessage, ts: number): void {
  if (m.header.qr) return;
  const p: Inspected = { ...inspected(s, dir, ts), toServer: true };
  for (const q of m.questions) detector.request(p, { 'dns.query': q.name }, 'dns');
}

const enc = new TextEncoder();
/** HTTP text back to the bytes it was read from (the analyzer reads one character per byte) */
const bytes = (s: string | null): Uint8Array | undefined => (s === null ? undefined : latin1Bytes(s));

/** Buffers of one side's header block: normalized and raw headers, header names, and the fields rules name. */
function headerBuffers(m: HttpMessage, b: Buffers, fields: readonly [keyof Buffers, string][]): void {
  const headers = m.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('');
  b['http.header'] = latin1Bytes(headers);
  // Snort and Suricata: the raw header block, without the request or status line
  b['http.header.raw'] = latin1Bytes(`${headers}\r\n`);
  b['http.header_names'] = latin1Bytes(`\r\n${m.headers.map(([n]) => `${n}\r\n`).join('')}\r\n`);
  for (const [name, header] of fields) {
    const v = bytes(headerOf(m, header));
    if (v !== undefined) b[name] = v;
    else delete b[name];
  }
}

const REQUEST_FIELDS: readonly [keyof Buffers, string][] = [
  ['http.cookie', 'cookie'], ['http.user_agent', 'user-agent'], ['http.host.raw', 'host'], ['http.referer', 'referer'],
  ['http.accept', 'accept'], ['http.accept_enc', 'accept-encoding'], ['http.accept_lang', 'accept-language'],
  ['http.connection', 'connection'], ['http.content_len', 'content-length'], ['http.content_type', 'content-type'],
];
const RESPONSE_FIELDS: readonly [keyof Buffers, string][] = [
  ['http.server', 'server'], ['http.location', 'location'], ['http.connection', 'connection'],
  ['http.content_len', 'content-length'], ['http.content_type', 'content-type'],
];

/** An HTTP request's buffers (Snort's http_* and Suricata's http.* names); file.data is the request body. */
export function requestBuffers(t: HttpTransaction): Buffers {
  const req = t.request;
  const uri = latin1Bytes(t.uri);
  const b: Buffers = {
    'http.method': latin1Bytes(t.method),
    'http.uri': normalizeUri(uri),
    'http.uri.raw': uri,
    'http.protocol': latin1Bytes(t.version),
    'http.request_line': latin1Bytes(req.line),
    'http.request_body': req.body,
    'file.data': req.body,
  };
  headerBuffers(req, b, REQUEST_FIELDS);
  // http.host is normalized (lower case, no port); http.host.raw is the header as sent
  const host = headerOf(req, 'host');
  if (host !== null) b['http.host'] = latin1Bytes(host.trim().replace(/:\d*$/, '').toLowerCase());
  return b;
}

/**
 * The response's buffers beside its request's (method, URI, host... stay the request's): status, the
 * response's own header block and fields, and file.data = the (decoded) body.
 */
export function responseBuffers(t: HttpTransaction, req: Buffers): Buffers | null {
  const resp = t.response;
  if (resp === null) return null;
  // the request's buffers, not what transforms derived from them (file.data changes here)
  const b: Buffers = Object.fromEntries(Object.entries(req).filter(([k]) => !k.includes('|')));
  b['file.data'] = decodeContent(resp, () => undefined, t.budget);
  delete b['http.request_body'];
  for (const k of REQUEST_FIELDS) if (k[0] !== 'http.cookie' && k[0] !== 'http.user_agent' && k[0] !== 'http.host.raw' && k[0] !== 'http.referer') delete b[k[0]];
  headerBuffers(resp, b, RESPONSE_FIELDS);
  b['http.response_line'] = latin1Bytes(resp.line);
  if (t.statusCode !== null) b['http.stat_code'] = enc.encode(String(t.statusCode));
  const msg = bytes(t.statusMsg);
  if (msg !== undefined) b['http.stat_msg'] = msg;
  return b;
}

/** An HTTP transaction to the detector: the request as client-to-server bytes, the response the other way. */
export function inspectHttp(detector: Detector, t: HttpTransaction): void {
  const req = requestBuffers(t);
  detector.request(inspected(t.session, ORIG, t.ts), req, 'http');
  const resp = responseBuffers(t, req);
  if (resp !== null) detector.response(inspected(t.session, RESP, t.endTs), resp, 'http');
}

/** Bytes as Suricata prints certificate serials and fingerprints: hex pairs joined by colons. */
function colonHex(hex: string, upper: boolean): string {
  const h = hex.length % 2 === 1 ? `0${hex}` : hex;
  const pairs = h.match(/../g) ?? [];
  return (upper ? pairs.join(':').toUpperCase() : pairs.join(':').toLowerCase());
}

/** The client's side of a TLS hello: SNI, JA3, JA4. */
function tlsRequest(r: TlsRecord): Buffers {
  const req: Buffers = { 'ja3.hash': enc.encode(r.ja3), 'ja3.string': enc.encode(r.ja3_string), 'ja4.hash': enc.encode(r.ja4) };
  if (r.sni !== null) req['tls.sni'] = latin1Bytes(r.sni);
  return req;
}

/** The server's side (with the client's): JA3S and the certificate; null before the server answered. */
function tlsResponse(r: TlsRecord): Buffers | null {
  if (r.ja3s === null && r.cert_sha256 === null) return null;
  const resp = tlsRequest(r);
  if (r.ja3s !== null) resp['ja3s.hash'] = enc.encode(r.ja3s);
  if (r.cert_serial !== null) resp['tls.cert_serial'] = enc.encode(colonHex(r.cert_serial, true));
  if (r.subject !== null) resp['tls.cert_subject'] = enc.encode(r.subject);
  if (r.issuer !== null) resp['tls.cert_issuer'] = enc.encode(r.issuer);
  if (r.cert_sha1 !== null) resp['tls.cert_fingerprint'] = enc.encode(colonHex(r.cert_sha1, false));
  return resp;
}

/**
 * A TLS hello to the detector (the client's side, the server's, or both). A QUIC Initial's hello is
 * application protocol "quic" (Suricata's `alert quic`), not "tls".
 */
export function inspectTls(detector: Detector, r: TlsRecord, session: Session | null, sides: 'request' | 'response' | 'both' = 'both'): void {
  const app = r.transport === 'quic' ? 'quic' : 'tls';
  const req = sides === 'response' ? null : tlsRequest(r);
  const resp = sides === 'request' ? null : tlsResponse(r);
  if (session !== null) {
    if (req !== null) detector.request(inspected(session, ORIG, r.ts), req, app);
    if (resp !== null) detector.response(inspected(session, RESP, r.ts), resp, app);
    return;
  }
  const src = r.src_ip.includes(':') ? parseIpv6(r.src_ip) : v4(parseIpv4(r.src_ip) ?? 0);
  const dst = r.dst_ip.includes(':') ? parseIpv6(r.dst_ip) : v4(parseIpv4(r.dst_ip) ?? 0);
  if (src === null || dst === null) return;
  const base = { ts: r.ts, session: null, proto: r.transport === 'tcp' ? IPPROTO_TCP : 17, tcpFlags: 0, icmpType: 0, icmpCode: 0 };
  if (req !== null) detector.request({ ...base, toServer: true, src, dst, sport: r.src_port, dport: r.dst_port }, req, app);
  if (resp !== null) detector.response({ ...base, toServer: false, src: dst, dst: src, sport: r.dst_port, dport: r.src_port }, resp, app);
}

/**
 * The server's certificates to the detector, one at a time as `tls.certs` (Suricata's multi-buffer), beside the
 * client's hello buffers and the server's JA3S when it answered.
 */
export function inspectTlsCertificates(detector: Detector, ders: readonly Uint8Array[], r: TlsRecord | undefined, session: Session): void {
  const base: Buffers = r === undefined ? {} : (tlsResponse(r) ?? tlsRequest(r));
  const p = inspected(session, RESP, session.last);
  for (const der of ders) detector.response(p, { ...base, 'tls.certs': der }, 'tls');
}

/** Suricata's email.* sticky buffers: header fields of the message (decoded words left as sent). */
const EMAIL_HEADERS: readonly [keyof Buffers, string][] = [
  ['email.subject', 'subject'], ['email.from', 'from'], ['email.to', 'to'], ['email.cc', 'cc'], ['email.date', 'date'],
  ['email.message_id', 'message-id'], ['email.x_mailer', 'x-mailer'],
];

/** An SMTP message to the detector: each decoded MIME part (forwarded messages opened) as file.data. */
export function inspectSmtp(detector: Detector, m: SmtpMessage): void {
  if (m.data === null) return;
  const p = inspected(m.session, ORIG, m.endTs);
  const ignore = { add: (): void => undefined };
  const walk = (part: MimePart, depth: number): void => {
    for (const leaf of leaves(part)) {
      const data = decodeBody(leaf);
      detector.request(p, { 'file.data': data }, 'smtp');
      if ((leaf.type === 'message/rfc822' || leaf.type === 'message/global') && depth < MAX_MIME_DEPTH) walk(parseMime(data, ignore, leaf.path, depth + 1), depth + 1);
    }
  };
  const root = parseMime(m.data, ignore);
  const fields: Buffers = {};
  for (const [buf, name] of EMAIL_HEADERS) {
    const v = root.headers.find(([n]) => n.toLowerCase() === name)?.[1];
    if (v !== undefined) fields[buf] = latin1Bytes(v.trim());
  }
  if (Object.keys(fields).length > 0) detector.request(p, fields, 'smtp');
  walk(root, 0);
}

/**
 * The signature hooks analysis() calls, bound to one detector. A run with rules builds them (and so loads this
 * module and the rule engine); analysis() itself imports only their type, so a run without rules (sessions,
 * tls, dns, ...) does not load the engine's modules at start.
 */
export interface DetectHooks {
  readonly wantsDns: boolean;
  packet(m: PacketMeta, s: Session | null, dir: Dir): void;
  stream(s: Session): StreamAnalyzer;
  dns(s: Session, dir: Dir, m: DnsMessage, ts: number): void;
  http(t: HttpTransaction): void;
  tls(r: TlsRecord, session: Session | null, sides: 'request' | 'response' | 'both'): void;
  tlsCertificates(ders: readonly Uint8Array[], r: TlsRecord | undefined, session: Session): void;
  smtp(m: SmtpMessage): void;
}

export function detectHooks(detector: Detector): DetectHooks {
  return {
    wantsDns: detector.wantsApp('dns'),
    packet: (m, s, dir) => inspectPacket(detector, m, s, dir),
    stream: (s) => new DetectStream(detector, s),
    dns: (s, dir, m, ts) => inspectDns(detector, s, dir, m, ts),
    http: (t) => inspectHttp(detector, t),
    tls: (r, s, sides) => inspectTls(detector, r, s, sides),
    tlsCertificates: (ders, r, s) => inspectTlsCertificates(detector, ders, r, s),
    smtp: (m) => inspectSmtp(detector, m),
  };
}
