// Everything about one session (by uid, and every session sharing its Community ID) across the tables, with
// the log lines the mail join ties to its messages; and pivots from a Message-ID, queue id, file hash, SNI or
// JA4 to the records that carry it.
import { HaystackError } from '../core/errors.js';
import type { Expr } from '../query/filter.js';
import { ALERTS } from '../schema/alerts.js';
import { ANOMALIES } from '../schema/anomalies.js';
import { FILES } from '../schema/files.js';
import { HTTP } from '../schema/http.js';
import { LOGS } from '../schema/logs.js';
import type { RecordSchema } from '../schema/schema.js';
import { SESSIONS } from '../schema/sessions.js';
import { SMTP } from '../schema/smtp.js';
import { TLS } from '../schema/tls.js';
import { findMail, replyQueueId, type MailResult } from './mail.js';
import { fromWhere, scopeConditions, typedRow } from './search-common.js';
import { keyFields, orderBySql } from './search-keys.js';
import { ident, inStrings, numberLiteral, quoteString, timeLiteral } from './sql.js';
import type { Row, Store } from './store.js';

/** Rows per table at most in one answer (a session's anomalies can be many; the list says when it was cut). */
export const MAX_RELATED_ROWS = 1000;
/** The longest uid, Message-ID, queue id, SNI or JA4 looked up (SNI: 253; Message-IDs are bounded likewise). */
export const MAX_LOOKUP_CHARS = 1024;
/** Messages the mail join follows for one session or pivot. */
const MAX_MAIL_MESSAGES = 50;

export interface RelatedOptions {
  /**
   * extra conditions per table (the user's row restriction, parsed against each table's schema); null: the
   * table is left out (a restriction that cannot apply to it fails closed)
   */
  restrict?: (schema: RecordSchema) => readonly Expr[] | null;
}

export interface Related {
  /** rows per table (tables with none are absent), typed as records, oldest first */
  tables: Partial<Record<string, Row[]>>;
  /** tables whose rows were cut at MAX_RELATED_ROWS */
  truncated: string[];
}

/**
 * How long before a time hint a session may have started and still be found by the bounded lookup (a longer one
 * is found by the full lookup that follows a miss), and how far before its own start a session of the same flow
 * seen elsewhere may have started (another capture or sensor that saw the flow from earlier on).
 */
export const FLOW_LOOKBACK_US = 24 * 3600e6;
/**
 * Slack around a session's time: its records (tls, http, ...: their times lie within the session's, give or
 * take the slack) and the sessions sharing its Community ID (another sensor's clock; the same client port reused
 * to the same server right after the flow ended is taken for the same flow).
 */
export const FLOW_SLACK_US = 5 * 60e6;

export interface UidOptions extends RelatedOptions {
  /**
   * a time (µs) the session was seen at: its start, or the time of one of its records. The session is looked for
   * within [at - FLOW_LOOKBACK_US, at + FLOW_SLACK_US] first (the store's time ordering prunes the rest), and in
   * the whole store when it is not there. The answer is the same either way (a uid is made from the flow's
   * start, so the sessions holding one start together).
   */
  at?: number | null;
}

export interface UidRecords extends Related {
  uid: string;
  community_ids: string[];
}

function checkLookup(v: string, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_LOOKUP_CHARS) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `${what}: give 1 to ${MAX_LOOKUP_CHARS} characters`);
  }
  return v;
}

interface TimeWindow {
  from: number;
  to: number;
}

class Collector {
  readonly tables: Partial<Record<string, Row[]>> = {};
  readonly truncated: string[] = [];

  constructor(private readonly store: Store, private readonly opts: RelatedOptions) {}

  /**
   * Committed rows of a table under a condition (and the restriction), oldest first in the table's order; within
   * a time window over the table's time field when one is given (from inclusive, to exclusive, µs).
   */
  async rows(schema: RecordSchema, cond: string, window: TimeWindow | null = null): Promise<Row[]> {
    const where = this.opts.restrict === undefined ? [] : this.opts.restrict(schema);
    if (where === null) return [];
    const conds = scopeConditions(this.store, schema, { table: schema.name, where, from: window?.from ?? null, to: window?.to ?? null });
    conds.push(cond);
    const key = keyFields(schema, schema.timeField);
    const r = await this.store.select(`SELECT ${schema.fields.map((f) => ident(f.name)).join(', ')} ${fromWhere(this.store, schema, conds)} ` +
      `ORDER BY ${orderBySql(key, 'asc', this.store.dialect)} LIMIT ${numberLiteral(MAX_RELATED_ROWS + 1)}`);
    const rows = r.rows.map((x) => typedRow(schema.fields, x));
    if (rows.length > MAX_RELATED_ROWS) {
      rows.length = MAX_RELATED_ROWS;
      if (!this.truncated.includes(schema.name)) this.truncated.push(schema.name);
    }
    return rows;
  }

