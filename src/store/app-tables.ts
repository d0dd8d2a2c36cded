// The app tables' reads and writes (audit, triage, saved queries), the same on both stores: rows are only ever
// appended (ClickHouse 18.16 has no cheap DELETE), a change is a newer row, and reads take the newest per key.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { HaystackError } from '../core/errors.js';
import { AUDIT, type AuditRecord } from '../schema/audit.js';
import { boundRow } from '../schema/bounds.js';
import { schemaOf } from '../schema/registry.js';
import { SAVED_QUERIES, type SavedQueryRecord } from '../schema/saved-queries.js';
import { STORE_KEYS } from '../schema/store-keys.js';
import type { RecordSchema } from '../schema/schema.js';
import { TRIAGE, TRIAGE_ACTIONS, type TriageAction, type TriageRecord } from '../schema/triage.js';
import { tableNamer } from './reports.js';
import { checkLimit, typedRow } from './search-common.js';
import { decodeCursor, encodeCursor, fromKeySql, keyOf, orderBySql, sameKey } from './search-keys.js';
import { ident, inStrings, numberLiteral, quoteString, timeLiteral } from './sql.js';
import type { Row, Store } from './store.js';

/** Audit rows per page at most. */
export const MAX_AUDIT_PAGE = 1000;
/** Alerts whose triage is asked for at once: a page of alerts. */
export const MAX_TRIAGE_KEYS = 1000;
/** Rows of one user's saved-query history read to find the current state (saves and deletes of every name). */
export const MAX_SAVED_ROWS = 100_000;
/** A saved query's name, in characters. */
export const MAX_SAVED_NAME_CHARS = 256;

const nowMicros = (): number => Date.now() * 1000;
const newId = (): string => randomUUID().replaceAll('-', '');

/** A row of an app schema with every field present, texts cut to their declared bounds. */
async function append(store: Store, schema: RecordSchema, row: Row): Promise<Row> {
  return (await appendRows(store, schema, [row]))[0]!;
}

/** Rows of an app table in one write (one transaction on DuckDB, one INSERT on ClickHouse). */
async function appendRows(store: Store, schema: RecordSchema, rows: readonly Row[]): Promise<Row[]> {
  const out = rows.map((row) => {
    const full: Row = {};
    for (const f of schema.fields) full[f.name] = row[f.name] ?? null;
    // cut, not refused: an audit row must be written whatever the request held (its start says enough)
    boundRow(schema, full, () => undefined);
    return full;
  });
  await store.appendApp(schema, out);
  return out;
}

async function selectTyped(store: Store, schema: RecordSchema, where: readonly string[], order: string, limit: number): Promise<Row[]> {
  const t = tableNamer(store);
  const r = await store.select(`SELECT ${schema.fields.map((f) => ident(f.name)).join(', ')} FROM ${t(schema.name)}` +
    `${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${numberLiteral(limit)}`);
  return r.rows.map((x) => typedRow(schema.fields, x));
}

// --- audit

export type AuditEntry = Partial<Omit<AuditRecord, 'id' | 'ts' | 'action' | 'outcome'>> & Pick<AuditRecord, 'action' | 'outcome'> & { ts?: number };

/** Appends an audit row (id made here; ts now unless given). */
export async function appendAudit(store: Store, e: AuditEntry): Promise<AuditRecord> {
  return (await append(store, AUDIT, { ...e, id: newId(), ts: e.ts ?? nowMicros() })) as AuditRecord;
}

/** Appends audit rows in one write: all of them or none (ids made here; ts now unless given). */
export async function appendAudits(store: Store, es: readonly AuditEntry[]): Promise<AuditRecord[]> {
  return (await appendRows(store, AUDIT, es.map((e) => ({ ...e, id: newId(), ts: e.ts ?? nowMicros() })))) as AuditRecord[];
}

export interface AuditQuery {
  /** µs, from inclusive, to exclusive; null = open */
  from: number | null;
  to: number | null;
  user?: string;
  limit: number;
  after?: string;
}

