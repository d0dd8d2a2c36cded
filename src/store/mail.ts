// `haystack mail`: one message's story across the store. The log lines of a message are found by its queue
// ids, followed where the logs link one queue to the next (sendmail's "queued as X" at the next MTA, DSN and
// bounce queues, MailScanner's requeue); a Message-ID or an address finds the queue ids that carry it. The
// message as captured on the wire is joined to those lines, most certain link first:
//   1. the server's reply to DATA named one of the queue ids ("250 2.0.0 6AM6BTsh004579 Message accepted",
//      "250 2.0.0 Ok: queued as BDCBE522712");
//   2. postfix logged the client's address and port (client=host[ip]:port), the transaction came from it;
//   3. the Message-ID is the logged one and the client address the logged relay, at the logged time;
//   4. only the client address and the time (sendmail logs no port): the nearest transaction from that address
//      in the two minutes before the line.
// A transaction whose reply names another queue id is never joined. A Message-ID can be sent twice (a resend
// is a new message), so it links log lines and captures only together with a client address.
import type { LogParse } from '../logs/parse-log.js';
import { FILES } from '../schema/files.js';
import { FINDINGS } from '../schema/findings.js';
import { LOGS } from '../schema/logs.js';
import { SESSIONS } from '../schema/sessions.js';
import { SMTP } from '../schema/smtp.js';
import { committed, tableNamer } from './reports.js';
import { containsTextCiSql, containsTextSql, ident, inStrings, listHasCiSql, numberLiteral, quoteString, timeAsMicros, timeLiteral } from './sql.js';
import type { Row, Store } from './store.js';

export type MailKeyKind = 'queue-id' | 'message-id' | 'address';

/** A log line of the message: the parsed header and type as LogParser gives them, where it is stored. */
export interface MailLogLine extends Pick<LogParse, 'ts' | 'host' | 'program' | 'pid' | 'type' | 'message'> {
  source: string;
  line_no: number;
  fields: Record<string, unknown>;
}

export type JoinKind = 'queue id in the server reply' | 'client address and port' | 'Message-ID and client address' | 'client address and time' | 'Message-ID';

/** A leg of the message as captured: the SMTP transaction (null: the session carried no message) and its session. */
export interface WireMessage {
  join: JoinKind;
  smtp: Row | null;
  session: Row | null;
  files: Row[];
  /** content findings of the message's parts (by file id, or by Message-ID for parts that are not files) */
  findings: Row[];
}

/**
 * A copy of the message a client downloaded from its mailbox (an smtp row with fetched_via): not a leg of the
 * message's way, a reading of it, joined by its Message-ID.
 */
export interface FetchedCopy {
  via: 'pop3' | 'imap';
  /** the mailbox's user (USER/LOGIN/SASL identity) */
  user: string | null;
  /** the command that fetched it (IMAP's with its tag) */
  command: string | null;
  ts: number;
  uid: string;
  capture_id: string | null;
  src_ip: string;
  src_port: number;
  dst_ip: string;
  dst_port: number;
  data_bytes: number;
  /** only part of the message came (POP3 TOP, IMAP BODY[]<0>) */
  partial: boolean;
}

export interface MailMessage {
  queue_ids: string[];
  message_ids: string[];
  from: string | null;
  to: string[];
  lines: MailLogLine[];
  /** the SMTP transactions of the message's way (fetched copies are never legs) */
  wire: WireMessage[];
  /** the copies of the message clients fetched over POP3/IMAP, by Message-ID, in time order */
  fetches: FetchedCopy[];
}

export interface MailResult {
  key: string;
  kind: MailKeyKind;
  messages: MailMessage[];
}

