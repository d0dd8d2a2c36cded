// Content inspection wired to the pipeline (L5): records, objects and streams in, `findings` rows out. Every
// finding is keyed-hashed here (value_hmac under the store's key) and its plaintext dropped; the session facts a
// finding carries (community id, endpoints, direction) come from the session records as they pass.
import { createHmac } from 'node:crypto';
import { latin1, latin1Bytes } from '../core/latin1.js';
import type { Session } from '../flow/session.js';
import { ScopeAggregator, type FindingSummary } from '../inspect/aggregate.js';
import { leafText } from '../inspect/containers/text.js';
import { walkObject } from '../inspect/containers/walk.js';
import { createInspector, type Inspector } from '../inspect/engine.js';
import { withExcerpts, type ExcerptedHit } from '../inspect/excerpt.js';
import { INSPECT_STREAM_BYTES, StreamScanner } from '../inspect/stream-scan.js';
import type { SkippedSpans } from '../inspect/skipped-spans.js';
import type { DetectContext, Detector } from '../inspect/types.js';
import { ORIG, RESP, type Dir, type StreamAnalyzer } from '../reassembly/stream-analyzer.js';
import { nodeInflateRaw } from './inflate-raw.js';
import type { AnomalyLog } from '../core/anomaly.js';
import { credentialFinding, type CredentialFinding } from '../inspect/credentials.js';
import { DnsTunnelDetector, type DnsTunnelFinding } from '../inspect/names/dns-tunnel.js';
import { portMismatch } from '../inspect/names/port-mismatch.js';
import { remoteAccessFindings, sanHostNames, type RemoteAccessCatalogue } from '../inspect/names/remote-access.js';
import type { NameFinding } from '../inspect/names/types.js';
import type { FileRecord } from '../schema/files.js';
import type { HttpRecords } from './http.js';
import type { MailRecords } from './mail.js';
import type { DnsRecord } from '../schema/dns.js';
import { FINDINGS, type FindingRecord } from '../schema/findings.js';
import type { FtpRecord } from '../schema/ftp.js';
import type { HttpRecord } from '../schema/http.js';
import type { ImapRecord } from '../schema/imap.js';
import type { Pop3Record } from '../schema/pop3.js';
import type { SessionRecord } from '../schema/sessions.js';
import type { SmtpRecord } from '../schema/smtp.js';
import type { TlsRecord } from '../schema/tls.js';
import { boundRow } from '../schema/bounds.js';

/**
 * Sessions whose facts are remembered for the findings that come after their record (mail is decoded late), in
 * one generation (see Inspection.settled): a bound that holds even if nothing settles.
 */
export const MAX_REMEMBERED_SESSIONS = 200_000;
/** Findings waiting for their session's record (an HTTP body is inspected before its session ends), in all. */
export const MAX_WAITING_FINDINGS = 100_000;

/** What a run inspects, as the user chose it (the CLI loads the files these come from). */
export interface InspectConfig {
  /** LOLRMM catalogue for remote-access names (`--remote-access DIR`); null: not looked for */
  remoteAccess: RemoteAccessCatalogue | null;
  /** content detectors (the built-in ones, gitleaks rules); empty: no content inspection */
  detectors: readonly Detector[];
}

export interface InspectionOptions extends InspectConfig {
  /** the value_hmac key (the store's finding_hmac; a run without a store makes one of its own) */
  key: Uint8Array;
  emit: (f: FindingRecord) => void;
  anomalies: Pick<AnomalyLog, 'add'>;
  /** `--reveal`: the value in clear, for the CLI to print beside its finding (never stored) */
  reveal?: (f: FindingRecord, value: string) => void;
}

type SessionFacts = Pick<FindingRecord, 'community_id' | 'src_ip' | 'src_port' | 'dst_ip' | 'dst_port' | 'direction' | 'app_proto'>;

/** A finding without its session facts and hash: what the detectors' results become first. */
export type FindingDraft = Omit<FindingRecord, keyof SessionFacts | 'value_hmac' | 'capture_id'> & Partial<SessionFacts>;

const CREDENTIAL_METHODS: Readonly<Record<string, 'secret' | 'digest' | 'token'>> = {
  PLAIN: 'secret', LOGIN: 'secret', 'USER/PASS': 'secret', 'LOGIN command': 'secret', basic: 'secret',
  'CRAM-MD5': 'digest', 'DIGEST-MD5': 'digest', APOP: 'digest', digest: 'digest', NTLM: 'digest', ntlm: 'digest',
};

