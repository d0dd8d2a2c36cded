// SMTP over a reassembled TCP stream (RFC 5321, PIPELINING RFC 2920, CHUNKING/BDAT RFC 3030, AUTH RFC 4954,
// STARTTLS RFC 3207): commands matched with replies in order, each message's content taken out with
// dot-stuffing undone, detection by content on any port. Malformed input is an anomaly, never an exception.
import { latin1 } from '../../core/latin1.js';
import type { AnomalyLog } from '../../core/anomaly.js';
import { limitOption } from '../../core/limits.js';
import type { Session } from '../../flow/session.js';
import { listBoundOf } from '../../schema/bounds.js';
import { SMTP } from '../../schema/smtp.js';
import { ORIG, type Dir, type StreamAnalyzer } from '../../reassembly/stream-analyzer.js';
import type { Fetch } from '../mailbox/fetched-message.js';
import { DotBody, type MessageBytes } from '../message-bytes.js';

/** RFC 5321 §4.5.3.1.4 allows 512-byte command lines; real clients stay well under this. */
export const MAX_LINE = 4096;
/**
 * A message's content kept for MIME decoding (as HTTP keeps the first 64 MiB of a body): a longer message keeps
 * its start, which is parsed (headers, skeleton, the parts inside it); the rest is counted (data_bytes).
 */
export const MAX_MESSAGE = 64 * 1024 * 1024;
/** Client bytes held while a pipelined DATA waits for its reply (the client should be waiting too). */
const MAX_HELD = 64 * 1024;
/** Client bytes looked through for a first SMTP command before giving up on the stream. */
const MAX_UNDECIDED = 4096;
/**
 * Commands waiting for their replies. A pipelining client sends a transaction's commands at once (RFC 2920: a
 * handful); beyond this the oldest are dropped (their replies, when they come, are skipped in order) so that a
 * flood of pipelined commands cannot stop the reading of a mail behind it.
 */
export const MAX_PENDING = 1000;
/** RCPT TO addresses kept per transaction: the smtp record's bound (schema/smtp.ts); the rest are counted. */
const MAX_RECIPIENTS = listBoundOf(SMTP, 'rcpt_to').items;

/** One mail transaction (or, for a session that switched to TLS, the session's state at that point). */
export interface SmtpMessage {
  session: Session;
  /** 1 for the first message of the session */
  transDepth: number;
  /** time of the MAIL command (of the first data byte for BDAT/DATA without MAIL) */
  ts: number;
  /** time the content was complete (or cut short) */
  endTs: number;
  helo: string | null;
  mailFrom: string | null;
  /** the first MAX_RECIPIENTS RCPT TO addresses (smtp_too_many_recipients says how many there were) */
  rcptTo: string[];
  /**
   * message content (dot-stuffing removed, line endings as sent), its first maxMessage bytes; null when none was
   * sent: the session switched to TLS, or the transaction ended without a message (MAIL or every RCPT refused,
   * DATA refused, RSET or QUIT before DATA), and then lastReply is the reply that ended it
   */
  data: Uint8Array | null;
  /** content bytes seen (also beyond maxMessage: then data holds the start only) */
  dataBytes: number;
  /** bytes of the content lost to capture gaps */
  missingBytes: number;
  lastReply: string | null;
  starttls: boolean;
  authMechanism: string | null;
  authUser: string | null;
  /** set for a message a client fetched from its mailbox (POP3/IMAP, analyzers/mailbox): how it came */
  fetched?: Fetch;
}

export interface SmtpAnalyzerOptions {
  session: Session;
  anomalies: AnomalyLog;
  emit(m: SmtpMessage): void;
  /** content bytes kept per message (default MAX_MESSAGE) */
  maxMessage?: number;
  /** only the session's protocol is wanted (a probe for app_proto): stop as soon as it is decided */
  probe?: boolean | undefined;
}

/**
 * 'starttls': the server said 220 to STARTTLS; the client's next bytes tell whether TLS follows (the stream is
 * encrypted from here) or SMTP goes on in clear (a capture exported with the TLS removed, or a client that
 * ignored the hand-over).
 */
type State = 'undecided' | 'command' | 'wait-data' | 'data' | 'bdat' | 'auth' | 'resync-data' | 'starttls' | 'done';

