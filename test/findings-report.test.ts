// The findings report (store/findings.ts, GET /api/reports/findings) on three stores (DuckDB, one ClickHouse
// server, a two-shard cluster) over the findings of test/fixtures/mailftp and remote-access/sni.pcap plus content
// findings written by construction (helpers/findings-store.ts): the fixtures' groups equal what their making
// gives; under every combination of the screen's choices (detector, category, least confidence, test values,
// side, a time window, a filter, few hosts) the groups equal those counted here in JS from the findings rows the
// store holds, selected by the filter language's own predicate; hostile names are matched literally; every store
// gives the same answer.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilter, parseFilter, type Expr } from '../src/query/filter.js';
import { andFilters, CONFIDENCES, findingsFilterText, type FindingHostField, type FindingsSelection } from '../src/query/findings-filter.js';
import { FINDINGS } from '../src/schema/findings.js';
import { findingsReport, type FindingsReport } from '../src/store/findings.js';
import { openStore } from '../src/store/open.js';
import { MAX_PAGE_ROWS, records } from '../src/store/search.js';
import type { Row, Store } from '../src/store/store.js';
import { readyCluster } from './helpers/cluster.js';
import { clickhouseBinary, startClickHouse, type ClickHouseServer } from './helpers/clickhouse-server.mjs';
import { scratchDir } from './helpers/cli.js';
import { BY_CONSTRUCTION, HOSTILE_DETECTOR, ingestFindingCaptures, LOLRMM, reportOf, SYNTH_HMAC, SYNTH_T0, syntheticFindings, writeFindings } from './helpers/findings-store.js';

const scratch = scratchDir('findings-report');
const bin = clickhouseBinary();
const servers: ClickHouseServer[] = [];
const BACKENDS: { name: string; setup(): Promise<[string, string]> }[] = [
  { name: 'duckdb', setup: async () => [join(scratch, 'f.duckdb'), join(scratch, 'f.duckdb')] },
  {
    name: 'clickhouse (one server)',
    setup: async () => {
      const s = await startClickHouse(bin!);
      servers.push(s);
      return [s.url('hs'), s.url('hs')];
    },
  },
  { name: 'clickhouse (two shards)', setup: () => readyCluster(bin!, servers) },
];
const DAY = 86_400_000_000;
const CAPTURES_FROM = Date.UTC(2026, 11, 7, 1) * 1000;

interface Case {
  name: string;
  sel: FindingsSelection;
  q?: string;
  by?: FindingHostField;
  from?: number | null;
  to?: number | null;
  hosts?: number;
  /** the case selects nothing (every other one must select something) */
  none?: true;
}

const CASES: Case[] = [
  { name: 'everything', sel: { tests: true } },
  { name: 'test values left out (the default)', sel: {} },
  { name: 'by responder', sel: { tests: true }, by: 'dst_ip' },
  ...CONFIDENCES.map((c) => ({ name: `at least ${c}`, sel: { minConfidence: c } })),
  { name: 'one category', sel: { category: 'financial', tests: true } },
  { name: 'one detector, by responder', sel: { detector: 'us_ssn' }, by: 'dst_ip' },
  { name: 'a detector with quotes and a backslash in its name', sel: { detector: HOSTILE_DETECTOR, tests: true } },
  { name: 'a category nobody has', sel: { category: "x' OR 1=1 --" }, none: true },
  { name: 'one host', sel: { tests: true, host: { field: 'src_ip', value: '10.9.0.2' } } },
  { name: 'no host', sel: { tests: true, host: { field: 'dst_ip', value: null } } },
  { name: 'a time window (the synthetic days only)', sel: { tests: true }, from: SYNTH_T0, to: SYNTH_T0 + 2 * DAY },
  { name: 'a filter: one value everywhere', sel: { tests: true }, q: `value_hmac = "${SYNTH_HMAC.cardA}"` },
  { name: 'a filter with or', sel: { minConfidence: 'medium' }, q: 'app_proto = "http" or app_proto = "dns"' },
  { name: 'the two hosts with the most findings', sel: { tests: true }, hosts: 2 },
  { name: 'one host listed, by responder', sel: {}, by: 'dst_ip', hosts: 1 },
];

const answers = new Map<string, Record<string, FindingsReport>>();

