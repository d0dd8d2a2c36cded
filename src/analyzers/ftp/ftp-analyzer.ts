// FTP over a reassembled TCP stream (RFC 959, EPSV/EPRT RFC 2428, AUTH TLS RFC 4217, FEAT/SIZE RFC 2389/3659):
// commands matched with their final replies in order, one ftp row each; the data channels PASV/EPSV replies and
// PORT/EPRT commands announce are expected (FtpChannels), and the data session that connects to one is linked to
// its control session and read as the transferred file (FtpData). Detection by content on any port: a 220
// greeting and an FTP command (or port 21). Credentials are never kept: PASS, ACCT and ADAT arguments are
// dropped and password_seen records that one was sent. Malformed input is an anomaly, never an exception.
import type { AnomalyLog } from '../../core/anomaly.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../../core/ip.js';
import type { Session } from '../../flow/session.js';
import { ORIG, RESP, type Dir, type StreamAnalyzer } from '../../reassembly/stream-analyzer.js';
import type { FtpRecord } from '../../schema/ftp.js';
import { endpoints } from '../endpoints.js';
import { firstCommand, LineSplitter } from '../lines.js';

/** Command and reply lines are read up to this; longer ones are skipped (ftp_line_too_long). */
export const FTP_MAX_LINE = 4096;
/** Commands waiting for replies; beyond this the oldest is written without one (ftp_pending_dropped). */
export const FTP_MAX_PENDING = 64;
/** Lines of one multi-line reply kept (the rest are counted into nothing: a FEAT list is a few dozen). */
const MAX_REPLY_LINES = 200;
/** A transferred file's first bytes kept for hashing and typing (as HTTP bodies): the rest is counted. */
export const FTP_MAX_FILE = 64 * 1024 * 1024;
/** Data channels announced and not yet connected, all sessions of a run; the oldest are forgotten beyond it. */
export const FTP_MAX_EXPECTED = 16 * 1024;

/** Commands of FTP and its extensions (RFC 959, 2228, 2389, 2428, 3659, 4217, 7151) and common X- variants. */
const VERBS = new Set([
  'USER', 'PASS', 'ACCT', 'CWD', 'CDUP', 'SMNT', 'REIN', 'QUIT', 'PORT', 'PASV', 'TYPE', 'STRU', 'MODE', 'RETR', 'STOR', 'STOU',
  'APPE', 'ALLO', 'REST', 'RNFR', 'RNTO', 'ABOR', 'DELE', 'RMD', 'MKD', 'PWD', 'LIST', 'NLST', 'SITE', 'SYST', 'STAT', 'HELP',
  'NOOP', 'FEAT', 'OPTS', 'AUTH', 'ADAT', 'PBSZ', 'PROT', 'CCC', 'MIC', 'CONF', 'ENC', 'EPRT', 'EPSV', 'MDTM', 'SIZE', 'MLST',
  'MLSD', 'HOST', 'LANG', 'CLNT', 'XCWD', 'XPWD', 'XMKD', 'XRMD', 'XCUP', 'MFMT', 'MFCT', 'MFF', 'LPRT', 'LPSV', 'ESTA', 'ESTP',
]);
/** Commands whose first line is enough to call a session FTP after a 220 greeting (POP3 shares USER/PASS/QUIT...). */
const FIRST = new Set(['USER', 'AUTH', 'FEAT', 'SYST', 'OPTS', 'HOST', 'CLNT', 'PASS', 'PWD', 'CWD', 'TYPE', 'PASV', 'EPSV', 'PORT', 'EPRT', 'LIST', 'NLST', 'RETR', 'STOR', 'SIZE', 'MLSD', 'QUIT', 'NOOP', 'HELP', 'STAT', 'LANG']);
/** Arguments that are credentials: never kept. */
const SECRET = new Set(['PASS', 'ACCT', 'ADAT']);
/** Commands that move data over the data channel. */
const TRANSFER = new Set(['RETR', 'STOR', 'STOU', 'APPE', 'LIST', 'NLST', 'MLSD']);
/** Transfers whose data is a file (a files row); listings are linked but not kept. */
export const FILE_TRANSFER = new Set(['RETR', 'STOR', 'STOU', 'APPE']);

