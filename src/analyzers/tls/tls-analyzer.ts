// TLS over a reassembled TCP stream: record layer and handshake reassembly per direction, detection by
// content (any port), ClientHello/ServerHello to `tls` records; stops reading once the handshake is
// encrypted or done, so a session costs nothing after its hellos.
import type { AnomalyLog } from '../../core/anomaly.js';
import type { Session } from '../../flow/session.js';
import { ORIG, type Dir, type StreamAnalyzer } from '../../reassembly/stream-analyzer.js';
import type { TlsRecord } from '../../schema/tls.js';
import type { HashCache } from './fingerprints.js';
import { alertName, answer, finished, helloRecord } from './record.js';
import {
  CT_ALERT, CT_APPLICATION_DATA, CT_CHANGE_CIPHER_SPEC, CT_HANDSHAKE, HT_CERTIFICATE, HT_CLIENT_HELLO,
  HT_SERVER_HELLO, HT_SERVER_HELLO_DONE, certificateList, firstCertificate, parseClientHello, parseServerHello,
  parseSslv2ClientHello, type ParseProblem, type ServerHello,
} from './hello.js';

const EMPTY = new Uint8Array(0);
/** RFC 8446 §5.1: a record carries at most 2^14 bytes (+ 2048 of expansion when protected). */
export const MAX_RECORD = 16384 + 2048;
/** A handshake message larger than this is not buffered whole (hellos are a few KB). */
export const MAX_HANDSHAKE_MESSAGE = 256 * 1024;
/**
 * The server's own certificate is buffered up to this size to be read (Zeek's tls-fragmented-handshake has a
 * 340 KB one); the rest of a longer chain is skipped, not kept.
 */
export const MAX_CERTIFICATE = 1024 * 1024;
/** ClientHellos per session: two is the protocol (HelloRetryRequest); more is noise. */
const MAX_CLIENT_HELLOS = 4;
/** Bytes of each side looked through for a late hello (after SOCKS or a proxy CONNECT) before giving up. */
export const MAX_CLIENT_PRELUDE = 4096;
/**
 * Server bytes before the client's first hello record after which the session is taken as not TLS: a proxy's
 * "200 Connection established", an IMAP/FTP/XMPP greeting before STARTTLS are far below it; an HTTP response body
 * is not (its bytes would otherwise be delivered to this analyzer, and kept for retransmission checks, to the end).
 */
export const MAX_SERVER_EARLY = 64 * 1024;
/** Plain text watched for STARTTLS before giving up: an SMTP dialogue up to STARTTLS is a few hundred bytes. */
export const MAX_PLAINTEXT_PRELUDE = 64 * 1024;
/** Bytes of each plain-text line kept to recognise STARTTLS and reply codes ("STARTTLS" + blanks + CR). */
const LINE_HEAD = 16;
/**
 * Bytes a side's start is judged on (what it is: a ClientHello, whose handshake type is byte 5; an SMTP
 * greeting or EHLO; a proxy's prelude; a ServerHello): gathered across deliveries, so that a segment of one
 * byte decides nothing and the verdict does not depend on where the capture cut the stream.
 */
export const FIRST_LOOK = 6;
/**
 * Bytes kept from the end of a prelude segment: a hello is recognised by its first 10 bytes (record and
 * handshake headers, version), so one starting in the last 9 can only be judged with the next segment.
 */
const HELLO_HEADER = 9;

/** The first bytes of the current line of each side, while STARTTLS is watched for. */
interface StarttlsWatch {
  head: Uint8Array[];
  headLen: number[];
  /** length of the current line so far (it may be far longer than its head) */
  lineLen: number[];
  /** the client said STARTTLS; the server's next reply decides */
  waiting: boolean;
  seen: number;
}

