// The `smtp` record: one row per mail transaction (message) of an SMTP session (Zeek smtp.log + MIME skeleton).
import { field, type RowOf } from './schema.js';

export const SMTP = {
  name: 'smtp',
  doc: 'One row per SMTP message: envelope, headers, and the MIME skeleton.',
  timeField: 'ts',
  fields: [
    field('uid', 'string', false, 'session uid'),
    field('ts', 'timestamp', false, 'time of the MAIL command'),
    field('src_ip', 'string', false, 'client address'),
    field('src_port', 'int', false, 'client port'),
    field('dst_ip', 'string', false, 'server address'),
    field('dst_port', 'int', false, 'server port'),
    field('trans_depth', 'int', false, '1 for the first message of the session, 2 for the next, ...'),
    field('helo', 'string', true, 'EHLO/HELO argument'),
    field('mail_from', 'string', true, 'MAIL FROM address'),
    field('rcpt_to', 'string[]', false, 'RCPT TO addresses'),
    field('from', 'string', true, 'From header'),
    field('to', 'string[]', false, 'To header addresses'),
    field('cc', 'string[]', false, 'Cc header addresses'),
    field('subject', 'string', true, 'Subject header, RFC 2047 decoded'),
    field('date', 'string', true, 'Date header as sent'),
    field('message_id', 'string', true, 'Message-ID header'),
    field('in_reply_to', 'string', true, 'In-Reply-To header'),
    field('received', 'string[]', false, 'Received headers, top first'),
    field('x_originating_ip', 'string', true, 'X-Originating-IP header'),
    field('user_agent', 'string', true, 'User-Agent or X-Mailer header'),
    field('auth_mechanism', 'string', true, 'AUTH mechanism (PLAIN, LOGIN, ...)'),
    field('auth_user', 'string', true, 'user name of AUTH PLAIN/LOGIN (the secret is never kept)'),
    field('starttls', 'bool', false, 'the session switched to TLS (the message itself was not seen)'),
    field('last_reply', 'string', true, 'last server reply of the transaction'),
    field('data_bytes', 'int', false, 'message bytes after dot-unstuffing'),
    field('missing_bytes', 'int', false, 'message bytes lost to capture gaps'),
    field('fuids', 'string[]', false, 'files records of the message parts'),
    field('skeleton', 'string', true, 'MIME tree as text, one line per part'),
    field('capture_id', 'string', true, 'capture it came from (store ingest)'),
  ],
} as const;

export type SmtpRecord = RowOf<typeof SMTP>;