/** Audit rows, newest first, a page at a time. */
export async function listAudit(store: Store, q: AuditQuery): Promise<{ rows: AuditRecord[]; next: string | null }> {
  const limit = checkLimit(q.limit, MAX_AUDIT_PAGE, 'limit');
  const d = store.dialect;
  const key = ['ts', 'id'].map((n) => AUDIT.fields.find((f) => f.name === n)!);
  const want = { table: AUDIT.name, sort: 'ts', order: 'desc' as const };
  const cursor = q.after === undefined ? null : decodeCursor(q.after, key, want);
  const where: string[] = [];
  if (q.from !== null) where.push(`${ident('ts')} >= ${timeLiteral(q.from, d)}`);
  if (q.to !== null) where.push(`${ident('ts')} < ${timeLiteral(q.to, d)}`);
  if (q.user !== undefined) where.push(`${ident('user')} = ${quoteString(q.user, d)}`);
  if (cursor !== null) where.push(fromKeySql(key, cursor.key, 'desc', d));
  let rows = await selectTyped(store, AUDIT, where, orderBySql(key, 'desc', d), limit + 2);
  // ids are unique: the cursor's own row is the only one with its key
  if (cursor !== null && rows.length > 0 && sameKey(keyOf(key, rows[0]!), cursor.key)) rows = rows.slice(1);
  const page = rows.slice(0, limit);
  const next = rows.length > limit ? encodeCursor({ ...want, key: keyOf(key, page[page.length - 1]!), seen: 1 }) : null;
  return { rows: page as AuditRecord[], next };
}

// --- triage

/** The fields of an alert its key is made of (alertKey). */
export const ALERT_KEY_FIELDS = ['capture_id', 'ts', 'gid', 'sid', 'rev', 'uid', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'proto'] as const;

/**
 * The identity of an alert row for triage: a hash of what tells one alert from another, the same on every store
 * (the capture by the first 16 hex digits of its id, its sha256 prefix: ClickHouse appends an attempt stamp).
 */
export function alertKey(a: Row): string {
  const capture = typeof a.capture_id === 'string' ? a.capture_id.slice(0, 16) : null;
  const parts = [capture, ...ALERT_KEY_FIELDS.slice(1).map((f) => a[f] ?? null)];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

const ALERT_KEY = /^[0-9a-f]{32}$/;

export interface TriageEntry {
  user: string;
  alert_key: string;
  action: TriageAction;
  note?: string | null;
  ts?: number;
}

export async function addTriage(store: Store, e: TriageEntry): Promise<TriageRecord> {
  if (!ALERT_KEY.test(e.alert_key)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'alert_key: 32 hex digits (alertKey of the alert)');
  checkAction(e.action, e.note);
  return (await append(store, TRIAGE, { id: newId(), ts: e.ts ?? nowMicros(), user: e.user, alert_key: e.alert_key, action: e.action, note: e.note ?? null })) as TriageRecord;
}

/**
 * The same triage action on many alerts (1 to MAX_TRIAGE_KEYS distinct keys), all checked first and written in
 * one append (one transaction on DuckDB, one INSERT on ClickHouse): all of them or none. The rows share one
 * time, the request's.
 */
export async function addTriageBulk(store: Store, e: Omit<TriageEntry, 'alert_key'> & { alert_keys: readonly string[] }): Promise<TriageRecord[]> {
  if (e.alert_keys.length === 0) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'alert_keys: at least one alert');
  if (e.alert_keys.length > MAX_TRIAGE_KEYS) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `alert_keys: at most ${MAX_TRIAGE_KEYS} alerts at once, got ${e.alert_keys.length}`);
  const keys = new Set<string>();
  e.alert_keys.forEach((k, i) => {
    if (typeof k !== 'string' || !ALERT_KEY.test(k)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `alert_keys[${i}]: 32 hex digits (alertKey of the alert)`);
    if (keys.has(k)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `alert_keys[${i}]: given twice`);
    keys.add(k);
  });
  checkAction(e.action, e.note);
  const ts = e.ts ?? nowMicros();
  return (await appendRows(store, TRIAGE, [...keys].map((k) => ({ id: newId(), ts, user: e.user, alert_key: k, action: e.action, note: e.note ?? null })))) as TriageRecord[];
}

function checkAction(action: TriageAction, note: string | null | undefined): void {
  if (!TRIAGE_ACTIONS.includes(action)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `action: one of ${TRIAGE_ACTIONS.join(', ')}`);
  if (action === 'note' && (note == null || note.trim() === '')) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'a note needs its text');
}

/** Every triage row of these alerts, by alert key then time (the history; the last ack/escalate is the state). */
export async function triageFor(store: Store, alertKeys: readonly string[]): Promise<TriageRecord[]> {
  if (alertKeys.length > MAX_TRIAGE_KEYS) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `at most ${MAX_TRIAGE_KEYS} alerts at once`);
  const keys = [...new Set(alertKeys)];
  for (const k of keys) if (!ALERT_KEY.test(k)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'alert_key: 32 hex digits');
  if (keys.length === 0) return [];
  const order = ['alert_key', 'ts', 'id'].map(ident).join(', ');
  // a bounded answer: at most this many rows per asked alert on average
  return (await selectTyped(store, TRIAGE, [inStrings('alert_key', keys, store.dialect)], order, keys.length * 100)) as TriageRecord[];
}

