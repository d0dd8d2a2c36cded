// The `imap` record: one row per tagged IMAP command and its tagged completion (RFC 9051/3501, STARTTLS,
// AUTHENTICATE, LOGIN). Zeek writes no imap log. Passwords are never kept: LOGIN keeps the user name only,
// AUTHENTICATE the mechanism, and password_seen says one was sent.
import { MAX_ID_BYTES, MAX_NAME_BYTES, own, text } from './bounds.js';
import { field, type RowOf } from './schema.js';
import { PROVENANCE_FIELDS } from './provenance.js';

/** A command line is read up to 8 KiB (literals are skipped by their announced length); escaped at worst. */
export const IMAP_MAX_ARG_BYTES = 16 * 1024;
export const IMAP_MAX_REPLY_BYTES = 8 * 1024;

const CUT = 'imap_field_truncated';

export const IMAP = {
  name: 'imap',
  doc: 'One row per IMAP command and its tagged completion (any port by content): tag, command, argument (never a password), OK/NO/BAD, user.',
  timeField: 'ts',
  fields: [
    field('uid', 'string', false, 'session uid', own(MAX_ID_BYTES)),
    field('ts', 'timestamp', false, 'time of the command (of the greeting for <init>)'),
    field('src_ip', 'string', false, 'client address', own(MAX_NAME_BYTES)),
    field('src_port', 'int', false, 'client port'),
    field('dst_ip', 'string', false, 'server address', own(MAX_NAME_BYTES)),
    field('dst_port', 'int', false, 'server port'),
    field('user', 'string', true, 'user name (LOGIN, or the authentication identity of AUTHENTICATE PLAIN/LOGIN)', text(IMAP_MAX_ARG_BYTES, CUT)),
    field('password_seen', 'bool', false, 'a password was sent in this session up to this command; never stored'),
    field('tag', 'string', true, 'the command\'s tag (null for <init>)', text(IMAP_MAX_ARG_BYTES, CUT)),
    field('command', 'string', false, 'command, upper case (UID FETCH as UID FETCH); <init> for the greeting', own(MAX_NAME_BYTES)),
    field('arg', 'string', true, 'arguments as sent (literals as {n} without their bytes); LOGIN the user only, AUTHENTICATE the mechanism only', text(IMAP_MAX_ARG_BYTES, CUT)),
    field('status', 'string', true, 'OK, NO or BAD (PREAUTH or BYE for <init>); null when no completion was seen', own(MAX_NAME_BYTES)),
    field('reply_msg', 'string', true, 'the completion\'s text', text(IMAP_MAX_REPLY_BYTES, CUT)),
    field('capture_id', 'string', true, 'capture it came from (store ingest)', own(MAX_ID_BYTES)),
    ...PROVENANCE_FIELDS,
  ],
} as const;

export type ImapRecord = RowOf<typeof IMAP>;
