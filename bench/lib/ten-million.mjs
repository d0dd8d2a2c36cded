// bench/lib/ten-million.mjs — the 10-million-session store the store and server benchmarks share: perf-big's
// sessions ingested once, then copied COPIES - 1 times, each copy an hour earlier than the one before, into a
// DuckDB file, one ClickHouse server, or a two-shard ClickHouse cluster. Each copy's sessions get uids of their
// own ("C" + 17 hex digits of md5(uid ":" copy), still the "C" + 17 base62 form): a store holds a uid once per
// capture, and copies sharing uids made every uid lookup answer 465 sessions. The Community IDs stay: they hash
// the 5-tuple, which comes back legitimately (the same client port to the same server hours later).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const HAYSTACK = path.join(ROOT, 'bin', 'haystack.js');
export const HOME = '127.0.1.0/24';
/** sessions of perf-big x 465 hour-shifted copies = ~10 million */
export const COPIES = 465;
/** copies per ClickHouse INSERT (one INSERT of all 10M rows exceeds 18.16's per-query memory limit) */
const CH_BATCH = 50;
/** a copy's uid: from the original and the copy's number k (DuckDB; ClickHouse below) */
const DUCK_UID = "'C' || substr(md5(s.uid || ':' || k::VARCHAR), 1, 17)";
const CH_UID = "concat('C', substring(lower(hex(MD5(concat(uid, ':', toString(k))))), 1, 17))";

function haystack(argv) {
  const r = spawnSync(process.execPath, [HAYSTACK, ...argv], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`haystack ${argv[0]}: exit ${r.status}: ${r.stderr}`);
  return r;
}

/**
 * Ingests the capture into a new DuckDB file and copies its sessions; returns the number of sessions. One copy
 * per INSERT, in order: each row group then holds a few adjacent hours, as in a store that captures were
 * ingested into over time (one INSERT of every copy laid them out capture row by row, each row group spanning
 * weeks, and no time range could skip one by its min/max).
 */
export function buildDuckDb10m(capture, db) {
  haystack(['ingest', capture, '--db', db, '--home-net', HOME]);
  const copy = `INSERT INTO sessions SELECT s.* REPLACE (${DUCK_UID} AS uid, s.start_time - to_hours(k) AS start_time, ` +
    's.end_time - to_hours(k) AS end_time) FROM original s, (SELECT $1::BIGINT AS k)';
  const dup = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import { DuckDBInstance } from '@duckdb/node-api';
    const i = await DuckDBInstance.create(':memory:'); const c = await i.connect();
    await c.run(${JSON.stringify(`ATTACH '${db}' AS hs`)}); await c.run('USE hs');
    await c.run('CREATE TEMP TABLE original AS SELECT * FROM sessions');
    const copy = await c.prepare(${JSON.stringify(copy)});
    await c.run('BEGIN');
    for (let k = 1; k < ${COPIES}; k++) { copy.bindBigInt(1, BigInt(k)); await copy.run(); }
    await c.run('COMMIT');
    console.log(String((await c.runAndReadAll('SELECT count(*) FROM sessions')).getRows()[0][0]));
  `], { encoding: 'utf8', cwd: ROOT });
  if (dup.status !== 0) throw new Error(dup.stderr);
  return Number(dup.stdout.trim());
}

/** A statement over ClickHouse's HTTP interface; the answer's text. */
export async function chQuery(server, sql, settings = '') {
  const r = await fetch(`http://127.0.0.1:${server.http}/${settings}`, { method: 'POST', body: sql });
  const text = await r.text();
  if (!r.ok) throw new Error(`ClickHouse: ${text}`);
  return text;
}

/**
 * Ingests the capture into `database` on one server (servers = [it]) or on a cluster (servers = its nodes: the
 * tables made on each, ingested through the first) and copies its sessions there, CH_BATCH copies per INSERT.
 * The copies' source is the capture's own rows (capture_id is the same, so the copies count as committed).
 * Returns { sessions, ingested }.
 */
export async function buildClickHouse10m(capture, servers, database) {
  const write = servers[0];
  const table = `${database}.sessions`;
  if (servers.length > 1) for (const s of servers) haystack(['init', '--db', s.url(database)]);
  haystack(['ingest', capture, '--db', write.url(database), '--home-net', HOME]);
  // every column of the sessions schema in its order (the table's), the times shifted by k hours
  const { SESSIONS } = await import('../../dist/schema/sessions.js');
  const shifted = (f) => (f === 'start_time' || f === 'end_time' ? `${f} - k * 3600000000 AS ${f}` : f === 'uid' ? `${CH_UID} AS uid` : f);
  const cols = SESSIONS.fields.map((f) => shifted(f.name)).join(', ');
  const original = `(SELECT * FROM ${table} WHERE start_time >= (SELECT min(first_ts) FROM ${database}.captures))`;
  const ingested = Number((await chQuery(write, `SELECT count() FROM ${table}`)).trim());
  for (let a = 1; a < COPIES; a += CH_BATCH) {
    const n = Math.min(CH_BATCH, COPIES - a);
    await chQuery(write, `INSERT INTO ${table} SELECT ${cols} ` +
      `FROM ${original} ARRAY JOIN arrayMap(x -> x + ${a}, range(${n})) AS k`, servers.length > 1 ? '?insert_distributed_sync=1' : '');
  }
  const sessions = Number((await chQuery(write, `SELECT count() FROM ${table}`)).trim());
  return { sessions, ingested };
}
