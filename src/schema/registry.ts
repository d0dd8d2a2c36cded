// Every record type the store holds, in one list: DDL, ingest and the CLI's table names come from here.
import { ALERTS } from './alerts.js';
import { ANOMALIES } from './anomalies.js';
import { CAPTURES } from './captures.js';
import { FILES } from './files.js';
import { HTTP } from './http.js';
import { LOGS } from './logs.js';
import type { RecordSchema } from './schema.js';
import { SESSIONS } from './sessions.js';
import { SMTP } from './smtp.js';
import { TLS } from './tls.js';

export const RECORD_SCHEMAS: readonly RecordSchema[] = [SESSIONS, TLS, HTTP, SMTP, FILES, ALERTS, LOGS, ANOMALIES, CAPTURES];

/** The schema of a table by name, or an error listing the tables. */
export function schemaOf(table: string): RecordSchema | undefined {
  return RECORD_SCHEMAS.find((s) => s.name === table);
}
