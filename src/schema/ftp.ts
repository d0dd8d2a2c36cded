// The `ftp` record: one row per command of an FTP control session and the server's reply to it (Zeek ftp.log,
// which logs only some commands; ours are all of them), with the data channel a PASV/PORT/EPSV/EPRT announced
// and the data session and file a transfer used. Passwords are never kept: password_seen says one was sent.
import { MAX_ID_BYTES, MAX_NAME_BYTES, own, text } from './bounds.js';
import { field, type RowOf } from './schema.js';
import { PROVENANCE_FIELDS } from './provenance.js';

/** A command line is read up to 4 KiB (the analyzer's MAX_LINE); every byte escaped at worst. */
export const FTP_MAX_ARG_BYTES = 8 * 1024;
/** A reply's text: the lines of a multi-line reply joined, cut at 8 KiB. */
export const FTP_MAX_REPLY_BYTES = 8 * 1024;

const CUT = 'ftp_field_truncated';

export const FTP = {
  name: 'ftp',
  doc: 'One row per FTP command and its reply (any port by content): user, command, argument (never a password), reply, data channel, transferred file.',
  timeField: 'ts',
  fields: [
    field('uid', 'string', false, 'control session uid', own(MAX_ID_BYTES)),
    field('ts', 'timestamp', false, 'time of the command (of the greeting for <init>)'),
    field('src_ip', 'string', false, 'client address', own(MAX_NAME_BYTES)),
    field('src_port', 'int', false, 'client port'),
    field('dst_ip', 'string', false, 'server address', own(MAX_NAME_BYTES)),
    field('dst_port', 'int', false, 'server port'),
    field('user', 'string', true, 'user name of the last USER command (null before one)', text(FTP_MAX_ARG_BYTES, CUT)),
    field('password_seen', 'bool', false, 'a password was sent in this session up to this command (PASS, or an AUTH/ADAT exchange); never stored'),
    field('command', 'string', false, 'command verb, upper case; <init> for the server greeting', own(MAX_NAME_BYTES)),
    field('arg', 'string', true, 'argument as sent; null for PASS, ACCT and ADAT (credentials are never stored)', text(FTP_MAX_ARG_BYTES, CUT)),
    field('reply_code', 'int', true, 'the final reply code (null when no reply was seen)'),
    field('reply_msg', 'string', true, 'the reply text without its code (lines of a multi-line reply joined by newlines)', text(FTP_MAX_REPLY_BYTES, CUT)),
    field('data_passive', 'bool', true, 'PASV/EPSV (true) or PORT/EPRT (false): the data channel this command set up'),
    field('data_orig_ip', 'string', true, 'data channel: who connects', own(MAX_NAME_BYTES)),
    field('data_resp_ip', 'string', true, 'data channel: who listens', own(MAX_NAME_BYTES)),
    field('data_resp_port', 'int', true, 'data channel: the port listened on'),
    field('data_uid', 'string', true, 'uid of the data session a transfer command (RETR, STOR, LIST, ...) used', own(MAX_ID_BYTES)),
    field('fuid', 'string', true, 'the transferred file (files row) of RETR, STOR, STOU, APPE', own(MAX_ID_BYTES)),
    field('mime_type', 'string', true, 'type of the transferred file from its content', own(MAX_NAME_BYTES)),
    field('file_size', 'int', true, 'size the server announced ("(77 bytes)" in its 150 reply, or a SIZE reply); the files row has the bytes seen'),
    field('capture_id', 'string', true, 'capture it came from (store ingest)', own(MAX_ID_BYTES)),
    ...PROVENANCE_FIELDS,
  ],
} as const;

export type FtpRecord = RowOf<typeof FTP>;
