// DNS transactions of one session, over UDP (one message per datagram) or TCP (messages behind a 2-byte length,
// RFC 1035 §4.2.2): queries wait for the response with their id and question; each pair, each query never
// answered, each response to no query seen and each repeated response is one dns record.
import type { AnomalyLog } from '../../core/anomaly.js';
import { formatIpv4, formatIpv6 } from '../../core/ip.js';
import type { Session } from '../../flow/session.js';
import { ORIG, RESP, type Dir, type StreamAnalyzer } from '../../reassembly/stream-analyzer.js';
import { bounded } from '../../schema/bounds.js';
import { DNS, type DnsRecord } from '../../schema/dns.js';
import { headerLooksLikeDns, looksLikeDns, nameText, parseDnsMessage, plausibleOnDnsPort, type DnsMessage, type DnsQuestion, type DnsRr } from './dns-message.js';
import { className, opcodeName, rcodeName, typeName } from './dns-names.js';
import { rrJson, rrText } from './dns-render.js';

/** Ports where any message with a usable header is taken as DNS (DNS, NetBIOS name service, mDNS, LLMNR). */
const DNS_PORTS = new Set([53, 137, 5353, 5355]);
/**
 * Queries waiting for a response per session: a resolver keeps a few dozen in flight on one socket; past this
 * the oldest is written out as unanswered.
 */
export const DNS_MAX_PENDING = 256;
/** Answered transactions remembered per session to tell a repeated response (duplicate) from a stray one. */
const MAX_ANSWERED = 64;
/** A DNS message over TCP is at most 65535 bytes (its length prefix). */
const MAX_TCP_MESSAGE = 65535;

/** Is this session's traffic DNS: by port, or by the content of its first message. */
export function isDnsSession(s: Session, msg: Uint8Array): boolean {
  return onDnsPort(s) ? plausibleOnDnsPort(msg) : looksLikeDns(msg);
}

const onDnsPort = (s: Session): boolean => DNS_PORTS.has(s.aPort) || DNS_PORTS.has(s.bPort);

interface Pending {
  ts: number;
  dir: Dir;
  msg: DnsMessage;
  key: string;
}

/** Each parsed message of a session found to be DNS (signatures read dns.query from it): valid during the call. */
export type DnsHeard = (s: Session, dir: Dir, m: DnsMessage, ts: number) => void;

export interface DnsTransactionsOptions {
  session: Session;
  transport: 'udp' | 'tcp';
  anomalies: AnomalyLog;
  /** the records; null: the messages are only heard (no pairing, no records) */
  emit: ((r: DnsRecord) => void) | null;
  heard?: DnsHeard;
}

/** The question that pairs a query with its response: id, lower-cased name, type, class. */
function keyOf(id: number, q: DnsQuestion | undefined): string {
  if (q === undefined) return `${id}`;
  let n = '';
  for (const c of q.name) n += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 32 : c);
  return `${id}|${n}|${q.qtype}|${q.qclass}`;
}

const isMulticast = (s: Session, side: 'a' | 'b'): boolean =>
  s.v6 ? (side === 'a' ? s.a6 : s.b6)![0] === 0xff : ((side === 'a' ? s.a4 : s.b4) >>> 28) === 14;

/** The transactions of one session. */
export class DnsTransactions {
  private readonly o: DnsTransactionsOptions;
  private readonly pending: Pending[] = [];
  private readonly answered: string[] = [];

  constructor(o: DnsTransactionsOptions) {
    this.o = o;
  }

  /** One message from `dir` at `ts` (µs); msg valid only during the call. */
  message(dir: Dir, msg: Uint8Array, ts: number): void {
    const m = parseDnsMessage(msg);
    const s = this.o.session;
    if (m === null) {
      this.o.anomalies.add(ts, s.uid, 'dns_message_too_short', `${msg.length} bytes, a header is 12`);
      return;
    }
    for (const p of m.problems) this.o.anomalies.add(ts, s.uid, p, `message id ${m.header.id}, ${msg.length} bytes`);
    this.o.heard?.(s, dir, m, ts);
    if (this.o.emit === null) return;
    const q = m.questions[0];
    if (!m.header.qr) {
      if (this.pending.length >= DNS_MAX_PENDING) this.unanswered(this.pending.shift()!);
      this.pending.push({ ts, dir, msg: m, key: keyOf(m.header.id, q) });
      return;
    }
    // a response without a question (mDNS announcements) pairs with nothing
    const key = q === undefined ? null : keyOf(m.header.id, q);
    const i = key === null ? -1 : this.pending.findIndex((p) => p.key === key);
    if (i >= 0) {
      const p = this.pending.splice(i, 1)[0]!;
      this.emit(p.msg, m, p.dir, p.ts, ts, 'answered');
      this.answered.push(key!);
      if (this.answered.length > MAX_ANSWERED) this.answered.shift();
      return;
    }
    const repeated = key !== null && this.answered.includes(key);
    // the client is the receiver of a response with no query (unless it was sent to a multicast group)
    const sentBy = dir === ORIG ? 'a' : 'b';
    const client: Dir = isMulticast(s, sentBy === 'a' ? 'b' : 'a') ? ORIG : dir === ORIG ? RESP : ORIG;
    this.emit(null, m, client, ts, ts, repeated ? 'duplicate' : 'response_only');
  }

