// The SQL forms of `zeek` and `zeek-json` (store/export-sql/zeek-sql.ts) against the writers they replace: every
// table that makes a Zeek log, exported both ways from the same DuckDB store with the same `now`, must give the
// same bytes. Stores: the committed fixture captures (with alerts and findings), the corpus traces that have Zeek
// baselines (required in CI), and rows planted with hostile values (control characters, backslashes, separators,
// Zeek's markers, NULLs, extreme times and doubles needing rounding), fixed and drawn by fast-check. `export all`
// is compared the same way, log by log.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportExternal, exportZeekLogs, rowidParts } from '../src/cli/commands/export.js';
import { externalFormat } from '../src/formats/external.js';
import { ZEEK_FTP_COMMANDS } from '../src/formats/zeek/logs/ftp.js';
import { ZEEK_LOGS } from '../src/formats/zeek/zeek-logs.js';
import { schemaOf } from '../src/schema/registry.js';
import type { RecordSchema } from '../src/schema/schema.js';
import { duckdbSqlForm } from '../src/store/export-sql/forms.js';
import { openStore } from '../src/store/open.js';
import { committed, tableNamer } from '../src/store/reports.js';
import { ident } from '../src/store/sql.js';
import type { Row, Store } from '../src/store/store.js';
import { tableArb } from './helpers/arb-records.js';
import { cli, scratchDir } from './helpers/cli.js';
import { corpusDir, GEN, ROOT } from './helpers/run.js';
import { baselineTraceList } from './helpers/zeek-compare.js';

const dir = scratchDir('export-sql-zeek');
const NOW = 1_796_637_600_123_456;
/** the tables that make a Zeek log (tls: ssl.log; x509.log only in `export all`) */
const TABLES = [...new Set(ZEEK_LOGS.map((l) => l.schema.name))];
const FORMATS = ['zeek', 'zeek-json'] as const;

let files = 0;
/** The first line where two texts differ (the whole texts are too long for a useful diff). */
function firstDifference(a: string, b: string): string | null {
  if (a === b) return null;
  const la = a.split('\n');
  const lb = b.split('\n');
  const i = la.findIndex((l, k) => l !== lb[k]);
  const k = i < 0 ? la.length : i;
  return `line ${k + 1} of ${la.length}/${lb.length}:\n sql: ${JSON.stringify(la[k])}\n js:  ${JSON.stringify(lb[k])}`;
}

/** A table's committed rows as `haystack export` selects them (with `more` conditions). */
function selectSql(store: Store, schema: RecordSchema, more: readonly string[] = []): string {
  const t = tableNamer(store);
  return `SELECT ${schema.fields.map((f) => ident(f.name)).join(', ')} FROM ${t(schema.name)} WHERE ${[committed(t, store.dialect), ...more].join(' AND ')}`;
}

/** Every table x format exported with the SQL form and with the writer: byte-equal, the form really used. */
async function compareStore(db: string): Promise<Record<string, number>> {
  const store = await openStore(db, { readOnly: true, fileAccess: true });
  const rows: Record<string, number> = {};
  try {
    let copies = 0;
    const copyLines = store.copyLines!.bind(store);
    store.copyLines = (sql, path) => {
      copies++;
      return copyLines(sql, path);
    };
    const problems: string[] = [];
    for (const table of TABLES) {
      const schema = schemaOf(table)!;
      for (const format of FORMATS) {
        const external = externalFormat(format)!;
        expect(duckdbSqlForm(format, schema, { now: NOW }), `${table} ${format} has a SQL form`).not.toBeNull();
        const [a, b] = [join(dir, `f${files++}.sql.log`), join(dir, `f${files++}.js.log`)];
        const before = copies;
        const n = await exportExternal(store, schema, external, selectSql(store, schema), a, { now: NOW });
        expect(copies, `${table} ${format} written by COPY`).toBe(before + 1);
        const m = await exportExternal(store, schema, external, selectSql(store, schema), b, { now: NOW, sqlForm: false });
        expect(copies).toBe(before + 1);
        expect(n, `${table} ${format} rows`).toBe(m);
        const js = readFileSync(b, 'utf8');
        const d = firstDifference(readFileSync(a, 'utf8'), js);
        if (d !== null) problems.push(`${table} ${format}: ${d}`);
        rows[table] = m;
        // in three rowid ranges made side by side (as export does for big tables), the same bytes
        const parts = await rowidParts(store, tableNamer(store)(table), (more) => selectSql(store, schema, more), 3, 1);
        if (m > 0) expect(parts.length, `${table} split`).toBe(3);
        const c = join(dir, `f${files++}.parts.log`);
        expect(await exportExternal(store, schema, external, selectSql(store, schema), c, { now: NOW, parts })).toBe(m);
        const dp = firstDifference(readFileSync(c, 'utf8'), js);
        if (dp !== null) problems.push(`${table} ${format} in parts: ${dp}`);
      }
    }
    for (const json of [false, true]) {
      const [a, b, c] = [join(dir, `d${files++}`), join(dir, `d${files++}`), join(dir, `d${files++}`)];
      for (const x of [a, b, c]) mkdirSync(x);
      const before = copies;
      const ca = await exportZeekLogs(store, a, json, { now: NOW });
      // every log but x509 (a certificate once: its writer) has its form; notice.log is two
      expect(copies - before).toBe(ZEEK_LOGS.length - 1);
      expect(await exportZeekLogs(store, b, json, { now: NOW, sqlForm: false })).toEqual(ca);
      expect(await exportZeekLogs(store, c, json, { now: NOW, parts: 2, minRows: 1 })).toEqual(ca);
      for (const f of readdirSync(b)) {
        const js = readFileSync(join(b, f), 'utf8');
        for (const [how, x] of [['', a], [' in parts', c]] as const) {
          const d = firstDifference(readFileSync(join(x, f), 'utf8'), js);
          if (d !== null) problems.push(`export all ${json ? 'zeek-json' : 'zeek'}${how} ${f}: ${d}`);
        }
      }
    }
    expect(problems).toEqual([]);
  } finally {
    await store.close();
  }
  return rows;
}

