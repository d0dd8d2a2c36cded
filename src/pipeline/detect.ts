// The signature engine wired to the pipeline: a stream analyzer per TCP session feeding the first bytes of
// each direction, packets from the engine, HTTP transactions and TLS hellos from their analyzers.
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP } from '../decode/constants.js';
import type { PacketMeta } from '../decode/packet-meta.js';
import { parseIpv4, parseIpv6 } from '../core/ip.js';
import { latin1Bytes } from '../core/latin1.js';
import { normalizeUri } from '../detect/uri.js';
import { STREAM_DEPTH, type Detector, type Inspected } from '../detect/detector.js';
import type { Buffers } from '../detect/match.js';
import type { Session } from '../flow/session.js';
import { headerOf, type HttpTransaction } from '../analyzers/http/http-analyzer.js';
import { ORIG, RESP, type Dir, type StreamAnalyzer } from '../reassembly/stream-analyzer.js';
import type { TlsRecord } from '../schema/tls.js';
import { decodeContent } from './http.js';
import { decodeBody, leaves } from './mail.js';
import { MAX_MIME_DEPTH, parseMime, type MimePart } from '../analyzers/mime/mime-tree.js';
import type { SmtpMessage } from '../analyzers/smtp/smtp-analyzer.js';

function v4(n: number): Uint8Array {
  return new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

/** Each session's addresses as bytes, made once (every delivery of its streams needs them). */
const ADDRS = new WeakMap<Session, [Uint8Array, Uint8Array]>();

/** What the detector needs to know about bytes of `s` going in direction `dir`. */
export function inspected(s: Session, dir: Dir, ts: number): Inspected {
  let ab = ADDRS.get(s);
  if (ab === undefined) ADDRS.set(s, (ab = [s.v6 ? s.a6! : v4(s.a4), s.v6 ? s.b6! : v4(s.b4)]));
  const [a, b] = ab;
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
  if (m.ipVersion === 0 || !detector.wantsPackets(m.ipProto)) return;
  const src = m.ipVersion === 4 ? v4(m.src4) : m.buf.slice(m.src6, m.src6 + 16);
  const dst = m.ipVersion === 4 ? v4(m.dst4) : m.buf.slice(m.dst6, m.dst6 + 16);
  const icmp = m.ipProto === IPPROTO_ICMP || m.ipProto === IPPROTO_ICMPV6;
  detector.packet({
    ts: m.ts, session: s, toServer: s === null ? true : dir === ORIG, proto: m.ipProto, src, dst, sport: m.sport, dport: m.dport,
    tcpFlags: m.ipProto === IPPROTO_TCP ? m.tcpFlags : 0, icmpType: icmp ? m.icmpType : 0, icmpCode: icmp ? m.icmpCode : 0,
  }, m.buf.subarray(m.payloadOff, m.payloadOff + m.payloadLen));
}

const enc = new TextEncoder();
/** HTTP text back to the bytes it was read from (the analyzer reads one character per byte) */
const bytes = (s: string | null): Uint8Array | undefined => (s === null ? undefined : latin1Bytes(s));

/** An HTTP request's buffers (Snort's http_* and Suricata's http.* names); file.data is the request body. */
export function requestBuffers(t: HttpTransaction): Buffers {
  const req = t.request;
  const headers = req.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('');
  const uri = latin1Bytes(t.uri);
  const b: Buffers = {
    'http.method': latin1Bytes(t.method),
    'http.uri': normalizeUri(uri),
    'http.uri.raw': uri,
    'http.header': latin1Bytes(headers),
    'http.header.raw': latin1Bytes(`${req.line}\r\n${headers}`),
    'http.request_body': req.body,
    'file.data': req.body,
  };
  const opt = (name: keyof Buffers, v: Uint8Array | undefined): void => {
    if (v !== undefined) b[name] = v;
  };
  opt('http.cookie', bytes(headerOf(req, 'cookie')));
  opt('http.user_agent', bytes(headerOf(req, 'user-agent')));
  opt('http.host', bytes(headerOf(req, 'host')));
  opt('http.referer', bytes(headerOf(req, 'referer')));
  return b;
}

/** The response's buffers beside its request's: status, content type, and file.data = the (decoded) body. */
export function responseBuffers(t: HttpTransaction, req: Buffers): Buffers | null {
  const resp = t.response;
  if (resp === null) return null;
  const b: Buffers = { ...req, 'file.data': decodeContent(resp, () => undefined) };
  delete b['http.request_body'];
  if (t.statusCode !== null) b['http.stat_code'] = enc.encode(String(t.statusCode));
  const msg = bytes(t.statusMsg);
  if (msg !== undefined) b['http.stat_msg'] = msg;
  const ct = bytes(headerOf(resp, 'content-type'));
  if (ct !== undefined) b['http.content_type'] = ct;
  return b;
}

/** An HTTP transaction to the detector: the request as client-to-server bytes, the response the other way. */
export function inspectHttp(detector: Detector, t: HttpTransaction): void {
  const req = requestBuffers(t);
  detector.request(inspected(t.session, ORIG, t.ts), req, 'http');
  const resp = responseBuffers(t, req);
  if (resp !== null) detector.response(inspected(t.session, RESP, t.endTs), resp, 'http');
}

/** A TLS hello to the detector: SNI and JA3 as the client's, JA3S as the server's. */
export function inspectTls(detector: Detector, r: TlsRecord, session: Session | null): void {
  const req: Buffers = { 'ja3.hash': enc.encode(r.ja3) };
  if (r.sni !== null) req['tls.sni'] = enc.encode(r.sni);
  const resp: Buffers | null = r.ja3s === null ? null : { ...req, 'ja3s.hash': enc.encode(r.ja3s) };
  if (session !== null) {
    detector.request(inspected(session, ORIG, r.ts), req, 'tls');
    if (resp !== null) detector.response(inspected(session, RESP, r.ts), resp, 'tls');
    return;
  }
  const src = r.src_ip.includes(':') ? parseIpv6(r.src_ip) : v4(parseIpv4(r.src_ip) ?? 0);
  const dst = r.dst_ip.includes(':') ? parseIpv6(r.dst_ip) : v4(parseIpv4(r.dst_ip) ?? 0);
  if (src === null || dst === null) return;
  const base = { ts: r.ts, session: null, proto: r.transport === 'tcp' ? IPPROTO_TCP : 17, tcpFlags: 0, icmpType: 0, icmpCode: 0 };
  detector.request({ ...base, toServer: true, src, dst, sport: r.src_port, dport: r.dst_port }, req, 'tls');
  if (resp !== null) detector.response({ ...base, toServer: false, src: dst, dst: src, sport: r.dst_port, dport: r.src_port }, resp, 'tls');
}

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
  walk(parseMime(m.data, ignore), 0);
}