  /** The session is over: every query still waiting is a record of its own, unanswered. */
  finish(): void {
    for (const p of this.pending.splice(0)) this.unanswered(p);
  }

  private unanswered(p: Pending): void {
    this.emit(p.msg, null, p.dir, p.ts, p.ts, 'unanswered');
  }

  /**
   * @param client the direction the client sent in (ORIG: the session's originator is the client)
   */
  private emit(query: DnsMessage | null, response: DnsMessage | null, client: Dir, ts: number, rts: number, outcome: string): void {
    const s = this.o.session;
    const ask = (query ?? response)!;
    const q = ask.questions[0] ?? response?.questions[0];
    const a = s.v6 ? formatIpv6(s.a6!) : formatIpv4(s.a4);
    const b = s.v6 ? formatIpv6(s.b6!) : formatIpv4(s.b4);
    const h = ask.header;
    const edns = query?.edns ?? response?.edns ?? null;
    let cookie = query?.edns?.cookie ?? null;
    const answerCookie = response?.edns?.cookie ?? null;
    if (answerCookie !== null && (cookie === null || answerCookie.startsWith(cookie))) cookie = answerCookie;
    const answers: string[] = [];
    const ttls: number[] = [];
    for (const rr of response?.answers ?? []) {
      const t = rrText(rr);
      if (t === null) continue;
      answers.push(t);
      ttls.push(rr.ttl);
    }
    const texts = (rrs: DnsRr[]): string[] => rrs.map(rrText).filter((t): t is string => t !== null);
    const r = response;
    const record: DnsRecord = {
      uid: s.uid,
      ts,
      src_ip: client === ORIG ? a : b,
      src_port: client === ORIG ? s.aPort : s.bPort,
      dst_ip: client === ORIG ? b : a,
      dst_port: client === ORIG ? s.bPort : s.aPort,
      transport: this.o.transport,
      trans_id: h.id,
      rtt: query !== null && r !== null ? (rts - ts) / 1e6 : null,
      outcome,
      query: q === undefined ? (r?.answers[0] !== undefined ? nameText(r.answers[0].name) : null) : nameText(q.name),
      qclass: q?.qclass ?? null,
      qclass_name: q === undefined ? null : className(q.qclass),
      qtype: q?.qtype ?? null,
      qtype_name: q === undefined ? null : typeName(q.qtype),
      opcode: h.opcode,
      opcode_name: opcodeName(h.opcode),
      rcode: r === null ? null : r.rcode,
      rcode_name: r === null ? null : rcodeName(r.rcode),
      aa: r === null ? null : r.header.aa,
      tc: r === null ? null : r.header.tc,
      rd: h.rd,
      ra: r === null ? null : r.header.ra,
      z: h.z,
      ad: h.ad,
      cd: h.cd,
      answers,
      ttls,
      rrs: r === null ? null : JSON.stringify(r.answers.map(rrJson)),
      auth: r === null ? [] : texts(r.authority),
      addl: r === null ? [] : texts(r.additional),
      rejected: r !== null && r.header.ancount === 0 && r.header.nscount === 0 && r.header.arcount === 0,
      edns_udp_size: edns?.udpSize ?? null,
      edns_do: edns === null ? null : edns.do,
      ecs: query?.edns?.ecs ?? response?.edns?.ecs ?? null,
      cookie,
      capture_id: null,
    };
    this.o.emit!(bounded(DNS, record, (name, detail) => this.o.anomalies.add(ts, s.uid, name, detail)));
  }
}

export interface DnsTcpOptions {
  session: Session;
  anomalies: AnomalyLog;
  emit: (r: DnsRecord) => void;
  /** only name the session's protocol (app_proto): no records (the messages are still heard when `heard` is given) */
  probe?: boolean;
  heard?: DnsHeard;
}

/**
 * DNS over TCP: each direction a sequence of length-prefixed messages. The stream is DNS when its first message
 * is (isDnsSession); otherwise the analyzer steps aside. A gap ends the reading of that direction (message
 * boundaries are lost).
 */
export class DnsTcp implements StreamAnalyzer {
  private readonly o: DnsTcpOptions;
  private readonly tx: DnsTransactions | null;
  private readonly buf: [Uint8Array[], Uint8Array[]] = [[], []];
  private readonly have: [number, number] = [0, 0];
  private readonly stopped: [boolean, boolean] = [false, false];
  /** null: not decided yet */
  private dns: boolean | null = null;
  private done = false;

