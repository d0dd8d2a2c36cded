// The audit sink of a running server: each event becomes a row of the store's audit table.
import { appendAudit } from '../store/app-tables.js';
import type { Store } from '../store/store.js';
import type { AuditEvent } from './audit.js';

export function storeAudit(store: Store): (e: AuditEvent) => Promise<void> {
  return async (e) => {
    await appendAudit(store, {
      ts: e.ts * 1000, user: e.user, role: e.role, ip: e.ip, action: e.action, route: e.route, filter: e.filter ?? null,
      range_from: e.range_from ?? null, range_to: e.range_to ?? null, rows: e.rows ?? null, target: e.target ?? null,
      sha256: e.sha256 ?? null, outcome: e.outcome, detail: e.detail ?? null,
    });
  };
}