/** A data channel one control session announced: who connects to whom, and the transfer it carried. */
export interface FtpChannel {
  controlUid: string;
  passive: boolean;
  origIp: string;
  respIp: string;
  respPort: number;
  /** the transfer command that used it (RETR, LIST, ...), and its argument */
  command: string | null;
  arg: string | null;
  /** the data session that connected to it */
  data: Session | null;
  /** the data session ended (its transfer went out) */
  ended: boolean;
  /** ftp rows waiting for the data session's end (so that they follow its file) */
  held: FtpRecord[];
  /** filled by the pipeline from the files row */
  fuid: string | null;
  mime: string | null;
}

/** One transfer over a data channel, for the files path. */
export interface FtpTransfer {
  channel: FtpChannel;
  /** the data session */
  session: Session;
  ts: number;
  endTs: number;
  /** its first maxFile bytes */
  data: Uint8Array;
  size: number;
  missing: number;
}

export type FtpEvent = { kind: 'command'; row: FtpRecord; channel: FtpChannel | null } | { kind: 'transfer'; transfer: FtpTransfer };

const canon = (ip: string): string => {
  const v4 = parseIpv4(ip);
  if (v4 !== null) return formatIpv4(v4);
  const v6 = parseIpv6(ip);
  return v6 === null ? ip : formatIpv6(v6);
};

/**
 * Told when an expected channel starts and stops naming its control session (per entry of the table: a channel
 * may be expected at two addresses): a threaded run's shard keeps the control session's uid meanwhile.
 */
export interface ChannelNames {
  named(controlUid: string): void;
  unnamed(controlUid: string): void;
}

/** Data channels expected in one run, by the address and port that will be connected to. */
export class FtpChannels {
  private readonly map = new Map<string, FtpChannel>();

  constructor(private readonly names: ChannelNames | null = null) {}

  expect(c: FtpChannel, alsoIp: string | null): void {
    for (const ip of alsoIp === null || alsoIp === c.respIp ? [c.respIp] : [c.respIp, alsoIp]) {
      const key = `${ip}|${c.respPort}`;
      this.drop(key);
      this.map.set(key, c);
      this.names?.named(c.controlUid);
    }
    while (this.map.size > FTP_MAX_EXPECTED) this.drop(this.map.keys().next().value!);
  }

  private drop(key: string): void {
    const c = this.map.get(key);
    if (c === undefined) return;
    this.map.delete(key);
    this.names?.unnamed(c.controlUid);
  }

  /** The channel a new TCP session connects to (taken: one session per announcement), or null. */
  claim(s: Session): FtpChannel | null {
    if (this.map.size === 0) return null;
    const e = endpoints(s);
    const key = `${e.dst_ip}|${e.dst_port}`;
    const c = this.map.get(key);
    if (c === undefined || c.data !== null) return null;
    for (const [k, v] of this.map) if (v === c) this.drop(k);
    c.data = s;
    s.controlUid = c.controlUid;
    s.appProto = 'ftp-data';
    return c;
  }
}

interface Pending {
  row: FtpRecord;
  channel: FtpChannel | null;
  /** a command lost to a gap in the client's stream: its reply is taken and no row is written */
  lost?: boolean;
}

export interface FtpAnalyzerOptions {
  session: Session;
  anomalies: AnomalyLog;
  channels: FtpChannels;
  emit(e: FtpEvent): void;
}

type State = 'undecided' | 'command' | 'done';

/**
 * Can a line starting with this byte be a command (or an empty line) for command()'s pattern: a letter, or what
 * `\s` matches in a line read one character per byte (tab, LF, VT, FF, CR, space, no-break space)?
 */
export function mayOpenCommand(c: number): boolean {
  return ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0;
}

/**
 * Would an FtpAnalyzer give up on this first delivery of a stream at once (a server that does not open with a
 * reply code, a client line that cannot be a command), with no proxy prelude possible before it? Lets a run
 * that attaches FTP to every TCP session build it only for streams that may be FTP.
 */
