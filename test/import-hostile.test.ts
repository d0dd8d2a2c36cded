// `haystack import` against hostile files with the real mappings (zeekToRecord, eveToRecords) into DuckDB: a line
// no mapping can read is an anomaly naming the file and line and the rest of the file still loads (never a
// crash of the whole run); no credential the log carried is stored in clear.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_MAPPER } from '../src/formats/import/mappers.js';
import { importFile, importFiles, importInputs, type ImportOutcome } from '../src/pipeline/import.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/store.js';
import { scratchDir } from './helpers/cli.js';

const scratch = scratchDir('import-hostile');

const EV = { timestamp: '2026-12-07T10:00:05.123456+0000', src_ip: '10.0.0.5', src_port: 51000, dest_ip: '198.51.100.7', dest_port: 80, proto: 'TCP', flow_id: 5 };
/** a line every test file ends with: it must load whatever came before it */
const GOOD_HTTP = JSON.stringify({ ...EV, event_type: 'http', tx_id: 0, http: { hostname: 'example.com', url: '/ok', http_method: 'GET', status: 200 } });

let n = 0;
/** Imports `lines` as one file into a fresh store; the outcome, and the rows of the tables asked for. */
async function load(kind: 'zeek' | 'eve', name: string, lines: string[], tables: string[]): Promise<{ r: ImportOutcome; path: string; rows: Record<string, Record<string, unknown>[]> }> {
  const path = join(scratch, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  const store: Store = await openStore(join(scratch, `s${n++}.duckdb`));
  try {
    await store.init();
    const r = await importFile(store, kind, path, { mapper: BUILTIN_MAPPER });
    const rows: Record<string, Record<string, unknown>[]> = {};
    for (const t of tables) rows[t] = (await store.select(`SELECT * FROM ${t}`)).rows;
    return { r, path, rows };
  } finally {
    await store.close();
  }
}

describe('import: hostile lines are anomalies, never a crash', () => {
  it('an EVE event_type named like an Object.prototype member is not mapped, the file still loads', async () => {
    const { r, rows } = await load('eve', 'proto-types.json', [
      JSON.stringify({ ...EV, event_type: 'constructor' }), JSON.stringify({ ...EV, event_type: '__proto__' }),
      JSON.stringify({ ...EV, event_type: 'toString' }), GOOD_HTTP,
    ], ['http']);
    expect(r).toMatchObject({ status: 'imported', bad: 0, records: { http: 1 }, unmapped: { constructor: 1, __proto__: 1, toString: 1 } });
    expect(rows.http!.map((x) => x.uri)).toEqual(['/ok']);
  });
});

describe('import: JSON nested deeper than a log nests', () => {
  it('EVE and Zeek JSON lines of 100,000 nested arrays or 40,000 nested objects are bad lines; the file still loads', async () => {
    const deepArr = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const deepObj = `${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)}`;
    const eve = await load('eve', 'deep.json', [
      GOOD_HTTP, JSON.stringify({ ...EV, event_type: 'http', x: 0 }).replace('"x":0', `"x":${deepArr}`),
      JSON.stringify({ ...EV, event_type: 'http', x: 0 }).replace('"x":0', `"x":${deepObj}`), GOOD_HTTP.replace('/ok', '/ok2'),
    ], ['http', 'anomalies']);
    expect(eve.r).toMatchObject({ status: 'imported', bad: 2, records: { http: 2, anomalies: 2 } });
    expect(eve.rows.anomalies!.map((x) => x.detail)).toEqual([2, 3].map((l) => `${eve.path} line ${l}: JSON nested deeper than 64 levels`));
    const ok = { ts: 1796637600.5, uid: 'COk', 'id.orig_h': '10.0.0.1', 'id.orig_p': 1, 'id.resp_h': '10.0.0.2', 'id.resp_p': 80 };
    const zeek = await load('zeek', 'http.json', [JSON.stringify({ ...ok, x: 0 }).replace('"x":0', `"x":${deepArr}`), JSON.stringify(ok)], ['http']);
    expect(zeek.r).toMatchObject({ status: 'imported', bad: 1, records: { http: 1, anomalies: 1 } });
  });

  it('64 levels still load', async () => {
    const nest = (d: number): unknown => (d === 0 ? 'leaf' : [nest(d - 1)]);
    // the event is level 1, x level 2: 62 arrays and the leaf inside them
    const { r, rows } = await load('eve', 'deep-ok.json', [JSON.stringify({ ...EV, event_type: 'http', x: nest(62) })], ['http']);
    expect(r).toMatchObject({ status: 'imported', bad: 0, records: { http: 1 } });
    expect(JSON.parse(rows.http![0]!.extra as string)).toEqual({ x: nest(62) });
  });
});

describe('import: a Zeek value of the wrong shape is a bad line', () => {
  it('JSON: a number where the log has a list (TTLs, orig_fuids, tunnel_parents), a list where it has one value', async () => {
    const ok = { ts: 1796637600.5, uid: 'COk', 'id.orig_h': '10.0.0.1', 'id.orig_p': 1, 'id.resp_h': '10.0.0.2', 'id.resp_p': 53, proto: 'udp', query: 'example.com' };
    const dns = await load('zeek', 'dns.json', [JSON.stringify({ ...ok, uid: 'CBad1', TTLs: 5 }), JSON.stringify({ ...ok, uid: 'CBad2', answers: 'x' }), JSON.stringify({ ...ok, uid: 'CBad3', query: ['a', 'b'] }), JSON.stringify(ok)], ['dns', 'anomalies']);
    expect(dns.r).toMatchObject({ status: 'imported', bad: 3, records: { dns: 1 } });
    expect(dns.rows.dns!.map((x) => x.uid)).toEqual(['COk']);
    expect(dns.rows.anomalies!.map((x) => x.detail)).toEqual([
      `${dns.path} line 1: column TTLs: one value where the log has a list`,
      `${dns.path} line 2: column answers: one value where the log has a list`,
      `${dns.path} line 3: column query: a list where the log has one value`,
    ]);
    const http = await load('zeek', 'http.json', [JSON.stringify({ ...ok, orig_fuids: 5 }), JSON.stringify({ ...ok, uid: 'CHttp', orig_fuids: ['F1'] })], ['http']);
    expect(http.r).toMatchObject({ status: 'imported', bad: 1, records: { http: 1, anomalies: 1 } });
    const conn = await load('zeek', 'conn.json', [JSON.stringify({ ...ok, tunnel_parents: 7 }), JSON.stringify({ ...ok, uid: 'CConn' })], ['sessions']);
    expect(conn.r).toMatchObject({ status: 'imported', bad: 1, records: { sessions: 1, anomalies: 1 } });
  });

  it('TSV: a #types line that makes a list column a count is a bad line per row, not a crash', async () => {
    const { r } = await load('zeek', 'dns.log', [
      '#separator \\x09', '#path\tdns', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tquery\tTTLs',
      '#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tcount', '1796637600.000000\tC1\t10.0.0.1\t1\t10.0.0.2\t53\texample.com\t5',
      '#separator \\x09', '#path\tdns', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tquery\tTTLs',
      '#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tvector[interval]', '1796637600.000000\tC2\t10.0.0.1\t1\t10.0.0.2\t53\texample.com\t5.000000',
    ], []);
    expect(r).toMatchObject({ status: 'imported', bad: 1, records: { dns: 1, anomalies: 1 } });
  });
});

describe('import: credentials the log carried are not stored', () => {
  // planted values: none of them may appear in any stored row
  const PLANTED = ['hunter2', 'Ym9iOmh1bnRlcjI=', 'SECRETCOOKIE', 'dXNlcj1ib2ImcGFzc3dvcmQ9aHVudGVyMg==', 'eyJhbGciOiJIUzI1NiJ9.t0ken'];

  it('EVE http: an Authorization header is kept as its scheme and user (as ingest keeps it), bodies and cookies withheld', async () => {
    const ev = {
      ...EV, event_type: 'http', tx_id: 0,
      http: {
        hostname: 'example.com', url: '/login', http_method: 'POST', status: 200,
        request_headers: [{ name: 'Host', value: 'example.com' }, { name: 'Authorization', value: 'Basic Ym9iOmh1bnRlcjI=' }],
        response_headers: [{ name: 'Set-Cookie', value: 'sid=SECRETCOOKIE' }, { name: 'Server', value: 'x' }, { name: 'X-Odd', value: 'y', extra: 1 }],
        http_request_body: 'dXNlcj1ib2ImcGFzc3dvcmQ9aHVudGVyMg==', http_request_body_printable: 'user=bob&password=hunter2',
      },
    };
    const proxyAuth = { ...ev, tx_id: 1, http: { ...ev.http, request_headers: [{ name: 'Proxy-Authorization', value: 'Bearer eyJhbGciOiJIUzI1NiJ9.t0ken' }, { name: 'X-Odd', value: 'y', extra: 1 }] } };
    const { r, rows } = await load('eve', 'secrets.json', [JSON.stringify(ev), JSON.stringify(proxyAuth)], ['http']);
    expect(r).toMatchObject({ status: 'imported', bad: 0, records: { http: 2 } });
    const text = JSON.stringify(rows.http);
    for (const p of PLANTED) expect(text.includes(p), p).toBe(false);
    expect(JSON.parse(rows.http![0]!.request_headers as string)).toEqual([['Host', 'example.com'], ['Authorization', 'basic [redacted; user bob]']]);
    const extra = JSON.parse(rows.http![0]!.extra as string) as { http: Record<string, unknown> };
    expect(extra.http.http_request_body).toBe('(withheld)');
    expect(extra.http.response_headers).toEqual([{ name: 'Set-Cookie', value: '(withheld)' }, { name: 'Server', value: 'x' }, { name: 'X-Odd', value: 'y', extra: 1 }]);
  });

  it('Zeek http.log: the password column is withheld, in TSV and JSON', async () => {
    const tsv = await load('zeek', 'http.log', [
      '#separator \\x09', '#path\thttp', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tusername\tpassword',
      '#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring', '1796637600.000000\tC1\t10.0.0.1\t1\t10.0.0.2\t80\tbob\thunter2',
    ], ['http']);
    const json = await load('zeek', 'http2.json', [JSON.stringify({ _path: 'http', ts: 1796637600, uid: 'C2', username: 'bob', password: 'hunter2' })], ['http']);
    for (const x of [tsv, json]) {
      expect(x.r).toMatchObject({ status: 'imported', records: { http: 1 } });
      expect(JSON.parse(x.rows.http![0]!.extra as string)).toEqual({ username: 'bob', password: '(withheld)' });
    }
  });
});

describe('import: what is not a log file', () => {
  it('a FIFO named on the command line fails at once with its name (reading it would wait for a writer forever)', async () => {
    const fifo = join(scratch, 'conn.log');
    execFileSync('mkfifo', [fifo]);
    const store = await openStore(join(scratch, 'fifo.duckdb'));
    try {
      await store.init();
      const r = await importFile(store, 'zeek', fifo, { mapper: BUILTIN_MAPPER });
      expect(r).toMatchObject({ status: 'failed', error: { code: 'HAYSTACK_IO', message: `${fifo}: not a regular file (a FIFO, a device or a socket)` } });
    } finally {
      await store.close();
    }
  }, 10_000);
});

describe('import: the files of a directory', () => {
  it('a symlink to a log in the directory is one of its logs; a dangling one, or one to a directory, is not', async () => {
    const dir = join(scratch, 'linked');
    mkdirSync(dir);
    const real = join(scratch, 'elsewhere-conn.log');
    writeFileSync(real, '#separator \\x09\n');
    writeFileSync(join(dir, 'dns.log'), '#separator \\x09\n');
    symlinkSync(real, join(dir, 'conn.log'));
    symlinkSync(join(scratch, 'nothing-here.log'), join(dir, 'dangling.log'));
    symlinkSync(scratch, join(dir, 'adir.log'));
    const { files, missing } = await importInputs('zeek', [dir]);
    expect(files).toEqual([join(dir, 'conn.log'), join(dir, 'dns.log')]);
    expect(missing).toEqual([]);
  });
});

describe('import: a bad line\'s anomaly does not quote a secret', () => {
  it('a Zeek password column of a wrong type, a malformed EVE line holding a password', async () => {
    const tsv = await load('zeek', 'http.log', [
      '#separator \\x09', '#path\thttp', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tpassword',
      '#types\ttime\tstring\taddr\tport\taddr\tport\tcount', '1796637600.000000\tC1\t10.0.0.1\t1\t10.0.0.2\t80\thunter2',
    ], ['anomalies']);
    const eve = await load('eve', 'bad-json.json', [GOOD_HTTP, '{"event_type":"http","http":{"password":hunter2}}', '{"event_type":"http","http":{"password":"hunter2"'], ['anomalies']);
    for (const x of [tsv, eve]) {
      expect(x.r).toMatchObject({ status: 'imported', bad: x === tsv ? 1 : 2 });
      expect(x.rows.anomalies!.length).toBe(x === tsv ? 1 : 2);
      for (const a of x.rows.anomalies!) expect(String(a.detail)).not.toContain('hunter2');
    }
    expect(tsv.rows.anomalies![0]!.detail).toBe(`${tsv.path} line 5: column password: its value (withheld) is not a count`);
  });
});

describe('import: a mapping that fails on a line', () => {
  it('is an import_mapping_failed anomaly naming the line (not the value), and the lines and files after it load', async () => {
    const boom: typeof BUILTIN_MAPPER = {
      zeek: BUILTIN_MAPPER.zeek,
      eve: (e) => {
        if ((e as { http?: { url?: string } }).http?.url === '/boom') throw new TypeError('secret-value-in-message');
        return BUILTIN_MAPPER.eve(e);
      },
    };
    const a = join(scratch, 'boom.json');
    const b = join(scratch, 'after.json');
    writeFileSync(a, `${JSON.stringify({ ...EV, event_type: 'http', tx_id: 0, http: { hostname: 'example.com', url: '/boom' } })}\n${GOOD_HTTP}\n`);
    writeFileSync(b, `${GOOD_HTTP.replace('/ok', '/ok2')}\n`);
    const store: Store = await openStore(join(scratch, `s${n++}.duckdb`));
    try {
      await store.init();
      const out = await importFiles(store, 'eve', [a, b], { mapper: boom });
      expect(out.map((o) => o.status)).toEqual(['imported', 'imported']);
      const urls = (await store.select('SELECT uri FROM http ORDER BY uri')).rows.map((r) => r.uri);
      expect(urls).toEqual(['/ok', '/ok2']);
      const an = (await store.select("SELECT name, detail FROM anomalies WHERE name = 'import_mapping_failed'")).rows;
      expect(an).toEqual([{ name: 'import_mapping_failed', detail: `${a} line 1: the mapping failed on this line (TypeError)` }]);
    } finally {
      await store.close();
    }
  });
});

describe('import: keys named like Object.prototype members', () => {
  it('a "__proto__" or "constructor" key of an EVE event is kept in extra as data (no prototype set, nothing lost)', async () => {
    const line = `{"timestamp":"2026-12-07T10:00:05.123456+0000","flow_id":5,"event_type":"http","src_ip":"10.0.0.5","src_port":51000,"dest_ip":"198.51.100.7","dest_port":80,"proto":"TCP","tx_id":0,"http":{"hostname":"example.com","url":"/p","__proto__":{"polluted":1},"constructor":"c"}}`;
    const { r, rows } = await load('eve', 'proto-keys.json', [line], ['http']);
    expect(r).toMatchObject({ status: 'imported', bad: 0 });
    const extra = JSON.parse(String(rows.http![0]!.extra)) as Record<string, Record<string, unknown>>;
    expect(Object.hasOwn(extra.http!, '__proto__')).toBe(true);
    expect(JSON.stringify(extra.http!['__proto__'])).toBe('{"polluted":1}');
    expect(extra.http!.constructor).toBe('c');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