describe('zeek SQL forms = the writers, on the fixture captures', () => {
  it('every table, zeek and zeek-json, and export all: byte-equal', async () => {
    const db = join(dir, 'fixtures.duckdb');
    const rules = join(dir, 'put.rules');
    writeFileSync(rules, 'alert tcp any any -> any any (msg:"HTTP PUT"; flow:to_server,established; content:"PUT "; depth:4; classtype:web-application-attack; sid:1000003; rev:1;)\n');
    const captures = [
      ...readdirSync(GEN).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(GEN, f)),
      'test/fixtures/dns/dns-gen.pcap', 'test/fixtures/ssh/ssh-logins.pcap', 'test/fixtures/mailftp/mailftp-gen.pcap', 'test/fixtures/remote-access/sni.pcap',
      'test/fixtures/mail-http/mail.pcap', 'test/fixtures/mail-http/proxy.pcap', 'test/fixtures/mail-http/http-1xx.pcap',
      // messages fetched over POP3/IMAP: smtp rows that smtp.log leaves out, files rows that files.log keeps
      'test/fixtures/mailbox/mailbox-gen.pcap',
    ].map((p) => (p.startsWith('/') ? p : join(ROOT, p)));
    const r = await cli('ingest', ...captures, '--db', db, '--rules', rules);
    expect(r.code, r.err).toBe(0);
    const rows = await compareStore(db);
    // the comparison saw rows of every log's table
    for (const t of TABLES) expect(rows[t], t).toBeGreaterThan(0);
    // smtp.log: a line per message sent over SMTP, none for the fetched ones; files.log: the fetched attachments too
    const store = await openStore(db, { readOnly: true });
    try {
      const n = async (q: string): Promise<number> => Number((await store.select(q)).rows[0]!.n);
      expect(await n('SELECT count(*) AS n FROM smtp WHERE fetched_via IS NOT NULL')).toBeGreaterThan(0);
      expect(rows.smtp).toBe(await n('SELECT count(*) AS n FROM smtp WHERE fetched_via IS NULL'));
      expect(await n("SELECT count(*) AS n FROM files WHERE source IN ('pop3', 'imap')")).toBeGreaterThan(0);
      expect(rows.files).toBe(await n('SELECT count(*) AS n FROM files'));
    } finally {
      await store.close();
    }
  }, 300_000);
});

const corpus = corpusDir();

describe.skipIf(corpus === null)('zeek SQL forms = the writers, on the corpus traces with Zeek baselines', () => {
  it('every table, zeek and zeek-json, and export all: byte-equal', async () => {
    const manifest = readFileSync(join(corpus!, 'MANIFEST.md'), 'utf8');
    const base = join(corpus!, 'pcap/zeek/baselines');
    const traces = new Set<string>();
    for (const d of readdirSync(base)) {
      for (const f of readdirSync(join(base, d)).filter((x) => x.endsWith('.log'))) {
        for (const t of baselineTraceList(manifest, `pcap/zeek/baselines/${d}/${f}`)) traces.add(join(corpus!, t));
      }
    }
    expect(traces.size).toBeGreaterThan(50);
    const db = join(dir, 'corpus.duckdb');
    const r = await cli('ingest', ...[...traces].sort(), '--db', db);
    expect(r.code, r.err).toBe(0);
    const rows = await compareStore(db);
    for (const t of ['sessions', 'tls', 'http', 'smtp', 'files', 'dns', 'ssh', 'ftp', 'anomalies']) expect(rows[t], t).toBeGreaterThan(0);
  }, 900_000);
});