export function notFtpAtOnce(dir: Dir, data: Uint8Array): boolean {
  if (data.length === 0) return false;
  const c = data[0]!;
  if (dir === RESP) return c < 0x30 || c > 0x39;
  // a proxy prelude opens with 4, 5 or CONNECT (letters: mayOpenCommand says true for those)
  return !mayOpenCommand(c) && c !== 4 && c !== 5;
}

export class FtpAnalyzer implements StreamAnalyzer {
  private state: State = 'undecided';
  private readonly lines: LineSplitter;
  private greeted = false;
  private greeting: { ts: number; code: number; text: string[] } | null = null;
  private undecided = 0;
  private user: string | null = null;
  private passwordSeen = false;
  private pending: Pending[] = [];
  /** the reply being read: its code and lines (a multi-line reply ends with "code " on a line) */
  private reply: { code: number; text: string[]; multi: boolean } | null = null;
  /** the last channel announced and not yet used by a transfer */
  private channel: FtpChannel | null = null;
  private readonly ended = [false, false];
  /** the session's ends as rows write them, made with the first row (most sessions an FTP analyzer sees are not FTP) */
  private endsMemo: ReturnType<typeof endpoints> | null = null;
  /** final replies since the last command that answered no command (a command lost to a gap not yet reported) */
  private orphans = 0;

  constructor(private readonly o: FtpAnalyzerOptions) {
    this.lines = new LineSplitter(FTP_MAX_LINE, (dir, t) => (dir === ORIG ? this.command(t) : this.replyLine(t)), (dir) => {
      if (this.state === 'command') this.anomaly('ftp_line_too_long', `${dir === ORIG ? 'client' : 'server'} line over ${FTP_MAX_LINE} bytes`);
    });
  }

  private get ends(): ReturnType<typeof endpoints> {
    return (this.endsMemo ??= endpoints(this.o.session));
  }

  get active(): boolean {
    return this.state !== 'done';
  }

  deliver(dir: Dir, data: Uint8Array): void {
    if (this.state === 'done') return;
    if (this.state === 'undecided' && dir === RESP && !this.greeted && this.lines.pending(RESP) === 0 && data.length > 0 && (data[0]! < 0x30 || data[0]! > 0x39)) {
      // a server that does not start with a reply code is not an FTP server
      this.state = 'done';
      return;
    }
    if (this.state === 'undecided' && dir === ORIG && this.lines.pending(ORIG) === 0 && data.length > 0 && !mayOpenCommand(data[0]!)) {
      // a client line that cannot start a command (a TLS hello, ...): command() would give up on it; said at once,
      // before the line is buffered
      this.state = 'done';
      return;
    }
    this.lines.push(dir, data, 0, () => this.state === 'done');
  }

  gap(dir: Dir, len: number): void {
    if (this.state !== 'command') {
      this.state = 'done';
      return;
    }
    this.lines.reset(dir);
    this.anomaly('ftp_gap', `${len} bytes of the ${dir === ORIG ? 'client' : 'server'}'s stream missing`);
    if (dir === RESP) {
      // which command the next reply answers is unknown: the waiting ones go out without theirs
      this.reply = null;
      this.flushPending();
    } else if (this.orphans > 0) {
      // the lost command was answered already (a final reply came with no command waiting)
      this.orphans = 0;
    } else if (len < FTP_MAX_LINE) {
      // a command line was lost (most likely one): its reply is taken for it, so the next ones pair right
      this.pending.push({ row: this.blank(), channel: null, lost: true });
    }
  }

  end(dir: Dir): void {
    this.ended[dir] = true;
    if (!this.ended[0] || !this.ended[1]) return;
    if (this.state === 'command') this.flushPending();
    this.state = 'done';
  }

  // ---------------------------------------------------------------------------------------------- client

