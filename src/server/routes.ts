// The route table: every API route with the role it needs, in one place. app.ts puts the guard in front of
// each from this table, so a route cannot be added without a role; the inventory test walks it.
import type { Ctx, ServerDeps } from './context.js';
import { login, logout, me } from './handlers/auth.js';
import { tables } from './handlers/meta.js';
import { deleteSaved, getAudit, getSaved, getTriage, postSaved, postTriage } from './handlers/app-tables.js';
import { getFile, getPcap, getTranscript } from './handlers/downloads.js';
import { getFindings } from './handlers/findings.js';
import { getExport } from './handlers/export.js';
import { postIngest } from './handlers/ingest.js';
import { getCounts, getMail, getTop, getTrends } from './handlers/reports.js';
import { getFieldValues, getHistogram, getPivot, getRecords, getSummary, getUid } from './handlers/search.js';
import { addUser, changeUser, listUsers } from './handlers/users.js';
import type { Role } from './roles.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteDef {
  method: Method;
  path: string;
  /** 'public': no session (login only) */
  role: Role | 'public';
  handler(c: Ctx, deps: ServerDeps): Response | Promise<Response>;
}

export const ROUTES: readonly RouteDef[] = [
  { method: 'POST', path: '/api/login', role: 'public', handler: login },
  { method: 'POST', path: '/api/logout', role: 'viewer', handler: logout },
  { method: 'GET', path: '/api/me', role: 'viewer', handler: me },
  { method: 'GET', path: '/api/tables', role: 'viewer', handler: tables },
  { method: 'GET', path: '/api/records/:table', role: 'viewer', handler: getRecords },
  { method: 'GET', path: '/api/summary/:table', role: 'viewer', handler: getSummary },
  { method: 'GET', path: '/api/export/:table', role: 'viewer', handler: getExport },
  { method: 'GET', path: '/api/histogram/:table', role: 'viewer', handler: getHistogram },
  { method: 'GET', path: '/api/values/:table/:field', role: 'viewer', handler: getFieldValues },
  { method: 'GET', path: '/api/uid/:uid', role: 'viewer', handler: getUid },
  { method: 'GET', path: '/api/pivot/:kind', role: 'viewer', handler: getPivot },
  { method: 'GET', path: '/api/reports/top', role: 'viewer', handler: getTop },
  { method: 'GET', path: '/api/reports/counts/:table', role: 'viewer', handler: getCounts },
  { method: 'GET', path: '/api/reports/trends', role: 'viewer', handler: getTrends },
  { method: 'GET', path: '/api/reports/mail', role: 'viewer', handler: getMail },
  // counts of findings only; a finding's excerpt_redacted is for analysts (policy.ts), through /api/records
  { method: 'GET', path: '/api/reports/findings', role: 'viewer', handler: getFindings },
  { method: 'GET', path: '/api/sessions/:uid/pcap', role: 'analyst', handler: getPcap },
  { method: 'GET', path: '/api/sessions/:uid/transcript', role: 'analyst', handler: getTranscript },
  { method: 'GET', path: '/api/files/:sha256', role: 'analyst', handler: getFile },
  { method: 'GET', path: '/api/triage', role: 'viewer', handler: getTriage },
  { method: 'POST', path: '/api/triage', role: 'analyst', handler: postTriage },
  { method: 'GET', path: '/api/saved', role: 'analyst', handler: getSaved },
  { method: 'POST', path: '/api/saved', role: 'analyst', handler: postSaved },
  { method: 'DELETE', path: '/api/saved/:name', role: 'analyst', handler: deleteSaved },
  { method: 'GET', path: '/api/audit', role: 'admin', handler: getAudit },
  { method: 'POST', path: '/api/ingest', role: 'admin', handler: postIngest },
  { method: 'GET', path: '/api/users', role: 'admin', handler: listUsers },
  { method: 'POST', path: '/api/users', role: 'admin', handler: addUser },
  { method: 'PATCH', path: '/api/users/:name', role: 'admin', handler: changeUser },
];

/** The routes open without a session. */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(ROUTES.filter((r) => r.role === 'public').map((r) => `${r.method} ${r.path}`));
