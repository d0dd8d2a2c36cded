// Search routes: records a page at a time, their count and bytes, the histogram, a field's top values, and
// everything of a uid or a pivot value. All of them through src/store's query functions; the role decides
// whether payload fields come back.
import type { Expr } from '../../query/filter.js';
import { parseTime } from '../../query/time-text.js';
import { jsonRows, type JsonField } from '../../schema/json-row.js';
import { ALERTS } from '../../schema/alerts.js';
import { ALERT_KEY_FIELDS, alertKey } from '../../store/app-tables.js';
import type { RecordSchema } from '../../schema/schema.js';
import { schemaOf } from '../../schema/registry.js';
import { histogram } from '../../store/search-histogram.js';
import { MAX_PAGE_ROWS, records, summary } from '../../store/search-records.js';
import { byUid, PIVOT_KINDS, pivot, type Related } from '../../store/search-related.js';
import { fieldValues, MAX_FIELD_VALUES } from '../../store/search-values.js';
import type { Ctx, ServerDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { checkFieldsFor, isPayloadField, restrictionFor, visibleFields, visibleRow } from '../policy.js';
import { badRequest, enumParam, intParam, param } from '../request.js';
import { auditQuery, jsonText, scopeOf } from './scope.js';

function fieldList(c: Ctx, table: string, allowed: readonly string[]): string[] | undefined {
  const v = param(c, 'fields');
  if (v === undefined || v === '') return undefined;
  const names = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const n of names) {
    if (isPayloadField(table, n) && !allowed.includes(n)) throw new HttpError(403, `${table}.${n} holds payload: it needs the analyst role`);
  }
  return names;
}

export async function getRecords(c: Ctx, deps: ServerDeps): Promise<Response> {
  const s = await scopeOf(c, deps);
  const role = c.get('user').role;
  const allowed = visibleFields(s.schema, role).map((f) => f.name);
  const fields = fieldList(c, s.schema.name, allowed) ?? allowed;
  const sort = param(c, 'sort');
  if (sort !== undefined) checkFieldsFor(role, s.schema.name, [sort]);
  const after = param(c, 'after');
  const bind = `${c.get('user').name}\n${s.schema.name}`;
  // alerts carry their triage key (made from fields the page may not show: they are read, not shown)
  const keyed = s.schema.name === ALERTS.name;
  let page;
  try {
    page = await records(deps.store, {
      ...s.scope, fields: keyed ? [...new Set([...fields, ...ALERT_KEY_FIELDS])] : fields, order: enumParam(c, 'order', ['asc', 'desc'], 'desc'), limit: intParam(c, 'limit', 1, MAX_PAGE_ROWS, 100),
      ...(sort !== undefined && sort !== '' ? { sort } : {}), ...(after !== undefined && after !== '' ? { after: deps.cursors.open(after, bind) } : {}),
    });
  } catch (e) {
    return badRequest(e);
  }
  await auditQuery(c, deps, 'GET /api/records/:table', s, page.rows.length);
  const next = page.next === null ? null : deps.cursors.seal(page.next, bind);
  let columns = page.columns.filter((col) => fields.includes(col.name));
  let rows = page.rows;
  if (keyed) {
    columns = [...columns, { name: 'alert_key', type: 'string' }];
    rows = rows.map((r) => ({ ...r, alert_key: alertKey(r) }));
  }
  return jsonText(c, {
    table: JSON.stringify(s.schema.name), tz: JSON.stringify(s.range.tz),
    columns: JSON.stringify(columns), rows: jsonRows(columns, rows), next: JSON.stringify(next),
  });
}

export async function getSummary(c: Ctx, deps: ServerDeps): Promise<Response> {
  const s = await scopeOf(c, deps);
  const r = await summary(deps.store, s.scope);
  await auditQuery(c, deps, 'GET /api/summary/:table', s, null);
  return c.json({ table: s.schema.name, ...r });
}