  private command(text: string): void {
    const m = /^\s*([A-Za-z]{3,4})(?:[ \t](.*))?$/.exec(text);
    const verb = m?.[1]!.toUpperCase() ?? '';
    const arg = m?.[2] ?? null;
    if (this.state === 'undecided') {
      this.undecided += text.length + 1;
      const said = firstCommand(this.o.session, 'ftp', FIRST.has(verb) && (this.greeted || this.o.session.bPort === 21), text, this.undecided);
      if (said !== 'ours') {
        if (said === 'not') this.state = 'done';
        return;
      }
      this.state = 'command';
      if (this.greeting !== null) this.emitGreeting();
    }
    if (m === null || !VERBS.has(verb)) {
      if (text.trim() !== '') this.anomaly('ftp_bad_command', text.slice(0, 100));
      if (m === null) return;
    }
    this.orphans = 0;
    if (verb === 'USER') this.user = arg;
    if (verb === 'PASS' || verb === 'ACCT' || verb === 'ADAT') this.passwordSeen = true;
    const row: FtpRecord = {
      uid: this.o.session.uid,
      ts: this.o.session.last,
      ...this.ends,
      user: this.user,
      password_seen: this.passwordSeen,
      command: verb,
      arg: SECRET.has(verb) ? null : arg,
      reply_code: null,
      reply_msg: null,
      data_passive: null,
      data_orig_ip: null,
      data_resp_ip: null,
      data_resp_port: null,
      data_uid: null,
      fuid: null,
      mime_type: null,
      file_size: null,
      capture_id: null,
    };
    let channel: FtpChannel | null = null;
    if (TRANSFER.has(verb) && this.channel !== null) {
      channel = this.channel;
      this.channel = null;
      channel.command = verb;
      channel.arg = arg;
    }
    if (this.pending.length >= FTP_MAX_PENDING) {
      this.anomaly('ftp_pending_dropped', `more than ${FTP_MAX_PENDING} commands without replies, the oldest written without one`);
      this.finish(this.pending.shift()!);
    }
    this.pending.push({ row, channel });
  }

  // ---------------------------------------------------------------------------------------------- server

  private replyLine(text: string): void {
    const m = /^(\d{3})([ -]?)(.*)$/.exec(text);
    const r = this.reply;
    if (r !== null && r.multi) {
      // inside a multi-line reply: it ends with a line of the same code and a space (or nothing)
      if (m !== null && Number(m[1]) === r.code && m[2] !== '-') {
        this.keep(r, m[3]!);
        this.reply = null;
        this.completed(r);
      } else this.keep(r, m !== null && Number(m[1]) === r.code ? m[3]! : text);
      return;
    }
    if (m === null) {
      if (this.state === 'undecided' && !this.greeted) this.state = 'done';
      else if (this.state === 'command') {
        this.anomaly('ftp_bad_reply', text.slice(0, 100));
        // a line with no reply code ("99 PASV invalid") still answers the command waiting: no code, its text
        const p = this.pending.shift();
        if (p !== undefined) {
          p.row.reply_msg = text;
          this.finish(p);
        }
      }
      return;
    }
    const code = Number(m[1]);
    if (m[2] === '' && m[3] !== '' && this.state === 'command') this.anomaly('ftp_bad_reply', `no space after the reply code: ${text.slice(0, 100)}`);
    const rep = { code, text: [m[3]!], multi: m[2] === '-' };
    if (rep.multi) this.reply = rep;
    else this.completed(rep);
  }

  private keep(r: { text: string[] }, line: string): void {
    if (r.text.length < MAX_REPLY_LINES) r.text.push(line);
  }

