// The reports over the store, as SQL for either dialect: top talkers by direction (the SANCP report: one
// SELECT per direction joined by UNION ALL) and counts per time bucket with empty buckets filled in.
import { HaystackError } from '../core/errors.js';
import { MIN_QUERY_TIME_US } from '../core/time.js';
import { HomeNet } from '../flow/home-net.js';
import type { Expr } from '../query/filter.js';
import { CAPTURES } from '../schema/captures.js';
import type { RecordSchema } from '../schema/schema.js';
import { SESSIONS } from '../schema/sessions.js';
import { TLS } from '../schema/tls.js';
import { ALERTS } from '../schema/alerts.js';
import { ident, inSubquery, numberLiteral, timeAsMicros, timeLiteral, whereSql, type Dialect } from './sql.js';
import { typedValue } from './search-common.js';
import type { QueryResult, Store } from './store.js';

export const TOP_KEYS = ['dst_port', 'app_proto', 'src_ip', 'dst_ip', 'sni', 'proto'] as const;
export type TopKey = (typeof TOP_KEYS)[number];
export const BYTE_LEVELS = ['frame', 'ip', 'payload'] as const;
export type ByteLevel = (typeof BYTE_LEVELS)[number];
export const BUCKETS = ['hour', 'day', 'week'] as const;
export type Bucket = (typeof BUCKETS)[number];
export const BUCKET_US: Record<Bucket, number> = { hour: 3_600_000_000, day: 86_400_000_000, week: 604_800_000_000 };

/** A time window in µs; either end open. */
export interface Window {
  from: number | null;
  to: number | null;
}

/**
 * Only rows of captures whose ingest completed (a captures row exists) count. ClickHouse has no transactions:
 * the captures row is written after the rows, so a row counts when its capture_id has one (a semi-join).
 * DuckDB commits a capture's rows and its captures row in one transaction (duckdb-store.ts, DuckDbWriter), so
 * every row a reader can see has its captures row, and the test reduces to the id being set: the semi-join
 * cost ~70% of a 7-day search over 10M sessions (bench/README.md, server).
 */
export function committed(table: (n: string) => string, d: Dialect): string {
  if (d === 'duckdb') return `${ident('capture_id')} IS NOT NULL`;
  return `${ident('capture_id')} ${inSubquery(d)} (SELECT ${ident('capture_id')} FROM ${table(CAPTURES.name)})`;
}

export function windowSql(field: string, w: Window, d: Dialect): string[] {
  const out: string[] = [];
  if (w.from !== null) out.push(`${ident(field)} >= ${timeLiteral(w.from, d)}`);
  if (w.to !== null) out.push(`${ident(field)} <= ${timeLiteral(w.to, d)}`);
  return out;
}

/** Table names as the store spells them (ClickHouse: database-qualified). */
export function tableNamer(store: Store): (name: string) => string {
  const db = (store as { database?: string }).database;
  return (name) => (db !== undefined ? `${ident(db)}.${ident(name)}` : ident(name));
}

/** The newest value of a table's time field among committed captures (µs), or null when it is empty. */
export async function newest(store: Store, schema: RecordSchema, field = schema.timeField): Promise<number | null> {
  const t = tableNamer(store);
  const r = await store.select(`SELECT max(${timeAsMicros(field, store.dialect)}) AS m FROM ${t(schema.name)} WHERE ${committed(t, store.dialect)}`);
  const v = r.rows[0]?.m;
  return typeof v === 'number' && v > 0 ? v : null;
}

/** "is in the home net" for an address column, from CIDRs (IPv4 only: IPv6 home nets are applied at ingest). */
function homeSql(column: string, cidrs: readonly string[], d: Dialect): string {
  new HomeNet(cidrs); // validates
  const parts: string[] = [];
  for (const c of cidrs) {
    const [addr, bitsText] = c.split('/');
    if (addr!.includes(':')) {
      throw new HaystackError('HAYSTACK_BAD_OPTION', `--home-net ${c}: IPv6 home networks are applied at ingest (haystack ingest --home-net); here only IPv4 ones can be given`);
    }
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    const o = addr!.split('.').map(Number);
    const base = ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
    const size = 2 ** (32 - bits);
    const lo = Math.floor(base / size) * size;
    parts.push(`(${ipv4Number(column, d)} BETWEEN ${numberLiteral(lo)} AND ${numberLiteral(lo + size - 1)})`);
  }
  return parts.length === 0 ? 'false' : `(${parts.join(' OR ')})`;
}

/** An IPv4 address column as its number (NULL for other addresses, which then match no IPv4 range). */
function ipv4Number(column: string, d: Dialect): string {
  const c = ident(column);
  if (d === 'clickhouse') return `if(position(${c}, ':') > 0, NULL, IPv4StringToNum(${c}))`;
  const p = (i: number): string => `CAST(split_part(${c}, '.', ${i}) AS BIGINT)`;
  return `CASE WHEN regexp_full_match(${c}, '[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+') THEN ${p(1)} * 16777216 + ${p(2)} * 65536 + ${p(3)} * 256 + ${p(4)} END`;
}

