// The protocol of a session (app_proto) for runs that do not want the analyzers' records (`sessions`, or a
// verb that wants one protocol): the analyzers themselves, run as probes until one names the protocol.
import { AnomalyLog } from '../core/anomaly.js';
import { DnsTcp } from '../analyzers/dns/dns-analyzer.js';
import { HttpAnalyzer } from '../analyzers/http/http-analyzer.js';
import { ImapAnalyzer } from '../analyzers/mailbox/imap-analyzer.js';
import { Pop3Analyzer } from '../analyzers/mailbox/pop3-analyzer.js';
import { preluded } from '../analyzers/prelude/prelude.js';
import { SmtpAnalyzer } from '../analyzers/smtp/smtp-analyzer.js';
import { SshAnalyzer } from '../analyzers/ssh/ssh-analyzer.js';
import { HashCache } from '../analyzers/tls/fingerprints.js';
import { opensWithClientHelloRecord, TlsAnalyzer } from '../analyzers/tls/tls-analyzer.js';
import type { Session } from '../flow/session.js';
import { ORIG, RESP, type Dir, type StreamAnalyzer } from '../reassembly/stream-analyzer.js';

type Maker = (s: Session) => StreamAnalyzer;

/** The place of an analyzer that gave up on the session (not its protocol). */
const GAVE_UP: StreamAnalyzer = { deliver: () => undefined, gap: () => undefined, end: () => undefined, active: false };

/**
 * Analyzers run only to learn the session's protocol: the same analyzers, in the same order as analysis()
 * attaches them, so they decide exactly as when their records are wanted. `Session.appProto` is first-come
 * (nothing later changes it), so once it is set no analyzer has anything left to do here: the later ones do not
 * get that delivery (or are never built), and the probe reports itself inactive so the session's streams stop
 * carrying bytes. Analyzers are built on the session's first stream event (a session without payload costs this
 * one small object) and heard by nobody (no records, no anomalies). An analyzer that gives up (not its
 * protocol) hears end() at once and is dropped, as in Fanout.
 */
class ProtocolProbe implements StreamAnalyzer {
  private readonly session: Session;
  private readonly makers: readonly Maker[];
  /** null until the first delivery or gap; then per maker: null (not built yet), the analyzer, or GAVE_UP */
  private parts: (StreamAnalyzer | null)[] | null = null;
  /** makers whose analyzer has not given up */
  private left: number;
  /** the first maker is the TLS analyzer's */
  private readonly tlsFirst: boolean;

  constructor(session: Session, makers: readonly Maker[], tlsFirst: boolean) {
    this.session = session;
    this.makers = makers;
    this.tlsFirst = tlsFirst;
    this.left = makers.length;
  }

  /** Read after every packet of the session while attached: two field tests. */
  get active(): boolean {
    return this.session.appProto === null && this.left > 0;
  }

  private started(): (StreamAnalyzer | null)[] {
    if (this.parts !== null) return this.parts;
    const parts: (StreamAnalyzer | null)[] = [];
    for (let i = 0; i < this.makers.length; i++) parts.push(null);
    return (this.parts = parts);
  }

  deliver(dir: Dir, data: Uint8Array, offset: number): void {
    // named already (by an analyzer before this probe in a Fanout): nothing to build
    if (this.session.appProto !== null) return;
    if (this.parts === null && this.tlsFirst && opensWithClientHelloRecord(dir, data)) {
      // the common case: the TLS analyzer, first in line, would name the session on this very delivery
      this.session.appProto = 'tls';
      return;
    }
    const parts = this.started();
    for (let i = 0; i < parts.length && this.session.appProto === null; i++) {
      if (parts[i] !== GAVE_UP) (parts[i] ??= this.makers[i]!(this.session)).deliver(dir, data, offset);
    }
    this.drop(parts);
  }

  gap(dir: Dir, len: number, offset: number): void {
    const parts = this.started();
    for (let i = 0; i < parts.length && this.session.appProto === null; i++) {
      if (parts[i] !== GAVE_UP) (parts[i] ??= this.makers[i]!(this.session)).gap(dir, len, offset);
    }
    this.drop(parts);
  }

  end(dir: Dir): void {
    if (this.parts !== null) for (const p of this.parts) if (p !== GAVE_UP) p?.end(dir);
  }

  /** Analyzers that want nothing more hear end() now and are forgotten (as Fanout does). */
  private drop(parts: (StreamAnalyzer | null)[]): void {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p === null || p === GAVE_UP || p.active !== false) continue;
      parts[i] = GAVE_UP;
      this.left--;
      p.end(ORIG);
      p.end(RESP);
    }
  }
}

const ignore = (): void => undefined;

export type ProbedProtocol = 'tls' | 'smtp' | 'http' | 'ssh' | 'dns' | 'pop3' | 'imap';

/** The probes of one run (one fingerprint cache, one log nobody reads). */
export class ProtocolProbes {
  // what a probe finds out of order is not this run's business
  private readonly unheard = new AnomalyLog(ignore);
  private readonly cache: HashCache;
  // behind the prelude skipper, as analysis() attaches them
  private readonly makers: Record<ProbedProtocol, Maker> = {
    tls: (s) => preluded(new TlsAnalyzer({ session: s, anomalies: this.unheard, emit: ignore, cache: this.cache, probe: true }), s),
    smtp: (s) => preluded(new SmtpAnalyzer({ session: s, anomalies: this.unheard, emit: ignore, probe: true }), s),
    http: (s) => preluded(new HttpAnalyzer({ session: s, anomalies: this.unheard, emit: ignore, probe: true }), s, true),
    ssh: (s) => preluded(new SshAnalyzer({ session: s, anomalies: this.unheard, emit: ignore, probe: true }), s),
    dns: (s) => preluded(new DnsTcp({ session: s, anomalies: this.unheard, emit: ignore, probe: true }), s),
    pop3: (s) => preluded(new Pop3Analyzer({ session: s, anomalies: this.unheard, emit: ignore, probe: true }), s),
    imap: (s) => preluded(new ImapAnalyzer({ session: s, anomalies: this.unheard, emit: ignore, probe: true }), s),
  };

  constructor(cache: HashCache = new HashCache()) {
    this.cache = cache;
  }

  /**
   * A probe factory for protocols that come one after the other in analysis()'s order (TLS, SMTP, HTTP, SSH, DNS): one
   * probe per session for all of them. Made once per run; the factory is called per TCP session.
   */
  group(protocols: readonly ProbedProtocol[]): (s: Session) => StreamAnalyzer {
    const makers = protocols.map((p) => this.makers[p]);
    const tlsFirst = protocols[0] === 'tls';
    return (s) => new ProtocolProbe(s, makers, tlsFirst);
  }
}