  private completed(r: { code: number; text: string[] }): void {
    if (!this.greeted && (this.pending.length === 0 || r.code === 220 || r.code === 120 || r.code === 421)) {
      // (a client that did not wait for it has commands waiting already: they are answered after it)
      // the greeting (120 "ready in n minutes" comes before the 220)
      if (r.code === 120) return;
      this.greeted = true;
      if (r.code !== 220 && this.o.session.bPort !== 21) {
        this.state = 'done';
        return;
      }
      this.greeting = { ts: this.o.session.last, code: r.code, text: r.text };
      if (this.state === 'command') this.emitGreeting();
      return;
    }
    if (this.state !== 'command') return;
    const p = this.pending[0];
    if (p === undefined) {
      this.anomaly('ftp_unexpected_reply', `${r.code} ${r.text[0]!.slice(0, 80)}`);
      if (r.code >= 200) this.orphans++;
      return;
    }
    const row = p.row;
    if (r.code < 200) {
      // preliminary (150 Opening BINARY mode data connection for x (77 bytes)): the final one comes later
      const size = /\((\d{1,15}) bytes?\)/i.exec(r.text.join(' '));
      if (size !== null) row.file_size = Number(size[1]);
      return;
    }
    this.pending.shift();
    row.reply_code = r.code;
    row.reply_msg = r.text.join('\n');
    this.dataChannel(row, r.code, r.text.join('\n'));
    if (row.command === 'SIZE' && r.code === 213 && /^\s*\d{1,15}\s*$/.test(r.text[0]!)) row.file_size = Number(r.text[0]);
    this.finish(p);
    if (row.command === 'AUTH' && r.code === 234) {
      // AUTH TLS/SSL accepted: what follows is TLS (the TLS analyzer reads it)
      this.flushPending();
      this.state = 'done';
    }
  }

  /** PASV/EPSV replies and PORT/EPRT commands announce a data channel: expected from now on. */
  private dataChannel(row: FtpRecord, code: number, text: string): void {
    let passive: boolean;
    let ip: string | null = null;
    let port: number;
    if (row.command === 'PASV' && code === 227) {
      passive = true;
      const a = /(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3})/.exec(text);
      if (a === null) return this.anomaly('ftp_bad_pasv', text.slice(0, 100));
      ip = `${a[1]}.${a[2]}.${a[3]}.${a[4]}`;
      port = Number(a[5]) * 256 + Number(a[6]);
    } else if (row.command === 'EPSV' && code === 229) {
      passive = true;
      const a = /\(([!-~])\1\1(\d{1,5})\1\)/.exec(text);
      if (a === null) return this.anomaly('ftp_bad_epsv', text.slice(0, 100));
      port = Number(a[2]);
    } else if (row.command === 'PORT' && code >= 200 && code < 300) {
      passive = false;
      const a = /^\s*(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})\s*$/.exec(row.arg ?? '');
      if (a === null) return this.anomaly('ftp_bad_port', (row.arg ?? '').slice(0, 100));
      ip = `${a[1]}.${a[2]}.${a[3]}.${a[4]}`;
      port = Number(a[5]) * 256 + Number(a[6]);
    } else if (row.command === 'EPRT' && code >= 200 && code < 300) {
      passive = false;
      const a = /^\s*([!-~])([12])\1([^|]*)\1(\d{1,5})\1\s*$/.exec(row.arg ?? '');
      if (a === null) return this.anomaly('ftp_bad_eprt', (row.arg ?? '').slice(0, 100));
      ip = a[3]!;
      port = Number(a[4]);
    } else return;
    if (port > 65535 || (ip !== null && /^\d/.test(ip) && ip.split('.').some((x) => Number(x) > 255))) {
      return this.anomaly('ftp_bad_data_channel', `${row.command} ${(row.command === 'PASV' || row.command === 'EPSV' ? text : row.arg ?? '').slice(0, 100)}`);
    }
    const e = this.ends;
    // passive: the client connects to the address the server gave (or its own, for EPSV); active: the server
    // connects to the client's
    const respIp = ip === null ? (passive ? e.dst_ip : e.src_ip) : canon(ip);
    const c: FtpChannel = {
      controlUid: this.o.session.uid, passive, origIp: passive ? e.src_ip : e.dst_ip, respIp, respPort: port,
      command: null, arg: null, data: null, ended: false, held: [], fuid: null, mime: null,
    };
    row.data_passive = passive;
    row.data_orig_ip = c.origIp;
    row.data_resp_ip = c.respIp;
    row.data_resp_port = port;
    this.channel = c;
    // a server behind NAT announces its inside address: the session comes to its outside one
    this.o.channels.expect(c, passive ? e.dst_ip : e.src_ip);
  }

  private blank(): FtpRecord {
    return {
      uid: this.o.session.uid, ts: this.o.session.last, ...this.ends, user: this.user, password_seen: this.passwordSeen, command: '', arg: null,
      reply_code: null, reply_msg: null, data_passive: null, data_orig_ip: null, data_resp_ip: null, data_resp_port: null, data_uid: null,
      fuid: null, mime_type: null, file_size: null, capture_id: null,
    };
  }

  /** A command's row goes out, or waits for its data session's file when that is still open. */
  private finish(p: Pending): void {
    if (p.lost === true) return;
    const c = p.channel;
    if (c !== null && c.data !== null) {
      p.row.data_uid = c.data.uid;
      if (!c.ended) {
        c.held.push(p.row);
        return;
      }
    }
    this.o.emit({ kind: 'command', row: p.row, channel: c });
  }

  private flushPending(): void {
    const ps = this.pending;
    this.pending = [];
    for (const p of ps) this.finish(p);
  }

  private emitGreeting(): void {
    const g = this.greeting!;
    this.greeting = null;
    this.o.emit({
      kind: 'command',
      channel: null,
      row: {
        uid: this.o.session.uid, ts: g.ts, ...this.ends, user: null, password_seen: false, command: '<init>', arg: null,
        reply_code: g.code, reply_msg: g.text.join('\n'), data_passive: null, data_orig_ip: null, data_resp_ip: null, data_resp_port: null,
        data_uid: null, fuid: null, mime_type: null, file_size: null, capture_id: null,
      },
    });
  }

  private anomaly(name: string, detail: string | null): void {
    this.o.anomalies.add(this.o.session.last, this.o.session.uid, name, detail);
  }
}

