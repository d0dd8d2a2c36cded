// The IMAP logins of a user (or a client address, or one dovecot session id): dovecot's login-process lines
// (`imap-login: Login: user=<u>, method=…, rip=…, lip=…, mpid=…, session=<…>` and the lines of a login that
// failed or never came: `Disconnected (auth failed, …)`, `Aborted login …`, `Inactivity …`), with the lines of
// the same dovecot session (passdb verdicts, the imap process's logout with its byte counts), each joined to the
// IMAP TCP session it came over, most certain link first:
//   1. dovecot's session id: dovecot 2.x makes it from 12 (IPv4) or 24 (IPv6) bytes, the low 48 bits of the
//      server's clock in microseconds, little endian, then the client's port (LE) and address. When the address
//      it holds is the line's rip, the TCP session is the one from rip and that port to lip, open at the id's
//      time (±60 s: the mail host's clock against the sensor's). The id's time is UTC whatever zone the log
//      was written or ingested in; the log line's own time only picks the 48-bit wrap (8.9 years).
//   2. otherwise client address (rip), server address (lip), user and time: a `Login:` line is written when the
//      passdb said yes, just before the OK to LOGIN/AUTHENTICATE, so the OK command of that user is at most
//      1 s after the line (syslog keeps whole seconds) and at most 16 s before it (dovecot delays a login from an
//      address that failed recently, by up to 15 s); a line of a login that did not happen is written when the
//      client went, so it falls in the TCP session (±1 s), which has no OK login, and the user it names (if any)
//      is the one the client tried. Each line takes one session and each session one line, nearest first.
// The log times in (2) are what `ingest --tz` made of them: a log written in another zone than it was ingested
// with joins by (1) only.
import { LOGS } from '../schema/logs.js';
import { IMAP } from '../schema/imap.js';
import { SESSIONS } from '../schema/sessions.js';
import type { MailLogLine } from './mail.js';
import { committed, tableNamer } from './reports.js';
import { containsTextCiSql, containsTextSql, ident, inStrings, timeAsMicros, timeLiteral } from './sql.js';
import type { Row, Store } from './store.js';

export type ImapKeyKind = 'imap-user' | 'client-address' | 'dovecot-session';
export type ImapJoinKind = 'dovecot session id' | 'client and server address, user and time';

export interface ImapLogin {
  /** dovecot's session id (null when the line has none) */
  session_id: string | null;
  user: string | null;
  rip: string | null;
  lip: string | null;
  /** the client port and the time (µs) dovecot's session id holds, when it decodes to rip */
  client_port: number | null;
  id_time: number | null;
  /** a `Login:` line (true), or a login process that ended without one */
  login: boolean;
  /** why the login process ended without a login ("Disconnected: Aborted login by logging out (auth failed, …)") */
  reason: string | null;
  /** the login-process line first, then the session's other lines in time order */
  lines: MailLogLine[];
  join: ImapJoinKind | null;
  /** the TCP session and its LOGIN/AUTHENTICATE commands (no password is ever stored) */
  session: Row | null;
  imap: Row[];
}

export interface ImapLoginsResult {
  key: string;
  kind: ImapKeyKind;
  logins: ImapLogin[];
}

