// Which analyzers a run attaches (one place for the CLI verbs, ingest and the library API).
import { QuicTls } from '../analyzers/quic/quic-tls.js';
import { DtlsTls } from '../analyzers/tls/dtls.js';
import { HashCache } from '../analyzers/tls/fingerprints.js';
import { TlsAnalyzer } from '../analyzers/tls/tls-analyzer.js';
import { Fanout } from '../analyzers/fanout.js';
import { SmtpAnalyzer, type SmtpMessage } from '../analyzers/smtp/smtp-analyzer.js';
import { HttpAnalyzer, type HttpTransaction } from '../analyzers/http/http-analyzer.js';
import { DnsTcp, DnsUdp } from '../analyzers/dns/dns-analyzer.js';
import { preluded, type PreludeSkipper } from '../analyzers/prelude/prelude.js';
import type { DnsRecord } from '../schema/dns.js';
import type { DnsMessage } from '../analyzers/dns/dns-message.js';
import { RESP, type Dir } from '../reassembly/stream-analyzer.js';
import { SshAnalyzer } from '../analyzers/ssh/ssh-analyzer.js';
import type { SshRecord } from '../schema/ssh.js';
import { FtpAnalyzer, FtpChannels, FtpData, notFtpAtOnce, type ChannelNames, type FtpEvent } from '../analyzers/ftp/ftp-analyzer.js';
import { Deferred } from '../analyzers/fanout.js';
import { Pop3Analyzer } from '../analyzers/mailbox/pop3-analyzer.js';
import { ImapAnalyzer } from '../analyzers/mailbox/imap-analyzer.js';
import type { MessageSpans } from '../analyzers/mailbox/fetched-message.js';
import { SkippedSpans } from '../inspect/skipped-spans.js';
import { INSPECT_STREAM_BYTES } from '../inspect/stream-scan.js';
import type { Pop3Record } from '../schema/pop3.js';
import type { ImapRecord } from '../schema/imap.js';
import { AnomalyLog } from '../core/anomaly.js';
import { DecodeAllowance, MAX_DECODED_PER_CAPTURE } from '../analyzers/http/decode-budget.js';
import type { StreamAnalyzer } from '../reassembly/stream-analyzer.js';
import type { Session } from '../flow/session.js';
import type { DetectHooks } from './detect.js';
import { IPPROTO_UDP } from '../decode/constants.js';
import type { TlsRecord } from '../schema/tls.js';
import type { Engine, EngineHandlers, EngineOptions } from './engine.js';
import { nodeQuicCrypto } from './quic-crypto.js';
import { ProtocolProbes, type ProbedProtocol } from './protocol-probe.js';
import { decodeCertificate } from './x509.js';

/** What a run wants from TCP streams and UDP datagrams; each consumer gets its analyzers. */
export interface AnalysisOptions {
  /** tls records (TCP on any port, QUIC Initials, DTLS) */
  tls?: (r: TlsRecord) => void;
  /** SMTP messages (and sessions that switched to TLS), for MIME decoding at the edge */
  smtp?: (m: SmtpMessage) => void;
  /** HTTP/1.x request/response pairs, for content decoding at the edge */
  http?: (t: HttpTransaction) => void;
  /** dns records (UDP and TCP, any port by content) */
  dns?: (r: DnsRecord) => void;
  /** ssh records (any port, by the version lines) */
  ssh?: (r: SshRecord) => void;
  /** FTP control rows and data-channel transfers (any port by content), for the files path at the edge */
  ftp?: (e: FtpEvent) => void;
  /** pop3 records (any port by content) */
  pop3?: (r: Pop3Record) => void;
  /** imap records (any port by content) */
  imap?: (r: ImapRecord) => void;
  /**
   * messages fetched over POP3 (RETR, TOP) and IMAP (FETCH BODY[], RFC822), in the SMTP message's shape (`fetched`
   * says how), for the MIME path at the edge; read only in sessions whose pop3/imap records are wanted
   */
  mailbox?: (m: SmtpMessage) => void;
  /**
   * content inspection of raw streams (Inspection.stream): an analyzer per TCP session, or null; `skipped`: the
   * server's bytes the POP3/IMAP analyzers hand over as messages (given when `mailbox` is), left to the MIME path
   */
  inspectStream?: (s: Session, skipped: SkippedSpans | null) => StreamAnalyzer | null;
  /** signatures (detectHooks of a detector): packets, TCP streams, HTTP transactions and TLS hellos are inspected */
  detect?: DetectHooks;
  /** told when expected FTP data channels start and stop naming their control sessions (a threaded run's shards) */
  ftpChannelNames?: ChannelNames;
  /**
   * session records are wanted too: the analyzers not asked for run as probes, so every session's app_proto is
   * what a run with all of them gives (without it, app_proto only names the protocols asked for)
   */
  sessions?: boolean;
  /**
   * What of the tls records anything in the run prints or reads (the verb's --fields and --filter); default all.
   * Without `fingerprints` JA3/JA4/JA3S are not computed (left empty), without `certificate` the certificate is
   * not decoded (its fields left null; the record goes out at the same point). Ignored with signatures.
   */
  tlsNeeds?: TlsNeeds;
}