export class Inspection {
  /**
   * The facts of the sessions whose record came since the last settled(), and of those before it: every finding
   * about a session but a DNS tunnel's comes before the decoders' drain after its record ends (settled() is
   * called then), so two generations are enough and memory follows the sessions ended per chunk, not the
   * capture's length. A DNS tunnel's finding names the first session of an hour's window: those facts are kept
   * (`pinned`) while the detector still names that session.
   */
  private recent = new Map<string, SessionFacts>();
  private older = new Map<string, SessionFacts>();
  private readonly pinned = new Map<string, SessionFacts>();
  /** drafts waiting for their session, each with its value in clear only under --reveal (else null) */
  private readonly waiting = new Map<string, [FindingDraft, string | null][]>();
  private waitingCount = 0;
  /** sessions whose cleartext login was reported (one finding per session and protocol) */
  private readonly loginsSeen = new Set<string>();
  private readonly tunnels = new DnsTunnelDetector();
  /** time of the last dns record (the DNS-tunnel windows' anomalies are dated by it) */
  private lastDnsTs = 0;
  private readonly inspector: Inspector | null;

  constructor(private readonly o: InspectionOptions) {
    this.inspector = o.detectors.length > 0 ? createInspector(o.detectors) : null;
  }

  // ------------------------------------------------------------------------------------------- content

  /**
   * An object (an HTTP body after its content codings, a decoded MIME part, an FTP file): its containers opened
   * within their limits, each leaf scanned, what cannot be opened reported as such.
   */
  object(p: ObjectPlace, bytes: Uint8Array): void {
    const insp = this.inspector;
    if (insp === null || bytes.length === 0) return;
    // a form's fields, percent-decoded (the + of a space too): values are read as the user typed them
    if (p.declaredType !== null && /^application\/x-www-form-urlencoded\b/i.test(p.declaredType)) {
      bytes = latin1Bytes(percentDecoded(latin1(bytes)));
      p = { ...p, base: `${p.base} › form` };
    }
    const w = walkObject(bytes, { filename: p.filename, declaredType: p.declaredType }, { inflateRaw: nodeInflateRaw }, p.base);
    for (const a of w.anomalies) this.o.anomalies.add(p.ts, p.uid, a.name, a.detail);
    for (const u of w.uninspectable) {
      if (u.reason === 'limit') continue;
      const encrypted = u.reason.endsWith('_encrypted');
      this.add({
        ...this.placed(p), detector: encrypted ? 'encrypted_container' : 'uninspectable_content', category: 'uninspectable',
        confidence: encrypted ? 'high' : 'medium', validations: [u.reason], decode_path: this.named(u.path, p), note: u.detail,
      }, null);
    }
    const ctx: DetectContext = { appProto: p.appProto, isObject: true };
    for (const leaf of w.leaves) this.scope(insp, leafText(leaf), ctx, () => ({ ...this.placed(p), decode_path: this.named(leaf.path, p) }));
  }

  /** One scope's bytes scanned, its hits excerpted and aggregated, each row placed by `at` (made only on a hit). */
  private scope(insp: Inspector, b: Uint8Array, ctx: DetectContext, at: () => FindingDraft): void {
    const hits = insp.scan(b, ctx);
    if (hits.length === 0) return;
    const agg = new ScopeAggregator();
    for (const h of withExcerpts(b, hits)) agg.add(h);
    const place = at();
    for (const f of agg.finish()) this.summary(f, place);
  }

  /** The object itself (not an entry inside it) is named by its file name at the end of its path. */
  private named(path: string, p: ObjectPlace): string {
    return path === p.base && p.filename !== null ? `${path} › ${p.filename}` : path;
  }

  /**
   * A TCP session's raw streams, for the protocols whose content does not come as objects (FTP and POP3/IMAP
   * commands and messages, telnet, anything unnamed). Gone at once for encrypted ones and for those decoded into
   * objects (HTTP, SMTP, FTP data): they are inspected there. `skipped`: the server's bytes handed over as fetched
   * messages (POP3/IMAP), inspected through the MIME path (mail()): the hits that start there are left out, so a
   * value is reported once.
   */
  stream(s: Session, skipped: SkippedSpans | null = null): StreamAnalyzer | null {
    const insp = this.inspector;
    return insp === null ? null : new InspectStream(insp, s, skipped, (side, f, truncated) => {
      if (truncated) this.o.anomalies.add(s.last, s.uid, 'inspect_stream_truncated', `${side}'s stream: the first ${INSPECT_STREAM_BYTES} bytes were inspected`);
      if (f !== null) this.summary(f, { ...blank(s.last, s.uid), side, app_proto: s.appProto, decode_path: `${s.appProto ?? 'tcp'} › ${side}` });
    });
  }