export interface TopOptions {
  by: TopKey;
  window: Window;
  /** query-time home net; null = the local_src/local_dst stored at ingest */
  homeNet: readonly string[] | null;
  limit: number;
  bytes: ByteLevel;
}

/**
 * Top keys by bytes into and out of the home network: inbound sessions (outside -> home) bring their
 * originator's bytes in and send the responder's out, outbound ones the reverse; internal and external
 * sessions are not counted.
 */
export function topSql(o: TopOptions, d: Dialect, table: (n: string) => string): string {
  const col = o.bytes === 'frame' ? ['src_frame_bytes', 'dst_frame_bytes'] : o.bytes === 'ip' ? ['src_ip_bytes', 'dst_ip_bytes'] : ['src_bytes', 'dst_bytes'];
  const [srcB, dstB] = col.map((c) => ident(c!)) as [string, string];
  const localSrc = o.homeNet === null ? (d === 'duckdb' ? `coalesce(${ident('local_src')}, false)` : `ifNull(${ident('local_src')}, 0) = 1`) : homeSql('src_ip', o.homeNet, d);
  const localDst = o.homeNet === null ? (d === 'duckdb' ? `coalesce(${ident('local_dst')}, false)` : `ifNull(${ident('local_dst')}, 0) = 1`) : homeSql('dst_ip', o.homeNet, d);
  const inbound = `(NOT ${localSrc}) AND ${localDst}`;
  const outbound = `${localSrc} AND (NOT ${localDst})`;
  let source = table(SESSIONS.name);
  let key = ident(o.by);
  if (o.by === 'sni') {
    // the SNI of each session's first ClientHello (a HelloRetryRequest repeats it)
    const sni = `(SELECT ${ident('uid')}, min(${ident('sni')}) AS ${ident('first_sni')} FROM ${table(TLS.name)} WHERE ${ident('sni')} IS NOT NULL GROUP BY ${ident('uid')})`;
    source = d === 'duckdb'
      ? `${table(SESSIONS.name)} JOIN ${sni} AS t USING (${ident('uid')})`
      : `${table(SESSIONS.name)} GLOBAL ANY INNER JOIN ${sni} USING ${ident('uid')}`;
    key = ident('first_sni');
  }
  const where = [committed(table, d), ...windowSql(SESSIONS.timeField, o.window, d)].join(' AND ');
  const side = (cond: string, to: string, from: string): string =>
    `SELECT ${key} AS ${ident('key')}, ${to} AS ${ident('to_mynet')}, ${from} AS ${ident('from_mynet')} FROM ${source} WHERE ${where} AND ${cond}`;
  return `SELECT ${ident('key')} AS ${ident(o.by)}, sum(${ident('to_mynet')}) AS ${ident('bytes_to_mynet')}, ` +
    `sum(${ident('from_mynet')}) AS ${ident('bytes_from_mynet')}, sum(${ident('to_mynet')}) + sum(${ident('from_mynet')}) AS ${ident('total_bytes')} ` +
    `FROM (${side(inbound, srcB, dstB)} UNION ALL ${side(outbound, dstB, srcB)}) ` +
    `GROUP BY ${ident('key')} ORDER BY ${ident('total_bytes')} DESC, ${ident(o.by)} LIMIT ${numberLiteral(o.limit)}`;
}

export async function top(store: Store, o: TopOptions): Promise<QueryResult> {
  return store.select(topSql(o, store.dialect, tableNamer(store)));
}

export interface CountsOptions {
  schema: RecordSchema;
  by: Bucket;
  /** timestamp field to bucket (default: the schema's time field) */
  field: string;
  where: Expr | null;
  window: Window;
}

export function bucketSql(field: string, by: Bucket, d: Dialect): string {
  if (d === 'duckdb') return `epoch_us(date_trunc(${by === 'hour' ? "'hour'" : by === 'day' ? "'day'" : "'week'"}, ${ident(field)}))`;
  const t = `toDateTime(intDiv(${ident(field)}, 1000000), 'UTC')`;
  const start = by === 'hour' ? `toStartOfHour(${t})` : by === 'day' ? `toStartOfDay(${t})` : `toDateTime(toMonday(${t}), 'UTC')`;
  return `toInt64(toUInt32(${start})) * 1000000`;
}

