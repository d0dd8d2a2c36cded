// The search queries behind the console's API on three stores (DuckDB, one ClickHouse server, a two-shard
// cluster): the gen captures in, then every table walked page by page (each row once, in order, equal to one
// unpaginated page and to analyze()'s records), histograms that sum to the counts, top values equal to counts
// made in JS from analyze()'s records, a session's records by uid, pivots, hostile filter values and cursors
// matched literally or refused, the app tables round-tripped, and the same answers from every store.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoMicros } from '../src/core/time.js';
import { writePcap } from '../src/capture/pcap-writer.js';
import { parseRules } from '../src/detect/rules-file.js';
import { analyze } from '../src/pipeline/api.js';
import { ingest } from '../src/pipeline/ingest.js';
import { compileFilter, parseFilter, type Expr } from '../src/query/filter.js';
import { AUDIT_MAX_TEXT_BYTES } from '../src/schema/audit.js';
import { compileJsonRow } from '../src/schema/json-row.js';
import { schemaOf } from '../src/schema/registry.js';
import type { RecordSchema } from '../src/schema/schema.js';
import { addTriage, alertKey, appendAudit, deleteSavedQuery, listAudit, listSavedQueries, saveQuery, triageFor } from '../src/store/app-tables.js';
import { openStore } from '../src/store/open.js';
import { tableNamer } from '../src/store/reports.js';
import { byUid, fieldValues, histogram, pivot, records, summary, MAX_PAGE_ROWS, type RecordsOptions } from '../src/store/search.js';
import type { Row, Store } from '../src/store/store.js';
import { readyCluster } from './helpers/cluster.js';
import { clickhouseBinary, startClickHouse, type ClickHouseServer } from './helpers/clickhouse-server.mjs';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN } from './helpers/run.js';
import { pooled } from '../web/src/parts/pool.js';

const scratch = scratchDir('search');
/**
 * Malformed frames (IPv4 headers cut short): anomalies, a table without a unique key, with a run of identical
 * rows (same time, same anomaly) longer than a test page.
 */
const DAMAGED = join(scratch, 'damaged.pcap');
const T0 = Date.UTC(2026, 10, 22, 6) * 1000;
const cut = (i: number): Uint8Array => Uint8Array.from([...new Array<number>(12).fill(0), 0x08, 0x00, 0x45, 0, 0, 40, i, 0, 0, 0, 64]);
writeFileSync(DAMAGED, writePcap([...Array.from({ length: 9 }, () => ({ ts: T0, data: cut(0) })), ...Array.from({ length: 5 }, (_, i) => ({ ts: T0 + 1000 * i, data: cut(i) }))], { linktype: 1 }));
const CAPTURES = [...['mixed-home.pcap', 'tls-clients.pcapng', 'smtp-attachments.pcap', 'http-put.pcap'].map((f) => join(GEN, f)), DAMAGED];
const HOME = ['127.0.0.0/24'];
/** fires on most TCP payload packets: alerts, a table without a unique key, with runs of like rows */
const RULES = 'alert tcp any any -> any any (msg:"payload with e"; content:"e"; sid:9000001; rev:1;)\nalert tcp any any -> any any (msg:"payload with a"; content:"a"; sid:9000002; rev:1;)';
const bin = clickhouseBinary();
const TABLES = ['sessions', 'tls', 'http', 'smtp', 'dns', 'ssh', 'files', 'alerts', 'anomalies'] as const;
const NASTY = ["it's", 'back\\slash', "\\'", "'; DROP TABLE sessions; --", 'tab\tnew\nline', 'ünïcödé ✓', '%_*?', '"quoted"', '\x01\x7f', '*/ --', 'x'.repeat(100_000)];

interface Backend {
  name: string;
  setup(): Promise<[string, string]>;
}
const servers: ClickHouseServer[] = [];
const BACKENDS: Backend[] = [
  { name: 'duckdb', setup: async () => [join(scratch, 's.duckdb'), join(scratch, 's.duckdb')] },
  {
    name: 'clickhouse (one server)',
    setup: async () => {
      const s = await startClickHouse(bin!);
      servers.push(s);
      return [s.url('hs'), s.url('hs')];
    },
  },
  {
    name: 'clickhouse (two shards)',
    setup: async () => {
      return readyCluster(bin!, servers);
    },
  },
];

