// The signature engine's state and its three ways in: packets (UDP, ICMP, IP, TCP header rules and
// flow:no_stream), reassembled TCP streams (payload rules on TCP, as a stream-aware engine inspects them: a
// PUT split over segments is one PUT), and application buffers (HTTP transactions, TLS hellos). Flow
// direction and state, flowbits, thresholds and detection filters live here; rule options are matched by
// match.ts after the prefilter has named the candidates.
import type { AnomalyLog } from '../core/anomaly.js';
import { formatIpv4, formatIpv6 } from '../core/ip.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../decode/constants.js';
import { communityId } from '../flow/community-id.js';
import { TCP_ESTABLISHED, TCP_PARTIAL } from '../flow/conn-state.js';
import { PROTO_NAMES } from '../flow/session-record.js';
import type { Session } from '../flow/session.js';
import type { AlertRecord } from '../schema/alerts.js';
import { addrMatches, portMatches } from './addresses.js';
import { matchRule, type Buffers } from './match.js';
import { Prefilter, prefilterOverlap } from './prefilter.js';
import { bufferOf } from './transforms.js';
import type { BaseBuffer, BufferName, PcreMatch, Rule, RuleProto, Threshold } from './rule.js';

/** Stream bytes of each direction inspected from the start of the stream (later bytes are not). */
export const STREAM_DEPTH = 64 * 1024;

const APP_BUFFERS: ReadonlySet<BaseBuffer> = new Set<BaseBuffer>([
  'http.method', 'http.uri', 'http.uri.raw', 'http.header', 'http.header.raw', 'http.cookie', 'http.request_body',
  'http.response_body', 'http.stat_code', 'http.stat_msg', 'http.user_agent', 'http.host', 'http.referer', 'http.content_type',
  'http.header_names', 'http.protocol', 'http.request_line', 'http.response_line', 'http.accept', 'http.accept_enc',
  'http.accept_lang', 'http.connection', 'http.content_len', 'http.host.raw', 'http.server', 'http.location', 'dns.query',
  'tls.sni', 'tls.cert_serial', 'tls.cert_subject', 'tls.cert_issuer', 'tls.cert_fingerprint', 'tls.certs', 'ja3.hash', 'ja3.string',
  'ja3s.hash', 'ja4.hash', 'file.data', 'email.subject', 'email.from', 'email.to', 'email.cc', 'email.date',
  'email.message_id', 'email.x_mailer',
]);

/** Buffers of the server's answer (an HTTP response, a ServerHello and its certificate): rules using them look at that side. */
const RESPONSE_BUFFERS: ReadonlySet<BaseBuffer> = new Set<BaseBuffer>([
  'http.stat_code', 'http.stat_msg', 'http.response_line', 'http.server', 'http.location', 'ja3s.hash', 'tls.cert_serial', 'tls.cert_subject', 'tls.cert_issuer',
  'tls.cert_fingerprint', 'tls.certs',
]);

/** The buffer under a buffer's transforms ("tls.sni|dotprefix" -> "tls.sni"). */
const baseOf = (b: BufferName): BaseBuffer => (b.includes('|') ? b.slice(0, b.indexOf('|')) : b) as BaseBuffer;

type Kind = 'packet' | 'stream' | 'request' | 'response';

/**
 * Where a rule is evaluated: application buffers on the request or the response of a transaction (file.data
 * is the request body under flow:to_server, else the response body); payload rules on TCP (and on an
 * application protocol's TCP streams) on the reassembled stream; the rest on packets.
 */
