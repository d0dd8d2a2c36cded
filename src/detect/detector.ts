// The signature engine's state and its three ways in: packets (UDP, ICMP, IP, TCP header rules and
// flow:no_stream), reassembled TCP streams (payload rules on TCP, as a stream-aware engine inspects them: a
// PUT split over segments is one PUT), and application buffers (HTTP transactions, TLS hellos). Flow
// direction and state, flowbits, thresholds and detection filters live here; rule options are matched by
// match.ts after the prefilter has named the candidates.
import { formatIpv4, formatIpv6 } from '../core/ip.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../decode/constants.js';
import { communityId } from '../flow/community-id.js';
import { TCP_ESTABLISHED, TCP_PARTIAL } from '../flow/conn-state.js';
import { PROTO_NAMES } from '../flow/session-record.js';
import type { Session } from '../flow/session.js';
import type { AlertRecord } from '../schema/alerts.js';
import { addrMatches, portMatches } from './addresses.js';
import { matchRule, type Buffers } from './match.js';
import { Prefilter } from './prefilter.js';
import type { BufferName, Rule, Threshold } from './rule.js';

/** Stream bytes of each direction inspected from the start of the stream (later bytes are not). */
export const STREAM_DEPTH = 64 * 1024;

const APP_BUFFERS: ReadonlySet<BufferName> = new Set<BufferName>([
  'http.method', 'http.uri', 'http.uri.raw', 'http.header', 'http.header.raw', 'http.cookie', 'http.request_body',
  'http.response_body', 'http.stat_code', 'http.stat_msg', 'http.user_agent', 'http.host', 'http.referer', 'http.content_type',
  'tls.sni', 'ja3.hash', 'ja3s.hash', 'file.data',
]);

type Kind = 'packet' | 'stream' | 'app';

/** Where a rule is evaluated. */
function kindOf(r: Rule): Kind {
  if (r.proto === 'http' || r.proto === 'tls' || r.proto === 'smtp' || r.matches.some((m) => APP_BUFFERS.has(m.buffer))) return 'app';
  const payload = r.matches.some((m) => m.kind !== 'size');
  const dsize = r.matches.some((m) => m.kind === 'size' && m.buffer === 'pkt');
  if ((r.proto === 'tcp') && payload && !dsize && r.flow?.noStream !== true) return 'stream';
  return 'packet';
}

/** What an inspection knows about the traffic it inspects. */
export interface Inspected {
  ts: number;
  session: Session | null;
  /** the bytes moved from the session's originator (client) to its responder */
  toServer: boolean;
  proto: number;
  src: Uint8Array;
  dst: Uint8Array;
  sport: number;
  dport: number;
  tcpFlags: number;
  icmpType: number;
  icmpCode: number;
}

export interface DetectorOptions {
  emit(a: AlertRecord): void;
}

class Group {
  readonly rules: Rule[];
  readonly prefilter: Prefilter;
  readonly seen: Uint8Array;
  constructor(rules: Rule[]) {
    this.rules = rules;
    this.prefilter = new Prefilter(rules);
    this.seen = new Uint8Array(rules.length);
  }
}

export class Detector {
  private readonly groups: Record<Kind, Group>;
  private readonly o: DetectorOptions;
  private readonly flowbits = new WeakMap<Session, Set<string>>();
  private readonly cids = new WeakMap<Session, string>();
  private readonly thresholds = new Map<string, { start: number; count: number; fired: number }>();
  private readonly candidates: number[] = [];
  /** stream rules that alerted, per session (rule index * 2 + direction) */
  private readonly streamFired = new WeakMap<Session, Set<number>>();
  /** stream rules named by the prefilter that have not matched yet, per session and direction */
  private readonly streamPending = new WeakMap<Session, [Set<number>, Set<number>]>();
  /** bytes of old stream data rescanned with new data (a pattern may straddle deliveries) */
  private readonly overlap: number;

  constructor(rules: readonly Rule[], o: DetectorOptions) {
    const by: Record<Kind, Rule[]> = { packet: [], stream: [], app: [] };
    for (const r of rules) by[kindOf(r)].push(r);
    this.groups = { packet: new Group(by.packet), stream: new Group(by.stream), app: new Group(by.app) };
    this.o = o;
    this.overlap = Math.max(0, ...by.stream.map((r) => (r.fastPattern?.bytes.length ?? 1) - 1));
  }

  /** Some rule looks at single packets (else packets need not be shown to the detector at all). */
  get wantsPackets(): boolean {
    return this.groups.packet.rules.length > 0;
  }

  get ruleCount(): number {
    return this.groups.packet.rules.length + this.groups.stream.rules.length + this.groups.app.rules.length;
  }

  /** A packet (its payload as the pkt buffer): packet rules. */
  packet(p: Inspected, payload: Uint8Array): void {
    this.run(this.groups.packet, p, { pkt: payload });
  }