/** Fields that hold a queue id, and how queues link. */
const QID_KEYS = ['queue_id', 'next_hop_queue_id', 'dsn_queue_id', 'bounce_queue_id', 'new_queue_id'];
const MSGID_KEYS = ['msgid', 'message_id'];
const ADDRESS_KEYS = ['from', 'to', 'orig_to', 'address', 'arg1'];
const DAY = 86_400e6;
/** At most this many queue ids are followed from one message (a runaway chain stops there). */
const MAX_IDS = 64;
const MAX_MESSAGES = 200;

const bare = (id: string): string => id.trim().replace(/^<(.*)>$/, '$1');
const addresses = (v: unknown): string[] => (typeof v === 'string' ? (v.match(/[^<>,\s"()]+@[^<>,\s"()]+/g) ?? []).map((a) => a.toLowerCase()) : []);
const str = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** What the key is: a Message-ID (<...> or found as one), an address, or a queue id. */
export function mailKeyKind(key: string): MailKeyKind {
  if (/^<.*>$/.test(key.trim())) return 'message-id';
  if (key.includes('@')) return 'address';
  return 'queue-id';
}

/** The queue id a server named in its reply to the end of DATA, if it did. */
export function replyQueueId(reply: string | null | undefined): string | null {
  if (reply == null) return null;
  const m = /^2\d\d[ -](?:\d\.\d{1,3}\.\d{1,3} )?(?:Ok: queued as ([0-9A-Za-z]+)|([0-9A-Za-z]{8,20}) Message accepted|OK id=([0-9A-Za-z-]+))/i.exec(reply);
  return m === null ? null : (m[1] ?? m[2] ?? m[3])!;
}

function qids(f: Record<string, unknown>): string[] {
  return QID_KEYS.flatMap((k) => str(f[k])).filter((q) => q !== 'NOQUEUE' && /^[0-9A-Za-z]+$/.test(q));
}

