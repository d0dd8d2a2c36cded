// The `smtp` record: one row per mail transaction (message) of an SMTP session (Zeek smtp.log + MIME skeleton).
import { list, MAX_ID_BYTES, MAX_NAME_BYTES, own, text } from './bounds.js';
import { field, type RowOf } from './schema.js';
import { PROVENANCE_FIELDS } from './provenance.js';

/**
 * SMTP command arguments kept (helo, mail_from, auth_user): a command line is at most 512 octets (RFC 5321
 * §4.5.3.1.4) and the analyzer reads lines up to 4 KiB, which fit even when every byte needs escaping twice over.
 */
export const SMTP_MAX_ARGUMENT_BYTES = 8 * 1024;
/**
 * Recipients kept per list (rcpt_to, to, cc): Postfix accepts 1000 per message by default
 * (smtpd_recipient_limit); RFC 5321 §4.5.3.1.8 asks servers for at least 100.
 */
export const SMTP_MAX_ADDRESSES = 1000;
/** One address of a list: a path is at most 256 octets (RFC 5321 §4.5.3.1.3); longer ones keep their start. */
export const SMTP_MAX_ADDRESS_BYTES = 1024;
/** An address list in a row: 1000 addresses of 256 octets. */
export const SMTP_MAX_ADDRESS_LIST_BYTES = 256 * 1024;
/**
 * From and Subject, RFC 2047 decoded: a header line is at most 998 characters (RFC 5322 §2.1.1), a folded field
 * can be longer; 64 KiB is 65 such lines.
 */
export const SMTP_MAX_HEADER_BYTES = 64 * 1024;
/** Date, Message-ID, In-Reply-To, X-Originating-IP, User-Agent: one line each in real mail (998 characters). */
export const SMTP_MAX_SHORT_HEADER_BYTES = 8 * 1024;
/**
 * Received fields kept: servers count them to detect loops and refuse a message at 50-100 hops (RFC 5321 §6.3;
 * Postfix hopcount_limit 50, Exim received_headers_max 30).
 */
export const SMTP_MAX_RECEIVED = 256;
/** The Received fields in a row (256 of 2 KiB), and one of them (a folded field of 64 lines). */
export const SMTP_MAX_RECEIVED_BYTES = 512 * 1024;
export const SMTP_MAX_RECEIVED_ITEM_BYTES = 64 * 1024;
/** A server reply: lines of at most 512 octets (RFC 5321 §4.5.3.1.5), an EHLO answer has ~10-20 of them. */
export const SMTP_MAX_REPLY_BYTES = 64 * 1024;
/**
 * Files named per message (fuids): a message is split into at most 1000 parts (mime-tree MAX_MIME_PARTS), a
 * forwarded message inside it into 1000 more; 4096 file ids of 18 characters.
 */
export const SMTP_MAX_FILES = 4096;
/** ~300 bytes per part (type, number, name, size, real type, hash, stored path): 1000 parts take ~300 KiB. */
export const SMTP_MAX_SKELETON_BYTES = 1024 * 1024;

const HEADER = 'smtp_header_truncated';
const COMMAND = 'smtp_command_truncated';

