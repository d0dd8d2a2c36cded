// IMAP over a reassembled TCP stream (RFC 9051 / 3501; STARTTLS, AUTHENTICATE, LOGIN, IDLE RFC 2177, LITERAL+
// RFC 7888): tagged commands matched with their tagged OK/NO/BAD completions by tag, literals ({n} and {n+}) of
// either side skipped by their length, one imap row per command. Detection by content on any port: a "* OK"
// (or PREAUTH/BYE) greeting and a tagged command (or port 143). Credentials are never kept: LOGIN keeps its
// user name, AUTHENTICATE its mechanism, SASL responses only the identity, and password_seen says one was sent.
// The whole messages of FETCH responses (the literals of BODY[] and RFC822 items) are handed over for the MIME path
// (fetched-message.ts) when asked for; nothing is built for them before such a literal starts.
import type { AnomalyLog } from '../../core/anomaly.js';
import { latin1 } from '../../core/latin1.js';
import type { Session } from '../../flow/session.js';
import { ORIG, RESP, type Dir, type StreamAnalyzer } from '../../reassembly/stream-analyzer.js';
import type { ImapRecord } from '../../schema/imap.js';
import type { SmtpMessage } from '../smtp/smtp-analyzer.js';
import { endpoints } from '../endpoints.js';
import { firstCommand, LineSplitter } from '../lines.js';
import { fetchedMessage, MAILBOX_MAX_MESSAGE, type MessageSpans } from './fetched-message.js';
import { MessageBytes } from '../message-bytes.js';
import { saslUser } from './sasl.js';

export const IMAP_MAX_LINE = 8192;
/** Commands waiting for completion (IMAP clients pipeline; a handful is usual). */
export const IMAP_MAX_PENDING = 256;
/** A client literal this short is read into the command (LOGIN's user name); longer ones are only counted. */
const MAX_KEPT_LITERAL = 1024;