/** What analyze() gives, by table. */
type Analyzed = Record<'sessions' | 'tls' | 'http' | 'smtp' | 'dns' | 'ssh' | 'ftp' | 'pop3' | 'imap' | 'files', Row[]>;
async function analyzed(): Promise<Analyzed> {
  const out: Analyzed = { sessions: [], tls: [], http: [], smtp: [], dns: [], ssh: [], ftp: [], pop3: [], imap: [], files: [] };
  const name = { session: 'sessions', tls: 'tls', http: 'http', smtp: 'smtp', dns: 'dns', ssh: 'ssh', ftp: 'ftp', pop3: 'pop3', imap: 'imap', file: 'files' } as const;
  // one capture at a time, as ingest reads them (uids are stable per capture)
  for (const file of CAPTURES) {
    for await (const r of analyze(file, { homeNet: HOME })) if (r.type !== 'anomaly' && r.type !== 'finding') out[name[r.type]].push(r.record as unknown as Row);
  }
  return out;
}

/** A record as comparable text: every field but capture_id, json parsed, an empty nullable list as null. */
function canon(schema: RecordSchema, r: Row): string {
  return JSON.stringify(schema.fields.filter((f) => f.name !== 'capture_id').map((f) => {
    const v = r[f.name] ?? null;
    if (f.type === 'json' && typeof v === 'string') return JSON.parse(v) as unknown;
    if (f.type.endsWith('[]') && f.nullable && Array.isArray(v) && v.length === 0) return null;
    return v;
  }));
}

/** Every page of a query, in order. */
async function walk(store: Store, o: Omit<RecordsOptions, 'after'>): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const p = await records(store, after === undefined ? o : { ...o, after });
    rows.push(...p.rows);
    pages++;
    expect(pages).toBeLessThan(10_000);
    if (p.next === null) return { rows, pages };
    expect(p.rows.length).toBe(o.limit);
    after = p.next;
  }
}

/** UTF-8 byte order (both stores compare text as bytes). */
function cmp(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null) return 1; // nulls last ascending
  if (b === null) return -1;
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return (a as number) < (b as number) ? -1 : 1;
}

/** Answers kept per backend, compared at the end (capture_id differs: ClickHouse appends an attempt stamp). */
const answers = new Map<string, Record<string, unknown>>();
const noCapture = (rows: Row[]): Row[] => rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'capture_id')));