export async function findMail(store: Store, key: string, opts: { limit?: number } = {}): Promise<MailResult> {
  const d = store.dialect;
  const t = tableNamer(store);
  const limit = opts.limit ?? MAX_MESSAGES;
  const ok = committed(t, d);

  const logCols = `${timeAsMicros('ts', d)} AS ts, host, program, pid, ${ident('type')}, message, source, line_no, capture_id, ${ident('fields')}`;
  const toLine = (r: Row): MailLogLine & { capture_id: string } => ({
    ts: r.ts === null ? null : Number(r.ts), host: r.host as string | null, program: r.program as string | null,
    pid: r.pid === null ? null : Number(r.pid), type: r.type as string | null, message: r.message as string, source: r.source as string,
    line_no: Number(r.line_no), capture_id: r.capture_id as string, fields: typeof r.fields === 'string' ? (JSON.parse(r.fields) as Record<string, unknown>) : {},
  });
  /** Log lines whose fields mention any of the needles (JSON text: the needle as JSON writes it); ci: in any case. */
  const mentioning = async (needles: string[], ci = false): Promise<(MailLogLine & { capture_id: string })[]> => {
    if (needles.length === 0) return [];
    const any = needles.map((n) => (ci ? containsTextCiSql : containsTextSql)('fields', JSON.stringify(n).slice(1, -1), d)).join(' OR ');
    const r = await store.select(`SELECT ${logCols} FROM ${t(LOGS.name)} WHERE ${ok} AND (${any})`);
    return r.rows.map(toLine);
  };

  // seeds: queue ids to start from, each at the time of a line that carries it (queue ids are reused: postfix's
  // after a while, so a queue id is one message only within days of such a line)
  const seeds: { id: string; at: number | null }[] = [];
  /** lines that carry the key but no queue id (postfix's NOQUEUE rejects): each one is a message of its own */
  const orphans: MailLogLine[] = [];
  const take = (l: MailLogLine): void => {
    const qs = qids(l.fields);
    for (const q of qs) seeds.push({ id: q, at: l.ts });
    if (qs.length === 0) orphans.push(l);
  };
  const findAddress = async (raw: string): Promise<void> => {
    const a = raw.trim().replace(/^<|>$/g, '').toLowerCase();
    for (const l of await mentioning([a], true)) if (ADDRESS_KEYS.some((k) => addresses(l.fields[k]).includes(a))) take(l);
  };
  let kind = mailKeyKind(key);
  if (kind === 'queue-id') {
    const id = key.trim();
    // one seed per run of the id's own lines without a day's gap
    let last: number | null = null;
    for (const l of (await mentioning([id])).filter((x) => qids(x.fields).includes(id)).sort((x, y) => (x.ts ?? 0) - (y.ts ?? 0))) {
      if (seeds.length === 0 || (l.ts !== null && last !== null && l.ts - last > DAY)) seeds.push({ id, at: l.ts });
      if (l.ts !== null) last = l.ts;
    }
  } else if (kind === 'message-id') {
    const id = bare(key);
    for (const l of await mentioning([id])) if (MSGID_KEYS.some((k) => str(l.fields[k]).some((v) => bare(v) === id))) take(l);
    // <user@example.com> is also how addresses are written: nothing by that Message-ID, then the address
    if (seeds.length === 0 && orphans.length === 0 && id.includes('@')) {
      await findAddress(id);
      if (seeds.length > 0 || orphans.length > 0) kind = 'address';
    }
  } else await findAddress(key);

  const messages: MailMessage[] = [];
  /** queue ids already shown, with the time window they were shown for */
  const claimed: { id: string; from: number; to: number }[] = [];
  const inWindow = (ts: number | null, w: { from: number; to: number } | null): boolean => ts === null || w === null || (ts >= w.from && ts <= w.to);
  for (const seed of seeds) {
    if (messages.length >= limit) break;
    if (claimed.some((c) => c.id === seed.id && inWindow(seed.at, c))) continue;
    const window = seed.at === null ? null : { from: seed.at - 2 * DAY, to: seed.at + 7 * DAY };
    // follow the queue links
    const ids = new Set([seed.id]);
    const lines = new Map<string, MailLogLine & { capture_id: string }>();
    let frontier = [seed.id];
    while (frontier.length > 0 && ids.size <= MAX_IDS) {
      const next: string[] = [];
      for (const l of await mentioning(frontier)) {
        const qs = qids(l.fields);
        if (!qs.some((q) => ids.has(q)) || !inWindow(l.ts, window)) continue;
        lines.set(`${l.capture_id}/${l.line_no}`, l);
        for (const q of qs) if (!ids.has(q)) {
          ids.add(q);
          next.push(q);
        }
      }
      frontier = next;
    }
    for (const q of ids) claimed.push({ id: q, from: window?.from ?? -Infinity, to: window?.to ?? Infinity });
    // postfix smtpd's connect and disconnect lines of the client the message came from
    for (const c of [...lines.values()].filter((l) => l.type === 'postfix_client' && l.pid !== null && l.program !== null)) {
      const r = await store.select(
        `SELECT ${logCols} FROM ${t(LOGS.name)} WHERE ${ok} AND program = ${quoteString(c.program!, d)} AND pid = ${numberLiteral(c.pid!)}` +
        ` AND ${inStrings('type', ['postfix_connect', 'postfix_disconnect'], d)}${c.host !== null ? ` AND host = ${quoteString(c.host, d)}` : ''}`,
      );
      for (const l of r.rows.map(toLine)) {
        if (l.fields.client_ip !== c.fields.client_ip || l.fields.client_port !== c.fields.client_port) continue;
        if (c.ts !== null && l.ts !== null && Math.abs(l.ts - c.ts) > 3600e6) continue;
        lines.set(`${l.capture_id}/${l.line_no}`, l);
      }
    }
    if (lines.size === 0) continue;
    const sorted = [...lines.values()].sort((x, y) => (x.ts ?? 0) - (y.ts ?? 0) || x.source.localeCompare(y.source) || x.line_no - y.line_no);
    messages.push(await wire(store, describeMessage([...ids], sorted)));
  }

  for (const l of orphans) if (messages.length < limit) messages.push(await wire(store, describeMessage([], [l])));

  // captured messages no log line led to (logs not ingested, or another server): by Message-ID or address
  if (kind !== 'queue-id' && messages.length < limit) {
    const seen = new Set(messages.flatMap((m) => m.wire.filter((w) => w.smtp !== null).map((w) => `${String(w.smtp!.uid)}/${String(w.smtp!.trans_depth)}`)));
    const a = key.trim().replace(/^<|>$/g, '').toLowerCase();
    const where = kind === 'message-id'
      ? `message_id = ${quoteString(`<${bare(key)}>`, d)}`
      : `(lower(mail_from) = ${quoteString(a, d)} OR ${listHasCiSql('rcpt_to', a, d)})`;
    const r = await store.select(`SELECT ${smtpCols(d)} FROM ${t(SMTP.name)} WHERE ${ok} AND ${SENT} AND ${where} ORDER BY ts`);
    for (const s of r.rows) {
      if (seen.has(`${String(s.uid)}/${String(s.trans_depth)}`) || messages.length >= limit) continue;
      const q = replyQueueId(s.last_reply as string | null);
      messages.push({
        queue_ids: q === null ? [] : [q], message_ids: s.message_id == null ? [] : [bare(s.message_id as string)],
        from: (s.mail_from as string | null) ?? null, to: (s.rcpt_to as string[] | null) ?? [], lines: [],
        wire: [{ join: 'Message-ID', smtp: s, session: null, files: await filesOf(store, s), findings: await findingsOf(store, s) }], fetches: [],
      });
    }
  }
  for (const m of messages) m.fetches = await fetchesOf(store, [...m.message_ids, ...m.wire.flatMap((w) => (typeof w.smtp?.message_id === 'string' ? [bare(w.smtp.message_id)] : []))]);
  // a message seen only as fetched from a mailbox (its SMTP way not captured, no log line): its copies
  if (kind === 'message-id' && messages.length < limit && !messages.some((m) => m.fetches.length > 0)) {
    const fetches = await fetchesOf(store, [bare(key)]);
    if (fetches.length > 0) messages.push({ queue_ids: [], message_ids: [bare(key)], from: null, to: [], lines: [], wire: [], fetches });
  }
  messages.sort((x, y) => firstTs(x) - firstTs(y));
  return { key, kind, messages };
}

