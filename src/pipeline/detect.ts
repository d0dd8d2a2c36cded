// The signature engine wired to the pipeline: a stream analyzer per TCP session feeding the first bytes of
// each direction, packets from the engine, HTTP transactions and TLS hellos from their analyzers.
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP } from '../decode/constants.js';
import type { PacketMeta } from '../decode/packet-meta.js';
import { parseIpv4, parseIpv6 } from '../core/ip.js';
import { STREAM_DEPTH, type Detector, type Inspected } from '../detect/detector.js';
import type { Buffers } from '../detect/match.js';
import type { Session } from '../flow/session.js';
import { headerOf, type HttpTransaction } from '../analyzers/http/http-analyzer.js';
import { ORIG, type Dir, type StreamAnalyzer } from '../reassembly/stream-analyzer.js';
import type { TlsRecord } from '../schema/tls.js';
import { decodeContent } from './http.js';

function v4(n: number): Uint8Array {
  return new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

/** What the detector needs to know about bytes of `s` going in direction `dir`. */
export function inspected(s: Session, dir: Dir, ts: number): Inspected {
  const a = s.v6 ? s.a6! : v4(s.a4);
  const b = s.v6 ? s.b6! : v4(s.b4);
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
  if (m.ipVersion === 0 || !detector.wantsPackets) return;
  const src = m.ipVersion === 4 ? v4(m.src4) : m.buf.slice(m.src6, m.src6 + 16);
  const dst = m.ipVersion === 4 ? v4(m.dst4) : m.buf.slice(m.dst6, m.dst6 + 16);
  const icmp = m.ipProto === IPPROTO_ICMP || m.ipProto === IPPROTO_ICMPV6;
  detector.packet({
    ts: m.ts, session: s, toServer: s === null ? true : dir === ORIG, proto: m.ipProto, src, dst, sport: m.sport, dport: m.dport,
    tcpFlags: m.ipProto === IPPROTO_TCP ? m.tcpFlags : 0, icmpType: icmp ? m.icmpType : 0, icmpCode: icmp ? m.icmpCode : 0,
  }, m.buf.subarray(m.payloadOff, m.payloadOff + m.payloadLen));
}

const enc = new TextEncoder();
const bytes = (s: string | null): Uint8Array | undefined => (s === null ? undefined : enc.encode(s));

/** An HTTP transaction's buffers (Snort's http_* and Suricata's http.* names). */
export function httpBuffers(t: HttpTransaction): Buffers {
  const req = t.request;
  const headers = req.headers.map(([n, v]) => `${n}: ${v}\r\n`).join('');
  const b: Buffers = {
    'http.method': enc.encode(t.method),
    'http.uri': enc.encode(t.uri),
    'http.uri.raw': enc.encode(t.uri),
    'http.header': enc.encode(headers),
    'http.header.raw': enc.encode(`${req.line}\r\n${headers}`),
    'http.request_body': req.body,
  };
  const opt = (name: keyof Buffers, v: Uint8Array | undefined): void => {
    if (v !== undefined) b[name] = v;
  };
  opt('http.cookie', bytes(headerOf(req, 'cookie')));
  opt('http.user_agent', bytes(headerOf(req, 'user-agent')));
  opt('http.host', bytes(headerOf(req, 'host')));
  opt('http.referer', bytes(headerOf(req, 'referer')));
  const resp = t.response;
  if (resp !== null) {
    opt('http.stat_code', t.statusCode === null ? undefined : enc.encode(String(t.statusCode)));
    opt('http.stat_msg', bytes(t.statusMsg));
    opt('http.content_type', bytes(headerOf(resp, 'content-type')));
    const body = decodeContent(resp, () => undefined);
    b['http.response_body'] = body;
    b['file.data'] = body;
  }
  return b;
}

/** An HTTP transaction to the detector: requests inspected as client-to-server bytes. */
export function inspectHttp(detector: Detector, t: HttpTransaction): void {
  detector.app(inspected(t.session, ORIG, t.ts), httpBuffers(t), 'http');
}

/** A TLS hello to the detector (SNI and JA3/JA3S buffers), as client-to-server bytes of its session. */
export function inspectTls(detector: Detector, r: TlsRecord, session: Session | null): void {
  const b: Buffers = { 'ja3.hash': enc.encode(r.ja3) };
  if (r.sni !== null) b['tls.sni'] = enc.encode(r.sni);
  if (r.ja3s !== null) b['ja3s.hash'] = enc.encode(r.ja3s);
  if (session !== null) {
    detector.app(inspected(session, ORIG, r.ts), b, 'tls');
    return;
  }
  const src = r.src_ip.includes(':') ? parseIpv6(r.src_ip) : v4(parseIpv4(r.src_ip) ?? 0);
  const dst = r.dst_ip.includes(':') ? parseIpv6(r.dst_ip) : v4(parseIpv4(r.dst_ip) ?? 0);
  if (src === null || dst === null) return;
  detector.app({
    ts: r.ts, session: null, toServer: true, proto: r.transport === 'tcp' ? IPPROTO_TCP : 17, src, dst, sport: r.src_port, dport: r.dst_port,
    tcpFlags: 0, icmpType: 0, icmpCode: 0,
  }, b, 'tls');
}