const LOGIN_TYPES = ['dovecot_login', 'dovecot_login_failed'];
const MAX_LOGINS = 1000;
/** 2^48 µs: dovecot keeps the low 48 bits of its clock in the session id */
const WRAP = 2 ** 48;
const CLOCK_SLACK = 60e6;
const SECOND = 1e6;
/** dovecot's auth penalty: a login from an address that failed lately waits up to 15 s (and 1 s of syslog rounding) */
const PENALTY = 16e6;

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** One spelling of an address, to compare (IPv6 compressed and lower case as the URL parser writes it). */
export function canonicalIp(ip: string): string {
  const a = ip.trim().replace(/^\[|\]$/g, '');
  if (IPV4.test(a) || !a.includes(':')) return a;
  try {
    return new URL(`http://[${a}]/`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return a.toLowerCase();
  }
}

/** What dovecot's session id holds: the low 48 bits of its clock (µs), the client port and address; null if it is not one. */
export function decodeDovecotSessionId(id: string): { clock48: number; port: number; ip: string } | null {
  if (!/^[A-Za-z0-9+/]{16}$|^[A-Za-z0-9+/]{32}$/.test(id)) return null;
  const b = Buffer.from(id, 'base64');
  if (b.length !== 12 && b.length !== 24) return null;
  const clock48 = b.readUIntLE(0, 6);
  const port = b.readUInt16LE(6);
  let ip: string;
  if (b.length === 12) ip = [...b.subarray(8, 12)].join('.');
  else {
    const groups: string[] = [];
    for (let i = 8; i < 24; i += 2) groups.push(b.readUInt16BE(i).toString(16));
    ip = canonicalIp(groups.join(':'));
  }
  return { clock48, port, ip };
}

/** The full time of a 48-bit clock, the wrap nearest a time known to within years (the log line's). */
export function unwrapClock(clock48: number, near: number): number {
  return clock48 + Math.round((near - clock48) / WRAP) * WRAP;
}

/** A client address, or else a user name or a dovecot session id (both are looked for). */
export function isAddressKey(key: string): boolean {
  const k = key.trim();
  return IPV4.test(k) || (/^[0-9A-Fa-f:.]+$/.test(k) && k.includes(':'));
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export async function findImapLogins(store: Store, key: string, opts: { limit?: number; sessionIds?: boolean } = {}): Promise<ImapLoginsResult> {
  const d = store.dialect;
  const t = tableNamer(store);
  const ok = committed(t, d);
  const limit = opts.limit ?? MAX_LOGINS;
  const useIds = opts.sessionIds ?? true;
  const k = key.trim();
  const byAddress = isAddressKey(k);

  const logCols = `${timeAsMicros('ts', d)} AS ts, host, program, pid, ${ident('type')}, message, source, line_no, ${ident('fields')}`;
  const toLine = (r: Row): MailLogLine => ({
    ts: r.ts === null ? null : Number(r.ts), host: r.host as string | null, program: r.program as string | null,
    pid: r.pid === null ? null : Number(r.pid), type: r.type as string | null, message: r.message as string, source: r.source as string,
    line_no: Number(r.line_no), fields: typeof r.fields === 'string' ? (JSON.parse(r.fields) as Record<string, unknown>) : {},
  });
  const lineKey = (l: MailLogLine): string => `${l.source}/${l.line_no}`;

  // the login-process lines the key names (the needle as JSON writes it, then the field checked exactly)
  const needle = byAddress ? canonicalIp(k) : k;
  const r = await store.select(
    `SELECT ${logCols} FROM ${t(LOGS.name)} WHERE ${ok} AND ${inStrings('type', LOGIN_TYPES, d)}` +
    (needle === '' ? '' : ` AND ${(byAddress ? containsTextSql : containsTextCiSql)('fields', JSON.stringify(needle).slice(1, -1), d)}`) + ' ORDER BY ts, line_no',
  );
  const wanted = (l: MailLogLine): boolean => {
    const f = l.fields;
    if (byAddress) return typeof f.rip === 'string' && canonicalIp(f.rip) === canonicalIp(k);
    return f.session === k || (typeof f.user === 'string' && f.user.toLowerCase() === k.toLowerCase());
  };
  const seen = new Set<string>();
  const heads = r.rows.map(toLine).filter((l) => wanted(l) && (seen.has(lineKey(l)) ? false : (seen.add(lineKey(l)), true))).slice(0, limit);
  const kind: ImapKeyKind = byAddress ? 'client-address' : heads.length > 0 && heads.every((l) => l.fields.session === k) ? 'dovecot-session' : 'imap-user';

  const logins: ImapLogin[] = heads.map((l) => {
    const f = l.fields;
    const rip = str(f.rip);
    const sid = str(f.session);
    const dec = sid === null ? null : decodeDovecotSessionId(sid);
    const fits = dec !== null && rip !== null && dec.ip === canonicalIp(rip) && l.ts !== null;
    return {
      session_id: sid, user: str(f.user) === '' ? null : str(f.user), rip, lip: str(f.lip),
      client_port: fits ? dec.port : null, id_time: fits ? unwrapClock(dec.clock48, l.ts!) : null,
      login: l.type === 'dovecot_login', reason: l.type === 'dovecot_login' ? null : str(f.reason),
      lines: [l], join: null, session: null, imap: [],
    };
  });

  // the rest of each dovecot session's lines: passdb verdicts and the imap process's logout carry the same id
  const ids = [...new Set(logins.map((x) => x.session_id).filter((x): x is string => x !== null && x !== ''))];
  for (let i = 0; i < ids.length; i += 200) {
    const part = ids.slice(i, i + 200);
    const more = await store.select(
      `SELECT ${logCols} FROM ${t(LOGS.name)} WHERE ${ok} AND NOT ${inStrings('type', LOGIN_TYPES, d)} AND (${part.map((id) => containsTextSql('fields', id, d)).join(' OR ')})`,
    );
    for (const m of more.rows.map(toLine)) {
      for (const x of logins) {
        if (m.fields.session !== x.session_id || lineKey(m) === lineKey(x.lines[0]!)) continue;
        // a session id is unique for years (its clock); a day bounds a reused one
        if (m.ts !== null && x.lines[0]!.ts !== null && Math.abs(m.ts - x.lines[0]!.ts) > 86_400e6) continue;
        x.lines.push(m);
      }
    }
  }
  for (const x of logins) {
    const [head, ...rest] = x.lines;
    rest.sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0) || a.line_no - b.line_no);
    x.lines = [head!, ...rest];
  }

  // candidate TCP sessions: from the lines' client addresses, around their times
  const rips = [...new Set(logins.map((x) => x.rip).filter((x): x is string => x !== null))];
  const times = logins.flatMap((x) => [x.lines[0]!.ts, x.id_time]).filter((x): x is number => x !== null);
  if (rips.length === 0 || times.length === 0) return { key: k, kind, logins };
  const lo = Math.min(...times) - CLOCK_SLACK - PENALTY;
  const hi = Math.max(...times) + CLOCK_SLACK + PENALTY;
  const sr = await store.select(
    `SELECT uid, capture_id, src_ip, src_port, dst_ip, dst_port, ${timeAsMicros('start_time', d)} AS start_time, ${timeAsMicros('end_time', d)} AS end_time,` +
    ` src_pkts, dst_pkts, src_bytes, dst_bytes, state, app_proto FROM ${t(SESSIONS.name)} WHERE ${ok} AND proto = 'tcp' AND ${inStrings('src_ip', rips, d)}` +
    ` AND ${ident('start_time')} <= ${timeLiteral(hi, d)} AND ${ident('end_time')} >= ${timeLiteral(lo, d)} ORDER BY start_time`,
  );
  const sessions = sr.rows;
  const skey = (s: Row): string => `${String(s.capture_id)}/${String(s.uid)}`;
  const uids = [...new Set(sessions.map((s) => String(s.uid)))];
  const cmds = new Map<string, Row[]>();
  for (let i = 0; i < uids.length; i += 500) {
    const ir = await store.select(
      `SELECT uid, capture_id, ${timeAsMicros('ts', d)} AS ts, src_ip, src_port, dst_ip, dst_port, ${ident('user')}, tag, command, arg, status, reply_msg FROM ${t(IMAP.name)}` +
      ` WHERE ${ok} AND ${inStrings('uid', uids.slice(i, i + 500), d)} AND ${inStrings('command', ['LOGIN', 'AUTHENTICATE'], d)} ORDER BY ts`,
    );
    for (const c of ir.rows) cmds.set(skey(c), [...(cmds.get(skey(c)) ?? []), c]);
  }
  // a client that never spoke leaves its session unnamed (app_proto null) and without an imap record
  const mayBeImap = (s: Row): boolean => s.app_proto == null || s.app_proto === 'imap' || cmds.has(skey(s));
  const sameIp = (a: unknown, b: string | null): boolean => b !== null && typeof a === 'string' && canonicalIp(a) === canonicalIp(b);
  const okLogin = (c: Row): boolean => String(c.status).toUpperCase() === 'OK';
  const sameUser = (c: Row, u: string | null): boolean => u !== null && typeof c.user === 'string' && c.user.toLowerCase() === u.toLowerCase();

  // every (line, session) pair that fits, with how far apart they are; then one-to-one, nearest first
  const pairs: { x: ImapLogin; s: Row; kind: ImapJoinKind; dist: number }[] = [];
  for (const x of logins) {
    const at = x.lines[0]!.ts;
    for (const s of sessions) {
      if (!sameIp(s.src_ip, x.rip) || (x.lip !== null && !sameIp(s.dst_ip, x.lip)) || !mayBeImap(s)) continue;
      const start = Number(s.start_time);
      const end = Number(s.end_time);
      if (useIds && x.client_port !== null && x.id_time !== null) {
        if (Number(s.src_port) !== x.client_port) continue;
        const dist = x.id_time < start ? start - x.id_time : x.id_time > end ? x.id_time - end : 0;
        if (dist <= CLOCK_SLACK) pairs.push({ x, s, kind: 'dovecot session id', dist });
        continue;
      }
      if (at === null) continue;
      const logins_ = cmds.get(skey(s)) ?? [];
      if (x.login) {
        const c = logins_.filter((c) => okLogin(c) && sameUser(c, x.user) && Number(c.ts) <= at + SECOND && at <= Number(c.ts) + PENALTY);
        if (c.length > 0) pairs.push({ x, s, kind: 'client and server address, user and time', dist: Math.min(...c.map((y) => Math.abs(at - Number(y.ts)))) });
      } else {
        if (at < start - SECOND || at > end + SECOND || logins_.some(okLogin)) continue;
        if (x.user === null ? logins_.some((c) => c.user != null) : !logins_.some((c) => sameUser(c, x.user))) continue;
        pairs.push({ x, s, kind: 'client and server address, user and time', dist: Math.abs(end - at) });
      }
    }
  }
  pairs.sort((a, b) => a.dist - b.dist);
  const taken = new Set<string>();
  for (const p of pairs) {
    if (p.x.session !== null || taken.has(skey(p.s))) continue;
    taken.add(skey(p.s));
    p.x.session = p.s;
    p.x.join = p.kind;
    p.x.imap = cmds.get(skey(p.s)) ?? [];
  }
  return { key: k, kind, logins };
}