export function countsSql(o: CountsOptions, d: Dialect, table: (n: string) => string): string {
  const conds = [committed(table, d), `${ident(o.field)} IS NOT NULL`, ...windowSql(o.field, o.window, d)];
  if (o.where !== null) conds.push(whereSql(o.where, d));
  return `SELECT ${bucketSql(o.field, o.by, d)} AS ${ident('bucket')}, count(*) AS ${ident('count')} FROM ${table(o.schema.name)} ` +
    `WHERE ${conds.join(' AND ')} GROUP BY ${ident('bucket')} ORDER BY ${ident('bucket')}`;
}

/**
 * Buckets one counts report may fill: more than 11 years of hours, 27 years of days. A window that would take
 * more (the zero-filled rows are made here, one object each) is refused with the way out.
 */
export const MAX_COUNT_BUCKETS = 100_000;

/** Counts per bucket, every bucket from the first to the last (or the window's ends) present, empty ones as 0. */
export async function counts(store: Store, o: CountsOptions): Promise<{ bucket: number; count: number }[]> {
  const r = await store.select(countsSql(o, store.dialect, tableNamer(store)));
  const got = new Map<number, number>(r.rows.map((x) => [Number(x.bucket), Number(x.count)]));
  if (got.size === 0 && (o.window.from === null || o.window.to === null)) return [];
  const step = BUCKET_US[o.by];
  const keys = [...got.keys()];
  const align = (us: number): number => alignBucket(us, o.by);
  const first = o.window.from !== null ? align(o.window.from) : Math.min(...keys);
  const last = o.window.to !== null ? align(o.window.to) : Math.max(...keys);
  const n = Math.floor((last - first) / step) + 1;
  if (n > MAX_COUNT_BUCKETS) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `the window holds ${n} ${o.by}s: at most ${MAX_COUNT_BUCKETS} buckets are listed; count by a longer bucket or over a shorter window`);
  }
  const out: { bucket: number; count: number }[] = [];
  for (let b = first; b <= last; b += step) out.push({ bucket: b, count: got.get(b) ?? 0 });
  return out;
}

/** Values of the split field one split counts report may hold. */
export const MAX_SPLIT_VALUES = 1000;

export interface SplitCountsOptions extends CountsOptions {
  /** the field whose values each get their own counts (a scalar field; rows where it is null are not counted) */
  split: string;
  /** the values with the most rows under the filter and window, ties by value: 1 to MAX_SPLIT_VALUES */
  limit: number;
}

export interface SplitCount {
  bucket: number;
  /** the split field's value (as the store gives it: a number for number fields) */
  key: string | number | boolean;
  count: number;
}

/**
 * One query for the counts per bucket of the top `limit` values of a field: a value's rows are grouped by value
 * and bucket, the values being those with the most rows (ties by value), chosen by a subquery.
 */
export function splitCountsSql(o: SplitCountsOptions, d: Dialect, table: (n: string) => string): string {
  const f = o.schema.fields.find((x) => x.name === o.split);
  if (f === undefined || f.type.endsWith('[]') || f.type === 'json') {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `split: ${o.schema.name} has no single-valued field "${o.split.slice(0, 64)}"`);
  }
  if (!Number.isInteger(o.limit) || o.limit < 1 || o.limit > MAX_SPLIT_VALUES) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `limit: 1 to ${MAX_SPLIT_VALUES} values`);
  const conds = [committed(table, d), `${ident(o.field)} IS NOT NULL`, `${ident(o.split)} IS NOT NULL`, ...windowSql(o.field, o.window, d)];
  if (o.where !== null) conds.push(whereSql(o.where, d));
  const where = conds.join(' AND ');
  const k = ident('k');
  const n = ident('n');
  const top = `SELECT ${k} FROM (SELECT ${ident(o.split)} AS ${k}, count(*) AS ${n} FROM ${table(o.schema.name)} WHERE ${where} ` +
    `GROUP BY ${k} ORDER BY ${n} DESC, ${k} LIMIT ${numberLiteral(o.limit)}) AS ${ident('top')}`;
  return `SELECT ${ident(o.split)} AS ${ident('key')}, ${bucketSql(o.field, o.by, d)} AS ${ident('bucket')}, count(*) AS ${ident('count')} ` +
    `FROM ${table(o.schema.name)} WHERE ${where} AND ${ident(o.split)} ${inSubquery(d)} (${top}) GROUP BY ${ident('key')}, ${ident('bucket')}`;
}

/**
 * Counts per bucket for each of the top values of a field, every value over the same buckets (the first to the
 * last of all, or the window's ends; empty ones as 0), the values in order of their totals (ties by value):
 * the rows `counts` gives for `--where 'FIELD = value'` over that span, for every value at once.
 */
