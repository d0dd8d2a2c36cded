// `haystack mail <queue-id | message-id | address>`: every log line of the message across programs in time
// order, and the message as captured (SMTP transaction, envelope, MIME skeleton, attachments), joined.
import { findMail, type MailMessage } from '../../store/mail.js';
import { findImapLogins, type ImapLogin } from '../../store/imap-logins.js';
import { openStore } from '../../store/open.js';
import { intOption, parse, stringOption } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.js';
import { DB_OPTION } from '../store-args.js';
import { escapeControls } from '../format/escape.js';
import { HaystackError } from '../../core/errors.js';

export const usage = `haystack mail <queue-id | <message-id> | address> [--db URL] [--limit N] [--format text|json]
haystack mail --imap <user | client address | dovecot session id> [--db URL] [--limit N] [--format text|json]
Every log line of the message (MTA, milters, opendkim, delivery; queues followed to the next MTA, DSNs and
bounces) in time order, and the message as captured: its SMTP transaction(s), envelope, MIME skeleton and
attachments, joined by the queue id the server named in its reply, postfix's client address and port, or the
Message-ID and client address; and the copies clients fetched over POP3/IMAP (by Message-ID: who, via what,
when). A Message-ID is written with its angle brackets; an address finds every message from or to it. With --imap: dovecot's imap-login lines of the user (logins, failed and aborted ones)
with their session's lines, each joined to its IMAP TCP session and LOGIN by dovecot's session id (client
port and address), else by client and server address, user and time. Exit status 1 when nothing was found.`;

const iso = (us: unknown): string => (us === null || us === undefined ? '-' : new Date(Number(us) / 1000).toISOString());

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('mail', argv, { ...DB_OPTION, limit: { type: 'string' }, format: { type: 'string' }, imap: { type: 'boolean' } });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return EXIT_OK;
  }
  if (positionals.length !== 1 || positionals[0]!.trim() === '') {
    io.stderr(`haystack mail: give one queue id, <message-id> or address\n${usage}\n`);
    return EXIT_USAGE;
  }
  const format = stringOption(values.format) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `mail: --format is text or json, not "${format}"`);
  const limit = intOption('limit', values.limit, 1);
  const store = await openStore(stringOption(values.db), { readOnly: true });
  try {
    if (values.imap === true) {
      const r = await findImapLogins(store, positionals[0]!, limit === undefined ? {} : { limit });
      if (format === 'json') io.stdout(`${JSON.stringify(r)}\n`);
      else if (r.logins.length === 0) io.stderr(`haystack mail: no IMAP login of ${one(r.key)} in the logs\n`);
      else r.logins.forEach((x, i) => io.text(imapText(x, i, r.logins.length)));
      return r.logins.length === 0 ? EXIT_FAILURE : EXIT_OK;
    }
    const r = await findMail(store, positionals[0]!, limit === undefined ? {} : { limit });
    if (format === 'json') io.stdout(`${JSON.stringify(r)}\n`);
    else {
      if (r.messages.length === 0) io.stderr(`haystack mail: no log line or captured message carries ${r.kind} ${r.key}\n`);
      r.messages.forEach((m, i) => io.text(text(m, i, r.messages.length)));
    }
    return r.messages.length === 0 ? EXIT_FAILURE : EXIT_OK;
  } finally {
    await store.close();
  }
}

/** A value from a log line or the wire on one line of the report. */
const one = (x: unknown): string => escapeControls(String(x));