/** Parts of a tls record a run needs (AnalysisOptions.tlsNeeds). */
export interface TlsNeeds {
  fingerprints: boolean;
  certificate: boolean;
}

/** The tls record fields each TlsNeeds part makes. */
export const TLS_NEEDS_FIELDS: Readonly<Record<keyof TlsNeeds, readonly string[]>> = {
  fingerprints: ['ja3', 'ja3_string', 'ja4', 'ja4_r', 'ja3s'],
  certificate: ['subject', 'issuer', 'san', 'not_before', 'not_after', 'cert_sha256', 'cert_sha1', 'cert_serial'],
};

/** What a verb's output needs of the tls records, from its `needs(field)`. */
export function tlsNeeds(needs: (field: string) => boolean): TlsNeeds {
  return { fingerprints: TLS_NEEDS_FIELDS.fingerprints.some(needs), certificate: TLS_NEEDS_FIELDS.certificate.some(needs) };
}

/**
 * Handlers and options for an Engine: the analyzers asked for, on every TCP session (each decides by content
 * whether the stream is its protocol and detaches itself otherwise or when done), plus QUIC and DTLS on UDP.
 * With `sessions`, the analyzers not asked for run as probes until the session's protocol is known (app_proto).
 * @param engine called lazily: the engine the handlers are given to
 */