interface Pending {
  /** the command, or "." for the end of a DATA transfer (its reply is the verdict on the message) */
  verb: string;
  arg: string;
  /** a BDAT ... LAST: its reply is the verdict */
  last?: boolean;
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8');
const COMMAND = /^([A-Za-z]{4,8})(?:[ \t]+(.*))?$/;
const FIRST_COMMANDS = new Set(['EHLO', 'HELO', 'LHLO', 'MAIL', 'RCPT', 'NOOP', 'RSET', 'VRFY', 'STARTTLS', 'AUTH', 'QUIT']);

export class SmtpAnalyzer implements StreamAnalyzer {
  private state: State = 'undecided';
  private readonly o: SmtpAnalyzerOptions;
  /** partial line of each side */
  /** grows up to MAX_LINE as lines need it (most sessions on a TCP port are not SMTP and need none) */
  private readonly line: [Uint8Array, Uint8Array] = [EMPTY, EMPTY];
  private readonly lineLen: [number, number] = [0, 0];
  /** the current line is longer than MAX_LINE: its start is kept, the rest dropped */
  private readonly cut: [boolean, boolean] = [false, false];
  private undecided = 0;
  private readonly ended = [false, false];
  /** the server's side has sent something (a one-sided capture has none) */
  private serverSeen = false;
  /** the server's first line has been read */
  private serverSeenLine = false;
  private flushed = false;
  /** commands waiting for their replies, oldest first */
  private pending: Pending[] = [];
  /** replies still to come for commands dropped from `pending` (MAX_PENDING), skipped as they arrive */
  private dropped = 0;
  /** client bytes that arrived while a DATA waited for its reply */
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  /** multi-line reply being read */
  private replyText: string[] = [];
  private bdatLeft = 0;
  private bdatLast = false;
  private authStep = 0;
  // transaction
  private helo: string | null = null;
  private mailFrom: string | null = null;
  private rcptTo: string[] = [];
  /** RCPT TO addresses of the transaction beyond MAX_RECIPIENTS, counted */
  private rcptOver = 0;
  private txTs = 0;
  /** a MAIL or RCPT was sent since the last transaction ended: an ending without a message is recorded too */
  private txOpen = false;
  /** the last reply to a command of the transaction (MAIL, RCPT, DATA): the one that refused it, if any */
  private txReply: string | null = null;
  /** the session went through STARTTLS and the capture shows what followed in clear */
  private tlsClear = false;
  private content: MessageBytes | null = null;
  private missing = 0;
  private depth = 0;
  private lastReply: string | null = null;
  private authMechanism: string | null = null;
  private authUser: string | null = null;
  /** complete messages waiting for the server's verdict (pipelined clients may go on meanwhile) */
  private awaiting: SmtpMessage[] = [];
  /** DATA's dot-stuffed body being read (its content is `content`) */
  private body: DotBody | null = null;

  private readonly maxMessage: number;

  constructor(o: SmtpAnalyzerOptions) {
    this.o = o;
    this.maxMessage = limitOption('maxMessage', o.maxMessage, MAX_MESSAGE, 1);
  }

  get active(): boolean {
    return this.state !== 'done';
  }

  deliver(dir: Dir, data: Uint8Array): void {
    if (this.state === 'done') return;
    if (dir === ORIG) this.client(data, 0);
    else this.server(data);
  }

  gap(dir: Dir, len: number): void {
    if (this.state === 'done' || this.state === 'undecided') {
      this.state = 'done';
      return;
    }
    this.lineLen[dir] = 0;
    if (dir !== ORIG) {
      // replies lost: which command they answered is unknown from here
      this.pending = [];
      this.dropped = 0;
      this.replyText = [];
      return;
    }
    this.anomaly('smtp_gap', `${len} bytes of the client's stream missing`);
    if (this.content !== null && (this.state === 'data' || this.state === 'bdat')) {
      this.missing += len;
      // the rest of this message cannot be framed: skip to its end marker, then commands again
      this.state = this.state === 'data' ? 'resync-data' : 'command';
      this.finishMessage();
    }
  }

  end(dir: Dir): void {
    // the server's verdict may come after the client's FIN: the session's messages go out when both sides end
    this.ended[dir] = true;
    if (!this.ended[0] || !this.ended[1]) return;
    this.flushAll();
  }