function text(m: MailMessage, i: number, n: number): string {
  const out: string[] = [];
  const head = [`message ${i + 1} of ${n}`];
  if (m.queue_ids.length > 0) head.push(`queue ${one(m.queue_ids.join(' → '))}`);
  if (m.message_ids.length > 0) head.push(`Message-ID ${m.message_ids.map((x) => `<${one(x)}>`).join(' ')}`);
  out.push(head.join('; '));
  if (m.from !== null || m.to.length > 0) out.push(`  from ${one(m.from ?? '?')} to ${one(m.to.join(', ') || '?')}`);
  out.push(`  log: ${m.lines.length} line${m.lines.length === 1 ? '' : 's'}`);
  for (const l of m.lines) {
    out.push(`    ${iso(l.ts)} ${one(l.host ?? '-')} ${one(l.program ?? '-')}${l.pid !== null ? `[${l.pid}]` : ''} ${one(l.type ?? '-')}: ${one(l.message)}`);
  }
  const txs = m.wire.filter((w) => w.smtp !== null).length;
  const bare = m.wire.length - txs;
  out.push(`  on the wire: ${m.wire.length === 0 ? 'not in the captures ingested' : [txs > 0 ? `${txs} SMTP transaction${txs === 1 ? '' : 's'}` : '', bare > 0 ? `${bare} session${bare === 1 ? '' : 's'} without a message` : ''].filter((x) => x !== '').join(', ')}`);
  for (const w of m.wire) {
    const s = w.smtp;
    const c = w.session;
    const ends = s ?? c!;
    out.push(`    ${iso(s?.ts ?? c?.start_time)} ${String(ends.src_ip)}:${String(ends.src_port)} → ${String(ends.dst_ip)}:${String(ends.dst_port)} session ${String(ends.uid)}${s !== null ? ` #${String(s.trans_depth)}` : ''} (joined by ${w.join})`);
    if (c !== null) {
      out.push(`      TCP ${iso(c.start_time)} – ${iso(c.end_time)}, ${Number(c.src_pkts) + Number(c.dst_pkts)} packets, ${String(c.src_bytes)}/${String(c.dst_bytes)} bytes client/server, state ${String(c.state)}`);
    }
    if (s === null) {
      out.push('      this message was not transferred in this session (the log lines say why)');
      continue;
    }
    if (s.starttls === true || s.starttls === 1) out.push('      the session switched to TLS: the message itself is encrypted');
    out.push(`      MAIL FROM ${one(s.mail_from ?? '-')} RCPT TO ${one(((s.rcpt_to as string[] | null) ?? []).join(', ') || '-')}${s.helo != null ? `; HELO ${one(s.helo)}` : ''}${s.auth_user != null ? `; AUTH ${one(s.auth_user)}` : ''}`);
    if (s.subject != null || s.message_id != null) out.push(`      Subject ${JSON.stringify(s.subject ?? '')}; Message-ID ${one(s.message_id ?? '-')}; ${String(s.data_bytes)} bytes`);
    if (s.last_reply != null) out.push(`      reply: ${one(s.last_reply)}`);
    if (typeof s.skeleton === 'string' && s.skeleton !== '') for (const line of s.skeleton.split('\n')) out.push(`      | ${line}`);
    for (const f of w.files) {
      out.push(`      attachment ${String(f.part_path ?? '-')} ${JSON.stringify(f.filename ?? '')} ${one(f.mime_type ?? f.declared_type ?? '?')} ${String(f.size)} bytes sha256 ${String(f.sha256)}${f.stored_path != null ? ` stored ${String(f.stored_path)}` : ''}`);
    }
    for (const x of w.findings) {
      // masked values only: the store never holds them in clear
      out.push(`      finding in ${String(x.part_path ?? '-')}: ${one(String(x.detector))} (${String(x.confidence)}${x.test_value === true || x.test_value === 1 ? ', test value' : ''}) ` +
        `x${String(x.count)}${x.masked != null ? ` ${one(String(x.masked))}` : ''}${x.decode_path != null ? ` at ${one(String(x.decode_path))}` : ''}${x.note != null ? `: ${one(String(x.note))}` : ''}`);
    }
  }
  if (m.fetches.length > 0) out.push(`  fetched from a mailbox: ${m.fetches.length} cop${m.fetches.length === 1 ? 'y' : 'ies'} (not legs of its way: a client downloading it)`);
  for (const f of m.fetches) {
    out.push(`    ${iso(f.ts)} fetched by ${one(f.user ?? '?')} via ${f.via}${f.command !== null ? ` (${one(f.command)})` : ''} ${f.src_ip}:${f.src_port} → ${f.dst_ip}:${f.dst_port} session ${f.uid}, ${f.data_bytes} bytes${f.partial ? ', partial' : ''}`);
  }
  return `${out.join('\n')}\n\n`;
}

function imapText(x: ImapLogin, i: number, n: number): string {
  const out: string[] = [];
  out.push(`IMAP login ${i + 1} of ${n}: ${x.login ? 'logged in' : one(x.reason ?? 'no login')}; user ${one(x.user ?? '-')} from ${one(x.rip ?? '-')} to ${one(x.lip ?? '-')}` +
    `${x.session_id !== null ? `; session <${one(x.session_id)}>` : ''}`);
  out.push(`  log: ${x.lines.length} line${x.lines.length === 1 ? '' : 's'}`);
  for (const l of x.lines) out.push(`    ${iso(l.ts)} ${one(l.host ?? '-')} ${one(l.program ?? '-')}${l.pid !== null ? `[${l.pid}]` : ''} ${one(l.type ?? '-')}: ${one(l.message)}`);
  const c = x.session;
  if (c === null) {
    out.push('  on the wire: not in the captures ingested');
    return `${out.join('\n')}\n\n`;
  }
  out.push(`  on the wire: ${String(c.src_ip)}:${String(c.src_port)} → ${String(c.dst_ip)}:${String(c.dst_port)} session ${String(c.uid)} (joined by ${x.join ?? '-'})`);
  out.push(`    TCP ${iso(c.start_time)} – ${iso(c.end_time)}, ${Number(c.src_pkts) + Number(c.dst_pkts)} packets, ${String(c.src_bytes)}/${String(c.dst_bytes)} bytes client/server, state ${String(c.state)}`);
  for (const m of x.imap) out.push(`    ${iso(m.ts)} ${one(m.command)} ${one(m.user ?? m.arg ?? '')} → ${one(m.status ?? '(no reply)')} ${one(m.reply_msg ?? '')}`);
  return `${out.join('\n')}\n\n`;
}