/** Values that take every branch of the text rules. */
const HOSTILE = ['', '-', '(empty)', '\\', '\\x41', 'a\tb', 'a,b', ',', '\n', '\r\n', '\0', 'a\x00b', '\x01\x1f', '\x7f', '"', '"}\n{"x":1', 'é', 'Ω', '😀', '\u2028',
  'constructor', '__proto__', '#fields', 'TYPE65', 'TYPE', 'ANY', 'IN', 'iquery', 'tls', 'icmpv6', '47', '0047', 'HTTP/1.1', 'http/2', 'smtp', 'ftp-data',
  'request.body', '[1.2.3.4]', 'from x ([10.0.0.1]) by y', 'by 192.168.1.300 x', 'line1\nline2', '[["Origin","https://a.example"]]', '[["x","y"],["ORIGIN",1]]',
  '[["origin","o1"],["Origin","o2"]]', '{"origin":1}', '[["origin"', 'To server: a, to client: b'];

/** Commands for hostile ftp rows: the ones ftp.log has a line for, and some it has not (in another case, a verb with a space). */
const FTP_COMMANDS = [...ZEEK_FTP_COMMANDS, 'USER', 'retr', 'RETR ', 'PASS', '<init>'];

/** A row of the table with, by chance, hostile values in its text fields, list elements and times and doubles. */
function hostileRow(schema: RecordSchema): fc.Arbitrary<Row> {
  const pick = fc.constantFrom(...HOSTILE);
  const n = schema.fields.length;
  return fc.tuple(tableArb(schema), fc.array(fc.tuple(fc.nat(9), pick, pick), { minLength: n, maxLength: n }),
    fc.constantFrom(0, -1, -500_000, -1_500_001, 1, 999_999, 2 ** 53 - 1, -(2 ** 53 - 1), 4e15),
    fc.constantFrom(0, -0, 1e-7, 5e-7, 0.0000015, 0.0078125, 2.5, 1234.5678905, 1e20, 1e21, 3.5e300, -2.5, Number.MIN_VALUE)).map(([r, picks, t, d]) => {
    const out: Row = { ...r };
    schema.fields.forEach((f, i) => {
      const [how, a, b] = picks[i]!;
      if (how > 4) return;
      if (how === 0 && f.nullable) out[f.name] = null;
      else if (f.type === 'string') out[f.name] = a;
      else if (f.type === 'string[]') out[f.name] = how === 1 ? [] : [a, b];
      else if (f.type === 'timestamp') out[f.name] = t;
      else if (f.type === 'float') out[f.name] = d;
    });
    // ftp.log has a line for the commands Zeek logs: most rows one of them, the others what the keep must leave out
    if (schema.name === 'ftp' && picks[0]![0] < 8) out.command = FTP_COMMANDS[(picks[0]![0] * 10 + picks[1]![0]) % FTP_COMMANDS.length]!;
    return out;
  });
}

describe('zeek SQL forms = the writers, on hostile values', () => {
  let db: string;
  beforeAll(async () => {
    db = join(dir, 'hostile.duckdb');
    const store = await openStore(db);
    try {
      await store.init();
      const w = await store.begin('hostile000000000');
      for (const [k, table] of TABLES.entries()) {
        const schema = schemaOf(table)!;
        for (const r of fc.sample(hostileRow(schema), { numRuns: 400, seed: 18 + k })) w.append(schema, r);
      }
      await w.commit({ capture_id: 'hostile000000000', path: 'hostile', sha256: 'e'.repeat(64), size: 0, format: null, linktypes: [], first_ts: null, last_ts: null, packets: 0, ingested_at: NOW, stats: null, mtime: null, header_blocks: null });
    } finally {
      await store.close();
    }
  });
  afterAll(() => undefined);

  it('every table, zeek and zeek-json, and export all: byte-equal', async () => {
    const rows = await compareStore(db);
    // ftp: the lines of the rows whose command Zeek logs (the writer's count), some left out; smtp: the rows sent
    // over SMTP (fetched_via null), the fetched ones (about half, some with hostile text in fetched_via) left out
    for (const t of TABLES) if (t !== 'ftp' && t !== 'smtp') expect(rows[t], t).toBe(400);
    for (const t of ['ftp', 'smtp']) {
      expect(rows[t], t).toBeGreaterThan(100);
      expect(rows[t], t).toBeLessThan(400);
    }
  }, 120_000);
});