  async add(schema: RecordSchema, cond: string, window: TimeWindow | null = null): Promise<Row[]> {
    const rows = await this.rows(schema, cond, window);
    if (rows.length > 0) this.tables[schema.name] = rows;
    return rows;
  }

  /**
   * The log lines of mail-join answers whose captured messages (SMTP legs, or copies fetched over POP3/IMAP) belong
   * to one of `uids` (all of them: null).
   */
  async mailLines(results: MailResult[], uids: ReadonlySet<string> | null): Promise<void> {
    const lines = new Map<string, { capture_id: string; line_no: number }>();
    for (const res of results) {
      for (const m of res.messages) {
        // a message one of the sessions carried, or fetched from a mailbox (the lines of how it got there)
        if (uids !== null && !m.wire.some((w) => uids.has(String(w.smtp?.uid ?? w.session?.uid))) && !m.fetches.some((f) => uids.has(f.uid))) continue;
        for (const l of m.lines) {
          const id = String((l as { capture_id?: unknown }).capture_id);
          lines.set(`${id}/${l.line_no}`, { capture_id: id, line_no: l.line_no });
        }
      }
    }
    if (lines.size === 0) return;
    const d = this.store.dialect;
    const any = [...lines.values()].map((l) => `(${ident('capture_id')} = ${quoteString(l.capture_id, d)} AND ${ident('line_no')} = ${numberLiteral(l.line_no)})`);
    await this.add(LOGS, `(${any.join(' OR ')})`);
  }

  done(): Related {
    return { tables: this.tables, truncated: this.truncated };
  }
}

const strings = (rows: readonly Row[], f: string): string[] => [...new Set(rows.map((r) => r[f]).filter((x): x is string => typeof x === 'string'))];

/** The mail join from each captured message's Message-ID and from the queue id its server reply named. */
async function mailOf(store: Store, smtp: readonly Row[]): Promise<MailResult[]> {
  const keys = new Set<string>();
  for (const s of smtp) {
    if (typeof s.message_id === 'string' && s.message_id.trim() !== '') keys.add(`<${s.message_id.trim().replace(/^<(.*)>$/, '$1')}>`);
    const q = replyQueueId(s.last_reply as string | null);
    if (q !== null) keys.add(q);
  }
  const out: MailResult[] = [];
  for (const k of keys) out.push(await findMail(store, k, { limit: MAX_MAIL_MESSAGES }));
  return out;
}

/** The earliest start and the latest end of sessions (µs), or null for none. */
function spanOf(sessions: readonly Row[]): { start: number; end: number } | null {
  let start = Infinity;
  let end = -Infinity;
  for (const s of sessions) {
    if (typeof s.start_time === 'number') start = Math.min(start, s.start_time);
    if (typeof s.end_time === 'number') end = Math.max(end, s.end_time);
  }
  return Number.isFinite(start) && Number.isFinite(end) ? { start, end } : null;
}

/**
 * Every record of a session and of the sessions of the same flow seen elsewhere (another capture or sensor:
 * the same Community ID at an overlapping time): sessions, tls, http, smtp, files, alerts (by uid or Community
 * ID), anomalies, and the log lines the mail join ties to its messages. No lookup reads the whole store once the
 * session is found: the sessions of its Community ID are looked for around its time (the 5-tuple comes back
 * hours later as another flow), its records within its time, give or take FLOW_SLACK_US.
 */