export const SMTP = {
  name: 'smtp',
  doc: 'One row per SMTP message (and per message fetched over POP3/IMAP, fetched_via): envelope, headers, and the MIME skeleton.',
  timeField: 'ts',
  fields: [
    field('uid', 'string', false, 'session uid', own(MAX_ID_BYTES)),
    field('ts', 'timestamp', false, 'time of the MAIL command'),
    field('src_ip', 'string', false, 'client address', own(MAX_NAME_BYTES)),
    field('src_port', 'int', false, 'client port'),
    field('dst_ip', 'string', false, 'server address', own(MAX_NAME_BYTES)),
    field('dst_port', 'int', false, 'server port'),
    field('trans_depth', 'int', false, '1 for the first message of the session, 2 for the next, ...'),
    field('helo', 'string', true, 'EHLO/HELO argument', text(SMTP_MAX_ARGUMENT_BYTES, COMMAND)),
    field('mail_from', 'string', true, 'MAIL FROM address', text(SMTP_MAX_ARGUMENT_BYTES, COMMAND)),
    field('rcpt_to', 'string[]', false, 'RCPT TO addresses',
      list(SMTP_MAX_ADDRESSES, SMTP_MAX_ADDRESS_LIST_BYTES, 'smtp_too_many_recipients', SMTP_MAX_ADDRESS_BYTES)),
    field('from', 'string', true, 'From header', text(SMTP_MAX_HEADER_BYTES, HEADER)),
    field('to', 'string[]', false, 'To header addresses', list(SMTP_MAX_ADDRESSES, SMTP_MAX_ADDRESS_LIST_BYTES, HEADER, SMTP_MAX_ADDRESS_BYTES)),
    field('cc', 'string[]', false, 'Cc header addresses', list(SMTP_MAX_ADDRESSES, SMTP_MAX_ADDRESS_LIST_BYTES, HEADER, SMTP_MAX_ADDRESS_BYTES)),
    field('subject', 'string', true, 'Subject header, RFC 2047 decoded', text(SMTP_MAX_HEADER_BYTES, HEADER)),
    field('date', 'string', true, 'Date header as sent', text(SMTP_MAX_SHORT_HEADER_BYTES, HEADER)),
    field('message_id', 'string', true, 'Message-ID header', text(SMTP_MAX_SHORT_HEADER_BYTES, HEADER)),
    field('in_reply_to', 'string', true, 'In-Reply-To header', text(SMTP_MAX_SHORT_HEADER_BYTES, HEADER)),
    field('received', 'string[]', false, 'Received headers, top first',
      list(SMTP_MAX_RECEIVED, SMTP_MAX_RECEIVED_BYTES, HEADER, SMTP_MAX_RECEIVED_ITEM_BYTES)),
    field('x_originating_ip', 'string', true, 'X-Originating-IP header', text(SMTP_MAX_SHORT_HEADER_BYTES, HEADER)),
    field('user_agent', 'string', true, 'User-Agent or X-Mailer header', text(SMTP_MAX_SHORT_HEADER_BYTES, HEADER)),
    field('auth_mechanism', 'string', true, 'AUTH mechanism (PLAIN, LOGIN, ...)', text(MAX_NAME_BYTES, COMMAND)),
    field('auth_user', 'string', true, 'user name of AUTH PLAIN/LOGIN (the secret is never kept)', text(SMTP_MAX_ARGUMENT_BYTES, COMMAND)),
    field('starttls', 'bool', false, 'the session switched to TLS (the message itself was not seen)'),
    field('last_reply', 'string', true, 'last server reply of the transaction', text(SMTP_MAX_REPLY_BYTES, 'smtp_reply_truncated')),
    field('data_bytes', 'int', false, 'message bytes after dot-unstuffing'),
    field('missing_bytes', 'int', false, 'message bytes lost to capture gaps'),
    field('fuids', 'string[]', false, 'files records of the message parts', list(SMTP_MAX_FILES, SMTP_MAX_FILES * 21 + 2, 'smtp_too_many_files', MAX_ID_BYTES)),
    field('skeleton', 'string', true, 'MIME tree as text, one line per part', text(SMTP_MAX_SKELETON_BYTES, 'smtp_skeleton_truncated')),
    field('capture_id', 'string', true, 'capture it came from (store ingest)', own(MAX_ID_BYTES)),
    ...PROVENANCE_FIELDS,
    // a message a client fetched from its mailbox takes the same path as one sent (the envelope fields are empty);
    // optional: SMTP leaves them out, and rows of a store made before read null, which means sent over SMTP
    { ...field('fetched_via', 'string', true, 'pop3 | imap: a message a client fetched from its mailbox (RETR/TOP, FETCH); null: sent over SMTP', own(MAX_NAME_BYTES)), optional: true },
    { ...field('fetch_command', 'string', true, 'the command that fetched it (POP3 "RETR 1", "TOP 1 10"; IMAP with its tag, "A5 UID FETCH 1 (BODY.PEEK[])"), joins the pop3/imap row', text(SMTP_MAX_ARGUMENT_BYTES, COMMAND)), optional: true },
  ],
} as const;

export type SmtpRecord = RowOf<typeof SMTP>;

/**
 * Whether an smtp row is an SMTP transaction (a message sent over SMTP), not a copy a client fetched from its
 * mailbox over POP3/IMAP (fetched_via set). The exporters' smtp log, event and document are transactions only.
 */
export function sentOverSmtp(r: { readonly fetched_via?: unknown }): boolean {
  return r.fetched_via === null || r.fetched_via === undefined;
}