  /** A message's parts, each from where its transfer encoding was undone (a fetched one's from its protocol, server side). */
  mail(r: MailRecords): void {
    const proto = r.smtp.fetched_via ?? 'smtp';
    const side = r.smtp.fetched_via == null ? 'client' : 'server';
    for (const part of r.parts) {
      this.object({
        ts: r.smtp.ts, uid: r.smtp.uid, fuid: part.fuid, messageId: r.smtp.message_id, partPath: part.path, side, appProto: proto,
        filename: part.filename, declaredType: part.declared, base: `${proto} › ${part.path}${part.encoding !== null ? ` › ${part.encoding}` : ''}`,
      }, part.data);
    }
  }

  /** A transaction's bodies (content codings undone), request and response. */
  httpObjects(r: HttpRecords): void {
    r.files.forEach((f, i) => {
      const path = f.part_path ?? 'body';
      this.object({
        ts: f.ts, uid: f.uid, fuid: f.fuid, messageId: null, partPath: path, side: path.startsWith('request') ? 'client' : 'server', appProto: 'http',
        filename: f.filename, declaredType: f.declared_type, base: `http › ${path}.${r.http.trans_depth}`,
      }, r.contents[i]!);
    });
  }

  /** A file an FTP data channel carried. */
  ftpFile(f: FileRecord, content: Uint8Array): void {
    this.object({ ts: f.ts, uid: f.uid, fuid: f.fuid, messageId: null, partPath: null, side: 'client', appProto: 'ftp-data', filename: f.filename, declaredType: null, base: 'ftp-data' }, content);
  }

  private placed(p: ObjectPlace): FindingDraft {
    return { ...blank(p.ts, p.uid), fuid: p.fuid, message_id: p.messageId, part_path: p.partPath, side: p.side, app_proto: p.appProto };
  }

  /** A short text of a record (a request target, a DNS name) as its own scope. */
  private scanText(text: string, appProto: string, at: FindingDraft): void {
    if (this.inspector !== null) this.scope(this.inspector, latin1Bytes(text), { appProto, isObject: false }, () => at);
  }

  /** One aggregated row of a scope: its value hashed, the rest as the detectors said. */
  private summary(f: FindingSummary, at: FindingDraft): void {
    this.add({
      ...at, detector: f.detector, category: f.category, confidence: f.confidence, count: f.count, distinct_count: f.distinct_count,
      validations: [...f.validations], context_terms: [...f.context_terms], test_value: f.test_value, offset: f.offset, masked: f.masked,
      excerpt_redacted: f.excerpt_redacted, note: f.note,
    }, f.value);
  }

  /** HMAC-SHA256 of a value under the store's key, hex. */
  hmac(value: string): string {
    return createHmac('sha256', this.o.key).update(value, 'utf8').digest('hex');
  }

  // ------------------------------------------------------------------------------------------- records

  session(r: SessionRecord): void {
    const facts: SessionFacts = {
      community_id: r.community_id, src_ip: r.src_ip, src_port: r.src_port, dst_ip: r.dst_ip, dst_port: r.dst_port,
      direction: r.direction, app_proto: r.app_proto,
    };
    if (this.recent.size >= MAX_REMEMBERED_SESSIONS) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(r.uid, facts);
    const m = portMismatch(r);
    if (m !== null) this.name(m, r.end_time, r.uid, null);
    const w = this.waiting.get(r.uid);
    if (w !== undefined) {
      this.waiting.delete(r.uid);
      this.waitingCount -= w.length;
      for (const [d, clear] of w) this.out(d, null, clear);
    }
  }

  tls(r: TlsRecord): void {
    if (this.o.remoteAccess === null) return;
    if (r.sni !== null) for (const f of remoteAccessFindings(this.o.remoteAccess, r.sni, 'sni')) this.name(f, r.ts, r.uid, 'server');
    for (const n of sanHostNames(r.san)) for (const f of remoteAccessFindings(this.o.remoteAccess, n, 'san')) this.name(f, r.ts, r.uid, 'server');
  }

