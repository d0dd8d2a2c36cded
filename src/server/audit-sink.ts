// The audit sink of a running server: each event becomes a row of the store's audit table. Events that come
// while a write is running go together in the next one (one transaction, one commit); every request still
// waits until its own row is stored, and fails if it is not.
import { appendAudits, type AuditEntry } from '../store/app-tables.js';
import type { Store } from '../store/store.js';
import type { AuditEvent } from './audit.js';

/** Rows per write at most (a burst larger than this is written in several). */
export const MAX_AUDIT_BATCH = 256;

interface Waiting {
  entry: AuditEntry;
  done(e?: unknown): void;
}

function entryOf(e: AuditEvent): AuditEntry {
  return {
    ts: e.ts * 1000, user: e.user, role: e.role, ip: e.ip, action: e.action, route: e.route, filter: e.filter ?? null,
    range_from: e.range_from ?? null, range_to: e.range_to ?? null, rows: e.rows ?? null, target: e.target ?? null,
    sha256: e.sha256 ?? null, outcome: e.outcome, detail: e.detail ?? null,
  };
}

export function storeAudit(store: Store): (e: AuditEvent) => Promise<void> {
  const queue: Waiting[] = [];
  let writing = false;
  const drain = async (): Promise<void> => {
    writing = true;
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_AUDIT_BATCH);
      let failure: unknown = undefined;
      try {
        await appendAudits(store, batch.map((w) => w.entry));
      } catch (e) {
        failure = e ?? new Error('audit write failed');
      }
      for (const w of batch) w.done(failure);
    }
    writing = false;
  };
  return (e) => new Promise<void>((resolve, reject) => {
    queue.push({ entry: entryOf(e), done: (err) => (err === undefined ? resolve() : reject(err)) });
    if (!writing) void drain();
  });
}