  private flushAll(): void {
    if (this.flushed) return;
    this.flushed = true;
    if (this.state === 'wait-data' && this.held.length > 0) {
      // the reply to DATA never came, but the content did: take it as the content
      this.state = 'data';
      this.release();
    }
    for (const m of this.awaiting) this.o.emit(m);
    this.awaiting = [];
    if (this.state === 'starttls') this.switchToTls();
    if (this.content !== null) this.finishMessage();
    // (an analyzer that stopped on a protocol violation has nothing more to say about the transaction)
    if (this.state !== 'done') this.endTransaction();
    this.countRecipients();
    this.state = 'done';
  }

  // ---------------------------------------------------------------------------------------------- client

  private client(b: Uint8Array, start: number): void {
    let p = start;
    while (p < b.length && this.state !== 'done') {
      switch (this.state) {
        case 'wait-data':
          this.hold(b.subarray(p));
          return;
        case 'starttls':
          // a command starts with a letter; a TLS record (0x16 ...) or an SSLv2 hello does not
          if (!isLetter(b[p]!)) {
            this.switchToTls();
            return;
          }
          this.tlsClear = true;
          this.state = 'command';
          break;
        case 'data':
          p = this.dataBytes(b, p);
          break;
        case 'resync-data':
          p = this.resync(b, p);
          break;
        case 'bdat': {
          const n = Math.min(this.bdatLeft, b.length - p);
          this.content!.push(b, p, p + n);
          this.bdatLeft -= n;
          p += n;
          if (this.bdatLeft === 0) {
            this.state = 'command';
            if (this.bdatLast) this.endOfData(false);
          }
          break;
        }
        case 'undecided':
        case 'command':
        case 'auth': {
          const nl = b.indexOf(0x0a, p);
          const stop = nl < 0 ? b.length : nl;
          this.append(ORIG, b, p, stop);
          if (nl < 0) return;
          p = nl + 1;
          const text = this.takeLine(ORIG);
          if (text !== null) this.command(text);
        }
      }
    }
  }

  /** Content bytes of a DATA transfer: dot-unstuffed, up to the lone "." line. */
  private dataBytes(b: Uint8Array, p: number): number {
    const e = this.body!.push(b, p);
    if (e < 0) return b.length;
    this.endOfData(true);
    return e;
  }

  /** After a gap inside DATA: skip to the end-of-data line, then read commands again. */
  private resync(b: Uint8Array, p: number): number {
    while (p < b.length) {
      const nl = b.indexOf(0x0a, p);
      const stop = nl < 0 ? b.length : nl;
      this.append(ORIG, b, p, stop);
      if (nl < 0) return b.length;
      p = nl + 1;
      const text = this.takeLine(ORIG);
      if (text === '.') {
        this.state = 'command';
        return p;
      }
    }
    return p;
  }

  private hold(b: Uint8Array): void {
    if (this.heldBytes + b.length > MAX_HELD) {
      this.anomaly('smtp_pipelining_overflow', 'client data sent before the reply to DATA');
      this.state = 'done';
      return;
    }
    this.held.push(b.slice());
    this.heldBytes += b.length;
  }