  dns(r: DnsRecord): void {
    this.lastDnsTs = r.ts;
    // the name itself: data smuggled in labels (a card number, a key) is content too; its labels are read as words
    // (a dot after digits would read as a decimal point)
    if (r.query !== null && r.query.length >= 9) this.scanText(r.query.replace(/\./g, ' '), 'dns', { ...blank(r.ts, r.uid), side: 'client', app_proto: 'dns', decode_path: 'dns › query' });
    if (this.o.remoteAccess !== null && r.query !== null) for (const f of remoteAccessFindings(this.o.remoteAccess, r.query, 'dns')) this.name(f, r.ts, r.uid, 'client');
    for (const f of this.tunnels.add(r)) this.tunnel(f);
  }

  /** `sentUri`: the request target as sent (the record's has credential parameters redacted); the record's when absent */
  http(r: HttpRecord, sentUri: string | null = r.uri): void {
    // the request target, percent-decoded: form fields of a GET (a POST's are in its body, an object); a key or token
    // in a credential parameter is content too
    const uri = sentUri;
    if (uri !== null && /[%=]/.test(uri)) {
      this.scanText(percentDecoded(uri), 'http', { ...blank(r.ts, r.uid), side: 'client', app_proto: 'http', decode_path: `http › request.${r.trans_depth} › uri` });
    }
    if (this.o.remoteAccess !== null && r.host !== null) for (const f of remoteAccessFindings(this.o.remoteAccess, r.host, 'http_host')) this.name(f, r.ts, r.uid, 'client');
    // request_headers hold credentials redacted to "scheme [redacted; user U]" (pipeline/http.ts)
    if (typeof r.request_headers !== 'string') return;
    let headers: unknown;
    try {
      headers = JSON.parse(r.request_headers);
    } catch {
      return;
    }
    if (!Array.isArray(headers)) return;
    for (const h of headers) {
      if (!Array.isArray(h) || typeof h[0] !== 'string' || typeof h[1] !== 'string') continue;
      const name = h[0].toLowerCase();
      if (name !== 'authorization' && name !== 'proxy-authorization') continue;
      const m = /^(\S+) \[redacted(?:; user (.*))?\]$/.exec(h[1]);
      if (m === null) continue;
      const scheme = m[1]!;
      const strength = CREDENTIAL_METHODS[scheme] ?? (scheme === 'bearer' ? 'token' : null);
      if (strength === null) continue;
      this.login(r.uid, r.ts, 'http', `${scheme} ${name === 'authorization' ? 'auth' : 'proxy auth'}`, m[2] ?? null, strength);
    }
  }

  smtp(r: SmtpRecord): void {
    if (r.auth_mechanism === null) return;
    const mech = r.auth_mechanism.toUpperCase();
    const strength = CREDENTIAL_METHODS[mech];
    // XOAUTH2 and the like carry a bearer token; EXTERNAL none
    this.login(r.uid, r.ts, 'smtp', `AUTH ${mech}`, r.auth_user, strength ?? (mech === 'EXTERNAL' ? null : 'token'), r.message_id);
  }

  ftp(r: FtpRecord): void {
    if (r.password_seen && (r.command === 'PASS' || r.command === 'ACCT')) this.login(r.uid, r.ts, 'ftp', 'USER/PASS', r.user, 'secret');
  }

  pop3(r: Pop3Record): void {
    if (!r.password_seen) return;
    const how = r.command === 'APOP' ? 'APOP' : r.command === 'AUTH' ? `AUTH ${(r.arg ?? '').toUpperCase()}` : 'USER/PASS';
    const strength = how === 'APOP' ? 'digest' : how.startsWith('AUTH ') ? (CREDENTIAL_METHODS[how.slice(5)] ?? 'token') : 'secret';
    this.login(r.uid, r.ts, 'pop3', how, r.user, strength);
  }

  imap(r: ImapRecord): void {
    if (!r.password_seen) return;
    const how = r.command === 'AUTHENTICATE' ? `AUTHENTICATE ${(r.arg ?? '').toUpperCase()}` : 'LOGIN';
    const strength = how === 'LOGIN' ? 'secret' : (CREDENTIAL_METHODS[how.slice(13)] ?? 'token');
    this.login(r.uid, r.ts, 'imap', how, r.user, strength);
  }

