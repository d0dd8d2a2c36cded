// POP3 over a reassembled TCP stream (RFC 1939; CAPA RFC 2449, STLS RFC 2595, AUTH RFC 5034): commands matched
// in order with their +OK/-ERR status lines, multi-line replies read to their "." line, one pop3 row per
// command. Detection by content on any port: a +OK greeting and a POP3 command (or port 110). Credentials are
// never kept: PASS is dropped, APOP keeps its name, AUTH its mechanism, and password_seen says one was sent.
// The messages of RETR and TOP (+OK multi-line replies) are read byte by byte, dot-unstuffed, and handed over
// for the MIME path (fetched-message.ts) when asked for; nothing is built for them before such a reply starts.
import type { AnomalyLog } from '../../core/anomaly.js';
import type { Session } from '../../flow/session.js';
import { ORIG, RESP, type Dir, type StreamAnalyzer } from '../../reassembly/stream-analyzer.js';
import type { Pop3Record } from '../../schema/pop3.js';
import type { SmtpMessage } from '../smtp/smtp-analyzer.js';
import { endpoints } from '../endpoints.js';
import { firstCommand, LineSplitter } from '../lines.js';
import { fetchedMessage, MAILBOX_MAX_MESSAGE, type MessageSpans } from './fetched-message.js';
import { DotBody } from '../message-bytes.js';
import { saslUser } from './sasl.js';

export const POP3_MAX_LINE = 4096;
export const POP3_MAX_PENDING = 64;

const VERBS = new Set(['USER', 'PASS', 'APOP', 'QUIT', 'STAT', 'LIST', 'RETR', 'DELE', 'NOOP', 'RSET', 'TOP', 'UIDL', 'CAPA', 'STLS', 'AUTH', 'UTF8', 'LANG', 'XTND', 'LAST']);
const FIRST = new Set(['USER', 'APOP', 'CAPA', 'STLS', 'AUTH', 'QUIT', 'STAT', 'UIDL', 'LIST', 'UTF8', 'NOOP']);

export interface Pop3AnalyzerOptions {
  session: Session;
  anomalies: AnomalyLog;
  emit(r: Pop3Record): void;
  /** only the session's protocol is wanted (a probe for app_proto): stop as soon as it is decided */
  probe?: boolean | undefined;
  /** the messages of RETR and TOP replies (TOP's marked partial); without it they are only counted as lines */
  message?: ((m: SmtpMessage) => void) | undefined;
  /** message bytes kept per message (default MAILBOX_MAX_MESSAGE) */
  maxMessage?: number | undefined;
  /** told where each message handed over lies in the server's stream */
  spans?: MessageSpans | undefined;
}

type State = 'undecided' | 'command' | 'done';

interface Pending {
  row: Pop3Record;
  /** a +OK starts a multi-line reply */
  multi: boolean;
  /** an AUTH exchange: the client's lines after "+ " challenges are SASL responses */
  mech: string | null;
}

export class Pop3Analyzer implements StreamAnalyzer {
  private state: State = 'undecided';
  private readonly lines: LineSplitter;
  private greeting: { ts: number; ok: boolean; text: string } | null = null;
  private greeted = false;
  private undecided = 0;
  private user: string | null = null;
  private passwordSeen = false;
  private pending: Pending[] = [];
  /** reading a multi-line reply's lines (for this row) */
  private body: Pending | null = null;
  /** the body is a RETR/TOP message read as bytes (only when messages are wanted) */
  private message: DotBody | null = null;
  /** messages handed over in this session (their trans_depth) */
  private fetched = 0;
  /** the server sent a "+ " challenge: the client's next line is a SASL response for this one */
  private sasl: Pending | null = null;
  private saslStep = 0;
  private readonly ended = [false, false];
  private readonly ends: ReturnType<typeof endpoints>;

  constructor(private readonly o: Pop3AnalyzerOptions) {
    this.lines = new LineSplitter(POP3_MAX_LINE, (dir, t) => (dir === ORIG ? this.command(t) : this.reply(t)), (dir) => {
      // a message's lines may be long (RFC 5322 allows 998, mail sends more): only command lines are held to it
      if (this.state === 'command' && (dir === ORIG || this.body === null)) this.anomaly('pop3_line_too_long', `${dir === ORIG ? 'client' : 'server'} line over ${POP3_MAX_LINE} bytes`);
      else if (dir === RESP && this.body !== null) this.body.row.reply_lines++;
    });
    this.ends = endpoints(o.session);
  }