  /**
   * The first STREAM_DEPTH bytes of one direction of a TCP session, after new data arrived from `newFrom`:
   * the prefilter scans the new bytes (and the end of the old ones a pattern may straddle); candidates are
   * matched on the whole buffer; a rule alerts once per stream direction.
   */
  stream(p: Inspected, data: Uint8Array, newFrom: number): void {
    const g = this.groups.stream;
    if (g.rules.length === 0 || p.session === null) return;
    const scan = data.subarray(Math.max(0, newFrom - this.overlap));
    let fired = this.streamFired.get(p.session);
    if (fired === undefined) this.streamFired.set(p.session, (fired = new Set()));
    const done = fired;
    const dir = p.toServer ? 0 : 1;
    let pend = this.streamPending.get(p.session);
    if (pend === undefined) this.streamPending.set(p.session, (pend = [new Set(), new Set()]));
    // candidates whose pattern came earlier stay candidates: a later option may be satisfied by new data
    this.run(g, p, { pkt: data }, null, { pkt: scan }, (id) => {
      const key = id * 2 + dir;
      if (done.has(key)) return false;
      done.add(key);
      return true;
    }, pend[dir]!);
  }

  /** An application transaction's buffers (HTTP request and response, TLS hello). */
  app(p: Inspected, buffers: Buffers, appProto: string): void {
    this.run(this.groups.app, p, buffers, appProto);
  }

  private run(
    g: Group, p: Inspected, buffers: Buffers, appProto: string | null = null, scan: Buffers = buffers,
    once?: (id: number) => boolean, pending?: Set<number>,
  ): void {
    if (g.rules.length === 0) return;
    const cand = this.candidates;
    cand.length = 0;
    g.prefilter.candidates(scan, g.seen, cand);
    if (pending !== undefined) {
      for (const id of pending) {
        if (g.seen[id] === 1) continue;
        g.seen[id] = 1;
        cand.push(id);
      }
    }
    // rule order: lower index first (the file's order), as the engines report
    cand.sort((a, b) => a - b);
    for (const id of cand) {
      g.seen[id] = 0;
      const r = g.rules[id]!;
      if (!this.header(r, p, appProto) || !this.flowbitsHold(r, p.session)) {
        pending?.add(id);
        continue;
      }
      if (!matchRule(r, buffers)) {
        pending?.add(id);
        continue;
      }
      pending?.delete(id);
      if (once !== undefined && !once(id)) continue;
      this.matched(r, p, buffers, appProto);
    }
  }

  private header(r: Rule, p: Inspected, appProto: string | null): boolean {
    if (r.proto === 'http' && appProto !== 'http') return false;
    if (r.proto === 'tls' && appProto !== 'tls') return false;
    if (r.proto === 'smtp' && appProto !== 'smtp') return false;
    if (r.proto === 'tcp' && p.proto !== IPPROTO_TCP) return false;
    if (r.proto === 'udp' && p.proto !== IPPROTO_UDP) return false;
    if (r.proto === 'icmp' && p.proto !== IPPROTO_ICMP && p.proto !== IPPROTO_ICMPV6) return false;
    const fwd = addrMatches(r.src, p.src) && portMatches(r.srcPorts, p.sport) && addrMatches(r.dst, p.dst) && portMatches(r.dstPorts, p.dport);
    const rev = r.bidirectional && addrMatches(r.src, p.dst) && portMatches(r.srcPorts, p.dport) && addrMatches(r.dst, p.src) && portMatches(r.dstPorts, p.sport);
    if (!fwd && !rev) return false;
    const f = r.flow;
    if (f !== null) {
      if (f.toServer && !p.toServer) return false;
      if (f.toClient && p.toServer) return false;
      const est = established(p.session);
      if (f.established && !est) return false;
      if (f.notEstablished && est) return false;
    }
    const h = r.header;
    if (h.sameip && !sameBytes(p.src, p.dst)) return false;
    if (h.ipProto !== null) {
      const v = h.ipProto.value;
      const ok = h.ipProto.op === '!' ? p.proto !== v : h.ipProto.op === '<' ? p.proto < v : h.ipProto.op === '>' ? p.proto > v : p.proto === v;
      if (!ok) return false;
    }
    if (h.flags !== null) {
      if (p.proto !== IPPROTO_TCP) return false;
      const fl = p.tcpFlags & ~h.flags.ignore & 0xff;
      const want = h.flags.flags;
      const ok = h.flags.mode === 'exact' ? fl === want : h.flags.mode === 'all' ? (fl & want) === want : h.flags.mode === 'any' ? (fl & want) !== 0 : (fl & want) === 0;
      if (!ok) return false;
    }
    if (h.itype !== null && !inRange(h.itype, p.icmpType, p.proto)) return false;
    if (h.icode !== null && !inRange(h.icode, p.icmpCode, p.proto)) return false;
    return true;
  }

  private flowbitsHold(r: Rule, s: Session | null): boolean {
    const bits = s === null ? undefined : this.flowbits.get(s);
    for (const fb of r.flowbits) {
      if (fb.op !== 'isset' && fb.op !== 'isnotset') continue;
      const has = fb.mode === 'any' ? fb.names.some((n) => bits?.has(n) === true) : fb.names.every((n) => bits?.has(n) === true);
      if (fb.op === 'isset' ? !has : has) return false;
    }
    return true;
  }

