// smtp.log from `smtp`: Zeek's default columns (base/protocols/smtp), one line per message sent over SMTP.
import { SMTP, sentOverSmtp } from '../../../schema/smtp.js';
import { computed, connColumns, same, unfilled } from '../columns.js';
import type { Row, SqlParts, ZeekLog, ZeekValue } from '../zeek-types.js';
import { lastLineSql, nonEmptySql } from '../sql-values.js';

const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/;

/**
 * Zeek's path: the server, the client, then the address each Received header names (bracketed first), top down.
 */
function path(r: Row): ZeekValue {
  const out = [r.dst_ip as string, r.src_ip as string];
  for (const h of (r.received as string[] | null) ?? []) {
    const m = /\[([0-9a-fA-F:.]+)\]/.exec(h) ?? IPV4.exec(h);
    if (m !== null) out.push(m[1] ?? m[0]);
  }
  return out;
}

/** path in SQL: RE2 has \b and leftmost-first matching as JS (ASCII \d and \b in both). */
function pathSql(s: SqlParts): string {
  const hop = `coalesce(nullif(regexp_extract(h, ${s.lit(String.raw`\[([0-9a-fA-F:.]+)\]`)}, 1), ${s.lit('')}), nullif(regexp_extract(h, ${s.lit(IPV4.source)}), ${s.lit('')}))`;
  return `list_concat([${s.col('dst_ip')}, ${s.col('src_ip')}], list_filter(list_transform(coalesce(${s.col('received')}, []), lambda h: ${hop}), lambda a: a IS NOT NULL))`;
}

const nonEmptySqlOf = (field: string) => (s: SqlParts): string => nonEmptySql(s.col(field));
const nonEmpty = (field: string) => (r: Row): ZeekValue => {
  const a = r[field] as string[] | null;
  return a === null || a.length === 0 ? null : a;
};
const setList = (field: string) => (v: ZeekValue, o: Row): void => { o[field] = [...(v as string[])]; };

export const SMTP_LOG: ZeekLog = {
  path: 'smtp',
  schema: SMTP,
  columns: [
    ...connColumns('ts'),
    same('trans_depth', 'count', 'trans_depth'),
    same('helo', 'string', 'helo'),
    same('mailfrom', 'string', 'mail_from'),
    computed('rcptto', 'set[string]', nonEmpty('rcpt_to'), nonEmptySqlOf('rcpt_to'), setList('rcpt_to'), ['rcpt_to']),
    same('date', 'string', 'date'),
    same('from', 'string', 'from'),
    computed('to', 'set[string]', nonEmpty('to'), nonEmptySqlOf('to'), setList('to'), ['to']),
    computed('cc', 'set[string]', nonEmpty('cc'), nonEmptySqlOf('cc'), setList('cc'), ['cc']),
    unfilled('reply_to', 'string'),
    same('msg_id', 'string', 'message_id'),
    same('in_reply_to', 'string', 'in_reply_to'),
    same('subject', 'string', 'subject'),
    computed('x_originating_ip', 'addr', (r) => {
      const x = r.x_originating_ip as string | null;
      return x === null ? null : x.replace(/^\[|\]$/g, '');
    }, (s) => `regexp_replace(${s.col('x_originating_ip')}, ${s.lit(String.raw`^\[|\]$`)}, ${s.lit('')}, ${s.lit('g')})`, (v, o) => { o.x_originating_ip = v; }),
    // Zeek keeps the last two Received headers it read (the bottom ones: the first hops); ours are top first
    computed('first_received', 'string', (r) => (r.received as string[]).at(-1) ?? null, (s) => `${s.col('received')}[-1]`, (v, o) => {
      o.received = [...((o.received as string[] | null) ?? []), v as string];
    }),
    computed('second_received', 'string', (r) => (r.received as string[]).at(-2) ?? null, (s) => `${s.col('received')}[-2]`, (v, o) => {
      o.received = [v as string, ...((o.received as string[] | null) ?? [])];
    }),
    // the last line of the last reply (ours keeps every line of a multi-line or pipelined reply)
    computed('last_reply', 'string', (r) => {
      const t = r.last_reply as string | null;
      return t === null ? null : t.slice(t.lastIndexOf('\n') + 1);
    }, (s) => lastLineSql(s, s.col('last_reply')), (v, o) => { o.last_reply = v; }),
    computed('path', 'vector[addr]', path, pathSql),
    same('user_agent', 'string', 'user_agent'),
    same('tls', 'bool', 'starttls'),
    computed('fuids', 'vector[string]', nonEmpty('fuids'), nonEmptySqlOf('fuids'), setList('fuids'), ['fuids']),
  ],
  // a line per SMTP transaction: a message a client fetched over POP3/IMAP is none (Zeek logs it in no smtp.log)
  keep: sentOverSmtp,
  sqlKeep: (s) => `${s.col('fetched_via')} IS NULL`,
  finish: (o) => {
    for (const f of ['rcpt_to', 'to', 'cc', 'received', 'fuids']) if (o[f] === null) o[f] = [];
  },
};