  private command(text: string): void {
    const m = COMMAND.exec(text.trim());
    const verb = m?.[1]?.toUpperCase() ?? '';
    const arg = m?.[2]?.trim() ?? '';
    if (this.state === 'undecided') {
      this.undecided += text.length + 1;
      // FTP's AUTH TLS/SSL (RFC 4217) is no SASL mechanism: that session is FTP's
      if (!FIRST_COMMANDS.has(verb) || (verb === 'AUTH' && /^(?:TLS|SSL|TLS-[CP])$/i.test(arg))) {
        if (this.undecided > MAX_UNDECIDED || text.length > 0) this.state = 'done';
        return;
      }
      this.state = 'command';
      this.o.session.appProto ??= 'smtp';
      if (this.o.probe === true) {
        this.state = 'done';
        return;
      }
    }
    if (this.state === 'auth') {
      this.saslResponse(text.trim());
      return;
    }
    if (m === null || m[1] === undefined) {
      if (text.trim() !== '') this.anomaly('smtp_bad_command', text.slice(0, 100));
      return;
    }
    if (this.pending.length >= MAX_PENDING) this.dropOldest();
    switch (verb) {
      case 'EHLO':
      case 'HELO':
      case 'LHLO':
        this.helo = arg;
        break;
      case 'MAIL':
        if (this.content !== null) this.finishMessage();
        this.endTransaction();
        this.mailFrom = address(arg, 'FROM');
        this.txTs = this.o.session.last;
        this.txOpen = true;
        break;
      case 'RCPT': {
        const to = address(arg, 'TO');
        if (to === null) break;
        if (!this.txOpen) {
          this.txOpen = true;
          this.txTs = this.o.session.last;
        }
        if (this.rcptTo.length < MAX_RECIPIENTS) this.rcptTo.push(to);
        else this.rcptOver++;
        break;
      }

      case 'DATA':
        this.startContent();
        // the content follows the server's 354; what the client sends before it is held until then (a
        // capture that has only the client's side goes straight on)
        this.state = this.serverSeen ? 'wait-data' : 'data';
        break;
      case 'BDAT': {
        const bm = /^(\d{1,10})(?:\s+(LAST))?\s*$/i.exec(arg);
        if (bm === null) {
          this.anomaly('smtp_bad_bdat', `BDAT ${arg.slice(0, 40)}`);
          this.state = 'done';
          return;
        }
        if (this.content === null) this.startContent();
        this.bdatLeft = Number(bm[1]);
        this.bdatLast = bm[2] !== undefined;
        this.pending.push({ verb, arg, last: this.bdatLast });
        if (this.bdatLeft > 0) this.state = 'bdat';
        else if (this.bdatLast) this.endOfData(false);
        return;
      }
      case 'RSET':
        if (this.content !== null) this.finishMessage();
        this.endTransaction();
        break;
      case 'AUTH': {
        const [mech = '', initial] = arg.split(/\s+/);
        this.authMechanism = mech.toUpperCase();
        this.authStep = 0;
        if (initial !== undefined && initial !== '=') this.saslResponse(initial, true);
        break;
      }
      default:
        break;
    }
    this.pending.push({ verb, arg });
  }

  /** A SASL response line: PLAIN carries authzid\0authcid\0password, LOGIN the user name first. */
  private saslResponse(text: string, initial = false): void {
    if (!initial) this.state = 'command';
    if (text === '*') return; // cancelled
    const decoded = base64Text(text);
    if (decoded === null) return;
    if (this.authMechanism === 'PLAIN') {
      const parts = decoded.split('\0');
      if (parts.length >= 3) this.authUser = parts[1]! || parts[0]!;
    } else if (this.authMechanism === 'LOGIN' && this.authStep === 0 && this.authUser === null) {
      this.authUser = decoded;
    }
    this.authStep++;
  }

  /**
   * The oldest command waiting for its reply is given up: its reply, when it comes, is skipped (replies come in
   * order). A message waiting for that verdict goes out without it.
   */
  private dropOldest(): void {
    const old = this.pending.shift()!;
    this.dropped++;
    this.anomaly('smtp_pending_dropped', `${old.verb}: more than ${MAX_PENDING} commands without replies, the oldest given up`);
    if (old.verb === '.' || old.last === true) {
      const m = this.awaiting.shift();
      if (m !== undefined) this.o.emit(m);
    }
  }

  private startContent(): void {
    this.body = new DotBody(this.maxMessage);
    this.content = this.body.content;
    this.missing = 0;
    if (this.txTs === 0) this.txTs = this.o.session.last;
  }

  /**
   * The content is complete: the message waits for the server's verdict (the reply to the end of data, or to
   * BDAT LAST), while the client may already start the next transaction.
   */
  private endOfData(dot: boolean): void {
    this.state = 'command';
    const m = this.message();
    if (m === null) return;
    this.awaiting.push(m);
    if (dot) this.pending.push({ verb: '.', arg: '' });
  }

  /** A message that ends without its end of data (gap, RSET, end of the session) goes out as it is. */
  private finishMessage(): void {
    const m = this.message();
    if (m !== null) this.o.emit(m);
  }

  /** The current content as a message (the transaction ends with it). */
  private message(): SmtpMessage | null {
    const c = this.content;
    if (c === null) return null;
    this.content = null;
    const m = this.transaction(c.bytes(), c.total, this.missing, this.lastReply);
    if (c.cut) this.anomaly('smtp_message_too_large', `${c.total} bytes: the first ${c.kept} are kept and parsed`);
    this.resetTransaction();
    return m;
  }