for (const backend of BACKENDS) {
  const ch = backend.name.startsWith('clickhouse');
  describe.skipIf(ch && bin === null)(`findings report: ${backend.name}`, () => {
    let store: Store;
    let all: Row[];
    const mine: Record<string, FindingsReport> = {};

    beforeAll(async () => {
      const [w, r] = await backend.setup();
      const writer = await openStore(w);
      try {
        await ingestFindingCaptures(writer);
        await writeFindings(writer, syntheticFindings(null));
      } finally {
        await writer.close();
      }
      store = await openStore(r);
      all = (await records(store, { table: FINDINGS.name, where: [], from: null, to: null, order: 'asc', limit: MAX_PAGE_ROWS })).rows;
    }, 180_000);

    afterAll(async () => {
      answers.set(backend.name, mine);
      await store?.close();
      if (ch) await Promise.all(servers.splice(0).map((s) => s.stop()));
    }, 60_000);

    it('the fixtures\' findings: the groups their making gives', async () => {
      // the captures were made on 2026-12-07 from 01:00 on, after every synthetic finding
      const r = await findingsReport(store, { where: [], from: CAPTURES_FROM, to: null, by: 'src_ip', hosts: 10 });
      const want = Object.entries(BY_CONSTRUCTION).filter(([d]) => d !== 'remote_access' || LOLRMM !== null);
      expect(r.detectors.map((d) => ({ detector: d.detector, category: d.category, rows: d.rows, high: d.high, medium: d.medium, low: d.low, distinct_values: d.distinct_values, sessions: d.sessions, hosts: d.hosts, occurrences: d.occurrences })))
        .toEqual(want.map(([detector, w]) => ({ detector, ...w, hosts: 1, occurrences: w.rows })));
      // every one between the two loopback ends
      expect(r.hosts.map((h) => [h.host, h.rows, h.detectors.map((d) => [d.detector, d.rows])])).toEqual([['127.0.0.1', want.reduce((n, [, w]) => n + w.rows, 0), want.map(([d, w]) => [d, w.rows])]]);
      expect(r.hosts_total).toBe(1);
    });

    it('every choice of the screen: the groups counted in JS from the store\'s rows', async () => {
      expect(all.length).toBe(Object.values(BY_CONSTRUCTION).reduce((n, w) => n + (w === BY_CONSTRUCTION.remote_access && LOLRMM === null ? 0 : w.rows), 0) + syntheticFindings(null).length);
      for (const c of CASES) {
        const text = andFilters(findingsFilterText(c.sel), c.q ?? '');
        const where: Expr[] = text === '' ? [] : [parseFilter(text, FINDINGS)];
        const keep = where.length === 0 ? () => true : compileFilter(where[0]!);
        const from = c.from ?? null;
        const to = c.to ?? null;
        const rows = all.filter((r) => keep(r) && (from === null || (r.ts as number) >= from) && (to === null || (r.ts as number) < to));
        const by = c.by ?? 'src_ip';
        const hosts = c.hosts ?? 100;
        const got = await findingsReport(store, { where, from, to, by, hosts });
        expect(got, c.name).toEqual(reportOf(rows, by, hosts));
        expect(got.detectors.length > 0, c.name).toBe(c.none !== true);
        mine[c.name] = got;
      }
    });

    it('by construction: test values hidden, one card in two flows, a finding without a host, no hash no value', async () => {
      const shown = await findingsReport(store, { where: [parseFilter(findingsFilterText({}), FINDINGS)], from: SYNTH_T0, to: SYNTH_T0 + 2 * DAY + 1, by: 'src_ip', hosts: 100 });
      const card = shown.detectors.find((d) => d.detector === 'payment_card')!;
      // 4 card rows written, 1 a test number: 3 shown, 2 values (A twice), 2 hosts, 2 sessions, 3 + 1 + 1 occurrences
      expect(card).toMatchObject({ category: 'financial', rows: 3, high: 2, medium: 1, low: 0, distinct_values: 2, hosts: 2, sessions: 2, occurrences: 5 });
      expect(shown.detectors.find((d) => d.detector === 'aws_access_key')).toBeUndefined();
      expect(shown.detectors.find((d) => d.detector === HOSTILE_DETECTOR)).toMatchObject({ rows: 1, distinct_values: 0 });
      expect(shown.detectors.find((d) => d.detector === 'dns_tunnel')).toMatchObject({ rows: 1, hosts: 0, sessions: 0, occurrences: 400 });
      expect(shown.hosts.find((h) => h.host === null)).toMatchObject({ rows: 1, detectors: [{ detector: 'dns_tunnel', rows: 1 }] });
      const tests = await findingsReport(store, { where: [], from: SYNTH_T0, to: SYNTH_T0 + 2 * DAY + 1, by: 'src_ip', hosts: 100 });
      expect(tests.detectors.find((d) => d.detector === 'payment_card')).toMatchObject({ rows: 4, high: 3, distinct_values: 3 });
      expect(tests.hosts.find((h) => h.host === '10.9.0.3')!.detectors.map((d) => d.detector)).toEqual(['aws_access_key', HOSTILE_DETECTOR, 'payment_card'].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    });

    it('refuses a host limit out of bounds', async () => {
      await expect(findingsReport(store, { where: [], from: null, to: null, by: 'src_ip', hosts: 0 })).rejects.toThrow(/hosts must be a whole number/);
    });
  });
}

describe('every store', () => {
  it('gives the same report', () => {
    const got = [...answers.entries()];
    expect(got.length).toBeGreaterThan(0);
    for (const [name, a] of got.slice(1)) expect(a, name).toEqual(got[0]![1]);
  });
});
