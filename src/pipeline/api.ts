// The library API for scripted hunts: readPackets (decoded packets) and analyze (typed records).
import type { Session } from '../flow/session.js';
import { randomBytes } from 'node:crypto';
import type { FindingRecord } from '../schema/findings.js';
import { Inspection, type InspectConfig } from './inspect.js';
import type { SkippedSpans } from '../inspect/skipped-spans.js';
import type { AnomalyEvent } from '../core/anomaly.js';
import { formatIpv4, formatIpv6 } from '../core/ip.js';
import { CaptureReader } from '../capture/capture-reader.js';
import { AnomalyLog } from '../core/anomaly.js';
import { Decoder } from '../decode/decoder.js';
import type { SessionRecord } from '../schema/sessions.js';
import type { TlsRecord } from '../schema/tls.js';
import type { DnsRecord } from '../schema/dns.js';
import type { FtpRecord } from '../schema/ftp.js';
import type { Pop3Record } from '../schema/pop3.js';
import type { ImapRecord } from '../schema/imap.js';
import { FtpQueue } from './ftp.js';
import { analysis } from './analyzers.js';
import { HttpQueue } from './http.js';
import { MailQueue } from './mail.js';
import type { FileRecord } from '../schema/files.js';
import type { HttpRecord } from '../schema/http.js';
import type { SmtpRecord } from '../schema/smtp.js';
import type { SshRecord } from '../schema/ssh.js';
import { PROTO_NAMES } from '../flow/session-record.js';
import { Engine, type EngineOptions, type RunResult } from './engine.js';
import { readSource } from './source.js';
import { HaystackError } from '../core/errors.js';

/** One decoded packet, safe to keep (its bytes are a copy). */
export interface DecodedPacket {
  /** 1-based number in its input */
  index: number;
  /** µs since the epoch */
  ts: number;
  linktype: number;
  caplen: number;
  origLen: number;
  /** the captured bytes */
  data: Uint8Array;
  vlan: number | null;
  ipVersion: 4 | 6 | null;
  src: string | null;
  dst: string | null;
  /** tcp, udp, icmp, icmpv6, ... or null for non-IP */
  proto: string | null;
  sport: number | null;
  dport: number | null;
  tcpFlags: number | null;
  /** transport payload (a view into `data`, or into the rebuilt datagram of a reassembled fragment) */
  payload: Uint8Array;
  /** the decoding anomaly, if the packet is malformed */
  anomaly: string | null;
}

/**
 * Decoded packets of one or more captures (pcap, pcapng, gzip/zstd, "-" for stdin).
 * A damaged capture ends its packets with a HaystackError naming the file and byte offset.
 * @example
 * for await (const p of readPackets('cap.pcapng')) if (p.dport === 443) console.log(p.src, p.payload.length);
 */
export async function* readPackets(source: string | readonly string[]): AsyncGenerator<DecodedPacket> {
  for (const path of typeof source === 'string' ? [source] : source) {
    const decoder = new Decoder(new AnomalyLog(() => undefined));
    const m = decoder.meta;
    let batch: DecodedPacket[] = [];
    const reader = new CaptureReader({
      packet: (rec) => {
        const data = rec.buf.slice(rec.off, rec.off + rec.caplen);
        const view = new DataView(data.buffer);
        decoder.decode(data, view, 0, data.length, rec.ts, rec.linktype, rec.origLen);
        const ip = m.ipVersion === 4 || m.ipVersion === 6 ? m.ipVersion : null;
        batch.push({
          index: rec.index, ts: rec.ts, linktype: rec.linktype, caplen: rec.caplen, origLen: rec.origLen, data,
          vlan: m.vlan >= 0 ? m.vlan : null,
          ipVersion: ip,
          src: ip === 4 ? formatIpv4(m.src4) : ip === 6 ? formatIpv6(m.buf, m.src6) : null,
          dst: ip === 4 ? formatIpv4(m.dst4) : ip === 6 ? formatIpv6(m.buf, m.dst6) : null,
          proto: ip === null ? null : (PROTO_NAMES.get(m.ipProto) ?? String(m.ipProto)),
          sport: m.l4 && (m.ipProto === 6 || m.ipProto === 17) ? m.sport : null,
          dport: m.l4 && (m.ipProto === 6 || m.ipProto === 17) ? m.dport : null,
          tcpFlags: m.l4 && m.ipProto === 6 ? m.tcpFlags : null,
          payload: m.l4 ? m.buf.subarray(m.payloadOff, m.payloadOff + m.payloadLen) : new Uint8Array(0),
          anomaly: m.anomaly,
        });
      },
    }, { file: path });
    for await (const chunk of readSource(path)) {
      reader.push(chunk);
      const out = batch;
      batch = [];
      yield* out;
      if (reader.failed) break;
    }
    const summary = reader.end();
    yield* batch;
    if (summary.error !== null) throw summary.error;
  }
}