  private verdict(text: string): void {
    const m = this.awaiting.shift();
    if (m === undefined) return;
    m.lastReply = text;
    this.o.emit(m);
  }

  private resetTransaction(): void {
    this.countRecipients();
    this.mailFrom = null;
    this.rcptTo = [];
    this.txTs = 0;
    this.txOpen = false;
    this.txReply = null;
  }

  /**
   * The transaction ends here without a message (MAIL refused, every RCPT refused and DATA refused or never
   * sent, RSET, QUIT, a new MAIL, the end of the session): it is recorded with its envelope and the reply that
   * ended it, as Zeek's smtp.log and Arkime do. Nothing happens outside a transaction.
   */
  private endTransaction(refused = false): void {
    if (this.txOpen && (this.content === null || refused)) {
      this.o.emit(this.transaction(null, 0, 0, this.txReply ?? this.lastReply));
    }
    this.resetTransaction();
  }

  /** The current transaction as a message: its envelope, and the content when there is one (null when refused). */
  private transaction(data: Uint8Array | null, dataBytes: number, missingBytes: number, lastReply: string | null): SmtpMessage {
    return {
      session: this.o.session,
      transDepth: ++this.depth,
      ts: this.txTs || this.o.session.last,
      endTs: this.o.session.last,
      helo: this.helo,
      mailFrom: this.mailFrom,
      rcptTo: this.rcptTo,
      data,
      dataBytes,
      missingBytes,
      lastReply,
      starttls: this.tlsClear,
      authMechanism: this.authMechanism,
      authUser: this.authUser,
    };
  }

  /** A transaction with more RCPT TO than are kept ends: how many there were. */
  private countRecipients(): void {
    if (this.rcptOver === 0) return;
    const n = this.rcptTo.length + this.rcptOver;
    this.rcptOver = 0;
    this.anomaly('smtp_too_many_recipients', `rcpt_to: ${n} entries, first ${this.rcptTo.length} kept (at most ${MAX_RECIPIENTS})`);
  }

  // ---------------------------------------------------------------------------------------------- server

  private server(b: Uint8Array): void {
    this.serverSeen = true;
    if (this.state === 'starttls' && b.length > 0 && !isReplyStart(b[0]!)) {
      // the server's side of a TLS handshake (the client's hello was not seen): encrypted from here
      this.switchToTls();
      return;
    }
    let p = 0;
    while (p < b.length && this.state !== 'done') {
      const nl = b.indexOf(0x0a, p);
      const stop = nl < 0 ? b.length : nl;
      this.append(1, b, p, stop);
      if (nl < 0) return;
      p = nl + 1;
      const text = this.takeLine(1);
      if (text !== null) this.reply(text);
    }
  }

  private reply(text: string): void {
    const m = /^(\d{3})([ -]?)(.*)$/.exec(text);
    const first = !this.serverSeenLine;
    this.serverSeenLine = true;
    if (m === null && first && this.state === 'undecided') {
      // a server that greets with no reply code (POP3's +OK, IMAP's * OK) is not an SMTP server
      this.state = 'done';
      return;
    }
    if (m === null) {
      if (this.state !== 'undecided') this.anomaly('smtp_bad_reply', text.slice(0, 100));
      return;
    }
    this.replyText.push(text);
    if (m[2] === '-') {
      if (this.replyText.length > 100) this.replyText = this.replyText.slice(-1);
      return;
    }
    const code = Number(m[1]);
    const full = this.replyText.join('\n');
    this.replyText = [];
    if (this.state === 'undecided') return; // the greeting: who speaks first decides nothing yet
    if (this.dropped > 0) {
      // the reply to a command given up on (the oldest ones are answered first)
      this.dropped--;
      return;
    }
    const cmd = this.pending.shift();
    if (cmd === undefined) return; // the greeting, or a reply nobody asked for
    this.lastReply = full;
    if (this.txOpen && (cmd.verb === 'MAIL' || cmd.verb === 'RCPT' || cmd.verb === 'DATA' || cmd.verb === 'BDAT')) this.txReply = full;
    switch (cmd.verb) {
      case '.':
        this.verdict(full);
        return;
      case 'DATA':
        // only a client held back by it waits for this reply: content read before the server's side was seen
        // (and maybe already ended) is not taken again, nor dropped
        if (this.state !== 'wait-data') return;
        if (code === 354) {
          this.state = 'data';
          this.release();
        } else {
          // DATA refused (no valid recipients, or no MAIL): the transaction ends without its message
          this.content = null;
          this.state = 'command';
          this.endTransaction();
          this.release();
        }
        return;
      case 'BDAT':
        if (cmd.last === true) this.verdict(full);
        return;
      case 'STARTTLS':
        // the client's next bytes say whether TLS follows (see 'starttls')
        if (code === 220) this.state = 'starttls';
        return;
      case 'AUTH':
        if (code === 334) {
          // a challenge: the client answers with a line, and the exchange goes on until 235 or 5xx
          this.state = 'auth';
          this.pending.unshift(cmd);
        }
        return;
      case 'MAIL':
        // refused: the transaction ends here (RCPTs pipelined behind it are part of it; so is a DATA, whose
        // content, if the server takes it all the same, is a message of its own)
        if (code >= 400) this.endTransaction(true);
        return;
      default:
        return;
    }
  }

