// `--format eve`'s SQL form against the writer: every EVE table of a store exported both ways (exportExternal with
// the SQL form, and with the writer) must give the same bytes, on stores ingested from the committed fixtures and
// from the corpus captures, and on a store planted with hostile values (control characters, quotes, backslashes,
// `\u00` as text, non-ASCII, NULLs, NULL list items, empty lists, malformed addresses, JSON and hex, integers past
// 2^53, times outside 1900-2100 and past 2^53 µs). The SQL form must really be used where there is one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportExternal } from '../src/cli/commands/export.js';
import { externalFormat } from '../src/formats/external.js';
import { schemaOf } from '../src/schema/registry.js';
import type { FieldDef } from '../src/schema/schema.js';
import type { DuckDbStore } from '../src/store/duckdb-store.js';
import { duckdbSqlForm } from '../src/store/export-sql/forms.js';
import { openStore } from '../src/store/open.js';
import { committed, tableNamer } from '../src/store/reports.js';
import { ident, quoteString } from '../src/store/sql.js';
import { cli, scratchDir } from './helpers/cli.js';
import { tableArb } from './helpers/arb-records.js';
import { corpusDir, ROOT } from './helpers/run.js';

const EVE = externalFormat('eve')!;
const WITH_FORM = ['sessions', 'tls', 'http', 'dns', 'files'];
const WITHOUT_FORM = ['alerts', 'smtp', 'anomalies'];
const dir = scratchDir('export-sql-eve');

/** A table exported both ways: the two files' bytes, and how many times the SQL form's COPY ran. */
async function bothWays(db: string, table: string, where: 'committed' | 'all'): Promise<{ sql: Buffer; writer: Buffer; copies: number }> {
  const store = await openStore(db, { readOnly: true, fileAccess: true, threads: 1 });
  let copies = 0;
  try {
    const schema = schemaOf(table)!;
    const t = tableNamer(store);
    const sql = `SELECT ${schema.fields.map((f) => ident(f.name)).join(', ')} FROM ${t(table)}${where === 'committed' ? ` WHERE ${committed(t, store.dialect)}` : ''}`;
    const copy = store.copyLines!.bind(store);
    store.copyLines = (q, p) => {
      copies++;
      return copy(q, p);
    };
    const a = join(dir, `${table}.sql.json`);
    const b = join(dir, `${table}.writer.json`);
    const na = await exportExternal(store, schema, EVE, sql, a, { now: 0 });
    const nb = await exportExternal(store, schema, EVE, sql, b, { now: 0, sqlForm: false });
    expect(na).toBe(nb);
    return { sql: readFileSync(a), writer: readFileSync(b), copies };
  } finally {
    await store.close();
  }
}

/** The first line that differs, for a readable failure. */
function firstDiff(a: Buffer, b: Buffer): string {
  const x = a.toString('utf8').split('\n');
  const y = b.toString('utf8').split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const [p, q] = [x[i] ?? '', y[i] ?? ''];
    if (p === q) continue;
    let k = 0;
    while (k < p.length && p[k] === q[k]) k++;
    const at = Math.max(0, k - 60);
    return `line ${i + 1}, column ${k + 1}:\n  sql:    ${JSON.stringify(p.slice(at, k + 60))}\n  writer: ${JSON.stringify(q.slice(at, k + 60))}`;
  }
  return '';
}

/** Exports every EVE table of the store both ways; returns the lines the SQL form wrote per table. */
async function compareStore(db: string, where: 'committed' | 'all'): Promise<Record<string, number>> {
  const lines: Record<string, number> = {};
  for (const table of [...WITH_FORM, ...WITHOUT_FORM]) {
    const r = await bothWays(db, table, where);
    if (!r.sql.equals(r.writer)) expect.fail(`${table}: the SQL form differs from the writer at ${firstDiff(r.sql, r.writer)}`);
    expect(r.copies, table).toBe(WITH_FORM.includes(table) ? 1 : 0);
    lines[table] = r.sql.length === 0 ? 0 : r.sql.toString('utf8').trimEnd().split('\n').length;
  }
  return lines;
}