// --- saved queries

export interface SavedQuery {
  user: string;
  name: string;
  table: string;
  filter: string | null;
  range: string | null;
  created: number;
  /** when this version was saved */
  ts: number;
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_SAVED_NAME_CHARS) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `name: 1 to ${MAX_SAVED_NAME_CHARS} characters`);
  }
}

/** A user's rows, oldest first (ts then id), for one name or all. */
async function history(store: Store, user: string, name?: string): Promise<SavedQueryRecord[]> {
  const d = store.dialect;
  const where = [`${ident('user')} = ${quoteString(user, d)}`];
  if (name !== undefined) where.push(`${ident('name')} = ${quoteString(name, d)}`);
  return (await selectTyped(store, SAVED_QUERIES, where, ['ts', 'id'].map(ident).join(', '), MAX_SAVED_ROWS)) as SavedQueryRecord[];
}

function current(rows: readonly SavedQueryRecord[]): Map<string, SavedQueryRecord> {
  const m = new Map<string, SavedQueryRecord>();
  for (const r of rows) m.set(r.name, r);
  return m;
}

/** The time of a new row: now, but after the name's latest row (so that "latest" is never a tie). */
function after(latest: SavedQueryRecord | undefined, ts: number | undefined): number {
  const t = ts ?? nowMicros();
  return latest === undefined ? t : Math.max(t, latest.ts + 1);
}

/** Saves (or replaces) a named query of a user. */
export async function saveQuery(store: Store, q: { user: string; name: string; table: string; filter: string | null; range: string | null; ts?: number }): Promise<SavedQuery> {
  checkName(q.name);
  if (schemaOf(q.table) === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `table: no record table ${JSON.stringify(q.table.slice(0, 64))}`);
  const latest = current(await history(store, q.user, q.name)).get(q.name);
  const ts = after(latest, q.ts);
  const created = latest !== undefined && !latest.deleted ? latest.created ?? ts : ts;
  const row = await append(store, SAVED_QUERIES, { id: newId(), ts, user: q.user, name: q.name, table: q.table, filter: q.filter, range: q.range, created, deleted: false });
  return toSaved(row as SavedQueryRecord);
}

function toSaved(r: SavedQueryRecord): SavedQuery {
  return { user: r.user, name: r.name, table: r.table!, filter: r.filter, range: r.range, created: r.created ?? r.ts, ts: r.ts };
}

/** A user's saved queries as they stand (deleted ones left out), by name. */
export async function listSavedQueries(store: Store, user: string): Promise<SavedQuery[]> {
  return [...current(await history(store, user)).values()].filter((r) => !r.deleted).map(toSaved)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Deletes a saved query (a tombstone row); false when the user has none by that name. */
export async function deleteSavedQuery(store: Store, user: string, name: string, ts?: number): Promise<boolean> {
  checkName(name);
  const latest = current(await history(store, user, name)).get(name);
  if (latest === undefined || latest.deleted) return false;
  await append(store, SAVED_QUERIES, { id: newId(), ts: after(latest, ts), user, name, table: null, filter: null, range: null, created: latest.created, deleted: true });
  return true;
}

/** Bytes of a store key (HMAC-SHA256 takes a key of its block size or less without hashing it first). */
export const STORE_KEY_BYTES = 32;

/**
 * The store's key of that name (the findings' value_hmac key), made on first use. Two writers that make one at
 * once both read back the oldest, so every row of the store is keyed alike.
 */
export async function storeKey(store: Store, name: 'finding_hmac'): Promise<Uint8Array> {
  const where = [`${ident('name')} = ${quoteString(name, store.dialect)}`];
  const read = async (): Promise<Row | undefined> => (await selectTyped(store, STORE_KEYS, where, ['ts', 'id'].map(ident).join(', '), 1))[0];
  let row = await read();
  if (row === undefined) {
    await append(store, STORE_KEYS, { ts: nowMicros(), name, key: randomBytes(STORE_KEY_BYTES).toString('hex'), id: newId() });
    row = await read();
  }
  const hex = row?.key;
  if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) throw new HaystackError('HAYSTACK_STORE', `store_keys: the ${name} key is not ${STORE_KEY_BYTES} bytes of hex`);
  return Buffer.from(hex, 'hex');
}