export type AnalyzeRecord =
  | { type: 'session'; record: SessionRecord }
  | { type: 'tls'; record: TlsRecord }
  | { type: 'smtp'; record: SmtpRecord }
  | { type: 'http'; record: HttpRecord }
  | { type: 'dns'; record: DnsRecord }
  | { type: 'ssh'; record: SshRecord }
  | { type: 'ftp'; record: FtpRecord }
  | { type: 'pop3'; record: Pop3Record }
  | { type: 'imap'; record: ImapRecord }
  | { type: 'file'; record: FileRecord }
  | { type: 'finding'; record: FindingRecord }
  | { type: 'anomaly'; record: AnomalyEvent };

export interface AnalyzeOptions extends EngineOptions {
  /** TLS ClientHello records (JA3, JA4, SNI, the server's answer); default true */
  tls?: boolean;
  /** SMTP messages and their attachments as file records; default true */
  smtp?: boolean;
  /** HTTP transactions and their bodies as file records; default true */
  http?: boolean;
  /** DNS transactions (UDP and TCP, any port by content); default true */
  dns?: boolean;
  /** SSH sessions: versions, HASSH, algorithms, host key, inferred authentication; default true */
  ssh?: boolean;
  /** FTP commands (with their data channels) and the transferred files as file records; default true */
  ftp?: boolean;
  /**
   * POP3 commands, and the messages RETR/TOP fetched as smtp records (`fetched_via` pop3, whatever `smtp` says)
   * with their attachments as file records; default true
   */
  pop3?: boolean;
  /** IMAP commands, and the messages FETCH BODY[]/RFC822 fetched as smtp records (`fetched_via` imap); default true */
  imap?: boolean;
  /** where attachments and bodies are stored (`DIR/files/ab/<sha256>`); default null: hashed and typed only */
  filesDir?: string | null;
  /**
   * content inspection: findings records (validated, masked, keyed-hashed under `key`, by default a random key of
   * this run); default off
   */
  inspect?: (InspectConfig & { key?: Uint8Array; reveal?: (f: FindingRecord, value: string) => void }) | null;
}

/**
 * Typed records of one or more captures, as the pipeline produces them (sessions, tls, smtp, http, dns, ssh, files,
 * anomalies; alerts as that analyzer lands). The reader waits while the consumer is behind.
 * @example
 * for await (const r of analyze(['a.pcap', 'b.pcap'], { homeNet: ['10.0.0.0/8'] }))
 *   if (r.type === 'session' && r.record.direction === 'outbound') console.log(r.record.dst_ip);
 */
