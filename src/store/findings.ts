// The findings report, as SQL for either dialect: findings grouped by detector (category, rows by confidence,
// distinct values by value_hmac, hosts, sessions, first and last seen) and by host on the chosen side, with the
// detectors that fired for each. The console's findings screen reads it (GET /api/reports/findings).
import type { Expr } from '../query/filter.js';
import type { FindingHostField } from '../query/findings-filter.js';
import { FINDINGS } from '../schema/findings.js';
import { inSubquery, ident, numberLiteral, quoteString, type Dialect } from './sql.js';
import { checkLimit, fromWhere, scopeConditions, timeMicros } from './search-common.js';
import type { Row, Store } from './store.js';

/**
 * Detectors one report lists: the built-in ones are a few dozen and a gitleaks rule file adds ~200 (each rule is
 * its own detector, gitleaks:<rule>); past this the report says it was cut.
 */
export const MAX_FINDING_DETECTORS = 1000;
/** Hosts one report may list (the most findings first): a screen's worth; the rest are counted, not listed. */
export const MAX_FINDING_HOSTS = 1000;

export interface FindingsReportOptions {
  /** conditions ANDed: the selection (query/findings-filter.ts), the user's filter, the account's restriction */
  where: readonly Expr[];
  /** time range over ts, µs: from inclusive, to exclusive; null = open */
  from: number | null;
  to: number | null;
  /** the host of a finding: its session's originator (src_ip) or responder (dst_ip) */
  by: FindingHostField;
  /** the hosts with the most findings listed, 1 to MAX_FINDING_HOSTS */
  hosts: number;
}

/** Counts of a group of findings. */
export interface FindingCounts {
  /** findings rows */
  rows: number;
  /** rows of each confidence */
  high: number;
  medium: number;
  low: number;
  /** occurrences: the sum of the rows' count */
  occurrences: number;
  /** distinct values (distinct value_hmac; rows without one are not counted) */
  distinct_values: number;
  /** first and last ts, µs */
  first_seen: number;
  last_seen: number;
}

export interface DetectorGroup extends FindingCounts {
  detector: string;
  category: string;
  /** distinct hosts on the report's side (rows without an address not counted) */
  hosts: number;
  /** distinct sessions (uid) */
  sessions: number;
}

export interface HostDetector extends FindingCounts {
  detector: string;
  category: string;
}

export interface HostGroup {
  /** null: findings without an address on that side (a DNS tunnel's domain, over many sessions) */
  host: string | null;
  /** findings rows of the host, all detectors */
  rows: number;
  first_seen: number;
  last_seen: number;
  /** the detectors that fired for the host, the most rows first */
  detectors: HostDetector[];
}

export interface FindingsReport {
  by: FindingHostField;
  detectors: DetectorGroup[];
  /** true when more detectors matched than MAX_FINDING_DETECTORS */
  detectors_cut: boolean;
  hosts: HostGroup[];
  /** distinct hosts under the filter (a missing address counts as one), listed or not */
  hosts_total: number;
}

/** The host key: the address, '' for none (so that it can be grouped and chosen by IN in both dialects). */
function hostKey(by: FindingHostField, d: Dialect): string {
  return d === 'duckdb' ? `coalesce(${ident(by)}, '')` : `ifNull(${ident(by)}, '')`;
}

function distinct(column: string, d: Dialect): string {
  return d === 'duckdb' ? `count(DISTINCT ${column})` : `uniqExact(${column})`;
}

/** The aggregate columns of FindingCounts. */
function countsSql(d: Dialect): string {
  const conf = (c: string): string => `sum(CASE WHEN ${ident('confidence')} = ${quoteString(c, d)} THEN 1 ELSE 0 END) AS ${ident(c)}`;
  const ts = timeMicros(FINDINGS, d);
  return [
    `count(*) AS ${ident('n_rows')}`, conf('high'), conf('medium'), conf('low'),
    `sum(${ident('count')}) AS ${ident('occurrences')}`, `${distinct(ident('value_hmac'), d)} AS ${ident('distinct_values')}`,
    `min(${ts}) AS ${ident('first_seen')}`, `max(${ts}) AS ${ident('last_seen')}`,
  ].join(', ');
}

