// Routes over the console's own tables: alert triage (ack, escalate, note), saved queries per user, and the
// audit trail for admins. Each change is audited.
import { addTriage, addTriageBulk, deleteSavedQuery, listAudit, listSavedQueries, MAX_AUDIT_PAGE, MAX_TRIAGE_KEYS, saveQuery, triageFor } from '../../store/app-tables.js';
import { TRIAGE, TRIAGE_ACTIONS, type TriageAction } from '../../schema/triage.js';
import { jsonRows } from '../../schema/json-row.js';
import { AUDIT } from '../../schema/audit.js';
import type { Ctx, ServerDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { parseRange } from '../range.js';
import { badRequest, bodyString, intParam, jsonBody, param } from '../request.js';
import { jsonText } from './scope.js';


function who(c: Ctx, deps: ServerDeps, action: 'triage' | 'saved_query', route: string, target: string, detail: string): Promise<void> {
  const u = c.get('user');
  return deps.audit({ ts: deps.now(), user: u.name, role: u.role, ip: c.get('ip'), action, route, target, outcome: 'ok', detail });
}

/** A read of an app table, audited like a query. */
function auditRead(c: Ctx, deps: ServerDeps, route: string, target: string, rows: number): Promise<void> {
  const u = c.get('user');
  return deps.audit({ ts: deps.now(), user: u.name, role: u.role, ip: c.get('ip'), action: 'query', route, target, rows, outcome: 'ok' });
}

/**
 * Triage is about alerts by key, which a row restriction cannot be checked against without the alert: a
 * restricted account has none (as for the whole-store reports).
 */
function unrestricted(c: Ctx): void {
  if (c.get('user').restrict !== null) throw new HttpError(403, 'alert triage is not available to an account with a row restriction');
}

export async function postTriage(c: Ctx, deps: ServerDeps): Promise<Response> {
  unrestricted(c);
  const b = await jsonBody(c);
  const action = bodyString(b, 'action', 16);
  if (!(TRIAGE_ACTIONS as readonly string[]).includes(action)) throw new HttpError(400, `action: one of ${TRIAGE_ACTIONS.join(', ')}`);
  const note = b.note === undefined || b.note === null ? null : bodyString(b, 'note', 16 * 1024);
  if (b.alert_keys !== undefined) {
    if (b.alert_key !== undefined) throw new HttpError(400, 'give "alert_key" (one alert) or "alert_keys" (a list), not both');
    return postTriageBulk(c, deps, b.alert_keys, action as TriageAction, note);
  }
  try {
    const r = await addTriage(deps.store, { user: c.get('user').name, alert_key: bodyString(b, 'alert_key', 64), action: action as TriageAction, note, ts: deps.now() * 1000 });
    await who(c, deps, 'triage', 'POST /api/triage', r.alert_key, action);
    return c.json({ triage: { ...r, ts: new Date(r.ts / 1000).toISOString() } }, 201);
  } catch (e) {
    return badRequest(e);
  }
}

/**
 * The same action on a list of alerts: every key checked before anything is written, then one write (all or
 * none) and one audit row with the count; each alert's triage row carries who and when, as one at a time.
 */
async function postTriageBulk(c: Ctx, deps: ServerDeps, list: unknown, action: TriageAction, note: string | null): Promise<Response> {
  if (!Array.isArray(list)) throw new HttpError(400, '"alert_keys" must be a list of alert keys');
  if (list.length > MAX_TRIAGE_KEYS) throw new HttpError(400, `"alert_keys": at most ${MAX_TRIAGE_KEYS} alerts at once, got ${list.length}; narrow the filter`);
  try {
    const rows = await addTriageBulk(deps.store, { user: c.get('user').name, alert_keys: list as string[], action, note, ts: deps.now() * 1000 });
    const u = c.get('user');
    await deps.audit({ ts: deps.now(), user: u.name, role: u.role, ip: c.get('ip'), action: 'triage', route: 'POST /api/triage', target: `${rows.length} alerts`, rows: rows.length, outcome: 'ok', detail: `${action} (bulk)` });
    return c.body(`{"count":${rows.length},"triage":${jsonRows(TRIAGE.fields, rows)}}`, 201, { 'content-type': 'application/json; charset=utf-8' });
  } catch (e) {
    return badRequest(e);
  }
}

export async function getTriage(c: Ctx, deps: ServerDeps): Promise<Response> {
  unrestricted(c);
  const keys = (param(c, 'alerts') ?? '').split(',').filter((s) => s !== '');
  try {
    const rows = await triageFor(deps.store, keys);
    await auditRead(c, deps, 'GET /api/triage', `${keys.length} alerts`, rows.length);
    return jsonText(c, { triage: jsonRows(TRIAGE.fields, rows) });
  } catch (e) {
    return badRequest(e);
  }
}

export async function getSaved(c: Ctx, deps: ServerDeps): Promise<Response> {
  const saved = await listSavedQueries(deps.store, c.get('user').name);
  await auditRead(c, deps, 'GET /api/saved', 'saved_queries', saved.length);
  return c.json({ saved });
}

export async function postSaved(c: Ctx, deps: ServerDeps): Promise<Response> {
  const b = await jsonBody(c);
  try {
    const q = await saveQuery(deps.store, {
      user: c.get('user').name, name: bodyString(b, 'name', 256), table: bodyString(b, 'table', 64),
      filter: b.filter === undefined || b.filter === null ? null : bodyString(b, 'filter'),
      range: b.range === undefined || b.range === null ? null : bodyString(b, 'range', 256),
      ts: deps.now() * 1000,
    });
    await who(c, deps, 'saved_query', 'POST /api/saved', q.name, 'saved');
    return c.json({ saved: q }, 201);
  } catch (e) {
    return badRequest(e);
  }
}

export async function deleteSaved(c: Ctx, deps: ServerDeps): Promise<Response> {
  const name = c.req.param('name') ?? '';
  let gone: boolean;
  try {
    gone = await deleteSavedQuery(deps.store, c.get('user').name, name, deps.now() * 1000);
  } catch (e) {
    return badRequest(e);
  }
  if (!gone) throw new HttpError(404, 'no saved query of yours by that name');
  await who(c, deps, 'saved_query', 'DELETE /api/saved/:name', name, 'deleted');
  return c.json({ deleted: name });
}

export async function getAudit(c: Ctx, deps: ServerDeps): Promise<Response> {
  try {
    const range = await parseRange({ from: param(c, 'from'), to: param(c, 'to'), tz: param(c, 'tz') }, deps.now() * 1000, () => Promise.resolve(deps.now() * 1000));
    const user = param(c, 'user');
    const after = param(c, 'after');
    const bind = `${c.get('user').name}\naudit`;
    const r = await listAudit(deps.store, {
      from: range.from, to: range.to, limit: intParam(c, 'limit', 1, MAX_AUDIT_PAGE, 100),
      ...(user !== undefined && user !== '' ? { user } : {}), ...(after !== undefined && after !== '' ? { after: deps.cursors.open(after, bind) } : {}),
    });
    await auditRead(c, deps, 'GET /api/audit', 'audit', r.rows.length);
    return jsonText(c, { rows: jsonRows(AUDIT.fields, r.rows), next: JSON.stringify(r.next === null ? null : deps.cursors.seal(r.next, bind)) });
  } catch (e) {
    return badRequest(e);
  }
}