export async function* analyze(source: string | readonly string[], options: AnalyzeOptions = {}): AsyncGenerator<AnalyzeRecord, RunResult> {
  let queue: AnalyzeRecord[] = [];
  let wake: (() => void) | null = null;
  let drained: (() => void) | null = null;
  let finished = false;
  let failure: unknown = null;
  let result: RunResult | null = null;
  const { tls = true, smtp = true, http = true, dns = true, ssh = true, ftp = true, pop3 = true, imap = true, filesDir = null, inspect = null, ...engineOptions } = options;
  const anomalies = { add: (...a: Parameters<Engine['anomalies']['add']>) => engine.anomalies.add(...a) };
  const insp = inspect === null ? null : new Inspection({
    key: inspect.key ?? randomBytes(32),
    remoteAccess: inspect.remoteAccess,
    detectors: inspect.detectors,
    emit: (record) => void queue.push({ type: 'finding', record }),
    anomalies,
    ...(inspect.reveal !== undefined ? { reveal: inspect.reveal } : {}),
  });
  const files = (fs: FileRecord[]): void => {
    for (const record of fs) queue.push({ type: 'file', record });
  };
  const mail = new MailQueue({ anomalies, filesDir }, (r) => {
    queue.push({ type: 'smtp', record: r.smtp });
    insp?.smtp(r.smtp);
    insp?.mail(r);
    files(r.files);
  });
  const web = new HttpQueue({ anomalies, filesDir }, (r) => {
    queue.push({ type: 'http', record: r.http });
    insp?.http(r.http, r.sentUri);
    insp?.httpObjects(r);
    files(r.files);
  });
  const files_ = new FtpQueue({ anomalies, filesDir }, (r) => {
    if (r.ftp !== null) {
      queue.push({ type: 'ftp', record: r.ftp });
      insp?.ftp(r.ftp);
    } else {
      files([r.file]);
      insp?.ftpFile(r.file, r.content);
    }
  });
  const an = analysis({
    ...(tls ? { tls: (record: TlsRecord) => void (queue.push({ type: 'tls', record }), insp?.tls(record)) } : {}),
    ...(smtp ? { smtp: mail.push } : {}),
    ...(http ? { http: web.push } : {}),
    ...(dns ? { dns: (record: DnsRecord) => void (queue.push({ type: 'dns', record }), insp?.dns(record)) } : {}),
    ...(ssh ? { ssh: (record: SshRecord) => void queue.push({ type: 'ssh', record }) } : {}),
    ...(ftp ? { ftp: files_.push } : {}),
    ...(pop3 ? { pop3: (record: Pop3Record) => void (queue.push({ type: 'pop3', record }), insp?.pop3(record)) } : {}),
    ...(imap ? { imap: (record: ImapRecord) => void (queue.push({ type: 'imap', record }), insp?.imap(record)) } : {}),
    // messages fetched over POP3/IMAP: smtp records (fetched_via) and files, as SMTP's are
    ...(pop3 || imap ? { mailbox: mail.push } : {}),
    ...(insp !== null ? { inspectStream: (s: Session, skipped: SkippedSpans | null) => insp.stream(s, skipped) } : {}),
    // session records are yielded: their app_proto as with every analyzer, whichever records were asked for
    sessions: true,
  }, () => engine);
  const decode = async (): Promise<void> => {
    await mail.drain();
    await web.drain();
    await files_.drain();
    insp?.settled();
  };
  const engine: Engine = new Engine({
    ...an.handlers,
    session: (record) => void (queue.push({ type: 'session', record }), insp?.session(record)),
    anomaly: (record) => void queue.push({ type: 'anomaly', record }),
    afterChunk: async () => {
      await decode();
      if (queue.length === 0) return;
      wake?.();
      return new Promise<void>((resolve) => (drained = resolve));
    },
  }, { ...engineOptions, ...an.options });
  const run = engine.run(typeof source === 'string' ? [source] : source).then(
    async (r) => {
      await decode();
      insp?.end();
      result = r;
    },
    (e: unknown) => {
      failure = e;
    },
  ).finally(() => {
    finished = true;
    wake?.();
  });
  const release = (): void => {
    if (drained !== null) {
      const d: () => void = drained;
      drained = null;
      d();
    }
  };
  try {
    for (;;) {
      if (queue.length > 0) {
        const out = queue;
        queue = [];
        yield* out;
        continue;
      }
      release();
      if (finished) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    // the consumer may stop early (break): let the engine finish its chunk, stop, and close its input
    if (!finished) {
      engine.stop();
      queue = [];
      release();
    }
    await run;
  }
  if (failure !== null) throw failure;
  if (result === null) throw new HaystackError('HAYSTACK_IO', 'analysis ended without a result');
  return result;
}
