// Where a value leads: the pivot view for the kinds the API pivots on, a search for the others. Links are
// built from the console's own paths; the value only ever goes into the query string.
import { link } from './route.js';

export type PivotKind = 'message_id' | 'queue_id' | 'sha256' | 'sni' | 'ja4';

export function pivotLink(kind: PivotKind, value: string): string {
  return link(`/pivot/${kind}`, { value });
}

/** A filter-language string literal (quotes and backslashes escaped). */
export function quote(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A search of a table for one field's value. */
export function searchLink(table: string, field: string, value: string | number | null): string {
  const q = value === null ? `${field} = null` : typeof value === 'number' ? `${field} = ${value}` : `${field} = ${quote(value)}`;
  return link(`/search/${table}`, { q });
}

/**
 * The session view of a uid. `at`, the time of the record the link is on (ISO text, or µs as the mail report
 * gives it), goes along as `t`: the server looks for the session around it before it reads the whole store.
 */
export function sessionLink(uid: string, at?: unknown): string {
  const t = typeof at === 'number' && Number.isSafeInteger(at) ? isoOfMicros(at) : typeof at === 'string' && /^\d{4}-\d\d-\d\dT/.test(at) ? at : null;
  return link(`/session/${encodeURIComponent(uid)}`, { t });
}

export function mailLink(key: string): string {
  return link('/mail', { key });
}

/** µs since the epoch (the mail report's times) as the ISO text the rest of the API gives. */
export function isoOfMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const frac = String(((us % 1e6) + 1e6) % 1e6).padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}