  /**
   * The decoders have drained: every record and object of the sessions ended before now has been inspected. The
   * facts of the generation before are forgotten (but those a DNS tunnel window still names).
   */
  settled(): void {
    const gone = this.older;
    this.older = this.recent;
    this.recent = new Map();
    if (gone.size === 0 && this.pinned.size === 0) return;
    const named = this.tunnels.firstUids();
    for (const uid of this.pinned.keys()) if (!named.has(uid)) this.pinned.delete(uid);
    for (const uid of named) {
      const f = gone.get(uid);
      if (f !== undefined) this.pinned.set(uid, f);
    }
  }

  /** Sessions whose facts are held (for tests: bounded by the sessions ended per chunk, not the run's). */
  get remembered(): number {
    return this.recent.size + this.older.size + this.pinned.size;
  }

  private factsOf(uid: string): SessionFacts | undefined {
    return this.recent.get(uid) ?? this.older.get(uid) ?? this.pinned.get(uid);
  }

  /** The end of the run: the DNS windows still open, and findings whose session record never came. */
  end(): void {
    for (const f of this.tunnels.end()) this.tunnel(f);
    if (this.tunnels.evicted > 0) this.o.anomalies.add(this.lastDnsTs, null, 'inspect_dns_domains_evicted', `${this.tunnels.evicted} domains dropped from full DNS-tunnel windows`);
    for (const [, w] of this.waiting) for (const [d, clear] of w) this.out(d, null, clear);
    this.waiting.clear();
    this.waitingCount = 0;
  }

  // ------------------------------------------------------------------------------------------- findings

  /** A finding ready but for its session facts: out now when they are known, else when the record comes. */
  add(d: FindingDraft, value: string | null): void {
    const uid = d.uid;
    if (uid === null || this.factsOf(uid) !== undefined || d.src_ip !== undefined) {
      this.out(d, value);
      return;
    }
    // the plaintext is not kept while waiting (but for --reveal, which prints it): the hash is made now
    if (value !== null) d = { ...d, ...{ value_hmac: this.hmac(value) } };
    const clear = this.o.reveal !== undefined ? value : null;
    if (this.waitingCount >= MAX_WAITING_FINDINGS) {
      this.out(d, null, clear);
      return;
    }
    const w = this.waiting.get(uid);
    if (w === undefined) this.waiting.set(uid, [[d, clear]]);
    else w.push([d, clear]);
    this.waitingCount++;
  }

  private out(d: FindingDraft, value: string | null, clear: string | null = value): void {
    const row = this.row(d, value);
    if (clear !== null && this.o.reveal !== undefined) this.o.reveal(row, clear);
    this.o.emit(row);
  }

  private row(d: FindingDraft, value: string | null): FindingRecord {
    const facts = d.uid === null ? undefined : this.factsOf(d.uid);
    const prior = (d as { value_hmac?: string | null }).value_hmac ?? null;
    const row: FindingRecord = {
      ...d,
      community_id: d.community_id ?? facts?.community_id ?? null,
      src_ip: d.src_ip ?? facts?.src_ip ?? null,
      src_port: d.src_port ?? facts?.src_port ?? null,
      dst_ip: d.dst_ip ?? facts?.dst_ip ?? null,
      dst_port: d.dst_port ?? facts?.dst_port ?? null,
      direction: d.direction ?? facts?.direction ?? null,
      app_proto: d.app_proto ?? facts?.app_proto ?? null,
      value_hmac: value !== null ? this.hmac(value) : prior,
      capture_id: null,
    };
    // texts that came from traffic (a message id, an excerpt) are cut to their bounds, each cut an anomaly
    boundRow(FINDINGS, row as unknown as Record<string, unknown>, (name, detail) => this.o.anomalies.add(row.ts, row.uid, name, detail));
    return row;
  }

  private name(f: NameFinding, ts: number, uid: string | null, side: 'client' | 'server' | null): void {
    this.add({
      ...blank(ts, uid),
      side,
      detector: f.detector,
      category: f.category,
      confidence: f.confidence,
      count: f.count,
      distinct_count: f.distinctCount ?? 1,
      validations: [...f.validations],
      masked: f.subject,
      note: f.note,
    }, f.subject);
  }

  private tunnel(f: DnsTunnelFinding): void {
    this.name(f, f.ts, f.uid, 'client');
  }