  get active(): boolean {
    return this.state !== 'done';
  }

  deliver(dir: Dir, data: Uint8Array, offset = 0): void {
    if (this.state === 'done') return;
    if (this.state === 'undecided' && dir === RESP && !this.greeted && this.lines.pending(RESP) === 0 && data.length > 0 && data[0] !== 0x2b && data[0] !== 0x2d) {
      this.state = 'done';
      return;
    }
    let p = 0;
    while (p < data.length && this.active) {
      if (dir === RESP && this.message !== null) {
        const e = this.message.push(data, p);
        if (e < 0) return;
        this.o.spans?.close(offset + e);
        this.endMessage();
        p = e;
        continue;
      }
      p = this.lines.push(dir, data, p, () => this.state === 'done' || (dir === RESP && this.message !== null));
      // a RETR/TOP +OK line was read: the message starts right after it
      if (dir === RESP && this.message !== null) this.o.spans?.open(offset + p);
    }
  }

  gap(dir: Dir, len: number): void {
    if (this.state !== 'command') {
      this.state = 'done';
      return;
    }
    this.lines.reset(dir);
    this.anomaly('pop3_gap', `${len} bytes of the ${dir === ORIG ? 'client' : 'server'}'s stream missing`);
    if (dir === RESP && this.message !== null) {
      // inside a message: the rest of it is still the message, up to its "." line (as SMTP's DATA after a gap)
      this.message.gap(len);
      return;
    }
    if (dir === RESP) {
      this.body = null;
      this.flush();
    }
  }

  end(dir: Dir): void {
    this.ended[dir] = true;
    if (!this.ended[0] || !this.ended[1]) return;
    if (this.state === 'command') {
      if (this.message !== null) this.endMessage();
      else if (this.body !== null) this.out(this.body.row);
      this.body = null;
      this.flush();
    }
    this.state = 'done';
  }

  private command(text: string): void {
    if (this.sasl !== null && this.state === 'command') {
      // a SASL response (never kept): the user of PLAIN or LOGIN is taken out
      const p = this.sasl;
      this.sasl = null;
      if (text.trim() === '*') return;
      const u = saslUser(p.mech!, this.saslStep++, text);
      if (u !== null) this.user = p.row.user = u;
      this.passwordSeen = p.row.password_seen = true;
      return;
    }
    const m = /^\s*([A-Za-z0-9]{3,8})(?:[ \t]+(.*?))?\s*$/.exec(text);
    const verb = m?.[1]!.toUpperCase() ?? '';
    const arg = m?.[2] ?? null;
    if (this.state === 'undecided') {
      this.undecided += text.length + 1;
      const said = firstCommand(this.o.session, 'pop3', FIRST.has(verb) && ((this.greeted && this.greeting?.ok === true) || this.o.session.bPort === 110), text, this.undecided);
      if (said !== 'ours') {
        if (said === 'not') this.state = 'done';
        return;
      }
      this.state = 'command';
      if (this.o.probe === true) {
        this.state = 'done';
        return;
      }
      if (this.greeting !== null) this.emitGreeting();
    }
    if (m === null || !VERBS.has(verb)) {
      if (text.trim() !== '') this.anomaly('pop3_bad_command', text.slice(0, 100));
      if (m === null) return;
    }
    let shown = arg;
    let mech: string | null = null;
    if (verb === 'USER') this.user = arg;
    else if (verb === 'PASS') {
      shown = null;
      this.passwordSeen = true;
    } else if (verb === 'APOP') {
      // APOP name digest: the digest proves the password
      shown = arg?.split(/\s+/)[0] ?? null;
      this.user = shown;
      this.passwordSeen = true;
    } else if (verb === 'AUTH' && arg !== null) {
      const [mechanism = '', initial] = arg.split(/\s+/);
      mech = mechanism.toUpperCase();
      shown = mechanism;
      this.saslStep = 0;
      if (initial !== undefined && initial !== '=') {
        const u = saslUser(mech, this.saslStep++, initial);
        if (u !== null) this.user = u;
        this.passwordSeen = true;
      }
    }
    const row: Pop3Record = {
      uid: this.o.session.uid, ts: this.o.session.last, ...this.ends, user: this.user, password_seen: this.passwordSeen,
      command: verb, arg: shown, status: null, reply_msg: null, reply_lines: 0, capture_id: null,
    };
    // multi-line replies: CAPA, LIST/UIDL without argument, RETR, TOP, and a bare AUTH's mechanism list
    const multi = verb === 'CAPA' || verb === 'RETR' || verb === 'TOP' || ((verb === 'LIST' || verb === 'UIDL' || verb === 'AUTH' || verb === 'LANG') && arg === null);
    if (this.pending.length >= POP3_MAX_PENDING) {
      this.anomaly('pop3_pending_dropped', `more than ${POP3_MAX_PENDING} commands without replies, the oldest written without one`);
      this.out(this.pending.shift()!.row);
    }
    this.pending.push({ row, multi, mech });
  }

