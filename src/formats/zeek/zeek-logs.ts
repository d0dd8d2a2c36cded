// Which Zeek logs each of our tables makes, and the log of each Zeek path.
import { CONN_LOG } from './logs/conn.js';
import { DNS_LOG } from './logs/dns.js';
import { FILES_LOG } from './logs/files.js';
import { FTP_LOG } from './logs/ftp.js';
import { HTTP_LOG } from './logs/http.js';
import { NOTICE_ALERTS_LOG, NOTICE_FINDINGS_LOG } from './logs/notice.js';
import { SMTP_LOG } from './logs/smtp.js';
import { SSH_LOG } from './logs/ssh.js';
import { SSL_LOG } from './logs/ssl.js';
import { WEIRD_LOG } from './logs/weird.js';
import { X509_LOG } from './logs/x509.js';
import type { ZeekLog } from './zeek-types.js';

/** Every log we write, table by table; a table's first log is the one `--format zeek` writes to one stream. */
export const ZEEK_LOGS: readonly ZeekLog[] = [
  CONN_LOG, SSL_LOG, X509_LOG, HTTP_LOG, SMTP_LOG, FILES_LOG, DNS_LOG, SSH_LOG, FTP_LOG, WEIRD_LOG, NOTICE_ALERTS_LOG, NOTICE_FINDINGS_LOG,
];

/** The logs a table makes (tls: ssl and x509), in ZEEK_LOGS order; empty when it makes none. */
export function zeekLogsOf(table: string): ZeekLog[] {
  return ZEEK_LOGS.filter((l) => l.schema.name === table);
}

/** The Zeek paths we read back (zeekToRecord), each with the logs that write it. */
export function zeekLogsByPath(path: string): ZeekLog[] {
  return ZEEK_LOGS.filter((l) => l.path === path);
}
