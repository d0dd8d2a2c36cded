// The audit trail of the console: who did what, from where, with what outcome, one row per action. Rows go to
// the store's audit table through the sink the server is given.
import type { Role } from './roles.js';

export type AuditAction = 'login' | 'logout' | 'query' | 'download' | 'triage' | 'saved_query' | 'user' | 'ingest' | 'denied';

export interface AuditEvent {
  /** ms */
  ts: number;
  user: string | null;
  role: Role | null;
  ip: string;
  action: AuditAction;
  /** METHOD path as routed (e.g. "GET /api/records/:table") */
  route: string;
  /** the filter text asked for, if any */
  filter?: string | null;
  /** the time window, µs */
  range_from?: number | null;
  range_to?: number | null;
  /** rows returned */
  rows?: number | null;
  /** what was acted on: a table, a uid, a user name, a file name */
  target?: string | null;
  /** the SHA-256 of what was downloaded or uploaded */
  sha256?: string | null;
  /** ok | failed | throttled | refused | error */
  outcome: string;
  detail?: string | null;
}
