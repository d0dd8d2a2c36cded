// Report routes: top talkers by direction, counts per bucket, signature trends, and one message across logs
// and wire; each the same function and the same rows as the CLI verb of that name (`--format jsonl`, or
// `mail --format json`). Reports read the whole store: an account with a row restriction gets counts only,
// which take its restriction.
import { parseFilter } from '../../query/filter.js';
import { SESSIONS } from '../../schema/sessions.js';
import { ALERTS } from '../../schema/alerts.js';
import { jsonRows } from '../../schema/json-row.js';
import { findMail } from '../../store/mail.js';
import { findImapLogins } from '../../store/imap-logins.js';
import { countsRows, resultRows, splitCountsRows, trendsRows, type ReportRows } from '../../store/report-rows.js';
import { BUCKETS, BYTE_LEVELS, counts, MAX_SPLIT_VALUES, newest, splitCounts, top, TOP_KEYS, trends } from '../../store/reports.js';
import { parseDuration, parseTime } from '../../query/time-text.js';
import type { Ctx, ServerDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { checkFieldsFor, exprFields, restrictionFor } from '../policy.js';
import { parseRange } from '../range.js';
import { badRequest, enumParam, intParam, param } from '../request.js';
import { auditQuery, jsonText, tableParam } from './scope.js';

function answer(c: Ctx, report: string, r: ReportRows): Response {
  return jsonText(c, { report: JSON.stringify(report), columns: JSON.stringify(r.fields.map((f) => ({ name: f.name, type: f.type }))), rows: jsonRows(r.fields, r.rows) });
}

function unrestricted(c: Ctx, what: string): void {
  if (c.get('user').restrict !== null) throw new HttpError(403, `the ${what} report covers the whole store: not available to an account with a row restriction`);
}

export async function getTop(c: Ctx, deps: ServerDeps): Promise<Response> {
  unrestricted(c, 'top');
  try {
    const range = await parseRange({ from: param(c, 'from'), to: param(c, 'to'), tz: param(c, 'tz') }, deps.now() * 1000, () => newest(deps.store, SESSIONS));
    const home = (param(c, 'home_net') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    const r = await top(deps.store, {
      by: enumParam(c, 'by', TOP_KEYS, 'dst_port'), bytes: enumParam(c, 'bytes', BYTE_LEVELS, 'frame'), limit: intParam(c, 'limit', 1, 10_000, 10),
      window: { from: range.from, to: range.to }, homeNet: home.length > 0 ? home : null,
    });
    await auditQuery(c, deps, 'GET /api/reports/top', null, r.rows.length, 'top');
    return answer(c, 'top', resultRows(r));
  } catch (e) {
    return badRequest(e);
  }
}

export async function getCounts(c: Ctx, deps: ServerDeps): Promise<Response> {
  const schema = tableParam(c);
  const user = c.get('user');
  const restrict = restrictionFor(user, schema);
  if (restrict === null) throw new HttpError(403, `your account's restriction cannot be applied to ${schema.name}`);
  try {
    const fieldName = param(c, 'field') ?? schema.timeField;
    const f = schema.fields.find((x) => x.name === fieldName);
    if (f === undefined || f.type !== 'timestamp') throw new HttpError(400, `field: ${schema.name} has no timestamp field "${fieldName.slice(0, 64)}"`);
    const q = param(c, 'q') ?? '';
    const own = q.trim() === '' ? [] : [parseFilter(q, schema, 'q')];
    for (const e of own) checkFieldsFor(user.role, schema.name, exprFields(e));
    const parts = [...own, ...restrict];
    const where = parts.length === 0 ? null : parts.length === 1 ? parts[0]! : { kind: 'and' as const, items: parts };
    const range = await parseRange({ from: param(c, 'from'), to: param(c, 'to'), tz: param(c, 'tz') }, deps.now() * 1000, () => newest(deps.store, schema, fieldName));
    const by = enumParam(c, 'by', BUCKETS, 'day');
    const window = { from: range.from, to: range.to };
    const split = param(c, 'split');
    if (split !== undefined && split !== '') {
      // every value's counts in one query (the alerts screen's sparklines): a field the role may count by
      checkFieldsFor(user.role, schema.name, [split]);
      const sf = schema.fields.find((x) => x.name === split);
      if (sf === undefined) throw new HttpError(400, `split: ${schema.name} has no field "${split.slice(0, 64)}"`);
      const rows = await splitCounts(deps.store, { schema, by, field: fieldName, where, window, split, limit: intParam(c, 'limit', 1, MAX_SPLIT_VALUES, 100) });
      await auditQuery(c, deps, 'GET /api/reports/counts/:table', null, rows.length, schema.name);
      return answer(c, 'counts', splitCountsRows(rows, sf));
    }
    const rows = await counts(deps.store, { schema, by, field: fieldName, where, window });
    await auditQuery(c, deps, 'GET /api/reports/counts/:table', null, rows.length, schema.name);
    return answer(c, 'counts', countsRows(rows));
  } catch (e) {
    return badRequest(e);
  }
}

export async function getTrends(c: Ctx, deps: ServerDeps): Promise<Response> {
  unrestricted(c, 'trends');
  try {
    const by = enumParam(c, 'by', ['msg', 'sid'] as const, 'msg');
    const window = parseDuration(param(c, 'window') ?? '7d', 'window');
    const days = Math.round(window / 86_400_000_000);
    if (days < 2 || window % 86_400_000_000 !== 0) throw new HttpError(400, 'window must be whole days, at least 2 (e.g. 7d, 2w)');
    const minRatioText = param(c, 'min_ratio') ?? '10';
    if (!/^\d{1,9}(\.\d{1,6})?$/.test(minRatioText)) throw new HttpError(400, 'min_ratio: a decimal number');
    const day = param(c, 'day');
    const rows = await trends(deps.store, {
      by, days, end: day !== undefined ? parseTime(day, 'day') : null, minRatio: Number(minRatioText), minCount: intParam(c, 'min_count', 0, 1e9, 10),
    });
    await auditQuery(c, deps, 'GET /api/reports/trends', null, rows.length, ALERTS.name);
    return answer(c, 'trends', trendsRows(rows, by));
  } catch (e) {
    return badRequest(e);
  }
}

export async function getMail(c: Ctx, deps: ServerDeps): Promise<Response> {
  unrestricted(c, 'mail');
  // ?imap=<user | client address | dovecot session id>: the IMAP logins of the logs joined to their sessions
  const imap = param(c, 'imap');
  if (imap !== undefined) {
    if (imap.trim() === '' || imap.length > 1024) throw new HttpError(400, 'imap: a user, client address or dovecot session id (1 to 1024 characters)');
    try {
      const limit = intParam(c, 'limit', 1, 1000, 0);
      const r = await findImapLogins(deps.store, imap, limit === 0 ? {} : { limit });
      await auditQuery(c, deps, 'GET /api/reports/mail', null, r.logins.length, `imap ${imap.slice(0, 200)}`);
      return c.body(JSON.stringify(r), 200, { 'content-type': 'application/json; charset=utf-8' });
    } catch (e) {
      return badRequest(e);
    }
  }
  const key = param(c, 'key') ?? '';
  if (key.trim() === '' || key.length > 1024) throw new HttpError(400, 'key: a queue id, <message-id> or address (1 to 1024 characters)');
  try {
    const limit = intParam(c, 'limit', 1, 1000, 0);
    const r = await findMail(deps.store, key, limit === 0 ? {} : { limit });
    await auditQuery(c, deps, 'GET /api/reports/mail', null, r.messages.length, `mail ${key.slice(0, 200)}`);
    return c.body(JSON.stringify(r), 200, { 'content-type': 'application/json; charset=utf-8' });
  } catch (e) {
    return badRequest(e);
  }
}