function counts(r: Row): FindingCounts {
  return {
    rows: Number(r.n_rows), high: Number(r.high), medium: Number(r.medium), low: Number(r.low), occurrences: Number(r.occurrences),
    distinct_values: Number(r.distinct_values), first_seen: Number(r.first_seen), last_seen: Number(r.last_seen),
  };
}

/** The three queries of a report (exported for the tests that read their text). */
export function findingsReportSql(store: Store, o: FindingsReportOptions): { detectors: string; hosts: string; hostsTotal: string } {
  checkLimit(o.hosts, MAX_FINDING_HOSTS, 'hosts');
  const d = store.dialect;
  const from = fromWhere(store, FINDINGS, scopeConditions(store, FINDINGS, { table: FINDINGS.name, where: o.where, from: o.from, to: o.to }));
  const det = ident('detector');
  const cat = ident('category');
  const host = hostKey(o.by, d);
  const k = ident('k');
  const n = ident('n');
  const detectors = `SELECT ${det}, ${cat}, ${countsSql(d)}, ${distinct(ident(o.by), d)} AS ${ident('hosts')}, ${distinct(ident('uid'), d)} AS ${ident('sessions')} ` +
    `${from} GROUP BY ${det}, ${cat} ORDER BY ${ident('n_rows')} DESC, ${det}, ${cat} LIMIT ${numberLiteral(MAX_FINDING_DETECTORS + 1)}`;
  const top = `SELECT ${k} FROM (SELECT ${host} AS ${k}, count(*) AS ${n} ${from} GROUP BY ${k} ORDER BY ${n} DESC, ${k} LIMIT ${numberLiteral(o.hosts)}) AS ${ident('top')}`;
  const hosts = `SELECT ${host} AS ${ident('host')}, ${det}, ${cat}, ${countsSql(d)} ${from} AND ${host} ${inSubquery(d)} (${top}) ` +
    `GROUP BY ${ident('host')}, ${det}, ${cat}`;
  const hostsTotal = `SELECT ${distinct(host, d)} AS ${n} ${from}`;
  return { detectors, hosts, hostsTotal };
}

/** Findings grouped by detector and by host (the hosts with the most findings, each with its detectors). */
export async function findingsReport(store: Store, o: FindingsReportOptions): Promise<FindingsReport> {
  const q = findingsReportSql(store, o);
  const [dr, hr, tr] = [await store.select(q.detectors), await store.select(q.hosts), await store.select(q.hostsTotal)];
  const detectors: DetectorGroup[] = dr.rows.slice(0, MAX_FINDING_DETECTORS).map((r) => ({
    detector: String(r.detector), category: String(r.category), ...counts(r), hosts: Number(r.hosts), sessions: Number(r.sessions),
  }));
  const byHost = new Map<string, HostGroup>();
  for (const r of hr.rows) {
    const key = String(r.host);
    const c = counts(r);
    let g = byHost.get(key);
    if (g === undefined) {
      g = { host: key === '' ? null : key, rows: 0, first_seen: c.first_seen, last_seen: c.last_seen, detectors: [] };
      byHost.set(key, g);
    }
    g.rows += c.rows;
    g.first_seen = Math.min(g.first_seen, c.first_seen);
    g.last_seen = Math.max(g.last_seen, c.last_seen);
    g.detectors.push({ detector: String(r.detector), category: String(r.category), ...c });
  }
  const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const hosts = [...byHost.entries()].sort(([ka, a], [kb, b]) => b.rows - a.rows || byText(ka, kb)).map(([, g]) => g);
  for (const g of hosts) g.detectors.sort((a, b) => b.rows - a.rows || byText(a.detector, b.detector) || byText(a.category, b.category));
  return { by: o.by, detectors, detectors_cut: dr.rows.length > MAX_FINDING_DETECTORS, hosts, hosts_total: Number(tr.rows[0]?.n ?? 0) };
}