export async function getHistogram(c: Ctx, deps: ServerDeps): Promise<Response> {
  const s = await scopeOf(c, deps);
  const split = param(c, 'split');
  if (split !== undefined && isPayloadField(s.schema.name, split) && c.get('user').role === 'viewer') throw new HttpError(403, 'that field holds payload: it needs the analyst role');
  let h;
  try {
    h = await histogram(deps.store, { ...s.scope, buckets: intParam(c, 'buckets', 1, 1000, 60), ...(split !== undefined && split !== '' ? { split } : {}) });
  } catch (e) {
    return badRequest(e);
  }
  await auditQuery(c, deps, 'GET /api/histogram/:table', s, null);
  return c.json({ table: s.schema.name, tz: s.range.tz, ...h });
}

export async function getFieldValues(c: Ctx, deps: ServerDeps): Promise<Response> {
  const s = await scopeOf(c, deps);
  const field = c.req.param('field') ?? '';
  if (isPayloadField(s.schema.name, field) && c.get('user').role === 'viewer') throw new HttpError(403, 'that field holds payload: it needs the analyst role');
  let v;
  try {
    v = await fieldValues(deps.store, { ...s.scope, field, limit: intParam(c, 'limit', 1, MAX_FIELD_VALUES, 10) });
  } catch (e) {
    return badRequest(e);
  }
  await auditQuery(c, deps, 'GET /api/values/:table/:field', s, v.values.length);
  return c.json({ table: s.schema.name, ...v });
}

/** Related rows as JSON: each table's rows through the row serializer, payload fields dropped for viewers. */
function relatedJson(r: Related, c: Ctx): string {
  const role = c.get('user').role;
  const parts: string[] = [];
  for (const [table, rows] of Object.entries(r.tables)) {
    const schema = schemaOf(table);
    if (schema === undefined || rows === undefined) continue;
    const fields: JsonField[] = visibleFields(schema, role);
    let shown = rows.map((x) => visibleRow(table, x, role));
    if (table === ALERTS.name) {
      fields.push({ name: 'alert_key', type: 'string' });
      shown = shown.map((x, i) => ({ ...x, alert_key: alertKey(rows[i]!) }));
    }
    parts.push(`${JSON.stringify(table)}:${jsonRows(fields, shown)}`);
  }
  return `{${parts.join(',')}}`;
}

function restrictOf(c: Ctx): (schema: RecordSchema) => Expr[] | null {
  const user = c.get('user');
  return (schema) => restrictionFor(user, schema);
}

function count(r: Related): number {
  return Object.values(r.tables).reduce((n, rows) => n + (rows?.length ?? 0), 0);
}

export async function getUid(c: Ctx, deps: ServerDeps): Promise<Response> {
  const uid = c.req.param('uid') ?? '';
  const t = param(c, 't');
  let r;
  try {
    // a time the session was seen at (the row the console pivots from): the lookup starts around it
    const at = t === undefined || t === '' ? null : parseTime(t, 't');
    r = await byUid(deps.store, uid, { restrict: restrictOf(c), at });
  } catch (e) {
    return badRequest(e);
  }
  await auditQuery(c, deps, 'GET /api/uid/:uid', null, count(r), uid);
  return jsonText(c, { uid: JSON.stringify(r.uid), community_ids: JSON.stringify(r.community_ids), tables: relatedJson(r, c), truncated: JSON.stringify(r.truncated) });
}

export async function getPivot(c: Ctx, deps: ServerDeps): Promise<Response> {
  const kind = c.req.param('kind') ?? '';
  if (!(PIVOT_KINDS as readonly string[]).includes(kind)) throw new HttpError(400, `pivot: one of ${PIVOT_KINDS.join(', ')}`);
  const value = param(c, 'value') ?? '';
  let r;
  try {
    r = await pivot(deps.store, kind as (typeof PIVOT_KINDS)[number], value, { restrict: restrictOf(c) });
  } catch (e) {
    return badRequest(e);
  }
  await auditQuery(c, deps, 'GET /api/pivot/:kind', null, count(r), `${kind}=${value.slice(0, 200)}`);
  return jsonText(c, { kind: JSON.stringify(kind), value: JSON.stringify(value), tables: relatedJson(r, c), truncated: JSON.stringify(r.truncated) });
}