class Direction {
  /** record-layer bytes not yet parsed */
  rec: Uint8Array = EMPTY;
  recLen = 0;
  /** handshake-layer bytes (messages may span records) */
  hs: Uint8Array = EMPTY;
  hsLen = 0;
  /** stop reading: not TLS, encrypted from here on, or broken */
  done = false;
  recordVersion = 0;
  /** the last bytes of the side's prelude (a hello's header may straddle two segments) */
  tail: Uint8Array | null = null;
  tailLen = 0;
  /** some of the side's bytes were looked at (its start is behind) */
  started = false;
  /** the side's first bytes while fewer than FIRST_LOOK have come (see deciding()) */
  look: Uint8Array | null = null;
  lookLen = 0;
  /** a change_cipher_spec was seen: what follows is encrypted unless it is a plain ClientHello */
  afterCcs = false;
  /** handshake bytes still to skip (the rest of a long certificate chain) */
  skip = 0;
}

export interface TlsAnalyzerOptions {
  session: Session;
  anomalies: AnomalyLog;
  emit(r: TlsRecord): void;
  /** a ClientHello was read (its record is emitted later, with the server's answer): signatures look now */
  hello?: ((r: TlsRecord) => void) | undefined;
  /** the server's certificate chain (each DER; of a very long chain, the ones at its start): signatures look */
  certificates?: ((ders: Uint8Array[], r: TlsRecord | undefined) => void) | undefined;
  /** shared by the analyzers of one run, so repeated fingerprints are hashed once */
  cache: HashCache;
  /**
   * decodes a DER certificate (an X.509 library at the edge); absent = certificates are not read (a record goes out
   * at the ServerHello); 'unread' = the record waits for the certificate as with a decoder, whose fields nothing wants
   */
  certificate?: ((der: Uint8Array) => CertificateInfo | null) | 'unread' | undefined;
  /** only the session's protocol is wanted (a probe for app_proto): stop as soon as it is decided */
  probe?: boolean | undefined;
}

/** What a tls record keeps of the server's certificate. */
export interface CertificateInfo {
  /** null when the decoder could not read the field (it is then named in `unreadable`) */
  subject: string | null;
  issuer: string | null;
  /** [] without the extension; null when it is there but could not be read */
  san: string[] | null;
  /** µs since the epoch */
  notBefore: number | null;
  notAfter: number | null;
  sha256: string;
  sha1: string;
  serial: string | null;
  /** fields of a certificate that was read whose value could not be (damaged DER): an `x509_field_unreadable` anomaly */
  unreadable: readonly string[];
}

export class TlsAnalyzer implements StreamAnalyzer {
  private readonly dirs = [new Direction(), new Direction()];
  private readonly o: TlsAnalyzerOptions;
  /** ClientHellos waiting for the server's answer */
  private pending: TlsRecord[] = [];
  private hellos = 0;
  /** false once the client's first bytes were not a TLS ClientHello */
  private tls: boolean | null = null;
  private readonly problem: ParseProblem = { anomaly: null };
  /** client / server bytes seen before their hello started */
  private prelude = 0;
  private serverPrelude = 0;
  /** server bytes seen while the client had not started TLS (ignored, counted: see MAX_SERVER_EARLY) */
  private serverEarly = 0;
  /** plain-text prelude (STARTTLS) state, while one is going on */
  private starttls: StarttlsWatch | null = null;

  constructor(o: TlsAnalyzerOptions) {
    this.o = o;
  }

  /** True while the analyzer still wants bytes (TLS not excluded, handshake not finished). */
  get active(): boolean {
    return this.tls !== false && !(this.dirs[0]!.done && this.dirs[1]!.done);
  }

  deliver(dir: Dir, data: Uint8Array): void {
    const d = this.dirs[dir]!;
    if (d.done || this.tls === false) return;
    if (d.lookLen > 0 || (data.length < FIRST_LOOK && this.deciding(dir, d))) {
      // too few bytes to judge the side's start by: gathered (a copy) until FIRST_LOOK have come
      d.look ??= new Uint8Array(FIRST_LOOK);
      const n = Math.min(FIRST_LOOK - d.lookLen, data.length);
      d.look.set(data.subarray(0, n), d.lookLen);
      d.lookLen += n;
      if (d.lookLen < FIRST_LOOK) return;
      const whole = new Uint8Array(FIRST_LOOK + data.length - n);
      whole.set(d.look);
      whole.set(data.subarray(n), FIRST_LOOK);
      d.lookLen = 0;
      this.consume(dir, d, whole);
      return;
    }
    this.consume(dir, d, data);
  }