  private matched(r: Rule, p: Inspected, buffers: Buffers, appProto: string | null): void {
    let noalert = false;
    const s = p.session;
    for (const fb of r.flowbits) {
      if (fb.op === 'noalert') {
        noalert = true;
        continue;
      }
      if (s === null || fb.op === 'isset' || fb.op === 'isnotset') continue;
      let bits = this.flowbits.get(s);
      if (bits === undefined) this.flowbits.set(s, (bits = new Set()));
      for (const n of fb.names) {
        if (fb.op === 'set') bits.add(n);
        else if (fb.op === 'unset') bits.delete(n);
        else if (bits.has(n)) bits.delete(n);
        else bits.add(n);
      }
    }
    if (noalert) return;
    if (r.detectionFilter !== null && !this.counted(r, r.detectionFilter, p)) return;
    if (r.threshold !== null && !this.counted(r, r.threshold, p)) return;
    const buf = r.fastPattern !== null ? buffers[r.fastPattern.buffer === 'raw' ? 'pkt' : r.fastPattern.buffer] : buffers.pkt;
    this.o.emit({
      ts: p.ts,
      uid: s?.uid ?? null,
      community_id: s === null ? null : this.communityId(s),
      src_ip: ip(p.src),
      src_port: p.proto === IPPROTO_TCP || p.proto === IPPROTO_UDP ? p.sport : null,
      dst_ip: ip(p.dst),
      dst_port: p.proto === IPPROTO_TCP || p.proto === IPPROTO_UDP ? p.dport : null,
      proto: PROTO_NAMES.get(p.proto) ?? String(p.proto),
      app_proto: appProto ?? s?.appProto ?? null,
      gid: r.gid,
      sid: r.sid,
      rev: r.rev,
      msg: r.msg,
      classtype: r.classtype,
      priority: r.priority,
      action: r.action,
      payload_excerpt: buf === undefined ? null : excerpt(buf),
      capture_id: null,
    });
  }

  /**
   * Threshold and detection_filter bookkeeping (Snort 2.9 semantics): limit = the first `count` per window;
   * threshold = every count-th; both = once per window after `count`; detection_filter = every match after
   * the first `count` in the window.
   */
  private counted(r: Rule, t: Threshold, p: Inspected): boolean {
    const who = t.track === 'by_src' ? ip(p.src) : t.track === 'by_dst' ? ip(p.dst) : t.track === 'by_both' ? `${ip(p.src)}>${ip(p.dst)}` : '';
    const key = `${r.gid}:${r.sid}:${t.type}:${who}`;
    let e = this.thresholds.get(key);
    if (e === undefined || p.ts - e.start > t.seconds * 1_000_000) {
      e = { start: p.ts, count: 0, fired: 0 };
      this.thresholds.set(key, e);
    }
    e.count++;
    switch (t.type) {
      case 'limit':
        return e.count <= t.count;
      case 'threshold':
        return e.count % t.count === 0;
      case 'both':
        if (e.count >= t.count && e.fired === 0) {
          e.fired = 1;
          return true;
        }
        return false;
      case 'detection_filter':
        return e.count > t.count;
    }
  }

  private communityId(s: Session): string {
    let c = this.cids.get(s);
    if (c === undefined) {
      const a = s.v6 ? s.a6! : v4(s.a4);
      const b = s.v6 ? s.b6! : v4(s.b4);
      c = communityId(a, b, s.proto, s.aPort, s.bPort, s.icmpOneWay);
      this.cids.set(s, c);
    }
    return c;
  }
}

function established(s: Session | null): boolean {
  if (s === null) return false;
  if (s.proto !== IPPROTO_TCP) return true; // Suricata: a UDP flow with packets both ways; Snort: any
  if (s.origState === TCP_ESTABLISHED || s.respState === TCP_ESTABLISHED) return true;
  // picked up midstream: established once both sides have sent something
  return (s.origState === TCP_PARTIAL || s.respState === TCP_PARTIAL) && s.origPkts > 0 && s.respPkts > 0;
}

function inRange(r: { op: '=' | '<' | '>' | '<>'; lo: number; hi: number }, v: number, proto: number): boolean {
  if (proto !== IPPROTO_ICMP && proto !== IPPROTO_ICMPV6) return false;
  return r.op === '<>' ? v > r.lo && v < r.hi : r.op === '<' ? v < r.lo : r.op === '>' ? v > r.lo : v === r.lo;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function v4(n: number): Uint8Array {
  return new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

function ip(b: Uint8Array): string {
  return b.length === 16 ? formatIpv6(b) : formatIpv4(((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0);
}

/** Up to 80 printable characters of the inspected buffer (others as "."). */
function excerpt(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length && i < 80; i++) s += b[i]! >= 0x20 && b[i]! < 0x7f ? String.fromCharCode(b[i]!) : '.';
  return s;
}