for (const backend of BACKENDS) {
  const ch = backend.name.startsWith('clickhouse');
  describe.skipIf(ch && bin === null)(`search: ${backend.name}`, () => {
    let store: Store;
    let readUrl = '';
    let want: Analyzed;
    const mine: Record<string, unknown> = {};
    const all = { table: '', where: [] as Expr[], from: null, to: null };

    beforeAll(async () => {
      const [w, r] = await backend.setup();
      readUrl = r;
      want = await analyzed();
      const writer = await openStore(w);
      try {
        const rules = parseRules(RULES, 'test.rules');
        expect(rules.errors).toEqual([]);
        const s = await ingest(writer, CAPTURES, { homeNet: HOME, rules: rules.rules });
        expect(s.files.map((f) => f.status)).toEqual(CAPTURES.map(() => 'ingested'));
      } finally {
        await writer.close();
      }
      // the server's store: writable (it writes the app tables)
      store = await openStore(r);
      await store.init();
    }, 180_000);

    afterAll(async () => {
      answers.set(backend.name, mine);
      await store?.close();
      if (ch) await Promise.all(servers.splice(0).map((s) => s.stop()));
    }, 60_000);

    it('every table walked page by page: each row once, in order, the same as one page and as the count', async () => {
      // every (table, sort) fetched first, a few at a time (each page is a round trip to the server; CI's time is
      // short), then checked in order
      const jobs: { table: (typeof TABLES)[number]; sort: string; order: 'asc' | 'desc'; size: number | null }[] = [];
      const counted = new Map<string, number>();
      for (const table of TABLES) {
        const schema = schemaOf(table)!;
        const n = (await summary(store, { ...all, table })).count;
        expect(n, table).toBeGreaterThan(0);
        expect(n, table).toBeLessThanOrEqual(MAX_PAGE_ROWS);
        counted.set(table, n);
        const sorts: [string, 'asc' | 'desc'][] = [[schema.timeField, 'desc'], [schema.timeField, 'asc']];
        if (table === 'sessions') sorts.push(['dst_port', 'asc'], ['duration', 'desc'], ['app_proto', 'asc'], ['local_src', 'desc']);
        if (table === 'tls') sorts.push(['sni', 'asc'], ['sni', 'desc']);
        if (table === 'alerts') sorts.push(['sid', 'asc']);
        if (table === 'anomalies') sorts.push(['name', 'desc']);
        for (const [sort, order] of sorts) {
          // page by page: every sort in DuckDB; in ClickHouse the time sorts, the anomalies' (runs of like rows) and
          // the sessions' (a cursor on an int, a float, a text and a bool): tls by sni and alerts by sid add no type
          // there. Pages of 7 rows in DuckDB and on the anomalies (a run of 9 like rows crosses a page); 19 elsewhere
          // in ClickHouse, which still crosses every table's rows several times
          const walked = backend.name === 'duckdb' || sort === schema.timeField || table === 'anomalies' || table === 'sessions';
          jobs.push({ table, sort, order, size: walked ? (backend.name === 'duckdb' || table === 'anomalies' ? 7 : 19) : null });
        }
      }
      const fetched = await pooled(jobs, 4, async ({ table, sort, order, size }) => ({
        one: await records(store, { ...all, table, sort, order, limit: MAX_PAGE_ROWS }),
        paged: size === null ? null : await walk(store, { ...all, table, sort, order, limit: size }),
      }));
      for (const [i, { table, sort, order, size }] of jobs.entries()) {
        const { one, paged } = fetched[i]!;
        const n = counted.get(table)!;
        expect(one.next, `${table} ${sort}`).toBeNull();
        expect(one.rows.length, `${table} ${sort}`).toBe(n);
        if (paged !== null && size !== null) {
          expect(paged.rows, `${table} by ${sort} ${order}`).toEqual(one.rows);
          expect(paged.pages).toBe(Math.max(1, Math.ceil(n / size)));
        }
        for (let i = 1; i < one.rows.length; i++) {
          const c = cmp(one.rows[i - 1]![sort], one.rows[i]![sort]);
          expect(order === 'asc' ? c <= 0 : c >= 0, `${table} by ${sort} ${order} at ${i}`).toBe(true);
        }
        mine[`${table}/${sort}/${order}`] = noCapture(one.rows);
      }
      for (const table of TABLES) {
        const schema = schemaOf(table)!;
        // records equal to analyze()'s (tables analyze() gives)
        if (table in want) {
          const got = (await records(store, { ...all, table, order: 'asc', limit: MAX_PAGE_ROWS })).rows.map((r) => canon(schema, r)).sort();
          expect(got, table).toEqual(want[table as keyof Analyzed].map((r) => canon(schema, r)).sort());
        }
      }
      const alerts = (await records(store, { ...all, table: 'alerts', order: 'asc', limit: MAX_PAGE_ROWS })).rows;
      expect(alerts.length).toBeGreaterThan(20);
      // the run of 9 identical anomalies (longer than a page of 7) comes whole, in either order
      const like = (rows: Row[]): number => rows.filter((r) => r.ts === T0 && r.detail === rows.find((x) => x.ts === T0)?.detail).length;
      const runs = (['asc', 'desc'] as const).flatMap((order) => [1, 2, 7, 9].map((limit) => ({ order, limit })));
      const likes = await pooled(runs, 4, async ({ order, limit }) => like((await walk(store, { ...all, table: 'anomalies', order, limit })).rows));
      for (const [i, { order, limit }] of runs.entries()) expect(likes[i], `${order} ${limit}`).toBeGreaterThanOrEqual(9);
    }, 180_000);

    it('fields and a filter: only those fields, only matching rows, the same pages', async () => {
      const where = [parseFilter('dst_port = 443 or app_proto = "smtp"', schemaOf('sessions')!)];
      const p = await records(store, { ...all, table: 'sessions', where, fields: ['uid', 'dst_port', 'src_bytes'], order: 'desc', limit: 3 });
      expect(p.columns).toEqual([{ name: 'uid', type: 'string' }, { name: 'dst_port', type: 'int' }, { name: 'src_bytes', type: 'int' }]);
      expect(Object.keys(p.rows[0]!)).toEqual(['uid', 'dst_port', 'src_bytes']);
      const w = await walk(store, { ...all, table: 'sessions', where, fields: ['uid'], order: 'desc', limit: 3 });
      const expected = want.sessions.filter((s) => s.dst_port === 443 || s.app_proto === 'smtp');
      expect(w.rows.map((r) => r.uid).sort()).toEqual(expected.map((s) => s.uid).sort());
      expect((await summary(store, { ...all, table: 'sessions', where })).count).toBe(expected.length);
      // a time range: from inclusive, to exclusive
      const times = want.sessions.map((s) => s.start_time as number).sort((a, b) => a - b);
      const mid = times[Math.floor(times.length / 2)]!;
      expect((await summary(store, { ...all, table: 'sessions', from: mid, to: null })).count).toBe(times.filter((t) => t >= mid).length);
      expect((await summary(store, { ...all, table: 'sessions', from: null, to: mid })).count).toBe(times.filter((t) => t < mid).length);
      await expect(records(store, { ...all, table: 'sessions', fields: ['nope'], order: 'asc', limit: 1 })).rejects.toMatchObject({ code: 'HAYSTACK_BAD_ARGUMENT' });
      await expect(records(store, { ...all, table: 'sessions', order: 'asc', limit: MAX_PAGE_ROWS + 1 })).rejects.toMatchObject({ code: 'HAYSTACK_BAD_ARGUMENT' });
      await expect(records(store, { ...all, table: 'tls', sort: 'alpn', order: 'asc', limit: 5 })).rejects.toMatchObject({ code: 'HAYSTACK_BAD_ARGUMENT' });
      await expect(records(store, { ...all, table: 'tls', where, order: 'asc', limit: 5 })).rejects.toMatchObject({ code: 'HAYSTACK_BAD_ARGUMENT' });
      await expect(records(store, { ...all, table: 'audit', order: 'asc', limit: 5 })).rejects.toMatchObject({ code: 'HAYSTACK_BAD_ARGUMENT' });
    });

    it('a page as JSON is what `haystack export --format jsonl` prints for the same rows (one serializer)', async () => {
      const file = join(scratch, `${backend.name.replace(/\W+/g, '-')}.jsonl`);
      await store.close();
      try {
        const r = await cli('export', 'sessions', '--format', 'jsonl', '-o', file, '--db', readUrl);
        expect(r.code, r.err).toBe(0);
      } finally {
        store = await openStore(readUrl);
      }
      const page = await records(store, { ...all, table: 'sessions', order: 'asc', limit: MAX_PAGE_ROWS });
      const mineJson = page.rows.map(compileJsonRow(page.columns)).sort();
      expect(mineJson).toEqual(readFileSync(file, 'utf8').trim().split('\n').sort());
      expect(JSON.parse(`[${mineJson[0]!}]`)).toHaveLength(1);
    });

    it('summary: count and bytes (sessions: IP bytes both ways; files: size)', async () => {
      const s = await summary(store, { ...all, table: 'sessions' });
      expect(s).toEqual({ count: want.sessions.length, total_bytes: want.sessions.reduce((a, x) => a + (x.src_ip_bytes as number) + (x.dst_ip_bytes as number), 0) });
      const f = await summary(store, { ...all, table: 'files' });
      expect(f).toEqual({ count: want.files.length, total_bytes: want.files.reduce((a, x) => a + (x.size as number), 0) });
      expect(await summary(store, { ...all, table: 'tls' })).toEqual({ count: want.tls.length });
      mine.summaries = [s, f];
    });

    it('histograms sum to the counts, zero-filled, split series sum to the totals', async () => {
      for (const table of TABLES) {
        const n = (await summary(store, { ...all, table })).count;
        const h = await histogram(store, { ...all, table });
        expect(h.counts.reduce((a, x) => a + x, 0), table).toBe(n);
        expect(h.counts.length).toBeLessThanOrEqual(61);
        expect(h.start % h.bucket_us).toBe(0);
        mine[`histogram/${table}`] = h;
      }
      const times = want.sessions.map((s) => s.start_time as number);
      const lo = Math.min(...times);
      // a range of a day around the data: 1h buckets (24 of them wanted), the empty ones 0
      const h = await histogram(store, { ...all, table: 'sessions', from: lo - 12 * 3600e6, to: lo + 12 * 3600e6, buckets: 24 });
      expect(h.bucket_us).toBe(3600e6);
      expect(h.counts.length).toBe(24 + (lo % 3600e6 === 0 ? 0 : 1));
      expect(h.counts.filter((c) => c === 0).length).toBeGreaterThan(10);
      expect(h.counts.reduce((a, x) => a + x, 0)).toBe(times.filter((t) => t >= lo - 12 * 3600e6 && t < lo + 12 * 3600e6).length);
      for (const split of ['app_proto', 'dst_port', 'local_src']) {
        const s = await histogram(store, { ...all, table: 'sessions', split });
        const top = await fieldValues(store, { ...all, table: 'sessions', field: split, limit: 5 });
        expect(s.split!.values).toEqual(top.values.map((v) => v.value));
        s.counts.forEach((c, i) => expect(s.split!.series.reduce((a, x) => a + x[i]!, 0) + s.split!.other[i]!).toBe(c));
        s.split!.values.forEach((_v, k) => expect(s.split!.series[k]!.reduce((a, x) => a + x, 0)).toBe(top.values[k]!.count));
        mine[`split/${split}`] = s;
      }
      await expect(histogram(store, { ...all, table: 'tls', split: 'alpn' })).rejects.toMatchObject({ code: 'HAYSTACK_BAD_ARGUMENT' });
      await expect(histogram(store, { ...all, table: 'tls', buckets: 0 })).rejects.toMatchObject({ code: 'HAYSTACK_BAD_ARGUMENT' });
    });

    it('field values: top values with counts, as counted in JS from analyze()', async () => {
      const count = (rows: Row[], field: string): [unknown, number][] => {
        const m = new Map<unknown, number>();
        for (const r of rows) {
          const v = r[field] ?? null;
          for (const x of Array.isArray(v) ? v : [v]) m.set(x, (m.get(x) ?? 0) + 1);
        }
        return [...m].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]));
      };
      for (const [table, field] of [['sessions', 'dst_port'], ['sessions', 'app_proto'], ['sessions', 'state'], ['tls', 'alpn'], ['tls', 'sni'], ['tls', 'cipher_suites'], ['smtp', 'rcpt_to'], ['files', 'mime_type'], ['sessions', 'local_dst']] as const) {
        const exp = count(want[table], field);
        const got = await fieldValues(store, { ...all, table, field, limit: 10 });
        expect(got.values.map((v) => [v.value, v.count]), `${table}.${field}`).toEqual(exp.slice(0, 10));
        expect(got.rows).toBe(want[table].length);
        mine[`values/${table}/${field}`] = got;
      }
    });

    it('by uid: a mail session of smtp-attachments.pcap gives its session, smtp and files rows', async () => {
      const smtp = want.smtp.find((s) => (s.fuids as string[]).length > 0)!;
      const uid = smtp.uid as string;
      const r = await byUid(store, uid);
      expect(r.tables.sessions!.map((s) => s.uid)).toContain(uid);
      expect(r.community_ids).toEqual([want.sessions.find((s) => s.uid === uid)!.community_id]);
      expect(r.tables.smtp!.map((s) => canon(schemaOf('smtp')!, s)).sort()).toEqual(want.smtp.filter((s) => s.uid === uid).map((s) => canon(schemaOf('smtp')!, s)).sort());
      expect(r.tables.files!.map((f) => f.sha256).sort()).toEqual(want.files.filter((f) => f.uid === uid).map((f) => f.sha256).sort());
      expect(r.tables.files!.length).toBeGreaterThan(0);
      expect(r.tables.tls).toBeUndefined();
      // the same session's alerts, by uid or Community ID
      const alerts = (await records(store, { ...all, table: 'alerts', where: [parseFilter(`uid = "${uid}"`, schemaOf('alerts')!)], order: 'asc', limit: MAX_PAGE_ROWS })).rows;
      expect((r.tables.alerts ?? []).length).toBe(alerts.length);
      mine.byUid = Object.fromEntries(Object.entries(r.tables).map(([k, v]) => [k, noCapture(v!)]));
      const none = await byUid(store, 'C-no-such-uid');
      expect(none.tables).toEqual({});
      // a restriction the server ANDs in applies to every table
      const hidden = await byUid(store, uid, { restrict: (s) => (s.name === 'sessions' ? [parseFilter('dst_port = 1', s)] : []) });
      expect(hidden.tables.sessions).toBeUndefined();
    });

    it('pivots: sha256, Message-ID, SNI, JA4', async () => {
      const f = want.files.find((x) => x.source === 'smtp')!;
      const bySha = await pivot(store, 'sha256', (f.sha256 as string).toUpperCase());
      expect(bySha.tables.files!.map((x) => x.fuid).sort()).toEqual(want.files.filter((x) => x.sha256 === f.sha256).map((x) => x.fuid).sort());
      expect(bySha.tables.sessions!.map((x) => x.uid)).toEqual([f.uid]);
      const m = want.smtp.find((s) => s.message_id !== null)!;
      const byMid = await pivot(store, 'message_id', m.message_id as string);
      expect(byMid.tables.smtp!.map((s) => s.uid)).toContain(m.uid);
      const t = want.tls.find((x) => x.sni !== null)!;
      const bySni = await pivot(store, 'sni', t.sni as string);
      expect(bySni.tables.tls!.length).toBe(want.tls.filter((x) => x.sni === t.sni).length);
      expect(bySni.tables.sessions!.map((s) => s.uid).sort()).toEqual([...new Set(want.tls.filter((x) => x.sni === t.sni).map((x) => x.uid))].sort());
      const byJa4 = await pivot(store, 'ja4', t.ja4 as string);
      expect(byJa4.tables.tls!.length).toBe(want.tls.filter((x) => x.ja4 === t.ja4).length);
      await expect(pivot(store, 'sha256', 'abc')).rejects.toMatchObject({ code: 'HAYSTACK_BAD_ARGUMENT' });
      await expect(pivot(store, 'queue_id', "x'; DROP")).rejects.toMatchObject({ code: 'HAYSTACK_BAD_ARGUMENT' });
      mine.pivots = [bySha, byMid, bySni, byJa4].map((p) => Object.fromEntries(Object.entries(p.tables).map(([k, v]) => [k, noCapture(v!)])));
    });

    it('hostile values in filters and lookups are matched literally and touch nothing', async () => {
      const before = await counts(store);
      const tls = schemaOf('tls')!;
      const sni = tls.fields.find((f) => f.name === 'sni')!;
      // the values a few at a time (each is 12 round trips to the server)
      await pooled(NASTY.filter((v) => !v.includes('\0')), 4, async (v) => {
        for (const op of ['=', '~', '!='] as const) {
          const where: Expr[] = [{ kind: 'cmp', field: sni, op, value: v }];
          const n = (await summary(store, { ...all, table: 'tls', where })).count;
          expect(n).toBe(want.tls.filter(compileFilter(where[0]!)).length);
          expect(n).toBe(op === '!=' ? want.tls.length : 0);
          expect((await records(store, { ...all, table: 'tls', where, order: 'asc', limit: 5 })).rows.length).toBe(Math.min(5, n));
          expect((await fieldValues(store, { ...all, table: 'tls', field: 'sni', where, limit: 5 })).rows).toBe(n);
        }
        expect((await byUid(store, v.slice(0, 1000))).tables).toEqual({});
        expect((await pivot(store, 'sni', v.slice(0, 1000))).tables).toEqual({});
        expect((await pivot(store, 'message_id', v.slice(0, 1000))).tables).toEqual({});
      });
      expect(await counts(store)).toEqual(before);
    });

    it('cursors are checked: garbage, another table\'s, wrong types and oversize ones are refused; a hostile key is a literal', async () => {
      const o = { ...all, table: 'sessions', order: 'asc' as const, limit: 2 };
      const first = await records(store, o);
      const enc = (x: unknown): string => Buffer.from(JSON.stringify(x)).toString('base64url');
      const good = JSON.parse(Buffer.from(first.next!, 'base64url').toString()) as Record<string, unknown>;
      for (const bad of [
        'x', '!!!', "'; DROP TABLE sessions; --", 'a'.repeat(100_000), enc([1, 2]), enc({ ...good, v: 2 }), enc({ ...good, t: 'tls' }), enc({ ...good, o: 'desc' }),
        enc({ ...good, s: 'uid' }), enc({ ...good, n: 0 }), enc({ ...good, n: 1.5 }), enc({ ...good, k: [] }), enc({ ...good, k: ['x', 'y', 'z'] }),
        enc({ ...good, k: [(good.k as unknown[])[0], "'; DROP", 5] }), enc({ ...good, k: [null, 'a', 'b'] }), enc({ ...good, extra: 1 }),
        enc({ ...good, k: [1e300, 'a', 'b'] }), enc({ ...good, k: [(good.k as unknown[])[0], 'a\0b', 'c'] }),
      ]) {
        await expect(records(store, { ...o, after: bad }), bad.slice(0, 40)).rejects.toMatchObject({ code: 'HAYSTACK_BAD_ARGUMENT' });
      }
      // a well-formed cursor whose key is hostile text: a position, compared literally
      const before = await counts(store);
      for (const v of NASTY.slice(0, -1)) {
        const c = enc({ ...good, k: [0, v, v] });
        const p = await records(store, { ...o, limit: MAX_PAGE_ROWS, after: c });
        // every session starts after time 0: all of them come
        expect(p.rows.length).toBe(want.sessions.length);
      }
      expect(await counts(store)).toEqual(before);
    });

    it('app tables: audit, triage and saved queries round-trip; hostile text is stored as given (cut to its bound)', async () => {
      const t0 = 1_700_000_000_000_000;
      for (let i = 0; i < 5; i++) {
        await appendAudit(store, { ts: t0 + i, user: i % 2 === 0 ? "ann'; DROP TABLE audit; --" : 'bob', role: 'analyst', ip: '127.0.0.1', action: 'query', route: 'GET /api/records', filter: NASTY[i]!, range_from: t0 - 1e9, range_to: t0, rows: i, outcome: 'ok' });
      }
      await appendAudit(store, { ts: t0 + 10, user: 'bob', action: 'query', outcome: 'denied', filter: 'x'.repeat(100_000), detail: '\\\'\n' });
      const page1 = await listAudit(store, { from: null, to: null, limit: 4 });
      expect(page1.rows.map((r) => r.ts)).toEqual([t0 + 10, t0 + 4, t0 + 3, t0 + 2]);
      const page2 = await listAudit(store, { from: null, to: null, limit: 4, after: page1.next! });
      expect(page2.rows.map((r) => r.ts)).toEqual([t0 + 1, t0]);
      expect(page2.next).toBeNull();
      expect(page1.rows[0]!.filter!.length).toBeLessThan(AUDIT_MAX_TEXT_BYTES);
      expect(page1.rows[0]!.filter!.length).toBeGreaterThan(1000);
      expect(page1.rows[0]!.detail).toBe('\\\'\n');
      const ann = await listAudit(store, { from: t0 + 1, to: t0 + 5, user: "ann'; DROP TABLE audit; --", limit: 10 });
      expect(ann.rows.map((r) => [r.ts, r.filter, r.rows])).toEqual([[t0 + 4, NASTY[4], 4], [t0 + 2, NASTY[2], 2]]);
      await expect(listAudit(store, { from: null, to: null, limit: 4, after: 'garbage' })).rejects.toMatchObject({ code: 'HAYSTACK_BAD_ARGUMENT' });

      const alert = (await records(store, { ...all, table: 'alerts', order: 'asc', limit: 1 })).rows[0]!;
      const key = alertKey(alert);
      await addTriage(store, { user: 'ann', alert_key: key, action: 'ack', ts: t0 });
      await addTriage(store, { user: 'bob', alert_key: key, action: 'note', note: "it's <script>alert(1)</script>", ts: t0 + 1 });
      await expect(addTriage(store, { user: 'bob', alert_key: "'; DROP", action: 'ack' })).rejects.toMatchObject({ code: 'HAYSTACK_BAD_ARGUMENT' });
      const tri = await triageFor(store, [key, 'f'.repeat(32)]);
      expect(tri.map((r) => [r.user, r.action, r.note])).toEqual([['ann', 'ack', null], ['bob', 'note', "it's <script>alert(1)</script>"]]);

      await saveQuery(store, { user: 'ann', name: 'smtp in', table: 'sessions', filter: 'app_proto = "smtp"', range: '-1h', ts: t0 });
      await saveQuery(store, { user: 'ann', name: "o'brien", table: 'tls', filter: NASTY[3]!, range: null, ts: t0 });
      await saveQuery(store, { user: 'bob', name: 'smtp in', table: 'smtp', filter: null, range: null, ts: t0 });
      await saveQuery(store, { user: 'ann', name: 'smtp in', table: 'sessions', filter: 'dst_port = 25', range: '-7d', ts: t0 });
      let list = await listSavedQueries(store, 'ann');
      expect(list.map((q) => [q.name, q.table, q.filter, q.range, q.created])).toEqual([["o'brien", 'tls', NASTY[3], null, t0], ['smtp in', 'sessions', 'dst_port = 25', '-7d', t0]]);
      expect(await deleteSavedQuery(store, 'ann', 'smtp in', t0)).toBe(true);
      expect(await deleteSavedQuery(store, 'ann', 'smtp in')).toBe(false);
      list = await listSavedQueries(store, 'ann');
      expect(list.map((q) => q.name)).toEqual(["o'brien"]);
      expect((await listSavedQueries(store, 'bob')).map((q) => q.table)).toEqual(['smtp']);
      await saveQuery(store, { user: 'ann', name: 'smtp in', table: 'sessions', filter: null, range: null, ts: t0 });
      expect((await listSavedQueries(store, 'ann')).map((q) => q.name)).toEqual(["o'brien", 'smtp in']);
      await expect(saveQuery(store, { user: 'ann', name: 'x', table: 'audit', filter: null, range: null })).rejects.toMatchObject({ code: 'HAYSTACK_BAD_ARGUMENT' });
      // `haystack export` reads app tables too (no capture filter): every audit row
      const file = join(scratch, `audit-${backend.name.replace(/\W+/g, '-')}.jsonl`);
      await store.close();
      try {
        const r = await cli('export', 'audit', '--format', 'jsonl', '-o', file, '--db', readUrl);
        expect(r.code, r.err).toBe(0);
      } finally {
        store = await openStore(readUrl);
      }
      const exported = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(exported.map((r) => r.ts).sort()).toEqual([0, 1, 2, 3, 4, 10].map((i) => isoMicros(t0 + i)));
      expect(exported.filter((r) => r.user === "ann'; DROP TABLE audit; --")).toHaveLength(3);
      mine.app = { audit: [...page1.rows, ...page2.rows].map((r) => ({ ...r, id: null })), triage: tri.map((r) => ({ ...r, id: null })), saved: await listSavedQueries(store, 'ann') };
    });
  });
}

/** Rows per table (that nothing a test sent changed a table). */
async function counts(store: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of [...TABLES, 'captures']) out[t] = Number((await store.select(`SELECT count(*) AS n FROM ${tableNamer(store)(t)}`)).rows[0]!.n);
  return out;
}

describe('search: the same answers on every store', () => {
  it('records, pages, histograms, values, related records and app rows agree', () => {
    const got = [...answers.entries()];
    expect(got.length).toBe(bin === null ? 1 : 3);
    const [first, ...rest] = got;
    for (const [name, a] of rest) {
      for (const k of Object.keys(first![1])) expect({ name, k, v: a[k] }).toEqual({ name, k, v: first![1][k] });
    }
  });
});