  /**
   * Is a side's start being judged (the client's stream start, or its start after a STARTTLS hand-over; the
   * server's start)? Those wait for FIRST_LOOK bytes. The lines of a plain-text dialogue go on in the order
   * they came: their order against the other side's replies matters.
   */
  private deciding(dir: Dir, d: Direction): boolean {
    // a plain-text dialogue holds back only a client line that starts like a TLS record (see plaintext())
    if (this.starttls !== null) return false;
    if (dir === ORIG) return this.tls === null && d.recLen === 0 && this.prelude === 0;
    return d.recordVersion === 0 && d.recLen === 0 && this.serverPrelude === 0;
  }

  /** The gathered start of a side, however short, when the side ends or loses bytes. */
  private lookDone(dir: Dir, d: Direction): void {
    if (d.lookLen === 0 || d.done || this.tls === false) return;
    const head = d.look!.slice(0, d.lookLen);
    d.lookLen = 0;
    this.consume(dir, d, head);
  }

  private consume(dir: Dir, d: Direction, data: Uint8Array): void {
    if (d.done || this.tls === false) return;
    const atStart = !d.started;
    d.started = true;
    if (this.starttls !== null) {
      this.plaintext(dir, d, data);
      return;
    }
    if (atStart && this.tls === null && this.dirs[0]!.recLen === 0 && startsSmtp(dir, data)) {
      // a side that starts with an SMTP greeting or EHLO/HELO (not a later segment: where segments begin is
      // the capture's choice): watch for STARTTLS
      this.starttls = { head: [new Uint8Array(LINE_HEAD), new Uint8Array(LINE_HEAD)], headLen: [0, 0], lineLen: [0, 0], waiting: false, seen: 0 };
      this.plaintext(dir, d, data);
      return;
    }
    if (this.tls === null && dir !== ORIG && this.dirs[0]!.recLen === 0) {
      // server bytes before any TLS: a proxy's answer or a server's greeting are a few lines; a server that sent
      // more than MAX_SERVER_EARLY before the client's hello (an HTTP download) does not carry TLS, and the
      // stream stops delivering its bytes here (a session picked up in the middle never showed its hello either)
      this.serverEarly += data.length;
      if (this.serverEarly > MAX_SERVER_EARLY) this.tls = false;
      return;
    }
    if (this.tls === null && dir === ORIG && d.recLen === 0 && (this.prelude > 0 || !looksLikeClientHello(data, d))) {
      // a prelude (SOCKS, a proxy CONNECT) may come first: the ClientHello is looked for after it
      this.preludeBytes(dir, d, data, HT_CLIENT_HELLO);
      return;
    }
    if (dir !== ORIG && d.recordVersion === 0 && d.recLen === 0 &&
      (this.serverPrelude > 0 || (data.length >= 2 && !((data[0] === CT_HANDSHAKE || data[0] === CT_ALERT) && data[1] === 3)))) {
      // the server's side of a prelude (a proxy's "200 Connection established") before its ServerHello
      this.preludeBytes(dir, d, data, HT_SERVER_HELLO);
      return;
    }
    this.recordBytes(dir, d, data);
  }