/** smtp rows that are SMTP transactions (a row with fetched_via is a copy fetched from a mailbox). */
const SENT = `${ident('fetched_via')} IS NULL`;

/** Copies fetched by Message-ID: ids bare, as stored with their angle brackets. At most MAX_FETCHES. */
async function fetchesOf(store: Store, ids: readonly string[]): Promise<FetchedCopy[]> {
  const forms = [...new Set(ids.map((x) => `<${bare(x)}>`))];
  if (forms.length === 0) return [];
  const d = store.dialect;
  const t = tableNamer(store);
  const r = await store.select(
    `SELECT uid, capture_id, src_ip, src_port, dst_ip, dst_port, auth_user, fetched_via, fetch_command, data_bytes, skeleton, ${timeAsMicros('ts', d)} AS ts` +
    ` FROM ${t(SMTP.name)} WHERE ${committed(t, d)} AND ${ident('fetched_via')} IS NOT NULL AND ${inStrings('message_id', forms, d)} ORDER BY ts LIMIT ${numberLiteral(MAX_FETCHES)}`,
  );
  return r.rows.map((x) => ({
    via: x.fetched_via === 'pop3' ? 'pop3' : 'imap', user: (x.auth_user as string | null) ?? null, command: (x.fetch_command as string | null) ?? null,
    ts: Number(x.ts), uid: String(x.uid), capture_id: (x.capture_id as string | null) ?? null, src_ip: String(x.src_ip), src_port: Number(x.src_port),
    dst_ip: String(x.dst_ip), dst_port: Number(x.dst_port), data_bytes: Number(x.data_bytes),
    partial: partialFetch(x.fetch_command) || (typeof x.skeleton === 'string' && /^Partial: /m.test(x.skeleton)),
  }));
}