  private reply(text: string): void {
    if (this.body !== null) {
      if (text === '.') {
        this.out(this.body.row);
        this.body = null;
      } else this.body.row.reply_lines++;
      return;
    }
    const m = /^(\+OK|-ERR|\+)(?:[ \t]?(.*))?$/i.exec(text);
    if (!this.greeted) {
      this.greeted = true;
      if (m === null || m[1] === '+') {
        if (this.state === 'undecided') this.state = 'done';
        return;
      }
      this.greeting = { ts: this.o.session.last, ok: m[1]!.toUpperCase() === '+OK', text: m[2] ?? '' };
      if (this.state === 'command') this.emitGreeting();
      return;
    }
    if (this.state !== 'command') return;
    if (m === null) {
      this.anomaly('pop3_bad_reply', text.slice(0, 100));
      return;
    }
    const p = this.pending[0];
    if (p === undefined) {
      this.anomaly('pop3_unexpected_reply', text.slice(0, 100));
      return;
    }
    if (m[1] === '+') {
      // a SASL challenge: the client answers with one line
      if (p.mech !== null) this.sasl = p;
      return;
    }
    this.pending.shift();
    const ok = m[1]!.toUpperCase() === '+OK';
    p.row.status = ok ? 'OK' : 'ERR';
    p.row.reply_msg = m[2] ?? '';
    if (this.sasl === p) this.sasl = null;
    if (ok && p.multi) {
      this.body = p;
      if (this.o.message !== undefined && (p.row.command === 'RETR' || p.row.command === 'TOP')) this.message = new DotBody(this.o.maxMessage ?? MAILBOX_MAX_MESSAGE);
      return;
    }
    this.out(p.row);
    if (ok && p.row.command === 'STLS') {
      // handed over to TLS (the TLS analyzer reads what follows)
      this.flush();
      this.state = 'done';
    }
  }

  /** The message being read is complete (its "." line, or the end of the session): its row and the message go out. */
  private endMessage(): void {
    const body = this.message!;
    const p = this.body!;
    this.message = null;
    this.body = null;
    p.row.reply_lines += body.lines;
    const c = body.content;
    if (c.cut) this.anomaly('pop3_message_truncated', `${p.row.command}: the first ${this.o.maxMessage ?? MAILBOX_MAX_MESSAGE} of ${c.total} bytes kept`);
    this.out(p.row);
    const command = p.row.arg === null ? p.row.command : `${p.row.command} ${p.row.arg}`;
    this.o.message!(fetchedMessage(this.o.session, ++this.fetched, p.row.ts, c, p.row.reply_msg === '' ? '+OK' : `+OK ${p.row.reply_msg}`, this.user, { via: 'pop3', command, partial: p.row.command === 'TOP' }));
  }

  private flush(): void {
    const ps = this.pending;
    this.pending = [];
    for (const p of ps) this.out(p.row);
  }

  private out(r: Pop3Record): void {
    this.o.emit(r);
  }

  private emitGreeting(): void {
    const g = this.greeting!;
    this.greeting = null;
    this.out({ uid: this.o.session.uid, ts: g.ts, ...this.ends, user: null, password_seen: false, command: '<init>', arg: null, status: g.ok ? 'OK' : 'ERR', reply_msg: g.text, reply_lines: 0, capture_id: null });
  }

  private anomaly(name: string, detail: string | null): void {
    this.o.anomalies.add(this.o.session.last, this.o.session.uid, name, detail);
  }
}