  /**
   * Bytes of a side's prelude, before its hello: the hello is looked for in the prelude taken as one stream
   * (the last bytes of the previous segment are kept with this one) within its first MAX_CLIENT_PRELUDE
   * bytes, so where the segments cut it changes nothing. Past that the side is not TLS.
   */
  private preludeBytes(dir: Dir, d: Direction, data: Uint8Array, type: number): void {
    const seen = dir === ORIG ? this.prelude : this.serverPrelude;
    if (dir === ORIG) this.prelude += data.length;
    else this.serverPrelude += data.length;
    if (seen < MAX_CLIENT_PRELUDE) {
      const tailLen = d.tailLen;
      const joined = tailLen === 0 ? data : concatBytes(d.tail!.subarray(0, tailLen), data);
      const window = joined.subarray(0, tailLen + Math.min(data.length, MAX_CLIENT_PRELUDE - seen));
      // the stream's first byte was judged as a record start already
      const at = helloIn(window, type, seen === 0 ? 1 : 0);
      if (at >= 0) {
        d.tailLen = 0;
        this.recordBytes(dir, d, joined.subarray(at));
        return;
      }
      d.tail ??= new Uint8Array(HELLO_HEADER);
      const keep = Math.min(HELLO_HEADER, window.length);
      d.tail.set(window.subarray(window.length - keep));
      d.tailLen = keep;
    }
    if (seen + data.length <= MAX_CLIENT_PRELUDE) return;
    d.tailLen = 0;
    if (dir === ORIG) this.tls = false;
    else {
      d.done = true; // the server does not speak TLS: nothing to wait for
      this.release(d);
    }
  }

  /** Record-layer bytes of a side. */
  private recordBytes(dir: Dir, d: Direction, data: Uint8Array): void {
    if (d.recLen === 0) {
      // common case: whole records in this delivery, parsed in place; only a partial tail is copied
      const p = this.records(dir, d, data, data.length);
      if (!d.done && p < data.length) {
        d.rec = append(d.rec, 0, data.subarray(p));
        d.recLen = data.length - p;
      }
    } else {
      d.rec = append(d.rec, d.recLen, data);
      d.recLen += data.length;
      const p = this.records(dir, d, d.rec, d.recLen);
      if (p > 0) {
        d.rec.copyWithin(0, p, d.recLen);
        d.recLen -= p;
      }
    }
    if (d.done) this.release(d);
  }

  /** Handles the whole records in b[0, end); returns where the first incomplete one starts. */
  private records(dir: Dir, d: Direction, b: Uint8Array, end: number): number {
    let p = 0;
    if (dir === ORIG && this.hellos === 0 && end >= 3 && (b[0]! & 0x80) !== 0 && b[2] === HT_CLIENT_HELLO) {
      // an SSLv2-compatible ClientHello: 2-byte header, length in the low 15 bits (RFC 5246 Appendix E.2)
      const len = ((b[0]! & 0x7f) << 8) | b[1]!;
      if (end < 2 + len) return 0;
      const pr = this.problem;
      pr.anomaly = null;
      const ch = parseSslv2ClientHello(b, 2, 2 + len, pr);
      if (ch === null) {
        this.tls = false;
        d.done = true;
        return 0;
      }
      if (pr.anomaly !== null) this.anomaly(pr.anomaly, null);
      this.tls = true;
      this.o.session.appProto ??= 'tls';
      if (this.o.probe === true) return this.decided(end);
      this.hellos++;
      this.hello(helloRecord(this.o.session, ch, 'tcp', this.hellos, 0x0002, this.o.cache));
      p = 2 + len;
    }
    while (!d.done && end - p >= 5) {
      const type = b[p]!;
      const version = (b[p + 1]! << 8) | b[p + 2]!;
      const len = (b[p + 3]! << 8) | b[p + 4]!;
      if (b[p + 1] !== 3 || len > MAX_RECORD || type < CT_CHANGE_CIPHER_SPEC || type > CT_APPLICATION_DATA + 1) {
        if (this.tls === null) this.tls = false;
        else this.anomaly('tls_bad_record', `type ${type} version 0x${version.toString(16)} length ${len}`);
        d.done = true;
        break;
      }
      if (end - p < 5 + len) break;
      if (this.tls === null) {
        this.tls = true;
        this.o.session.appProto ??= 'tls';
        if (this.o.probe === true) return this.decided(end);
      }
      if (d.recordVersion === 0) d.recordVersion = version;
      if (type === CT_HANDSHAKE && d.afterCcs && !plainHello(b, p + 5, len, dir === ORIG ? HT_CLIENT_HELLO : HT_SERVER_HELLO)) {
        d.done = true; // the encrypted Finished of TLS <= 1.2
      } else if (type === CT_HANDSHAKE) {
        this.handshake(dir, d, b, p + 5, p + 5 + len);
      } else if (type === CT_CHANGE_CIPHER_SPEC && d.hsLen === 0) {
        // TLS 1.3 middlebox compatibility (RFC 8446 §D.4): a dummy CCS comes before the second ClientHello,
        // and from the server right after a HelloRetryRequest: only a plain hello of this side may follow it
        d.afterCcs = true;
      } else if (type === CT_ALERT) {
        // a plaintext alert (2 bytes: level, description) before the handshake is encrypted
        const r = this.pending[this.pending.length - 1];
        if (len === 2 && r !== undefined) r.last_alert = alertName(b[p + 6]!);
      } else {
        d.done = true; // change_cipher_spec or application data: encrypted from here
      }
      p += 5 + len;
    }
    return p;
  }