  /** The client bytes held while DATA waited for its reply, read now in the state the reply set. */
  private release(): void {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const h of held) this.client(h, 0);
  }

  private switchToTls(): void {
    this.o.emit({
      session: this.o.session,
      transDepth: ++this.depth,
      ts: this.o.session.last,
      endTs: this.o.session.last,
      helo: this.helo,
      mailFrom: this.mailFrom,
      rcptTo: this.rcptTo,
      data: null,
      dataBytes: 0,
      missingBytes: 0,
      lastReply: this.lastReply,
      starttls: true,
      authMechanism: this.authMechanism,
      authUser: this.authUser,
    });
    this.state = 'done';
  }

  // ---------------------------------------------------------------------------------------------- lines

  private append(dir: Dir, b: Uint8Array, start: number, end: number): void {
    if (this.cut[dir]) return;
    let n = end - start;
    if (this.lineLen[dir] + n > MAX_LINE) {
      // a command or reply this long is an attack or a broken peer (RFC 5321 allows 512 bytes): it still
      // counts as one (its reply is matched to it), cut to its first MAX_LINE bytes
      this.anomaly('smtp_line_too_long', `${dir === ORIG ? 'client' : 'server'} line over ${MAX_LINE} bytes, cut`);
      this.cut[dir] = true;
      n = MAX_LINE - this.lineLen[dir];
      end = start + n;
    }
    if (this.lineLen[dir] + n > this.line[dir].length) {
      const next = new Uint8Array(Math.min(MAX_LINE, Math.max(256, this.line[dir].length * 2, this.lineLen[dir] + n)));
      next.set(this.line[dir].subarray(0, this.lineLen[dir]));
      this.line[dir] = next;
    }
    this.line[dir].set(b.subarray(start, end), this.lineLen[dir]);
    this.lineLen[dir] += n;
  }

  /** The completed line (without CR LF / LF; a line over MAX_LINE bytes cut to them). */
  private takeLine(dir: Dir): string {
    this.cut[dir] = false;
    let n = this.lineLen[dir];
    this.lineLen[dir] = 0;
    const l = this.line[dir];
    if (n > 0 && l[n - 1] === 0x0d) n--;
    return latin1(l, 0, n);
  }

  private anomaly(name: string, detail: string | null): void {
    this.o.anomalies.add(this.o.session.last, this.o.session.uid, name, detail);
  }
}


function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** A reply line starts with a digit. */
function isReplyStart(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The address of `FROM:<a@b> SIZE=1` / `TO:<a@b>` (without brackets; "" for the null sender <>). */
function address(arg: string, key: string): string | null {
  const m = new RegExp(`^${key}\\s*:\\s*(<[^>]*>|\\S+)`, 'i').exec(arg);
  if (m === null) return null;
  return m[1]!.replace(/^<|>$/g, '');
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A base64 SASL response as UTF-8 text, or null when it is not base64. */
function base64Text(s: string): string | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) return null;
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of s.replace(/=+$/, '')) {
    acc = (acc << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return utf8.decode(Uint8Array.from(out));
}
