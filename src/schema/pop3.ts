// The `pop3` record: one row per POP3 command and its status reply (RFC 1939, STLS RFC 2595, AUTH RFC 5034).
// Zeek writes no pop3 log; its events (pop3_request/pop3_reply) have the same content. Passwords are never
// kept: PASS and APOP digests and AUTH exchanges leave password_seen.
import { MAX_ID_BYTES, MAX_NAME_BYTES, own, text } from './bounds.js';
import { field, type RowOf } from './schema.js';
import { PROVENANCE_FIELDS } from './provenance.js';

/** A command line is read up to 4 KiB (RFC 1939 allows 255 octets), every byte escaped at worst. */
export const POP3_MAX_ARG_BYTES = 8 * 1024;
export const POP3_MAX_REPLY_BYTES = 8 * 1024;

const CUT = 'pop3_field_truncated';

export const POP3 = {
  name: 'pop3',
  doc: 'One row per POP3 command and its +OK/-ERR reply (any port by content): user, command, argument (never a password), status.',
  timeField: 'ts',
  fields: [
    field('uid', 'string', false, 'session uid', own(MAX_ID_BYTES)),
    field('ts', 'timestamp', false, 'time of the command (of the greeting for <init>)'),
    field('src_ip', 'string', false, 'client address', own(MAX_NAME_BYTES)),
    field('src_port', 'int', false, 'client port'),
    field('dst_ip', 'string', false, 'server address', own(MAX_NAME_BYTES)),
    field('dst_port', 'int', false, 'server port'),
    field('user', 'string', true, 'user name (USER, APOP, or the authentication identity of AUTH PLAIN)', text(POP3_MAX_ARG_BYTES, CUT)),
    field('password_seen', 'bool', false, 'a password or digest was sent in this session up to this command; never stored'),
    field('command', 'string', false, 'command verb, upper case; <init> for the greeting', own(MAX_NAME_BYTES)),
    field('arg', 'string', true, 'argument as sent; for PASS null, for APOP the user only, for AUTH the mechanism only', text(POP3_MAX_ARG_BYTES, CUT)),
    field('status', 'string', true, 'OK or ERR (null when no reply was seen)', own(MAX_NAME_BYTES)),
    field('reply_msg', 'string', true, 'the status line\'s text', text(POP3_MAX_REPLY_BYTES, CUT)),
    field('reply_lines', 'int', false, 'lines of a multi-line reply (LIST, UIDL, CAPA, RETR, TOP) after the status line'),
    field('capture_id', 'string', true, 'capture it came from (store ingest)', own(MAX_ID_BYTES)),
    ...PROVENANCE_FIELDS,
  ],
} as const;

export type Pop3Record = RowOf<typeof POP3>;