  /**
   * Plain-text lines before TLS (SMTP, RFC 3207): the client's STARTTLS answered by the server's 220 hands
   * the stream over; TLS starts with the next bytes of each side. Lines are found with indexOf and only their
   * first bytes are looked at: the message bodies of a session without STARTTLS cost no strings.
   */
  private plaintext(dir: Dir, d: Direction, data: Uint8Array): void {
    const st = this.starttls!;
    st.seen += data.length;
    if (st.seen > MAX_PLAINTEXT_PRELUDE) {
      this.tls = false;
      this.starttls = null;
      return;
    }
    const head = st.head[dir]!;
    let p = 0;
    while (p < data.length) {
      if (dir === ORIG && data[p] === CT_HANDSHAKE && st.lineLen[ORIG] === 0) {
        // a client line that starts like a TLS record: a ClientHello ends the plain text whatever said so
        // (STARTTLS, FTP's AUTH TLS, IMAP, ...), judged on its first FIRST_LOOK bytes wherever segments end
        if (data.length - p < FIRST_LOOK) {
          d.look ??= new Uint8Array(FIRST_LOOK);
          d.look.set(data.subarray(p));
          d.lookLen = data.length - p;
          st.seen -= d.lookLen; // counted when they come again with the next bytes
          return;
        }
        if (data[p + 1] === 3 && data[p + 5] === HT_CLIENT_HELLO) {
          this.starttls = null;
          this.consume(dir, d, data.subarray(p));
          return;
        }
      }
      const nl = data.indexOf(0x0a, p);
      const stop = nl < 0 ? data.length : nl;
      const keep = Math.min(stop - p, LINE_HEAD - st.headLen[dir]!);
      for (let i = 0; i < keep; i++) head[st.headLen[dir]! + i] = data[p + i]!;
      st.headLen[dir]! += Math.max(keep, 0);
      st.lineLen[dir]! += stop - p;
      if (nl < 0) return;
      p = nl + 1;
      const n = Math.min(st.headLen[dir]!, st.lineLen[dir]!);
      st.headLen[dir] = 0;
      st.lineLen[dir] = 0;
      if (dir === ORIG && isStarttls(head, n)) st.waiting = true;
      else if (dir !== ORIG && st.waiting && replyCode(head, n)) {
        if (head[0] === 0x32 && head[1] === 0x32 && head[2] === 0x30 && (head[3] === 0x20 || head[3] === 0x2d)) {
          // handed over: whatever follows is TLS (the client's next segment is its ClientHello)
          this.starttls = null;
          return;
        }
        if (head[3] === 0x20) st.waiting = false; // refused (454, 502, ...)
      }
    }
  }