/** Bytes of one data session: the first maxFile kept (either direction: the one that carries them), all counted. */
export class FtpData implements StreamAnalyzer {
  private readonly bufs: [Uint8Array[], Uint8Array[]] = [[], []];
  private readonly kept: [number, number] = [0, 0];
  private readonly total: [number, number] = [0, 0];
  private readonly missing: [number, number] = [0, 0];
  private readonly ended = [false, false];
  private first = 0;
  private done = false;

  /**
   * @param emit null: only the link is wanted (sessions), the bytes are not read
   */
  constructor(
    private readonly session: Session,
    private readonly channel: FtpChannel,
    private readonly emit: ((e: FtpEvent) => void) | null,
    private readonly maxFile = FTP_MAX_FILE,
  ) {}

  get active(): boolean {
    return this.emit !== null && !this.done;
  }

  deliver(dir: Dir, data: Uint8Array): void {
    if (this.first === 0) this.first = this.session.last;
    this.total[dir] += data.length;
    const keep = Math.min(data.length, this.maxFile - this.kept[dir]!);
    if (keep > 0) {
      this.bufs[dir].push(data.slice(0, keep));
      this.kept[dir] += keep;
    }
  }

  gap(dir: Dir, len: number): void {
    this.missing[dir] += len;
    this.total[dir] += len;
  }

  end(dir: Dir): void {
    this.ended[dir] = true;
    if (this.done || !this.ended[0] || !this.ended[1]) return;
    this.done = true;
    const c = this.channel;
    c.ended = true;
    if (this.emit === null) return;
    const dir2: Dir = this.total[RESP]! > this.total[ORIG]! ? RESP : ORIG;
    if (this.total[dir2]! > 0 && c.command !== null && FILE_TRANSFER.has(c.command)) {
      const parts = this.bufs[dir2];
      const data = new Uint8Array(this.kept[dir2]!);
      let o = 0;
      for (const p of parts) {
        data.set(p, o);
        o += p.length;
      }
      this.emit({ kind: 'transfer', transfer: { channel: c, session: this.session, ts: this.first || this.session.start, endTs: this.session.last, data, size: this.total[dir2]!, missing: this.missing[dir2]! } });
    }
    this.bufs[0] = [];
    this.bufs[1] = [];
    const held = c.held;
    c.held = [];
    for (const row of held) this.emit({ kind: 'command', row, channel: c });
  }
}