describe('the EVE SQL form', () => {
  it('has a form for flow, tls, http, dns and fileinfo, none for alerts, smtp and anomalies', () => {
    for (const t of WITH_FORM) expect(duckdbSqlForm('eve', schemaOf(t)!, { now: 0 }), t).not.toBeNull();
    for (const t of WITHOUT_FORM) expect(duckdbSqlForm('eve', schemaOf(t)!, { now: 0 }), t).toBeNull();
  });

  it('writes what the writer writes for the committed fixtures\' captures', async () => {
    const db = join(dir, 'fixtures.duckdb');
    // mailbox: messages fetched over POP3/IMAP (smtp rows that make no smtp event, files rows that make fileinfo)
    const fixtures = ['gen', 'dns', 'mail-http', 'remote-access', 'mailftp', 'dns-tunnel', 'mailbox'].map((d) => join(ROOT, 'test/fixtures', d));
    const r = await cli('ingest', ...fixtures, '--db', db);
    expect(r.code, r.err).toBe(0);
    const lines = await compareStore(db, 'committed');
    for (const t of WITH_FORM) expect(lines[t], t).toBeGreaterThan(0);
    const store = await openStore(db, { readOnly: true });
    try {
      const n = async (q: string): Promise<number> => Number((await store.select(q)).rows[0]!.n);
      expect(await n('SELECT count(*) AS n FROM smtp WHERE fetched_via IS NOT NULL')).toBeGreaterThan(0);
      expect(lines.smtp).toBe(await n('SELECT count(*) AS n FROM smtp WHERE fetched_via IS NULL'));
      expect(await n("SELECT count(*) AS n FROM files WHERE source IN ('pop3', 'imap')")).toBeGreaterThan(0);
      expect(lines.files).toBe(await n('SELECT count(*) AS n FROM files'));
    } finally {
      await store.close();
    }
  }, 300_000);

  const corpus = corpusDir();
  it.skipIf(corpus === null)('writes what the writer writes for the corpus captures', async () => {
    const db = join(dir, 'corpus.duckdb');
    const r = await cli('ingest', join(corpus!, 'pcap'), '--db', db);
    expect(r.code, r.err).toBe(0);
    const lines = await compareStore(db, 'committed');
    for (const t of WITH_FORM) expect(lines[t], t).toBeGreaterThan(0);
  }, 600_000);
});

/** Text values no analyzer writes but an imported log may: every control character, JSON's specials, non-ASCII. */
const HOSTILE_TEXT = ['"', '\\', '\\u00e9', '\\u001F', 'null', 'a"b\\c', '\u2028\u2029', '\u007f', 'é', 'ß', '😀', '\u{10ffff}', '</script>', '',
  ...Array.from({ length: 32 }, (_, i) => `x${String.fromCharCode(i)}y`)];