  gap(dir: Dir): void {
    // a hole in the handshake: the framing is lost, this direction stops
    const d = this.dirs[dir]!;
    this.lookDone(dir, d);
    if (!d.done && this.tls === true) this.anomaly('tls_handshake_gap', null);
    d.done = true;
    this.release(d);
  }

  end(dir: Dir): void {
    const d = this.dirs[dir]!;
    this.lookDone(dir, d);
    d.done = true;
    this.release(d);
    if (this.dirs[0]!.done && this.dirs[1]!.done) this.flush();
  }

  private handshake(dir: Dir, d: Direction, b: Uint8Array, start: number, end: number): void {
    if (d.skip > 0) {
      // the rest of a long certificate chain whose first certificate was already read
      const n = Math.min(d.skip, end - start);
      d.skip -= n;
      start += n;
      if (start === end) return;
    }
    if (d.hsLen === 0) {
      const p = this.messages(dir, d, b, start, end);
      if (!d.done && p < end) {
        d.hs = append(d.hs, 0, b.subarray(p, end));
        d.hsLen = end - p;
      }
      return;
    }
    d.hs = append(d.hs, d.hsLen, b.subarray(start, end));
    d.hsLen += end - start;
    const p = this.messages(dir, d, d.hs, 0, d.hsLen);
    if (p > 0) {
      d.hs.copyWithin(0, p, d.hsLen);
      d.hsLen -= p;
    }
  }

  /** Handles the whole handshake messages in h[start, end); returns where the first incomplete one starts. */
  private messages(dir: Dir, d: Direction, h: Uint8Array, start: number, end: number): number {
    let p = start;
    while (!d.done && end - p >= 4) {
      const type = h[p]!;
      const len = (h[p + 1]! << 16) | (h[p + 2]! << 8) | h[p + 3]!;
      if (len > MAX_HANDSHAKE_MESSAGE && end - p < 4 + len) {
        // a long certificate chain (zeek tls-fragmented-handshake: 340 KB): read the first certificate from
        // the start of the message and skip the rest as it arrives, instead of buffering it whole
        const der = type === HT_CERTIFICATE && dir !== ORIG ? firstCertificate(h, p + 4, end, true) : null;
        if (der !== null) {
          this.certificate(h, p + 4, end, true);
          this.o.certificates?.(certificateList(h, p + 4, end), this.pending[this.pending.length - 1]);
          this.flush();
          d.skip = 4 + len - (end - p);
          p = end;
          break;
        }
        // the first certificate itself may be long (thousands of SANs): wait for it up to MAX_CERTIFICATE
        if (end - p < 4 + MAX_CERTIFICATE && type === HT_CERTIFICATE && dir !== ORIG) break;
        this.anomaly('tls_handshake_too_long', `message type ${type}, ${len} bytes`);
        d.done = true;
        break;
      }
      if (end - p < 4 + len) break;
      this.message(dir, d, type, h, p + 4, p + 4 + len);
      p += 4 + len;
    }
    return p;
  }

  private message(dir: Dir, d: Direction, type: number, b: Uint8Array, start: number, end: number): void {
    const pr = this.problem;
    pr.anomaly = null;
    if (dir === ORIG && type === HT_CLIENT_HELLO) {
      const ch = parseClientHello(b, start, end, pr);
      if (pr.anomaly !== null) this.anomaly(pr.anomaly, null);
      if (++this.hellos > MAX_CLIENT_HELLOS) {
        d.done = true;
        return;
      }
      this.hello(helloRecord(this.o.session, ch, 'tcp', this.hellos, d.recordVersion, this.o.cache));
    } else if (dir !== ORIG && type === HT_SERVER_HELLO) {
      const sh = parseServerHello(b, start, end, pr);
      if (pr.anomaly !== null) this.anomaly(pr.anomaly, null);
      this.serverHello(sh);
      // TLS 1.3: everything after the ServerHello is encrypted (a HelloRetryRequest is followed by a real one)
      if (sh.selectedVersion === 0x0304 && !sh.retry) d.done = true;
    } else if (dir !== ORIG && type === HT_CERTIFICATE) {
      this.certificate(b, start, end);
      this.o.certificates?.(certificateList(b, start, end), this.pending[this.pending.length - 1]);
      this.flush();
    } else if (dir !== ORIG && type === HT_SERVER_HELLO_DONE) {
      this.flush();
      d.done = true;
    }
  }

