// The scope of a search request: table, the user's filter (`q`), the account's restriction, the time range;
// and the audit row of a query.
import { parseFilter } from '../../query/filter.js';
import type { RecordSchema } from '../../schema/schema.js';
import { newest } from '../../store/reports.js';
import { searchSchema, type SearchScope } from '../../store/search-common.js';
import type { Ctx, ServerDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { checkFieldsFor, exprFields, restrictionFor } from '../policy.js';
import { parseRange, type Range } from '../range.js';
import { badRequest, param } from '../request.js';

export interface Scoped {
  schema: RecordSchema;
  scope: SearchScope;
  range: Range;
  q: string | null;
}

/** The table a route names, or 400. */
export function tableParam(c: Ctx): RecordSchema {
  try {
    return searchSchema(c.req.param('table') ?? '');
  } catch (e) {
    return badRequest(e);
  }
}

export async function scopeOf(c: Ctx, deps: ServerDeps, schema: RecordSchema = tableParam(c)): Promise<Scoped> {
  const user = c.get('user');
  const restrict = restrictionFor(user, schema);
  if (restrict === null) throw new HttpError(403, `your account's restriction cannot be applied to ${schema.name}: it names a field ${schema.name} lacks`);
  const q = param(c, 'q') ?? '';
  try {
    const own = q.trim() === '' ? null : parseFilter(q, schema, 'q');
    if (own !== null) checkFieldsFor(user.role, schema.name, exprFields(own));
    const where = own === null ? [...restrict] : [own, ...restrict];
    const range = await parseRange({ from: param(c, 'from'), to: param(c, 'to'), tz: param(c, 'tz') }, deps.now() * 1000, () => newest(deps.store, schema));
    return { schema, scope: { table: schema.name, where, from: range.from, to: range.to }, range, q: q.trim() === '' ? null : q };
  } catch (e) {
    return badRequest(e);
  }
}

/** One audit row for a query answered. */
export function auditQuery(c: Ctx, deps: ServerDeps, route: string, s: Scoped | null, rows: number | null, target?: string): Promise<void> {
  const u = c.get('user');
  return deps.audit({
    ts: deps.now(), user: u.name, role: u.role, ip: c.get('ip'), action: 'query', route,
    filter: s?.q ?? null, range_from: s?.range.from ?? null, range_to: s?.range.to ?? null, rows,
    target: target ?? s?.schema.name ?? null, outcome: 'ok',
  });
}

/** A JSON answer whose parts are already JSON text (rows serialised by the one row serializer). */
export function jsonText(c: Ctx, parts: Record<string, string>): Response {
  const body = `{${Object.entries(parts).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  return c.body(body, 200, { 'content-type': 'application/json; charset=utf-8' });
}