export async function splitCounts(store: Store, o: SplitCountsOptions): Promise<SplitCount[]> {
  const r = await store.select(splitCountsSql(o, store.dialect, tableNamer(store)));
  const f = o.schema.fields.find((x) => x.name === o.split)!;
  const per = new Map<string, { key: string | number | boolean; total: number; got: Map<number, number> }>();
  for (const x of r.rows) {
    const key = typedValue({ type: f.type, nullable: false }, x.key) as string | number | boolean;
    const id = JSON.stringify(key);
    const e = per.get(id) ?? { key, total: 0, got: new Map<number, number>() };
    e.total += Number(x.count);
    e.got.set(Number(x.bucket), Number(x.count));
    per.set(id, e);
  }
  if (per.size === 0) return [];
  const all = [...per.values()].flatMap((e) => [...e.got.keys()]);
  const step = BUCKET_US[o.by];
  const first = o.window.from !== null ? alignBucket(o.window.from, o.by) : Math.min(...all);
  const last = o.window.to !== null ? alignBucket(o.window.to, o.by) : Math.max(...all);
  const n = Math.floor((last - first) / step) + 1;
  if (n * per.size > MAX_COUNT_BUCKETS) {
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `${per.size} values over ${n} ${o.by}s make ${n * per.size} buckets: at most ${MAX_COUNT_BUCKETS} are listed; ask for fewer values, a longer bucket or a shorter window`);
  }
  const byKey = (a: string | number | boolean, b: string | number | boolean): number => (a < b ? -1 : a > b ? 1 : 0);
  const out: SplitCount[] = [];
  for (const e of [...per.values()].sort((a, b) => b.total - a.total || byKey(a.key, b.key))) {
    for (let b = first; b <= last; b += step) out.push({ bucket: b, key: e.key, count: e.got.get(b) ?? 0 });
  }
  return out;
}

/** Start of the UTC hour, day, or ISO week (Monday) holding `us`. */
export function alignBucket(us: number, by: Bucket): number {
  if (by !== 'week') return Math.floor(us / BUCKET_US[by]) * BUCKET_US[by];
  const day = Math.floor(us / BUCKET_US.day);
  // 1970-01-01 was a Thursday: Monday-based weekday = (day + 3) mod 7
  return (day - ((day + 3) % 7 + 7) % 7) * BUCKET_US.day;
}

export interface TrendOptions {
  /** group alerts by signature message or id */
  by: 'msg' | 'sid';
  /** days in the window, the latest included */
  days: number;
  /** the latest day (µs, any time in it); null = the newest alert's day */
  end: number | null;
  minRatio: number;
  minCount: number;
}

export interface Trend {
  key: string;
  latest_day: number;
  latest_count: number;
  /** mean alerts per day over the window's earlier days (days without alerts count as 0) */
  baseline_per_day: number;
  /** latest_count / baseline_per_day (null when the baseline is 0: the signature is new) */
  ratio: number | null;
  earlier_total: number;
}

/**
 * Signatures whose latest day is far above their own baseline: latest count >= minCount and latest/baseline
 * >= minRatio (or no alert at all in the earlier days). Counted in SQL per signature and UTC day.
 */
export async function trends(store: Store, o: TrendOptions): Promise<Trend[]> {
  const t = tableNamer(store);
  const d = store.dialect;
  const endUs = o.end ?? (await newest(store, ALERTS));
  if (endUs === null) return [];
  const lastDay = alignBucket(endUs, 'day');
  const firstDay = Math.max(MIN_QUERY_TIME_US, lastDay - (o.days - 1) * BUCKET_US.day);
  const key = o.by === 'sid' ? ident('sid') : ident('msg');
  const r = await store.select(
    `SELECT ${key} AS ${ident('key')}, ${bucketSql('ts', 'day', d)} AS ${ident('day')}, count(*) AS ${ident('n')} FROM ${t(ALERTS.name)} ` +
    `WHERE ${committed(t, d)} AND ${windowSql('ts', { from: firstDay, to: lastDay + BUCKET_US.day - 1 }, d).join(' AND ')} ` +
    `GROUP BY ${ident('key')}, ${ident('day')}`,
  );
  const per = new Map<string, { latest: number; earlier: number }>();
  for (const row of r.rows) {
    const k = String(row.key);
    const e = per.get(k) ?? { latest: 0, earlier: 0 };
    if (Number(row.day) === lastDay) e.latest += Number(row.n);
    else e.earlier += Number(row.n);
    per.set(k, e);
  }
  const earlierDays = Math.max(1, o.days - 1);
  const out: Trend[] = [];
  for (const [k, e] of per) {
    const baseline = e.earlier / earlierDays;
    const ratio = baseline === 0 ? null : e.latest / baseline;
    if (e.latest < o.minCount) continue;
    if (ratio !== null && ratio < o.minRatio) continue;
    out.push({ key: k, latest_day: lastDay, latest_count: e.latest, baseline_per_day: baseline, ratio, earlier_total: e.earlier });
  }
  return out.sort((a, b) => (b.ratio ?? Infinity) - (a.ratio ?? Infinity) || b.latest_count - a.latest_count || a.key.localeCompare(b.key));
}