  private serverHello(sh: ServerHello): void {
    const r = this.pending[this.pending.length - 1];
    if (r === undefined) {
      this.anomaly('tls_server_hello_without_client_hello', null);
      return;
    }
    answer(r, sh, this.o.cache);
    // 0x0304 in legacy_version itself was how drafts before 16 said TLS 1.3 (later: 0x0303 + supported_versions)
    if (sh.selectedVersion === null && sh.legacyVersion === 0x0304) r.version = 'TLSv13-draft<16';
    // TLS 1.3 encrypts the certificate: the record is complete; TLS <= 1.2 sends it next in the clear
    if (sh.retry || r.version?.startsWith('TLSv13') === true || this.o.certificate === undefined) this.flush();
  }

  private certificate(b: Uint8Array, start: number, end: number, partial = false): void {
    const r = this.pending[this.pending.length - 1];
    const der = firstCertificate(b, start, end, partial);
    if (r === undefined || der === null) {
      if (der === null) this.anomaly('tls_certificate_malformed', null);
      return;
    }
    // nothing in the run wants the certificate's fields: the record still waits for it (it goes out at the same point)
    if (this.o.certificate === 'unread') return;
    const c = this.o.certificate?.(der) ?? null;
    if (c === null) {
      this.anomaly('tls_certificate_unreadable', `${der.length} bytes of DER`);
      return;
    }
    r.subject = c.subject;
    r.issuer = c.issuer;
    r.san = c.san === null ? null : [...c.san];
    r.not_before = c.notBefore;
    r.not_after = c.notAfter;
    r.cert_sha256 = c.sha256;
    r.cert_sha1 = c.sha1;
    r.cert_serial = c.serial;
    if (c.unreadable.length > 0) this.anomaly('x509_field_unreadable', `${c.unreadable.join(', ')} (certificate sha256 ${c.sha256})`);
  }

  /** A probe has its answer: both directions are done (nothing parsed, nothing emitted). */
  private decided(end: number): number {
    this.dirs[0]!.done = true;
    this.dirs[1]!.done = true;
    return end;
  }

  private hello(r: TlsRecord): void {
    this.pending.push(r);
    this.o.hello?.(r);
  }

  private flush(): void {
    for (const r of this.pending) this.o.emit(finished(r, this.o.anomalies));
    this.pending = [];
  }

  private release(d: Direction): void {
    d.rec = EMPTY;
    d.recLen = 0;
    d.hs = EMPTY;
    d.hsLen = 0;
  }

  private anomaly(name: string, detail: string | null): void {
    this.o.anomalies.add(this.o.session.last, this.o.session.uid, name, detail);
  }
}

/**
 * The client's first delivery of a stream is one whole handshake record (22, 3.x) whose first message is a
 * ClientHello: on exactly this delivery the analyzer takes the session as TLS (deliver: no SMTP start, a
 * ClientHello start, records(): a valid header and the whole record), so a probe that wants only app_proto can
 * decide without making an analyzer. Anything else goes to the analyzer.
 */
export function opensWithClientHelloRecord(dir: Dir, data: Uint8Array): boolean {
  if (dir !== ORIG || data.length < 6) return false;
  const len = (data[3]! << 8) | data[4]!;
  return data[0] === CT_HANDSHAKE && data[1] === 3 && data[5] === HT_CLIENT_HELLO && len <= MAX_RECORD && data.length >= 5 + len;
}

