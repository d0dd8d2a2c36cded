// ftp.log from `ftp`: Zeek's default columns (base/protocols/ftp), one line per command of the ones Zeek logs.
import { FTP } from '../../../schema/ftp.js';
import { computed, connColumns, same } from '../columns.js';
import type { Row, SqlParts, ZeekLog, ZeekValue } from '../zeek-types.js';
import { lastLineSql } from '../sql-values.js';

/**
 * The commands ftp.log has a line for: the default of Zeek's `FTP::logged_commands` (its script reference,
 * base/protocols/ftp/main.zeek; the corpus baselines run with the default log PASV, PORT, EPSV, EPRT and RETR
 * only). Our table has a row for every command.
 */
export const ZEEK_FTP_COMMANDS: readonly string[] = ['APPE', 'DELE', 'RETR', 'STOR', 'STOU', 'ACCT', 'PORT', 'PASV', 'EPRT', 'EPSV'];
const LOGGED: ReadonlySet<string> = new Set(ZEEK_FTP_COMMANDS);

/** Zeek's user before a USER command. */
export const ZEEK_UNKNOWN_USER = '<unknown>';
/** Zeek's password of a user it does not count as a guest: a password was sent, not shown. */
export const ZEEK_HIDDEN = '<hidden>';

/** The last line of a text (Zeek's reply_msg of a multi-line reply), null stays null. */
function lastLine(t: string | null): string | null {
  return t === null ? null : t.slice(t.lastIndexOf('\n') + 1);
}

/** Commands whose argument is a credential (never stored: our arg is null for them). */
const CREDENTIAL_COMMANDS: ReadonlySet<string> = new Set(['PASS', 'ACCT', 'ADAT']);

export const FTP_LOG: ZeekLog = {
  path: 'ftp',
  schema: FTP,
  columns: [
    ...connColumns('ts'),
    computed('user', 'string', (r) => (r.user ?? ZEEK_UNKNOWN_USER) as string, (s) => `coalesce(${s.col('user')}, ${s.lit(ZEEK_UNKNOWN_USER)})`,
      (v, o) => { o.user = v === ZEEK_UNKNOWN_USER ? null : v; }, ['user']),
    // no password is kept: <hidden> once one was sent (as Zeek writes a non-guest's); an imported value goes to
    // extra, where the importer withholds it (formats/import/withhold.ts), and `finish` reads whether there was one
    computed('password', 'string', (r) => (r.password_seen === true ? ZEEK_HIDDEN : null), (s) => `CASE WHEN ${s.col('password_seen')} THEN ${s.lit(ZEEK_HIDDEN)} END`,
      undefined, ['password_seen']),
    same('command', 'string', 'command'),
    // the argument as sent (Zeek's of RETR, STOR, ... is a URL of the server and the directory it tracked)
    same('arg', 'string', 'arg'),
    same('mime_type', 'string', 'mime_type'),
    same('file_size', 'count', 'file_size'),
    same('reply_code', 'count', 'reply_code'),
    // the last line of a multi-line reply, as Zeek writes it (ours keeps every line)
    computed('reply_msg', 'string', (r) => lastLine(r.reply_msg as string | null), (s: SqlParts) => lastLineSql(s, s.col('reply_msg')), (v, o) => { o.reply_msg = v; }),
    same('data_channel.passive', 'bool', 'data_passive'),
    same('data_channel.orig_h', 'addr', 'data_orig_ip'),
    same('data_channel.resp_h', 'addr', 'data_resp_ip'),
    same('data_channel.resp_p', 'port', 'data_resp_port'),
    same('fuid', 'string', 'fuid'),
  ],
  keep: (r: Row) => LOGGED.has(r.command as string),
  sqlKeep: (s) => `${s.col('command')} IN (${ZEEK_FTP_COMMANDS.map((c) => s.lit(c)).join(', ')})`,
  finish: (o: Row, extra: Record<string, ZeekValue>) => {
    const pw = extra.password;
    o.password_seen = pw !== undefined;
    // Zeek's marker says only that one was sent: nothing to withhold
    if (pw === ZEEK_HIDDEN) delete extra.password;
    // a credential in the argument (Zeek logs PASS's when its logged_commands has PASS) is never stored
    if (typeof o.command === 'string' && CREDENTIAL_COMMANDS.has(o.command.toUpperCase())) o.arg = null;
  },
};
