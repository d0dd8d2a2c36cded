// The `audit` app table: who did what in the console (logins, queries, downloads, triage) and who revealed values
// in clear on the command line (`inspect --reveal`), one row per action.
import { MAX_ID_BYTES, MAX_NAME_BYTES, own, text } from './bounds.js';
import { field, type RowOf } from './schema.js';

/** A filter or detail as logged: a hostile 100 KB filter is logged by its first 16 KB (the rest is noise). */
export const AUDIT_MAX_TEXT_BYTES = 16 * 1024;
/** User names, roles, routes, targets: labels far shorter than this. */
export const AUDIT_MAX_LABEL_BYTES = 1024;
const CUT = 'audit_field_truncated';

export const AUDIT = {
  name: 'audit',
  doc: 'One row per console action (login and every failure, query, download, triage, admin change) and per `inspect --reveal`.',
  timeField: 'ts',
  sortKey: ['ts', 'id'],
  fields: [
    field('id', 'string', false, 'row id (random, unique): the tiebreak of the audit list', own(MAX_ID_BYTES)),
    field('ts', 'timestamp', false, 'when'),
    field('user', 'string', true, 'account name (as typed, for a failed login)', text(AUDIT_MAX_LABEL_BYTES, CUT)),
    field('role', 'string', true, 'viewer | analyst | admin at the time', own(MAX_NAME_BYTES)),
    field('ip', 'string', true, 'client address', text(AUDIT_MAX_LABEL_BYTES, CUT)),
    field('action', 'string', false, 'login | logout | query | download | triage | saved_query | user | ingest | reveal (haystack inspect --reveal) | ...', own(MAX_NAME_BYTES)),
    field('route', 'string', true, 'API route (method and path pattern)', text(AUDIT_MAX_LABEL_BYTES, CUT)),
    field('filter', 'string', true, 'filter expression of a query', text(AUDIT_MAX_TEXT_BYTES, CUT)),
    field('range_from', 'timestamp', true, 'start of the queried time range'),
    field('range_to', 'timestamp', true, 'end of the queried time range'),
    field('rows', 'int', true, 'rows returned'),
    field('target', 'string', true, 'what was acted on: table, uid, file, alert key, user', text(AUDIT_MAX_LABEL_BYTES, CUT)),
    field('sha256', 'string', true, 'content hash of a download', own(MAX_ID_BYTES)),
    field('outcome', 'string', false, 'ok | denied | failed | throttled | error', own(MAX_NAME_BYTES)),
    field('detail', 'string', true, 'what else is worth knowing (error message, ...)', text(AUDIT_MAX_TEXT_BYTES, CUT)),
  ],
} as const;

export type AuditRecord = RowOf<typeof AUDIT>;