  private login(uid: string, ts: number, via: string, method: string, user: string | null, strength: 'secret' | 'digest' | 'token' | null, messageId: string | null = null): void {
    if (strength === null) return;
    const k = `${uid} ${via}`;
    if (this.loginsSeen.has(k)) return;
    // a session's records all come within its life (mail a little after): the oldest are forgotten first
    if (this.loginsSeen.size >= MAX_REMEMBERED_SESSIONS) this.loginsSeen.delete(this.loginsSeen.values().next().value!);
    this.loginsSeen.add(k);
    const c: CredentialFinding = credentialFinding(via, method, user, strength);
    this.add({
      ...blank(ts, uid),
      message_id: messageId,
      side: 'client',
      app_proto: via,
      detector: c.detector,
      category: c.category,
      confidence: c.confidence,
      validations: [method],
      masked: c.user,
      note: c.note,
    }, c.user);
  }
}

/** Where an object came from: its session, file id, message and part, and its labels. */
export interface ObjectPlace {
  ts: number;
  uid: string;
  fuid: string | null;
  messageId: string | null;
  partPath: string | null;
  side: 'client' | 'server';
  appProto: string;
  filename: string | null;
  declaredType: string | null;
  /** the decode path so far, e.g. "smtp › 1.2 › base64" */
  base: string;
}

/** Protocols whose streams are not inspected raw: encrypted, or inspected as the objects they carry. */
const NOT_RAW = new Set(['tls', 'ssh', 'quic', 'http', 'smtp', 'dns', 'ftp-data']);

/** Inspects each direction of a session through a StreamScanner, until its protocol says not to. */
class InspectStream implements StreamAnalyzer {
  private readonly scanners: [StreamScanner | null, StreamScanner | null] = [null, null];
  private readonly aggs: [ScopeAggregator | null, ScopeAggregator | null] = [null, null];
  private off = false;
  private readonly ended = [false, false];

  constructor(
    private readonly insp: Inspector,
    private readonly s: Session,
    private readonly skipped: SkippedSpans | null,
    private readonly out: (side: 'client' | 'server', f: FindingSummary | null, truncated: boolean) => void,
  ) {}

  get active(): boolean {
    return !this.off;
  }

  private skip(): boolean {
    if (!this.off && this.s.appProto !== null && NOT_RAW.has(this.s.appProto)) {
      this.off = true;
      this.scanners[0] = this.scanners[1] = null;
      this.aggs[0] = this.aggs[1] = null;
    }
    return this.off;
  }

  private scanner(dir: Dir): StreamScanner {
    let sc = this.scanners[dir];
    if (sc === null) {
      sc = this.scanners[dir] = new StreamScanner(this.insp, { appProto: this.s.appProto, isObject: false });
      this.aggs[dir] = new ScopeAggregator();
    }
    return sc;
  }

  private take(dir: Dir, hits: readonly ExcerptedHit[]): void {
    const a = this.aggs[dir];
    if (a === null) return;
    const sk = dir === RESP ? this.skipped : null;
    for (const h of hits) if (sk === null || !sk.covers(h.offset)) a.add(h);
    if (sk !== null) sk.passed(this.scanners[dir]!.reportedBelow);
  }

  deliver(dir: Dir, data: Uint8Array): void {
    if (this.skip()) return;
    this.take(dir, this.scanner(dir).push(data));
  }

  gap(dir: Dir, len: number): void {
    if (this.skip()) return;
    this.take(dir, this.scanner(dir).gap(len));
  }

  end(dir: Dir): void {
    if (this.ended[dir]) return;
    this.ended[dir] = true;
    if (this.skip()) return;
    const sc = this.scanners[dir];
    if (sc === null) return;
    this.take(dir, sc.end());
    const side = dir === ORIG ? 'client' : 'server';
    const found = this.aggs[dir]!.finish();
    if (sc.truncated) this.out(side, null, true);
    for (const f of found) this.out(side, f, false);
    this.scanners[dir] = null;
    this.aggs[dir] = null;
  }
}

/** %XX and + of a request target undone (bytes as latin1 characters); malformed escapes kept as sent. */
function percentDecoded(s: string): string {
  return s.replace(/\+/g, ' ').replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** A finding's fields with nothing found yet. */
export function blank(ts: number, uid: string | null): FindingDraft {
  return {
    ts, uid, side: null, fuid: null, message_id: null, part_path: null, detector: '', category: 'pii', confidence: 'low',
    count: 1, distinct_count: 1, validations: [], context_terms: [], test_value: false, decode_path: null, offset: null,
    masked: null, excerpt_redacted: null, note: null,
  };
}