function kindOf(r: Rule): Kind {
  if (r.matches.some((m) => APP_BUFFERS.has(baseOf(m.buffer)))) {
    // SMTP's file data is what the client sends (decoded message parts)
    if (r.proto === 'smtp') return 'request';
    const response = r.matches.some((m) => RESPONSE_BUFFERS.has(baseOf(m.buffer))) || (r.matches.some((m) => baseOf(m.buffer) === 'file.data') && r.flow?.toServer !== true);
    return response || r.flow?.toClient === true ? 'response' : 'request';
  }
  const payload = r.matches.some((m) => m.kind !== 'size');
  const dsize = r.matches.some((m) => m.kind === 'size' && m.buffer === 'pkt');
  if ((r.proto === 'tcp' || r.proto === 'http' || r.proto === 'tls' || r.proto === 'smtp') && payload && !dsize && r.flow?.noStream !== true) return 'stream';
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

/**
 * Bounds the rule evaluations V8 cannot bound by itself. This layer is pure: the pipeline gives it one
 * (node:vm's timeout, pipeline/detect.ts).
 */
export interface EvalGuard {
  /** the most one guarded evaluation may take */
  readonly timeoutMs: number;
  /** Does V8 bound this expression's time by itself (its linear-time engine takes it)? */
  linear(re: RegExp): boolean;
  /** Runs fn (which only computes) within the budget; false when it ran out of time and was stopped. */
  call(fn: () => void): boolean;
}

export interface DetectorOptions {
  emit(a: AlertRecord): void;
  /** evaluations of rules with a pcre V8 cannot bound run under it */
  guard: EvalGuard;
  /** where the detector's anomalies go */
  anomalies: Pick<AnomalyLog, 'add'>;
}

/** A guarded rule evaluation ran out of time: the rule is taken as not matching (DESIGN-NOTES, issue 13). */
export const PCRE_BUDGET_EXCEEDED = 'detect_pcre_budget_exceeded';

/** What a rule may alert once on (per stream direction, per TLS session): has it, and mark it. */
interface Once {
  has(id: number): boolean;
  add(id: number): void;
}

/** Port sets this wide (negations included) are not indexed by port: their rules are scanned for everywhere. */
const MAX_INDEXED_PORTS = 4096;

/**
 * Prefilters combining port sets a group builds (each carries every any-port rule, so each costs about as much
 * as the whole group's): traffic between many port combinations (a port scan) would otherwise build one per
 * combination. Past it, a new combination is scanned with the any-port prefilter and each port set's own.
 */
export const MAX_PORT_PREFILTERS = 16;

/**
 * The rules of one kind with their prefilters: one for rules on any port, and one per combination of port sets
 * ($HTTP_PORTS is one) that traffic between two ports falls in, carrying the any-port rules too: a TLS stream
 * on 443 is not scanned for the HTTP rules' patterns, and each buffer is scanned once (up to
 * MAX_PORT_PREFILTERS combinations).
 */
class Group {
  readonly rules: Rule[];
  readonly seen: Uint8Array;
  /** 1 for the rules evaluated under the guard */
  readonly guarded: Uint8Array;
  private readonly any: Prefilter;
  private readonly anyRules: [Rule, number][] = [];
  /** the rules of each distinct port set */
  private readonly sets: [Rule, number][][] = [];
  /** port -> the port sets (indexes into sets) that contain it */
  private readonly byPort = new Map<number, number[]>();
  /** prefilters built so far, by the port sets they combine ("1,4") */
  private readonly combined = new Map<string, Prefilter>();
  /** each port set's own prefilter (without the any-port rules), once MAX_PORT_PREFILTERS are built */
  private readonly own: (Prefilter | undefined)[] = [];

  constructor(rules: Rule[], guarded: (r: Rule) => boolean) {
    this.rules = rules;
    this.seen = new Uint8Array(rules.length);
    this.guarded = Uint8Array.from(rules, (r) => (guarded(r) ? 1 : 0));
    const index = new Map<string, number>();
    rules.forEach((r, id) => {
      const ports = indexPorts(r);
      if (ports === null) {
        this.anyRules.push([r, id]);
        return;
      }
      const key = ports.join(',');
      let k = index.get(key);
      if (k === undefined) {
        index.set(key, (k = this.sets.length));
        this.sets.push([]);
        for (const port of ports) {
          const list = this.byPort.get(port);
          if (list === undefined) this.byPort.set(port, [k]);
          else list.push(k);
        }
      }
      this.sets[k]!.push([r, id]);
    });
    this.any = new Prefilter(this.anyRules);
  }

  /** Candidates for traffic between these ports, each rule once (seen[] marks them; the caller clears). */
  candidates(proto: number, sport: number, dport: number, scan: Buffers, out: number[]): void {
    const a = this.byPort.get(dport);
    const b = sport === dport ? undefined : this.byPort.get(sport);
    if (a === undefined && b === undefined) {
      this.any.candidates(scan, this.seen, out, proto);
      return;
    }
    const ids = a === undefined ? b! : b === undefined ? a : [...new Set([...a, ...b])].sort((x, y) => x - y);
    const key = ids.join(',');
    let pf = this.combined.get(key);
    if (pf === undefined && this.combined.size >= MAX_PORT_PREFILTERS) {
      // the same candidates, from one scan per prefilter instead of one in all
      this.any.candidates(scan, this.seen, out, proto);
      for (const k of ids) (this.own[k] ??= new Prefilter(this.sets[k]!)).candidates(scan, this.seen, out, proto);
      return;
    }
    if (pf === undefined) {
      const rules = ids.flatMap((k) => this.sets[k]!);
      rules.push(...this.anyRules);
      // ids in rule order: candidates come out sorted anyway, but the automaton's outputs stay stable
      rules.sort((x, y) => x[1] - y[1]);
      this.combined.set(key, (pf = new Prefilter(rules)));
    }
    pf.candidates(scan, this.seen, out, proto);
  }
}

/** The ports a rule can match on (its destination ports, else its source ports), or null for "any". */
function indexPorts(r: Rule): number[] | null {
  const spec = r.dstPorts.ranges.length > 0 ? r.dstPorts : r.srcPorts.ranges.length > 0 ? r.srcPorts : null;
  if (spec === null || spec.ranges.some((x) => x.negated)) return null;
  let n = 0;
  for (const x of spec.ranges) n += x.hi - x.lo + 1;
  if (n > MAX_INDEXED_PORTS) return null;
  const out = new Set<number>();
  for (const x of spec.ranges) for (let p = x.lo; p <= x.hi; p++) out.add(p);
  // a bidirectional rule may see its ports on either side: both are looked up at inspection anyway
  return [...out].sort((a, b) => a - b);
}

export class Detector {
  private readonly groups: Record<Kind, Group>;
  private readonly o: DetectorOptions;
  private readonly flowbits = new WeakMap<Session, Set<string>>();
  private readonly cids = new WeakMap<Session, string>();
  private readonly thresholds = new Map<string, { start: number; count: number; fired: number }>();
  private readonly candidates: number[] = [];
  /** the application protocols rules name */
  private readonly appProtos: ReadonlySet<RuleProto>;
  /** TLS/QUIC request and response rules that matched, per session */
  private readonly requestFired = new WeakMap<Session, Set<number>>();
  private readonly responseFired = new WeakMap<Session, Set<number>>();
  /** TCP sessions a pass rule matched: nothing more is inspected */
  private readonly passedFlows = new WeakSet<Session>();
  /** stream rules that alerted, per session (rule index * 2 + direction) */
  private readonly streamFired = new WeakMap<Session, Set<number>>();
  /** stream rules named by the prefilter that have not matched yet, per session and direction */
  private readonly streamPending = new WeakMap<Session, [Set<number>, Set<number>]>();
  /** bytes of old stream data rescanned with new data (a pattern may straddle deliveries) */
  private readonly overlap: number;
  /** IP protocols some packet rule applies to (-1: any) */
  private readonly packetProtos = new Set<number>();
  /** the rules' pcre V8 cannot bound by itself: run under the guard */
  private readonly slow = new Set<RegExp>();
  /** rules whose guarded evaluation ran out of time, per session: not evaluated again in it */
  private readonly outOfTime = new WeakMap<Session, Set<Rule>>();

  constructor(rules: readonly Rule[], o: DetectorOptions) {
    const by: Record<Kind, Rule[]> = { packet: [], stream: [], request: [], response: [] };
    // pass rules first, then the file's order: a pass rule that matches silences the others (Snort's order)
    const ordered = [...rules.filter((r) => r.action === 'pass'), ...rules.filter((r) => r.action !== 'pass')];
    for (const r of ordered) by[kindOf(r)].push(r);
    // a rule with a pcre V8 cannot bound is evaluated under the guard once it comes to that pcre
    for (const r of rules) for (const m of r.matches) if (m.kind === 'pcre' && !o.guard.linear(m.re)) this.slow.add(m.re);
    const guarded = (r: Rule): boolean => r.matches.some((m) => m.kind === 'pcre' && this.slow.has(m.re));
    this.groups = {
      packet: new Group(by.packet, guarded), stream: new Group(by.stream, guarded), request: new Group(by.request, guarded), response: new Group(by.response, guarded),
    };
    this.o = o;
    this.appProtos = new Set(rules.map((r) => r.proto));
    this.overlap = by.stream.reduce((a, r) => Math.max(a, prefilterOverlap(r)), 0);
    for (const r of by.packet) {
      if (r.header.ipProto !== null || r.proto === 'ip') this.packetProtos.add(-1);
      else this.packetProtos.add(r.proto === 'tcp' ? IPPROTO_TCP : r.proto === 'udp' ? IPPROTO_UDP : r.proto === 'icmp' ? IPPROTO_ICMP : -1);
      if (r.proto === 'icmp') this.packetProtos.add(IPPROTO_ICMPV6);
    }
  }

  /** Some rule looks at single packets of this IP protocol (else they need not be shown to the detector). */
  wantsPackets(proto: number): boolean {
    return this.packetProtos.has(proto) || this.packetProtos.has(-1);
  }

  /** Are there rules on this application protocol (worth parsing its messages for)? */
  wantsApp(proto: RuleProto): boolean {
    return this.appProtos.has(proto);
  }

  get ruleCount(): number {
    return this.groups.packet.rules.length + this.groups.stream.rules.length + this.groups.request.rules.length + this.groups.response.rules.length;
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
    const once: Once = { has: (id) => done.has(id * 2 + dir), add: (id) => void done.add(id * 2 + dir) };
    this.run(g, p, { pkt: data }, null, { pkt: scan }, once, pend[dir]!);
  }

  /** A request's application buffers (HTTP request, TLS ClientHello), as client-to-server bytes. */
  request(p: Inspected, buffers: Buffers, appProto: string): void {
    this.run(this.groups.request, p, buffers, appProto, buffers, this.oncePerFlow(this.requestFired, p, appProto));
  }

  /** A response's application buffers (with its request's), as server-to-client bytes. */
  response(p: Inspected, buffers: Buffers, appProto: string): void {
    this.run(this.groups.response, p, buffers, appProto, buffers, this.oncePerFlow(this.responseFired, p, appProto));
  }

  /**
   * TLS and QUIC have one transaction per connection (Suricata's view): a rule alerts once per session
   * whatever the number of hellos (a duplicate or a retried ClientHello); HTTP has one per request.
   */
  private oncePerFlow(fired: WeakMap<Session, Set<number>>, p: Inspected, appProto: string): Once | undefined {
    const s = p.session;
    if (s === null || (appProto !== 'tls' && appProto !== 'quic')) return undefined;
    let done = fired.get(s);
    if (done === undefined) fired.set(s, (done = new Set()));
    return done;
  }

  private run(
    g: Group, p: Inspected, buffers: Buffers, appProto: string | null = null, scan: Buffers = buffers,
    once?: Once, pending?: Set<number>,
  ): void {
    if (g.rules.length === 0) return;
    if (p.session !== null && this.passedFlows.has(p.session)) return;
    const cand = this.candidates;
    cand.length = 0;
    g.candidates(p.proto, p.sport, p.dport, scan, cand);
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
      // alerted once already where it alerts once: not evaluated again
      if (once?.has(id) === true) continue;
      const r = g.rules[id]!;
      if (g.guarded[id] === 1 && p.session !== null && this.outOfTime.get(p.session)?.has(r) === true) continue;
      if (!this.header(r, p, appProto) || !this.flowbitsHold(r, p.session)) {
        pending?.add(id);
        continue;
      }
      let hit = g.guarded[id] === 1 ? matchRule(r, buffers, this.slow) : matchRule(r, buffers);
      // it came to a pcre V8 cannot bound: the whole evaluation again, under the guard
      if (hit === null) hit = this.guardedMatch(r, buffers, p);
      if (hit === null) {
        // out of time: not evaluated again in this session (a stream grows, a hostile session stays hostile)
        if (p.session !== null) {
          const out = this.outOfTime.get(p.session);
          if (out === undefined) this.outOfTime.set(p.session, new Set([r]));
          else out.add(r);
        }
        pending?.delete(id);
        continue;
      }
      if (!hit) {
        pending?.add(id);
        continue;
      }
      pending?.delete(id);
      once?.add(id);
      if (r.action === 'pass') {
        // what passes is not alerted on by any other rule (the remaining candidates are dropped)
        for (const rest of cand) g.seen[rest] = 0;
        this.passed(r, p, buffers, appProto);
        return;
      }
      this.matched(r, p, buffers, appProto);
    }
  }

  /**
   * matchRule under the guard: null when it ran out of time (an anomaly names the rule; it is taken as not
   * matching, as Snort and Suricata take a pcre past their match limit).
   */
  private guardedMatch(r: Rule, buffers: Buffers, p: Inspected): boolean | null {
    let hit = false;
    if (this.o.guard.call(() => void (hit = matchRule(r, buffers)))) return hit;
    const slow = r.matches.filter((m): m is PcreMatch => m.kind === 'pcre' && this.slow.has(m.re));
    const on = slow.map((m) => `${m.buffer} (${bufferOf(buffers, m.buffer)?.length ?? 0} bytes)`);
    this.o.anomalies.add(
      p.ts, p.session?.uid ?? null, PCRE_BUDGET_EXCEEDED,
      `sid ${r.gid}:${r.sid}:${r.rev} (${r.file}:${r.line}): pcre ${slow.map((m) => m.source.slice(0, 80)).join(' ')} on ${[...new Set(on)].join(', ')} ran past ${this.o.guard.timeoutMs} ms; taken as no match${p.session !== null ? ', not evaluated again in this session' : ''}`,
    );
    return null;
  }

  private header(r: Rule, p: Inspected, appProto: string | null): boolean {
    if (r.proto === 'http' || r.proto === 'tls' || r.proto === 'quic' || r.proto === 'smtp' || r.proto === 'dns') {
      // an application protocol's rule: that protocol, detected by content (not by port)
      if ((appProto ?? p.session?.appProto ?? null) !== r.proto) return false;
    }
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

  /**
   * A pass rule matched: its flowbits still take effect; nothing is alerted (unless the rule says `alert`); a
   * TCP connection is passed whole from here on, as Suricata passes the flow.
   */
  private passed(r: Rule, p: Inspected, buffers: Buffers, appProto: string | null): void {
    if (r.alsoAlert) this.matched(r, p, buffers, appProto);
    else void this.setFlowbits(r, p.session);
    if (p.session !== null && p.proto === IPPROTO_TCP) this.passedFlows.add(p.session);
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

  /** Applies a matching rule's flowbits; true when it says noalert. */
  private setFlowbits(r: Rule, s: Session | null): boolean {
    let noalert = false;
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
    return noalert;
  }

  private matched(r: Rule, p: Inspected, buffers: Buffers, appProto: string | null): void {
    const s = p.session;
    if (this.setFlowbits(r, s)) return;
    if (r.detectionFilter !== null && !this.counted(r, r.detectionFilter, p)) return;
    if (r.threshold !== null && !this.counted(r, r.threshold, p)) return;
    const buf = r.fastPattern !== null ? bufferOf(buffers, r.fastPattern.buffer) : buffers.pkt;
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