const HOSTILE_BY_FIELD: Record<string, readonly string[]> = {
  src_ip: ['::', '::1', '1:2:3:4:5:6:7:8', 'ABCD::EF', '::ffff:1.2.3.4', '::ffff:256.1.1.1', '0:0:0:0:0:0:1.2.3.4', '1:2:3:4:5:6:7::', '::1:2:3:4:5:6:7:8',
    '1::2::3', ':::', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9', '12345::', `${'1:'.repeat(22)}1`, '1.2.3.4', 'a\n::1', ':'],
  proto: ['tcp', 'udp', 'icmpv6', '6', '06', '1234', 'Tcp', 'ß', 'é', '__proto__', 'x\ny'],
  version: ['TLSv13-draft28', 'TLSv13-draft0016', 'TLSv13-draft15', 'TLSv13-draft<16', 'DTLSv12', 'SSLv3', `TLSv13-draft${'9'.repeat(400)}`, 'TLSv13-draft5\n', 'TLSv1x', 'TLSv12'],
  cert_serial: ['abc', '8f', '', 'zz', 'ABCDEF0123', 'f'.repeat(60), 'a\nb', '0', '80', '7f'],
  cert_sha1: ['abc', '', 'a'.repeat(41), 'ab:cd', 'g1', '0123456789abcdef0123456789abcdef01234567', 'é1'],
  host: ['[::1]', 'example.com:8080', 'a:b:65535', 'x:123456', 'h\n:80', 'h\u2028:80', ':80', 'host:00080', '[::1]:80', 'h\r:1'],
  request_headers: ['[["a","b"]]', 'not json', '{"a":1}', '[["a"],["b",1],["c","d"],"x",null]', '[["\\u0001","\\u00e9"]]', '[]', '[["a","b\\nc"]]', '[["\\"","\\\\"]]', 'null'],
  rrs: ['[{"name":"a","type":"A"},{"name":"b","type":"A"},{"name":5,"type":"CNAME"}]', 'nope', '[null,5,"x"]', '[{"name":"x\\u0001","type":"TXT"}]', '[]',
    '[{"type":"MX"},{"type":"A"},{"type":"MX"}]'],
};
HOSTILE_BY_FIELD.dst_ip = HOSTILE_BY_FIELD.src_ip!;
HOSTILE_BY_FIELD.client_version = HOSTILE_BY_FIELD.version!;
HOSTILE_BY_FIELD.transport = ['tcp', 'udp', 'quic', 'ß', 'x"y'];
HOSTILE_BY_FIELD.state = ['SF', 'S0', 'REJ', 'constructor', '__proto__', 'x'];

/** A deterministic pick (a seeded sequence: the store is the same on every run). */
function picker(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
}

/** A record of the table with hostile values planted in its text, lists and NULLs. */
function hostileRows(table: string, n: number): Record<string, unknown>[] {
  const schema = schemaOf(table)!;
  const pick = picker(table.length * 7919 + 17);
  return fc.sample(tableArb(schema), { numRuns: n, seed: 42 }).map((r) => {
    const out: Record<string, unknown> = { ...r };
    for (const f of schema.fields) {
      if (f.name === 'capture_id') continue;
      const special = HOSTILE_BY_FIELD[f.name];
      const roll = pick(4);
      if (f.nullable && roll === 0) out[f.name] = null;
      else if (roll === 0) continue;
      else if (f.type === 'string' || f.type === 'json') out[f.name] = special !== undefined && roll !== 3 ? special[pick(special.length)] : HOSTILE_TEXT[pick(HOSTILE_TEXT.length)];
      else if (f.type === 'string[]') out[f.name] = roll === 1 ? [] : [HOSTILE_TEXT[pick(HOSTILE_TEXT.length)], special?.[pick(special.length)] ?? 'A', 'b'];
      else if (f.type === 'int[]') out[f.name] = roll === 1 ? [] : [pick(70000), 2 ** 53 - 1, -(2 ** 53 - 1)];
    }
    return out;
  });
}

/** Extremes JSON cannot carry into the store (integers past 2^53, times past it): planted by UPDATE afterwards. */
function extremeUpdates(table: string, fields: readonly FieldDef[]): string[] {
  const ints = ['9223372036854775807', '-9223372036854775808', '9007199254740993', '-9007199254740993', '18014398509481985', '4294967551', '-1', '0'];
  const times = ["TIMESTAMP '1899-12-31 23:59:59.999999'", "TIMESTAMP '2100-01-01 00:00:00'", "TIMESTAMP '1000-06-01 12:00:00.5'", "TIMESTAMP '0001-01-01 00:00:00'",
    "TIMESTAMP '0001-01-01 00:00:00' - INTERVAL 400 DAY", 'make_timestamp(9007199254740993)', 'make_timestamp(8640000000000000000)', 'make_timestamp(8640000000000001000)',
    "TIMESTAMP '294247-01-01 00:00:00'", 'make_timestamp(-9007199254740993)', "TIMESTAMP '9999-12-31 23:59:59'", "TIMESTAMP '12000-01-01 00:00:01.000001'",
    'make_timestamp(253402300799999999)', 'make_timestamp(-1)'];
  // certificate times past Date's range make the writer throw (new Date(...).toISOString()): planted within it
  const certTimes = times.filter((t) => !t.includes('294247') && !t.includes('8640000000000') && !t.includes('9007199254740993'));
  const out: string[] = [];
  fields.forEach((f, i) => {
    if (f.name === 'capture_id') return;
    const col = ident(f.name);
    if (f.type === 'int') ints.forEach((v, k) => out.push(`UPDATE ${ident(table)} SET ${col} = ${v} WHERE rowid % ${ints.length + 3} = ${(k + i) % (ints.length + 3)}`));
    else if (f.type === 'timestamp') {
      const list = f.name === 'not_before' || f.name === 'not_after' ? certTimes : times;
      list.forEach((v, k) => out.push(`UPDATE ${ident(table)} SET ${col} = ${v} WHERE rowid % ${list.length + 2} = ${(k + i) % (list.length + 2)}`));
    } else if (f.type === 'int[]') out.push(`UPDATE ${ident(table)} SET ${col} = [1, NULL, 9223372036854775807] WHERE rowid % 5 = ${i % 5}`);
    else if (f.type === 'string[]') out.push(`UPDATE ${ident(table)} SET ${col} = [NULL, ${quoteString('x"\u0001', 'duckdb')}] WHERE rowid % 7 = ${i % 7}`);
    else if (f.type === 'string' && f.nullable === false && (f.name.endsWith('_ip') || f.name === 'uid')) {
      out.push(`UPDATE ${ident(table)} SET ${col} = chr(0) || 'z' WHERE rowid % 11 = ${i % 11}`);
    }
  });
  return out;
}

describe('the EVE SQL form on hostile values', () => {
  const db = join(dir, 'hostile.duckdb');
  const ROWS = 240;

  beforeAll(async () => {
    const store = await openStore(db);
    await store.init();
    const w = await store.begin('hostile000000000');
    for (const table of [...WITH_FORM, ...WITHOUT_FORM]) for (const r of hostileRows(table, ROWS)) w.append(schemaOf(table)!, r);
    await w.commit({ capture_id: 'hostile000000000', path: 'hostile', sha256: 'e'.repeat(64), size: 0, format: null, linktypes: [], first_ts: null, last_ts: null, packets: 0, ingested_at: 0, stats: null, mtime: null, header_blocks: null });
    for (const table of WITH_FORM) for (const u of extremeUpdates(table, schemaOf(table)!.fields)) await (store as DuckDbStore).exec(u);
    await store.close();
  }, 120_000);

  it('writes what the writer writes, byte for byte', async () => {
    const lines = await compareStore(db, 'all');
    for (const t of WITH_FORM) expect(lines[t], t).toBe(ROWS);
    // smtp: the rows sent over SMTP; the fetched ones (half of the drawn ones, and the hostile text put in fetched_via) make no event
    expect(lines.smtp).toBeGreaterThan(ROWS / 8);
    expect(lines.smtp).toBeLessThan(ROWS);
  }, 300_000);
});