export async function byUid(store: Store, uid: string, opts: UidOptions = {}): Promise<UidRecords> {
  checkLookup(uid, 'uid');
  const at = opts.at ?? null;
  if (at !== null && !Number.isSafeInteger(at)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `uid: not a time in µs: ${String(at)}`);
  const d = store.dialect;
  const c = new Collector(store, opts);
  const isUid = `${ident('uid')} = ${quoteString(uid, d)}`;
  // seen at `at`: started at most FLOW_LOOKBACK_US before it and ended no earlier (give or take the slack). Both
  // bounds are ranges of columns the store keeps in time order: DuckDB skips row groups by their min/max of
  // start_time and end_time, ClickHouse reads only the granules of its primary key (start_time) in the window.
  const endsAfter = (us: number): string => `${ident('end_time')} >= ${timeLiteral(us, d)}`;
  let own = at === null ? [] : await c.rows(SESSIONS, `${isUid} AND ${endsAfter(at - FLOW_SLACK_US)}`, { from: at - FLOW_LOOKBACK_US, to: at + FLOW_SLACK_US });
  if (own.length === 0) own = await c.rows(SESSIONS, isUid);
  const cids = strings(own, 'community_id').sort();
  const ownSpan = spanOf(own);
  let sessions = own;
  if (cids.length > 0 && ownSpan !== null) {
    // the same flow: started at most FLOW_LOOKBACK_US before this session, ended no earlier than its start and
    // started no later than its end (give or take the slack)
    const sameFlow = `(${isUid} OR ${inStrings('community_id', cids, d)}) AND ${endsAfter(ownSpan.start - FLOW_SLACK_US)}`;
    sessions = await c.rows(SESSIONS, sameFlow, { from: ownSpan.start - FLOW_LOOKBACK_US, to: ownSpan.end + FLOW_SLACK_US + 1 });
  }
  if (sessions.length > 0) c.tables[SESSIONS.name] = sessions;
  const uids = [...new Set([uid, ...strings(sessions, 'uid')])].sort();
  const byUids = inStrings('uid', uids, d);
  // the records within the sessions' time; without a session (none, or hidden by the restriction), all of them
  const span = spanOf(sessions);
  const within = span === null ? null : { from: span.start - FLOW_SLACK_US, to: span.end + FLOW_SLACK_US + 1 };
  await c.add(TLS, byUids, within);
  await c.add(HTTP, byUids, within);
  const smtp = await c.add(SMTP, byUids, within);
  await c.add(FILES, byUids, within);
  await c.add(ALERTS, cids.length === 0 ? byUids : `(${byUids} OR ${inStrings('community_id', cids, d)})`, within);
  await c.add(ANOMALIES, byUids, within);
  await c.mailLines(await mailOf(store, smtp), new Set(uids));
  return { uid, community_ids: cids, ...c.done() };
}

export const PIVOT_KINDS = ['message_id', 'queue_id', 'sha256', 'sni', 'ja4'] as const;
export type PivotKind = (typeof PIVOT_KINDS)[number];

/**
 * Records carrying a value: a Message-ID (smtp, files, and the log lines of the message), a queue id (the log
 * lines and the captured messages the mail join ties to them), a file's sha256 (files and their sessions), an
 * SNI or a JA4 (tls and their sessions).
 */
export async function pivot(store: Store, kind: PivotKind, value: string, opts: RelatedOptions = {}): Promise<Related> {
  if (!PIVOT_KINDS.includes(kind)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `pivot: one of ${PIVOT_KINDS.join(', ')}`);
  checkLookup(value, kind);
  const d = store.dialect;
  const c = new Collector(store, opts);
  const sessionsOf = async (rows: readonly Row[]): Promise<void> => {
    const uids = strings(rows, 'uid');
    if (uids.length > 0) await c.add(SESSIONS, inStrings('uid', uids, d));
  };
  switch (kind) {
    case 'message_id': {
      const bare = value.trim().replace(/^<(.*)>$/, '$1');
      const forms = [...new Set([value, bare, `<${bare}>`])];
      const smtp = await c.add(SMTP, inStrings('message_id', forms, d));
      await c.add(FILES, inStrings('message_id', forms, d));
      await c.mailLines([await findMail(store, `<${bare}>`, { limit: MAX_MAIL_MESSAGES })], null);
      await sessionsOf(smtp);
      break;
    }
    case 'queue_id': {
      if (!/^[0-9A-Za-z]+$/.test(value)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'queue_id: letters and digits only');
      const mail = await findMail(store, value, { limit: MAX_MAIL_MESSAGES });
      await c.mailLines([mail], null);
      const legs = mail.messages.flatMap((m) => m.wire.map((w) => w.smtp).filter((s): s is Row => s !== null));
      const uids = strings(legs, 'uid');
      if (uids.length > 0) {
        // the transactions the join chose, not every one of their sessions
        const want = new Set(legs.map((s) => `${String(s.capture_id)}/${String(s.uid)}/${String(s.trans_depth)}`));
        const smtp = (await c.rows(SMTP, inStrings('uid', uids, d))).filter((s) => want.has(`${String(s.capture_id)}/${String(s.uid)}/${String(s.trans_depth)}`));
        if (smtp.length > 0) c.tables.smtp = smtp;
        const fuids = [...new Set(smtp.flatMap((s) => (s.fuids as string[] | null) ?? []))];
        if (fuids.length > 0) await c.add(FILES, inStrings('fuid', fuids, d));
        await sessionsOf(smtp);
      }
      break;
    }
    case 'sha256': {
      const h = value.toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(h)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'sha256: 64 hex digits');
      await sessionsOf(await c.add(FILES, `${ident('sha256')} = ${quoteString(h, d)}`));
      break;
    }
    case 'sni':
    case 'ja4':
      await sessionsOf(await c.add(TLS, `${ident(kind)} = ${quoteString(value, d)}`));
      break;
  }
  return c.done();
}