/**
 * Whether a fetch asked for part of a message: POP3 TOP, IMAP BODY[]<origin.count> (the analyzers mark these
 * partial; the skeleton's `Partial:` line says so too, unless the skeleton was cut before it).
 */
function partialFetch(command: unknown): boolean {
  return typeof command === 'string' && (/^TOP\b/i.test(command) || /BODY(?:\.PEEK)?\[\]<\d/i.test(command));
}

/** Fetched copies listed with one message (a mailbox synced by many clients, many times): the rest are in smtp. */
export const MAX_FETCHES = 200;

function firstTs(m: MailMessage): number {
  return m.lines[0]?.ts ?? Number(m.wire[0]?.smtp?.ts ?? m.wire[0]?.session?.start_time ?? m.fetches[0]?.ts ?? 0);
}

function describeMessage(ids: string[], lines: MailLogLine[]): MailMessage {
  const msgids = new Set<string>();
  let from: string | null = null;
  const to = new Set<string>();
  for (const l of lines) {
    for (const k of MSGID_KEYS) for (const v of str(l.fields[k])) msgids.add(bare(v));
    if (from === null && (l.type === 'sendmail_from' || l.type === 'postfix_qmgr_active' || l.type === 'postfix_reject')) from = addresses(l.fields.from)[0] ?? (typeof l.fields.from === 'string' ? l.fields.from : null);
    if (l.type === 'sendmail_to' || l.type === 'postfix_delivery' || l.type === 'postfix_reject') for (const a of addresses(l.fields.to)) to.add(a);
  }
  // queue ids in the order their lines appear
  const order = new Map<string, number>();
  lines.forEach((l, i) => {
    const q = l.fields.queue_id;
    if (typeof q === 'string' && ids.includes(q) && !order.has(q)) order.set(q, i);
  });
  const queueIds = [...ids].sort((a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9));
  return { queue_ids: queueIds, message_ids: [...msgids], from, to: [...to], lines, wire: [], fetches: [] };
}

function smtpCols(d: 'duckdb' | 'clickhouse'): string {
  return ['uid', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'trans_depth', 'helo', 'mail_from', 'rcpt_to', 'from', 'to', 'subject', 'date', 'message_id',
    'auth_user', 'starttls', 'last_reply', 'data_bytes', 'missing_bytes', 'fuids', 'skeleton', 'capture_id'].map(ident).join(', ') + `, ${timeAsMicros('ts', d)} AS ts`;
}

async function filesOf(store: Store, s: Row): Promise<Row[]> {
  const fuids = (s.fuids as string[] | null) ?? [];
  if (fuids.length === 0) return [];
  const d = store.dialect;
  const t = tableNamer(store);
  const r = await store.select(
    `SELECT fuid, part_path, filename, declared_type, mime_type, size, missing_bytes, md5, sha1, sha256, stored_path FROM ${t(FILES.name)}` +
    ` WHERE ${committed(t, d)} AND ${inStrings('fuid', fuids, d)}`,
  );
  const seen = new Set<string>();
  return r.rows.filter((f) => (seen.has(f.fuid as string) ? false : (seen.add(f.fuid as string), true)))
    .sort((a, b) => fuids.indexOf(a.fuid as string) - fuids.indexOf(b.fuid as string));
}