export function analysis(
  o: AnalysisOptions,
  engine: () => Engine,
): { handlers: Pick<EngineHandlers, 'packet' | 'sessionEnd'>; options: Required<Pick<EngineOptions, 'streams'>> } {
  const det = o.detect;
  const cache = new HashCache(det !== undefined || (o.tlsNeeds?.fingerprints ?? true));
  const certificate = det !== undefined || (o.tlsNeeds?.certificate ?? true) ? decodeCertificate : 'unread';
  const emitTls = o.tls === undefined && det === undefined ? undefined : (r: TlsRecord, s: Session | null): void => {
    o.tls?.(r);
    // TLS over TCP: the client's side was inspected when its hello was read (below)
    if (det !== undefined) det.tls(r, s, r.transport === 'tcp' && s !== null ? 'response' : 'both');
  };
  // with signatures, SMTP is recognised even when its messages are not wanted (rules on `smtp` need that)
  const emitSmtp = o.smtp === undefined && det === undefined ? undefined : (m: SmtpMessage): void => {
    if (det !== undefined) det.smtp(m);
    o.smtp?.(m);
  };
  const emitHttp = o.http === undefined && det === undefined ? undefined : (t: HttpTransaction): void => {
    if (det !== undefined) det.http(t);
    o.http?.(t);
  };
  // what undoing HTTP content codings may produce in this run, all sessions together
  const decodeAllowance = new DecodeAllowance(MAX_DECODED_PER_CAPTURE);
  // with session records wanted, the analyzers not wanted run as probes in their place in the order
  // (consecutive ones as one probe); otherwise they are left out
  const probes = new ProtocolProbes(cache);
  const emitDns = o.dns;
  // rules on dns read dns.query from the messages the dns analyzer parses where it decides a session is DNS
  // (UDP and TCP, any port): then it runs whole even when its records are not wanted
  const heardDns = det !== undefined && det.wantsDns ? (s: Session, dir: Dir, m: DnsMessage, ts: number): void => det.dns(s, dir, m, ts) : undefined;
  const dnsHeard = heardDns === undefined ? {} : { heard: heardDns };
  // FTP is never a probe: its control sessions announce the data sessions that follow (their app_proto and
  // control_uid), so with session records wanted it runs whole, its rows heard by nobody when not asked for
  const emitFtp = o.ftp;
  const ftpChannels = emitFtp !== undefined || o.sessions === true ? new FtpChannels(o.ftpChannelNames ?? null) : null;
  const order: [ProbedProtocol | 'ftp', boolean][] = [
    ['tls', emitTls !== undefined], ['smtp', emitSmtp !== undefined], ['http', emitHttp !== undefined], ['ssh', o.ssh !== undefined], ['dns', emitDns !== undefined || heardDns !== undefined],
    ['ftp', ftpChannels !== null], ['pop3', o.pop3 !== undefined], ['imap', o.imap !== undefined],
  ];
  const unheard = new AnomalyLog(() => undefined);
  const layout: (ProbedProtocol | 'ftp' | ((s: Session) => StreamAnalyzer))[] = [];
  for (let i = 0; i < order.length;) {
    if (order[i]![1]) {
      layout.push(order[i++]![0]);
      continue;
    }
    const group: ProbedProtocol[] = [];
    while (i < order.length && !order[i]![1]) {
      const p = order[i++]![0];
      if (p !== 'ftp') group.push(p);
    }
    if (o.sessions === true && group.length > 0) layout.push(probes.group(group));
  }
  let quic: QuicTls | null = null;
  let dtls: DtlsTls | null = null;
  const q = (emit: (r: TlsRecord, s: Session | null) => void): QuicTls => (quic ??= new QuicTls({ crypto: nodeQuicCrypto, anomalies: engine().anomalies, cache, emit: (r) => emit(r, null) }));
  const d = (emit: (r: TlsRecord, s: Session | null) => void): DtlsTls => (dtls ??= new DtlsTls({ anomalies: engine().anomalies, cache, emit: (r) => emit(r, null) }));
  // DNS over UDP: records when asked for, else (with session records wanted) only the session's app_proto
  const wantDnsUdp = emitDns !== undefined || heardDns !== undefined || o.sessions === true;
  let dnsUdp: DnsUdp | null = null;
  const u = (): DnsUdp => (dnsUdp ??= new DnsUdp({ anomalies: emitDns !== undefined ? engine().anomalies : unheard, ...(emitDns !== undefined ? { emit: emitDns } : {}), ...dnsHeard }));
  return {
    options: {
      streams: (s) => {
        const parts: StreamAnalyzer[] = [];
        const anomalies = engine().anomalies;
        // messages fetched over POP3/IMAP are inspected through the MIME path: the raw scan leaves their bytes out
        const skipped = o.mailbox !== undefined && o.inspectStream !== undefined ? new SkippedSpans(INSPECT_STREAM_BYTES) : null;
        // a data session an FTP control session announced: its bytes are the transfer, nothing else
        const channel = ftpChannels?.claim(s) ?? null;
        if (channel !== null) {
          const data = new FtpData(s, channel, emitFtp ?? null);
          return det === undefined ? data : new Fanout([data, det.stream(s)]);
        }
        // the same order with or without probes: the first analyzer to decide names app_proto; each reads the
        // stream after a proxy prelude (SOCKS, HTTP CONNECT) when there is one; signatures see it whole
        for (const slot of layout) {
          if (typeof slot === 'function') parts.push(slot(s));
          else if (slot === 'tls') {
            const hello = det === undefined ? undefined : (r: TlsRecord): void => det.tls(r, s, 'request');
            const certificates = det === undefined ? undefined : (ders: Uint8Array[], r: TlsRecord | undefined): void => det.tlsCertificates(ders, r, s);
            parts.push(preluded(new TlsAnalyzer({ session: s, anomalies, emit: (r) => emitTls!(r, s), hello, certificates, cache, certificate }), s));
          } else if (slot === 'smtp') parts.push(preluded(new SmtpAnalyzer({ session: s, anomalies, emit: emitSmtp! }), s));
          else if (slot === 'http') parts.push(preluded(new HttpAnalyzer({ session: s, anomalies, emit: emitHttp!, decodeAllowance }), s, true));
          else if (slot === 'ssh') parts.push(preluded(new SshAnalyzer({ session: s, anomalies, emit: o.ssh! }), s));
          else if (slot === 'dns') {
            parts.push(preluded(emitDns !== undefined
              ? new DnsTcp({ session: s, anomalies, emit: emitDns, ...dnsHeard })
              : new DnsTcp({ session: s, anomalies: unheard, emit: ignoreDns, probe: true, ...dnsHeard }), s));
          }
          else if (slot === 'ftp') {
            // built on the first delivery that may be FTP (most TCP sessions are not: a TLS hello, a server that
            // does not open with a reply code)
            parts.push(new Deferred(notFtpAtOnce, () => preluded(new FtpAnalyzer({ session: s, anomalies: emitFtp === undefined ? unheard : anomalies, channels: ftpChannels!, emit: emitFtp ?? ignoreFtp }), s)));
          }
          else if (slot === 'pop3') parts.push(mailboxPreluded((spans) => new Pop3Analyzer({ session: s, anomalies, emit: o.pop3!, message: o.mailbox, spans }), s, skipped));
          else parts.push(mailboxPreluded((spans) => new ImapAnalyzer({ session: s, anomalies, emit: o.imap!, message: o.mailbox, spans }), s, skipped));
        }
        if (det !== undefined) parts.push(det.stream(s));
        // after the analyzers: a delivery's message spans are known before the raw scan reports on its bytes
        const inspect = o.inspectStream?.(s, skipped) ?? null;
        if (inspect !== null) parts.push(inspect);
        return parts.length === 0 ? null : parts.length === 1 ? parts[0]! : new Fanout(parts);
      },
    },
    handlers: emitTls === undefined && !wantDnsUdp ? {} : {
      packet: (rec, m, s) => {
        if (det !== undefined) det.packet(m, s, engine().flows.lastDir);
        if (s !== null && m.ipProto === IPPROTO_UDP && m.payloadLen > 0) {
          const dir = engine().flows.lastDir;
          const end = m.payloadOff + m.payloadLen;
          // a UDP session is QUIC, DTLS, DNS or none of them; each analyzer decides on its first datagram
          if (emitTls !== undefined) {
            q(emitTls).datagram(s, dir, m.buf, m.payloadOff, end);
            d(emitTls).datagram(s, dir, m.buf, m.payloadOff, end);
          }
          if (wantDnsUdp) u().datagram(s, dir, m.buf, m.payloadOff, end, rec.ts);
        }
      },
      sessionEnd: (s) => {
        if (s.proto === IPPROTO_UDP) {
          quic?.sessionEnded(s);
          dtls?.sessionEnded(s);
          dnsUdp?.sessionEnded(s);
        }
      },
    },
  };
}

const ignoreFtp = (): void => undefined;

/**
 * A POP3/IMAP analyzer behind its prelude skipper, its message spans (offsets after the prelude) told to `skipped`
 * as stream offsets.
 */
function mailboxPreluded(make: (spans: MessageSpans | undefined) => StreamAnalyzer, s: Session, skipped: SkippedSpans | null): StreamAnalyzer {
  if (skipped === null) return preluded(make(undefined), s);
  let pre: PreludeSkipper | null = null;
  const spans: MessageSpans = { open: (x) => skipped.open(pre!.outer(RESP, x)), close: (x) => skipped.close(pre!.outer(RESP, x)) };
  pre = preluded(make(spans), s);
  return pre;
}
const ignoreDns = (): void => undefined;

/** The analysis of a run that wants tls records only (`needs`: the parts of them it prints or reads; default all). */
export function tlsAnalysis(
  emit: (r: TlsRecord) => void,
  engine: () => Engine,
  needs?: TlsNeeds,
): { handlers: Pick<EngineHandlers, 'packet' | 'sessionEnd'>; options: Required<Pick<EngineOptions, 'streams'>> } {
  return analysis({ tls: emit, ...(needs !== undefined ? { tlsNeeds: needs } : {}) }, engine);
}