/** The first bytes of a client stream: a handshake record (22, 3.x) whose first message is a ClientHello. */
function looksLikeClientHello(data: Uint8Array, d: Direction): boolean {
  if (d.recLen > 0) return true; // decided on the first delivery
  // SSLv2-compatible: high bit set in the 2-byte header, then CLIENT-HELLO (1) and a version 0x0002/0x03xx
  if (data.length >= 5 && (data[0]! & 0x80) !== 0 && data[2] === HT_CLIENT_HELLO && (data[3] === 3 || (data[3] === 0 && data[4] === 2))) return true;
  if (data.length < 1 || data[0] !== CT_HANDSHAKE) return false;
  if (data.length >= 2 && data[1] !== 3) return false;
  if (data.length >= 6 && data[5] !== HT_CLIENT_HELLO) return false;
  return true;
}

/** The start of an SMTP dialogue: the server's 220 greeting, or a client EHLO/HELO (RFC 5321 §4.1.1.1). */
function startsSmtp(dir: Dir, data: Uint8Array): boolean {
  if (data.length < 4) return false;
  if (dir !== ORIG) return data[0] === 0x32 && data[1] === 0x32 && data[2] === 0x30;
  return startsWord(data, 'EHLO') || startsWord(data, 'HELO');
}

/** data[0, n) starts with the ASCII word w, in any case. */
function startsWord(data: Uint8Array, w: string, n = data.length): boolean {
  if (n < w.length) return false;
  for (let i = 0; i < w.length; i++) if ((data[i]! | 0x20) !== (w.charCodeAt(i) | 0x20)) return false;
  return true;
}

/** The line head[0, n) (CR included, LF not) is "STARTTLS" in any case, maybe followed by blanks. */
function isStarttls(head: Uint8Array, n: number): boolean {
  if (n < 8 || n >= LINE_HEAD || !startsWord(head, 'STARTTLS', n)) return false;
  for (let i = 8; i < n; i++) if (head[i] !== 0x20 && head[i] !== 0x09 && head[i] !== 0x0d) return false;
  return true;
}

/** The line starts with a 3-digit reply code and a space or hyphen. */
function replyCode(head: Uint8Array, n: number): boolean {
  if (n < 4) return false;
  for (let i = 0; i < 3; i++) if (head[i]! < 0x30 || head[i]! > 0x39) return false;
  return head[3] === 0x20 || head[3] === 0x2d;
}

/**
 * Where a TLS record holding the start of a hello of `type` begins inside a prelude (a proxy's CONNECT and
 * its answer, maybe in the same segments as the hellos), searched from `from`, or -1. The record and handshake lengths must agree, so random bytes do not.
 */
function helloIn(b: Uint8Array, type: number, from: number): number {
  for (let i = b.indexOf(CT_HANDSHAKE, from); i >= 0 && i + 9 <= b.length; i = b.indexOf(CT_HANDSHAKE, i + 1)) {
    if (b[i + 1] !== 3 || b[i + 2]! > 4 || b[i + 5] !== type || b[i + 9] !== 3) continue;
    const rec = (b[i + 3]! << 8) | b[i + 4]!;
    const hs = (b[i + 6]! << 16) | (b[i + 7]! << 8) | b[i + 8]!;
    if (rec >= 40 && rec <= MAX_RECORD && (hs === rec - 4 || hs > rec - 4)) return i;
  }
  return -1;
}

/** A whole Client- or ServerHello in one record, with a plausible legacy_version: not an encrypted message. */
function plainHello(b: Uint8Array, off: number, len: number, type: number): boolean {
  if (len < 6 || b[off] !== type) return false;
  const mlen = (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
  return mlen === len - 4 && b[off + 4] === 3 && b[off + 5]! <= 4;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Appends data (copied) after len bytes of buf, growing it when needed. */
function append(buf: Uint8Array, len: number, data: Uint8Array): Uint8Array {
  if (len + data.length > buf.length) {
    const next = new Uint8Array(Math.max(len + data.length, buf.length * 2, 2048));
    next.set(buf.subarray(0, len));
    buf = next;
  }
  buf.set(data, len);
  return buf;
}
