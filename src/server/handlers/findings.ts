// GET /api/reports/findings: the findings grouped by detector and by host (store/findings.ts) under the screen's
// choices (detector, category, least confidence, test values: query/findings-filter.ts), the user's filter and
// time range, and the account's row restriction. Counts only: no finding's text (excerpt_redacted) is read.
import { isoMicros } from '../../core/time.js';
import { parseFilter } from '../../query/filter.js';
import { CONFIDENCES, FINDING_HOST_FIELDS, findingsFilterText } from '../../query/findings-filter.js';
import { FINDINGS } from '../../schema/findings.js';
import { findingsReport, MAX_FINDING_HOSTS } from '../../store/findings.js';
import type { Ctx, ServerDeps } from '../context.js';
import { HttpError } from '../errors.js';
import { badRequest, enumParam, intParam, param } from '../request.js';
import { auditQuery, scopeOf } from './scope.js';

/** The longest detector or category name taken (the schema bounds them as names). */
const MAX_NAME_CHARS = 256;

function name(c: Ctx, key: string): string | null {
  const v = param(c, key);
  if (v === undefined || v === '') return null;
  if (v.length > MAX_NAME_CHARS) throw new HttpError(400, `${key}: at most ${MAX_NAME_CHARS} characters`);
  return v;
}

/** A group with its first and last seen as ISO text, as every other time the API gives. */
function times<T extends { first_seen: number; last_seen: number }>(x: T): Omit<T, 'first_seen' | 'last_seen'> & { first_seen: string; last_seen: string } {
  return { ...x, first_seen: isoMicros(x.first_seen), last_seen: isoMicros(x.last_seen) };
}

export async function getFindings(c: Ctx, deps: ServerDeps): Promise<Response> {
  const s = await scopeOf(c, deps, FINDINGS);
  const by = enumParam(c, 'by', FINDING_HOST_FIELDS, 'src_ip');
  const tests = enumParam(c, 'tests', ['0', '1'], '0') === '1';
  const minConfidence = enumParam(c, 'confidence', CONFIDENCES, 'low');
  const hosts = intParam(c, 'hosts', 1, MAX_FINDING_HOSTS, 100);
  const selection = findingsFilterText({ detector: name(c, 'detector'), category: name(c, 'category'), minConfidence, tests });
  try {
    const where = selection === '' ? s.scope.where : [parseFilter(selection, FINDINGS, 'selection'), ...s.scope.where];
    const r = await findingsReport(deps.store, { where, from: s.scope.from, to: s.scope.to, by, hosts });
    await auditQuery(c, deps, 'GET /api/reports/findings', s, r.detectors.length);
    return c.json({
      by: r.by, tz: s.range.tz, detectors: r.detectors.map(times), detectors_cut: r.detectors_cut,
      hosts: r.hosts.map((h) => ({ ...times(h), detectors: h.detectors.map(times) })), hosts_total: r.hosts_total,
    });
  } catch (e) {
    return badRequest(e);
  }
}