/** Findings of one transaction's message: of its files, and of its other parts (by Message-ID), part by part. */
async function findingsOf(store: Store, s: Row): Promise<Row[]> {
  const fuids = (s.fuids as string[] | null) ?? [];
  const mid = typeof s.message_id === 'string' ? s.message_id : null;
  if (fuids.length === 0 && mid === null) return [];
  const d = store.dialect;
  const t = tableNamer(store);
  const which = [fuids.length > 0 ? inStrings('fuid', fuids, d) : null, mid !== null ? `${ident('message_id')} = ${quoteString(mid, d)}` : null].filter((x) => x !== null);
  const r = await store.select(
    `SELECT ${['fuid', 'part_path', 'detector', 'category', 'confidence', 'count', 'distinct_count', 'masked', 'decode_path', 'note', 'test_value'].map(ident).join(', ')} FROM ${t(FINDINGS.name)}` +
    ` WHERE ${committed(t, d)} AND ${ident('uid')} = ${quoteString(String(s.uid), d)} AND (${which.join(' OR ')})` +
    ` ORDER BY ${ident('part_path')}, ${ident('detector')}, ${ident('offset')} LIMIT ${numberLiteral(MAX_MESSAGE_FINDINGS)}`,
  );
  return r.rows;
}

/** Findings listed with one message: a few per part in practice; the rest are in `findings`. */
export const MAX_MESSAGE_FINDINGS = 1000;

/** Where the logs saw the message come from: client address (and port, from postfix), at the line's time. */
interface Anchor {
  ip: string;
  port: number | null;
  ts: number;
  /** the envelope sender the line names, to check a transaction against */
  from: string | null;
}

const sessionKey = (r: Row): string => `${String(r.capture_id)}/${String(r.uid)}`;