const COMMANDS = new Set([
  'CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'AUTHENTICATE', 'LOGIN', 'ENABLE', 'SELECT', 'EXAMINE', 'CREATE', 'DELETE', 'RENAME',
  'SUBSCRIBE', 'UNSUBSCRIBE', 'LIST', 'LSUB', 'NAMESPACE', 'STATUS', 'APPEND', 'IDLE', 'CHECK', 'CLOSE', 'UNSELECT', 'EXPUNGE', 'SEARCH',
  'FETCH', 'STORE', 'COPY', 'MOVE', 'UID', 'ID', 'GETQUOTA', 'GETQUOTAROOT', 'SETQUOTA', 'GETACL', 'SETACL', 'MYRIGHTS', 'LISTRIGHTS',
  'DELETEACL', 'COMPRESS', 'XLIST', 'GETMETADATA', 'SETMETADATA', 'SORT', 'THREAD', 'UNAUTHENTICATE', 'NOTIFY', 'ESEARCH', 'REPLACE',
]);
const FIRST = new Set(['CAPABILITY', 'LOGIN', 'AUTHENTICATE', 'STARTTLS', 'ID', 'NOOP', 'LOGOUT', 'ENABLE', 'SELECT', 'LIST', 'NAMESPACE']);
const TAGGED = /^([!#-'*,-.0-9:-Z^-z|~]+) ([A-Za-z]+)(?: (.*))?$/;
/** An untagged FETCH response (RFC 9051 §7.5.2). */
const FETCH_RESPONSE = /^\* \d+ FETCH /i;
/**
 * A FETCH item whose literal is the whole message (RFC 9051 §6.4.5: BODY[] and, RFC 3501, RFC822; BODY.PEEK[] is
 * answered as BODY[]); BODY[]<origin> is a partial fetch, a whole message's start only when its origin is 0. Sections
 * (BODY[TEXT], BODY[1], BODY[HEADER]) are not messages and stay with the raw stream.
 */
const MESSAGE_ITEM = /(?:^|[ (])(?:BODY\[\](?:<(\d+)>)?|RFC822) ~?\{\d{1,10}\+?\}$/i;

export interface ImapAnalyzerOptions {
  session: Session;
  anomalies: AnomalyLog;
  emit(r: ImapRecord): void;
  /** only the session's protocol is wanted (a probe for app_proto): stop as soon as it is decided */
  probe?: boolean | undefined;
  /** the messages of FETCH BODY[] / RFC822 responses (BODY[]<0> marked partial); without it their literals are skipped */
  message?: ((m: SmtpMessage) => void) | undefined;
  /** message bytes kept per message (default MAILBOX_MAX_MESSAGE) */
  maxMessage?: number | undefined;
  /** told where each message handed over lies in the server's stream */
  spans?: MessageSpans | undefined;
}

/** A FETCH literal read as a message. */
interface Capture {
  content: MessageBytes;
  partial: boolean;
  ts: number;
  /** the FETCH command it answers, with its tag */
  command: string;
  /** the response line that announced it */
  line: string;
}

type State = 'undecided' | 'command' | 'done';

interface Pending {
  row: ImapRecord;
  /** the mechanism of an AUTHENTICATE (its client lines after "+" are SASL responses) */
  mech: string | null;
}

/** The literal a line ends with ({n} or {n+}, RFC 9051 §4.3), its length, else -1. */
function literalAtEnd(line: string): number {
  const m = /\{(\d{1,10})\+?\}$/.exec(line);
  return m === null ? -1 : Number(m[1]);
}

/** The first argument of an IMAP command: an atom, a quoted string (its escapes undone), or a literal's text. */
function firstString(parts: string[]): string | null {
  const s = parts[0] ?? '';
  if (s.startsWith('"')) {
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(s);
    return m === null ? null : m[1]!.replace(/\\(.)/g, '$1');
  }
  if (/^\{\d+\+?\}$/.test(s)) return parts[1] ?? null;
  const a = /^[^\s()]+/.exec(s);
  return a === null ? null : a[0];
}

export class ImapAnalyzer implements StreamAnalyzer {
  private state: State = 'undecided';
  private readonly lines: LineSplitter;
  private greeting: { ts: number; status: string; text: string } | null = null;
  private greeted = false;
  private undecided = 0;
  private user: string | null = null;
  private passwordSeen = false;
  private pending: Pending[] = [];
  /** literal bytes still to skip, per side */
  private readonly skip = [0, 0];
  /** a client command being read across literals: its text so far (literals as {n}), and the literals' texts */
  private partial: { text: string; literals: string[]; literal: Uint8Array | null; literalLen: number } | null = null;
  /** the server's "+" answered an AUTHENTICATE: the client's next line is a SASL response */
  private sasl: Pending | null = null;
  private saslStep = 0;
  /** the client is idling (IDLE answered with "+"): its next line is DONE */
  private idling = false;
  /** the server's last line ended with a literal: its next line is the rest of that response */
  private serverContinues = false;
  /** the server's current response is an untagged FETCH */
  private inFetch = false;
  /** the server's literal being read is a message (only when messages are wanted) */
  private capture: Capture | null = null;
  /** messages handed over in this session (their trans_depth) */
  private fetched = 0;
  private readonly ended = [false, false];
  private readonly ends: ReturnType<typeof endpoints>;

  constructor(private readonly o: ImapAnalyzerOptions) {
    this.lines = new LineSplitter(IMAP_MAX_LINE, (dir, t) => (dir === ORIG ? this.clientLine(t) : this.serverLine(t)), (dir) => {
      if (this.state === 'command') this.anomaly('imap_line_too_long', `${dir === ORIG ? 'client' : 'server'} line over ${IMAP_MAX_LINE} bytes`);
    });
    this.ends = endpoints(o.session);
  }

  get active(): boolean {
    return this.state !== 'done';
  }

  deliver(dir: Dir, data: Uint8Array, offset = 0): void {
    if (this.state === 'done') return;
    if (this.state === 'undecided' && dir === RESP && !this.greeted && this.lines.pending(RESP) === 0 && data.length > 0 && data[0] !== 0x2a) {
      this.state = 'done';
      return;
    }
    let p = 0;
    while (p < data.length && this.active) {
      const left = this.skip[dir]!;
      if (left > 0) {
        const n = Math.min(left, data.length - p);
        if (dir === ORIG && this.partial?.literal != null) {
          this.partial.literal.set(data.subarray(p, p + n), this.partial.literalLen);
          this.partial.literalLen += n;
        } else if (dir === RESP && this.capture !== null) this.capture.content.push(data, p, p + n);
        this.skip[dir] = left - n;
        p += n;
        if (this.skip[dir] === 0 && this.capture !== null && dir === RESP) {
          this.o.spans?.close(offset + p);
          this.endCapture();
        }
        if (this.skip[dir] === 0 && dir === ORIG && this.partial !== null && this.partial.literal !== null) {
          this.partial.literals.push(latin1(this.partial.literal, 0, this.partial.literalLen));
          this.partial.literal = null;
        }
        continue;
      }
      p = this.lines.push(dir, data, p, () => this.skip[dir]! > 0 || !this.active);
      // a message literal was announced: it starts right after its line
      if (dir === RESP && this.capture !== null) this.o.spans?.open(offset + p);
    }
  }

  gap(dir: Dir, len: number, offset = 0): void {
    if (this.state !== 'command') {
      this.state = 'done';
      return;
    }
    if (dir === RESP && this.skip[RESP]! > len) {
      // the bytes lost lie inside a literal of known length: its end, and what follows, are still framed
      this.skip[RESP] = this.skip[RESP]! - len;
      if (this.capture !== null) this.capture.content.missing += len;
      this.anomaly('imap_gap', `${len} bytes of the server's stream missing`);
      return;
    }
    if (dir === RESP && this.capture !== null) {
      this.capture.content.missing += this.skip[RESP]!;
      // the literal ended inside the gap
      this.o.spans?.close(offset + this.skip[RESP]!);
      this.endCapture();
    }
    this.lines.reset(dir);
    this.skip[dir] = 0;
    if (dir === ORIG) this.partial = null;
    else this.serverContinues = false;
    this.anomaly('imap_gap', `${len} bytes of the ${dir === ORIG ? 'client' : 'server'}'s stream missing`);
  }

  end(dir: Dir): void {
    this.ended[dir] = true;
    if (!this.ended[0] || !this.ended[1]) return;
    if (this.state === 'command') {
      if (this.capture !== null) this.endCapture();
      this.flush();
    }
    this.state = 'done';
  }

  // ---------------------------------------------------------------------------------------------- client

  private clientLine(text: string): void {
    if (this.state === 'command' && this.sasl !== null && this.partial === null) {
      const p = this.sasl;
      this.sasl = null;
      if (text.trim() === '*') return;
      const u = saslUser(p.mech!, this.saslStep++, text);
      if (u !== null) this.user = p.row.user = u;
      this.passwordSeen = p.row.password_seen = true;
      return;
    }
    if (this.state === 'command' && this.idling && this.partial === null) {
      this.idling = false;
      if (/^DONE$/i.test(text.trim())) return;
    }
    const lit = literalAtEnd(text);
    if (this.partial !== null) this.partial.text += text;
    else this.partial = { text, literals: [], literal: null, literalLen: 0 };
    if (lit >= 0) {
      this.skip[ORIG] = lit;
      // only a command's first literal is read (LOGIN's user name); a password literal is skipped unread
      if (lit <= MAX_KEPT_LITERAL && this.partial.literals.length === 0 && this.partial.text.indexOf('{') === this.partial.text.lastIndexOf('{')) {
        this.partial.literal = new Uint8Array(lit);
        this.partial.literalLen = 0;
        if (lit === 0) {
          this.partial.literals.push('');
          this.partial.literal = null;
        }
      }
      return;
    }
    const whole = this.partial;
    this.partial = null;
    this.command(whole.text, whole.literals);
  }

  private command(text: string, literals: string[]): void {
    const m = TAGGED.exec(text);
    let verb = m?.[2]!.toUpperCase() ?? '';
    let rest = m?.[3] ?? null;
    if (this.state === 'undecided') {
      this.undecided += text.length + 1;
      const said = firstCommand(this.o.session, 'imap', COMMANDS.has(verb) && FIRST.has(verb) && ((this.greeted && this.greeting !== null) || this.o.session.bPort === 143), text, this.undecided);
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
    if (m === null || !COMMANDS.has(verb)) {
      if (text.trim() !== '') this.anomaly('imap_bad_command', text.slice(0, 100));
      if (m === null) return;
    }
    if (verb === 'UID' && rest !== null) {
      const sub = /^([A-Za-z]+)(?: (.*))?$/.exec(rest);
      if (sub !== null) {
        verb = `UID ${sub[1]!.toUpperCase()}`;
        rest = sub[2] ?? null;
      }
    }
    let shown = rest;
    let mech: string | null = null;
    if (verb === 'LOGIN') {
      // LOGIN user password: the user only
      const parts = this.args(rest ?? '', literals);
      this.user = firstString(parts);
      shown = this.user;
      this.passwordSeen = true;
    } else if (verb === 'AUTHENTICATE' && rest !== null) {
      const [mechanism = '', initial] = rest.split(' ');
      mech = mechanism.toUpperCase();
      shown = mechanism;
      this.saslStep = 0;
      if (initial !== undefined && initial !== '=') {
        const u = saslUser(mech, this.saslStep++, initial);
        if (u !== null) this.user = u;
        this.passwordSeen = true;
      }
    }
    const row: ImapRecord = {
      uid: this.o.session.uid, ts: this.o.session.last, ...this.ends, user: this.user, password_seen: this.passwordSeen,
      tag: m[1]!, command: verb, arg: shown, status: null, reply_msg: null, capture_id: null,
    };
    if (this.pending.length >= IMAP_MAX_PENDING) {
      this.anomaly('imap_pending_dropped', `more than ${IMAP_MAX_PENDING} commands without completion, the oldest written without one`);
      this.o.emit(this.pending.shift()!.row);
    }
    this.pending.push({ row, mech });
  }

  /** The arguments of a command as written, each literal ({n}) followed by its text when it was read. */
  private args(rest: string, literals: string[]): string[] {
    const out: string[] = [];
    let li = 0;
    for (const piece of rest.split(/(\{\d+\+?\})/)) {
      if (piece === '') continue;
      if (/^\{\d+\+?\}$/.test(piece)) {
        out.push(piece, literals[li++] ?? '');
      } else out.push(piece.trim());
    }
    return out.filter((x, i) => x !== '' || (i > 0 && /^\{/.test(out[i - 1]!)));
  }

  // ---------------------------------------------------------------------------------------------- server

  private serverLine(text: string): void {
    const lit = literalAtEnd(text);
    const continued = this.serverContinues;
    // a response line that ends with a literal goes on after the literal's bytes
    this.serverContinues = lit >= 0;
    if (!continued) this.inFetch = FETCH_RESPONSE.test(text);
    if (lit > 0) {
      this.skip[RESP] = lit;
      if (this.inFetch && this.state === 'command' && this.o.message !== undefined) this.startCapture(text);
    }
    if (continued) return;
    if (!this.greeted) {
      this.greeted = true;
      const g = /^\* (OK|PREAUTH|BYE)(?: (.*))?$/i.exec(text);
      if (g === null) {
        if (this.state === 'undecided') this.state = 'done';
        return;
      }
      this.greeting = { ts: this.o.session.last, status: g[1]!.toUpperCase(), text: g[2] ?? '' };
      if (this.state === 'command') this.emitGreeting();
      return;
    }
    if (this.state !== 'command') return;
    if (text.startsWith('* ') || text === '*') return; // untagged data
    if (text.startsWith('+')) {
      // continuation: an AUTHENTICATE challenge, IDLE's "idling", or the go-ahead for a literal
      if (this.partial !== null) return;
      const p = this.pending[this.pending.length - 1];
      if (p?.mech != null) this.sasl = p;
      else if (p?.row.command === 'IDLE') this.idling = true;
      return;
    }
    const m = /^(\S+) (OK|NO|BAD)(?: (.*))?$/i.exec(text);
    if (m === null) {
      this.anomaly('imap_bad_response', text.slice(0, 100));
      return;
    }
    const i = this.pending.findIndex((p) => p.row.tag === m[1]);
    if (i < 0) {
      this.anomaly('imap_unexpected_completion', text.slice(0, 100));
      return;
    }
    const [p] = this.pending.splice(i, 1);
    const row = p!.row;
    row.status = m[2]!.toUpperCase();
    row.reply_msg = m[3] ?? '';
    if (this.sasl === p) this.sasl = null;
    if (row.command === 'IDLE') this.idling = false;
    this.o.emit(row);
    if (row.command === 'STARTTLS' && row.status === 'OK') {
      // handed over to TLS (the TLS analyzer reads what follows)
      this.flush();
      this.state = 'done';
    }
  }

  /** A FETCH literal that holds a message (MESSAGE_ITEM) is read into a capture. */
  private startCapture(line: string): void {
    const m = MESSAGE_ITEM.exec(line);
    if (m === null || (m[1] !== undefined && Number(m[1]) !== 0)) return;
    const p = this.pending.find((x) => x.row.command === 'FETCH' || x.row.command === 'UID FETCH');
    const command = p === undefined ? 'FETCH' : `${p.row.tag ?? ''} ${p.row.command}${p.row.arg === null ? '' : ` ${p.row.arg}`}`;
    // the buffer grows with what comes (MessageBytes), never to the length a literal announces
    this.capture = { content: new MessageBytes(this.o.maxMessage ?? MAILBOX_MAX_MESSAGE), partial: m[1] !== undefined, ts: p?.row.ts ?? this.o.session.last, command, line };
  }

  /** The message literal is complete (or cut by a gap or the end of the session): it goes out. */
  private endCapture(): void {
    const c = this.capture!;
    this.capture = null;
    if (c.content.cut) this.anomaly('imap_message_truncated', `${c.command.slice(0, 100)}: the first ${this.o.maxMessage ?? MAILBOX_MAX_MESSAGE} of ${c.content.total} bytes kept`);
    this.o.message!(fetchedMessage(this.o.session, ++this.fetched, c.ts, c.content, c.line, this.user, { via: 'imap', command: c.command, partial: c.partial }));
  }

  private flush(): void {
    const ps = this.pending;
    this.pending = [];
    for (const p of ps) this.o.emit(p.row);
  }

  private emitGreeting(): void {
    const g = this.greeting!;
    this.greeting = null;
    this.o.emit({ uid: this.o.session.uid, ts: g.ts, ...this.ends, user: null, password_seen: false, tag: null, command: '<init>', arg: null, status: g.status, reply_msg: g.text, capture_id: null });
  }

  private anomaly(name: string, detail: string | null): void {
    this.o.anomalies.add(this.o.session.last, this.o.session.uid, name, detail);
  }
}
