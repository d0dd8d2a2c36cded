// Every table the store holds, in two lists: records (DDL, ingest and the CLI's table names) and app tables.
import { ACCOUNTS } from './accounts.js';
import { ALERTS } from './alerts.js';
import { ANOMALIES } from './anomalies.js';
import { AUDIT } from './audit.js';
import { CAPTURES } from './captures.js';
import { DNS } from './dns.js';
import { FILES } from './files.js';
import { FINDINGS } from './findings.js';
import { FTP } from './ftp.js';
import { IMAP } from './imap.js';
import { POP3 } from './pop3.js';
import { HTTP } from './http.js';
import { LOGS } from './logs.js';
import { SAVED_QUERIES } from './saved-queries.js';
import type { RecordSchema } from './schema.js';
import { SESSIONS } from './sessions.js';
import { SMTP } from './smtp.js';
import { SSH } from './ssh.js';
import { STORE_KEYS } from './store-keys.js';
import { TLS } from './tls.js';
import { TRIAGE } from './triage.js';

export const RECORD_SCHEMAS: readonly RecordSchema[] = [SESSIONS, TLS, HTTP, SMTP, DNS, SSH, FTP, POP3, IMAP, FILES, FINDINGS, ALERTS, LOGS, ANOMALIES, CAPTURES];

/**
 * Tables of the application (console accounts' actions), not of any capture: no capture_id, never filtered by
 * committed(), never touched by an ingest's clean-up. Kept out of RECORD_SCHEMAS so that every use of that
 * list (ingest, stale-attempt removal, reports, `counts`) stays about traffic and logs.
 */
export const APP_SCHEMAS: readonly RecordSchema[] = [AUDIT, TRIAGE, SAVED_QUERIES, ACCOUNTS, STORE_KEYS];

/** The schema of a record table by name (undefined when there is none). */
export function schemaOf(table: string): RecordSchema | undefined {
  return RECORD_SCHEMAS.find((s) => s.name === table);
}

/** The schema of an app table by name (undefined when there is none). */
export function appSchemaOf(table: string): RecordSchema | undefined {
  return APP_SCHEMAS.find((s) => s.name === table);
}