async function wire(store: Store, m: MailMessage): Promise<MailMessage> {
  const d = store.dialect;
  const t = tableNamer(store);
  const ok = committed(t, d);
  const anchors: Anchor[] = [];
  for (const l of m.lines) {
    if (l.ts === null) continue;
    const from = addresses(l.fields.from)[0] ?? null;
    if (l.type === 'sendmail_from' && typeof l.fields.relay_ip === 'string') anchors.push({ ip: l.fields.relay_ip.replace(/^IPv6:/i, ''), port: null, ts: l.ts, from });
    if ((l.type === 'postfix_client' || l.type === 'postfix_reject') && typeof l.fields.client_ip === 'string') {
      anchors.push({ ip: l.fields.client_ip, port: typeof l.fields.client_port === 'number' ? l.fields.client_port : null, ts: l.ts, from });
    }
  }
  // the TCP sessions the anchors fall in: the client's address (and port), open at the line's time (logs
  // have whole seconds: a second of slack either side)
  const sessions = new Map<string, Row>();
  const fitting = new Map<Anchor, Row[]>();
  const ips = [...new Set(anchors.map((a) => a.ip))];
  if (ips.length > 0) {
    const lo = Math.min(...anchors.map((a) => a.ts)) - 1e6;
    const hi = Math.max(...anchors.map((a) => a.ts)) + 1e6;
    const r = await store.select(
      `SELECT uid, capture_id, src_ip, src_port, dst_ip, dst_port, ${timeAsMicros('start_time', d)} AS start_time, ${timeAsMicros('end_time', d)} AS end_time,` +
      ` src_pkts, dst_pkts, src_bytes, dst_bytes, state, app_proto FROM ${t(SESSIONS.name)} WHERE ${ok} AND proto = 'tcp' AND ${inStrings('src_ip', ips, d)}` +
      ` AND ${ident('start_time')} <= ${timeLiteral(hi, d)} AND ${ident('end_time')} >= ${timeLiteral(lo, d)} ORDER BY start_time`,
    );
    for (const a of anchors) {
      const fits = r.rows.filter((s) => s.src_ip === a.ip && (a.port === null || Number(s.src_port) === a.port) &&
        Number(s.start_time) - 1e6 <= a.ts && a.ts <= Number(s.end_time) + 1e6);
      fitting.set(a, fits);
      for (const f of fits) sessions.set(sessionKey(f), f);
    }
  }
  const uids = [...new Set([...sessions.values()].map((s) => String(s.uid)))];
  const conds = m.queue_ids.map((q) => containsTextSql('last_reply', q, d));
  if (uids.length > 0) conds.push(inStrings('uid', uids, d));
  if (conds.length === 0) return m;
  // the SMTP transactions only: a client's POP3/IMAP session open at the line's time holds copies, not legs
  const r = await store.select(`SELECT ${smtpCols(d)} FROM ${t(SMTP.name)} WHERE ${ok} AND ${SENT} AND (${conds.join(' OR ')}) ORDER BY ts`);
  const q = new Set(m.queue_ids);
  const msgids = new Set(m.message_ids);
  const out: { join: JoinKind; smtp: Row | null; session: Row | null }[] = [];
  const done = new Set<string>();
  for (const s of r.rows) {
    const rq = replyQueueId(s.last_reply as string | null);
    if (rq !== null && q.has(rq)) {
      out.push({ join: 'queue id in the server reply', smtp: s, session: null });
      done.add(sessionKey(s));
    }
  }
  const byKey = new Map<string, Row[]>();
  for (const s of r.rows) byKey.set(sessionKey(s), [...(byKey.get(sessionKey(s)) ?? []), s]);
  // a session's transactions that may be this message: no reply naming another queue, the same envelope sender
  const mayBe = (a: Anchor, key: string): Row[] => (byKey.get(key) ?? []).filter((s) => replyQueueId(s.last_reply as string | null) === null &&
    (a.from === null || s.mail_from == null || String(s.mail_from).toLowerCase() === a.from));
  for (const [a, fits] of fitting) {
    // a session already joined by its reply covers the line; else the most likely one: a transaction that may be
    // this message, then a session with no transaction (refused before DATA), then any; ties: the latest start
    if (fits.some((f) => done.has(sessionKey(f)))) continue;
    const rank = (f: Row): number => {
      const txs = byKey.get(sessionKey(f)) ?? [];
      return mayBe(a, sessionKey(f)).length > 0 ? 0 : txs.length === 0 ? 1 : 2;
    };
    const best = [...fits].sort((x, y) => rank(x) - rank(y) || Number(y.start_time) - Number(x.start_time))[0];
    if (best === undefined) continue;
    const key = sessionKey(best);
    done.add(key);
    const kind: JoinKind = a.port !== null ? 'client address and port' : 'client address and time';
    const txs = mayBe(a, key);
    if (txs.length === 0) out.push({ join: kind, smtp: null, session: best });
    for (const s of txs) out.push({ join: a.port === null && s.message_id != null && msgids.has(bare(s.message_id as string)) ? 'Message-ID and client address' : kind, smtp: s, session: null });
  }
  // every transaction's TCP session, for its packets, bytes and state
  const need = [...new Set(out.filter((w) => w.session === null).map((w) => String(w.smtp!.uid)))];
  if (need.length > 0) {
    const rs = await store.select(
      `SELECT uid, capture_id, src_ip, src_port, dst_ip, dst_port, ${timeAsMicros('start_time', d)} AS start_time, ${timeAsMicros('end_time', d)} AS end_time,` +
      ` src_pkts, dst_pkts, src_bytes, dst_bytes, state, app_proto FROM ${t(SESSIONS.name)} WHERE ${ok} AND ${inStrings('uid', need, d)}`,
    );
    for (const s of rs.rows) sessions.set(sessionKey(s), s);
  }
  for (const w of out) if (w.session === null) w.session = sessions.get(sessionKey(w.smtp!)) ?? null;
  const when = (w: { smtp: Row | null; session: Row | null }): number => Number(w.smtp?.ts ?? w.session?.start_time ?? 0);
  out.sort((x, y) => when(x) - when(y));
  m.wire = await Promise.all(out.map(async (w) => ({ ...w, files: w.smtp === null ? [] : await filesOf(store, w.smtp), findings: w.smtp === null ? [] : await findingsOf(store, w.smtp) })));
  return m;
}