  constructor(o: DnsTcpOptions) {
    this.o = o;
    const probe = o.probe === true;
    this.tx = probe && o.heard === undefined ? null : new DnsTransactions({ session: o.session, transport: 'tcp', anomalies: o.anomalies, emit: probe ? null : o.emit, ...(o.heard !== undefined ? { heard: o.heard } : {}) });
  }

  get active(): boolean {
    return this.dns !== false && !this.done;
  }

  deliver(dir: Dir, data: Uint8Array): void {
    if (this.dns === false || this.stopped[dir]) return;
    this.buf[dir].push(data.slice());
    this.have[dir] += data.length;
    for (;;) {
      if (this.have[dir] < 2) return;
      const head = this.peek(dir, 2);
      const len = (head[0]! << 8) | head[1]!;
      if (this.dns === null && (len < 12 || len > MAX_TCP_MESSAGE)) return this.decide(false);
      if (this.have[dir] < 2 + len) {
        // the first message decides: a non-DNS stream must not hold 64 KiB waiting for a "message"
        if (this.dns === null && this.have[dir] >= 14 && !this.headerPlausible(dir)) return this.decide(false);
        return;
      }
      const msg = this.take(dir, 2 + len).subarray(2);
      if (this.dns === null) {
        if (!isDnsSession(this.o.session, msg)) return this.decide(false);
        this.decide(true);
        if (this.tx === null) return;
      }
      this.tx!.message(dir, msg, this.o.session.last);
    }
  }

  gap(dir: Dir): void {
    if (this.dns !== true) {
      this.decide(false);
      return;
    }
    this.stopped[dir] = true;
    this.buf[dir] = [];
    this.have[dir] = 0;
  }

  end(dir: Dir): void {
    this.stopped[dir] = true;
    if (this.stopped[ORIG] && this.stopped[RESP] && !this.done) {
      this.done = true;
      this.tx?.finish();
    }
  }

  private decide(dns: boolean): void {
    this.dns = dns;
    if (dns) this.o.session.appProto ??= 'dns';
    else this.buf[0] = this.buf[1] = [];
    if (dns && this.tx === null) this.done = true;
  }

  /** The message header after the length, once 12 bytes of it are here, as isDnsSession would judge it. */
  private headerPlausible(dir: Dir): boolean {
    const h = this.peek(dir, 14).subarray(2, 14);
    return onDnsPort(this.o.session) ? plausibleOnDnsPort(h) : headerLooksLikeDns(h);
  }

  /** The first n buffered bytes of dir (n <= have). */
  private peek(dir: Dir, n: number): Uint8Array {
    const first = this.buf[dir][0]!;
    if (first.length >= n) return first;
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.buf[dir]) {
      const k = Math.min(c.length, n - o);
      out.set(c.subarray(0, k), o);
      o += k;
      if (o === n) break;
    }
    return out;
  }

  /** Removes and returns the first n buffered bytes of dir. */
  private take(dir: Dir, n: number): Uint8Array {
    const out = this.peek(dir, n).slice(0, n);
    let left = n;
    const chunks = this.buf[dir];
    while (left > 0) {
      const c = chunks[0]!;
      if (c.length <= left) {
        chunks.shift();
        left -= c.length;
      } else {
        chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.have[dir] -= n;
    return out;
  }
}

export interface DnsUdpOptions {
  anomalies: AnomalyLog;
  /** absent: only name sessions' protocol (app_proto) */
  emit?: (r: DnsRecord) => void;
  /** each message of a DNS session, records wanted or not */
  heard?: DnsHeard;
}

/**
 * DNS over UDP for every session of a run: a session is DNS when its first datagram with a payload is
 * (isDnsSession); its transactions live until the session ends.
 */
export class DnsUdp {
  private readonly o: DnsUdpOptions;
  private readonly states = new Map<Session, DnsTransactions | null>();

  constructor(o: DnsUdpOptions) {
    this.o = o;
  }

  /**
   * One datagram's payload b[off, end) of session s, from dir, at ts (µs).
   * @param b valid only for the duration of the call
   */
  datagram(s: Session, dir: Dir, b: Uint8Array, off: number, end: number, ts: number): void {
    let st = this.states.get(s);
    if (st === null) return;
    const msg = b.subarray(off, end);
    if (st === undefined) {
      if (!isDnsSession(s, msg)) {
        this.states.set(s, null);
        return;
      }
      s.appProto ??= 'dns';
      const { emit, heard } = this.o;
      if (emit === undefined && heard === undefined) {
        this.states.set(s, null);
        return;
      }
      st = new DnsTransactions({ session: s, transport: 'udp', anomalies: this.o.anomalies, emit: emit ?? null, ...(heard !== undefined ? { heard } : {}) });
      this.states.set(s, st);
    }
    st.message(dir, msg, ts);
  }

  sessionEnded(s: Session): void {
    const st = this.states.get(s);
    if (st === undefined) return;
    this.states.delete(s);
    st?.finish();
  }
}
