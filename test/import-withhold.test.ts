// Credentials an imported log carries in clear are not stored: a Zeek http.log line with its password column and a
// password in its URI (TSV and JSON forms) and Suricata EVE events with token-like keys credential headers, a cookie and a token in the URL go through `haystack import` into DuckDB; no column
// of any table holds the planted values, the rows say a value was withheld, the file's stats count them, and
// nothing the command prints shows them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WITHHELD } from '../src/formats/import/withhold.js';
import { RECORD_SCHEMAS } from '../src/schema/registry.js';
import { cli, scratchDir } from './helpers/cli.js';
import { storeRows } from './helpers/store-rows.js';

const dir = scratchDir('import-withhold');
// planted values (never printed by the test)
const PASSWORD = 'Plant3d-Zeek-Passw0rd';
const TOKEN = 'tok_PLANTED_5f2b9c1e7a';
const API_KEY = 'AKIA_PLANTED_KEY_93ZX';
const SESSION = 'sess-PLANTED-cookie-77';
const BEARER = 'eyPLANTEDbearer.c2VjcmV0.sig';
const SET_COOKIE = 'PLANTEDsid=0a9f8e7d6c';
const URL_PASSWORD = 'PLANTEDurlpw42';
const URL_TOKEN = 'PLANTEDurltoken77';
const COOKIE = 'PLANTEDcookie31';

const HTTP_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'trans_depth', 'method', 'host', 'uri', 'version', 'user_agent',
  'request_body_len', 'response_body_len', 'status_code', 'username', 'password'];
const HTTP_TYPES = ['time', 'string', 'addr', 'port', 'addr', 'port', 'count', 'string', 'string', 'string', 'string', 'string', 'count', 'count', 'count',
  'string', 'string'];
const HTTP_VALUES = ['1700000000.000001', 'CPw1', '10.0.0.5', '50000', '10.0.0.9', '80', '1', 'GET', 'intranet.example', `/admin?user=alice&password=${URL_PASSWORD}`, '1.1', 'curl/8.0',
  '0', '512', '200', 'alice', PASSWORD];

const tsv = [
  '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\thttp', '#open\t2023-11-14-22-13-20',
  `#fields\t${HTTP_FIELDS.join('\t')}`, `#types\t${HTTP_TYPES.join('\t')}`, HTTP_VALUES.join('\t'), '#close\t2023-11-14-22-13-21', '',
].join('\n');
const json = `${JSON.stringify({ ...Object.fromEntries(HTTP_FIELDS.map((f, i) => [f, HTTP_TYPES[i] === 'string' || HTTP_TYPES[i] === 'addr' ? HTTP_VALUES[i] : Number(HTTP_VALUES[i])])), uid: 'CPw2' })}\n`;
const eve = [
  { timestamp: '2023-11-14T22:13:20.000001+0000', flow_id: 1234567, event_type: 'http', src_ip: '10.0.0.5', src_port: 50001, dest_ip: '10.0.0.9', dest_port: 80, proto: 'TCP',
    http: { hostname: 'api.example', url: `/v1/items?access_token=${URL_TOKEN}&page=2`, http_method: 'GET', protocol: 'HTTP/1.1', status: 200, length: 10, access_token: TOKEN,
      request_headers: [{ name: 'Host', value: 'api.example' }, { name: 'Authorization', value: `Bearer ${BEARER}` }, { name: 'Cookie', value: `sid=${COOKIE}` }],
      response_headers: [{ name: 'Set-Cookie', value: SET_COOKIE }, { name: 'Server', value: 'nginx' }] }, api_key: API_KEY },
  { timestamp: '2023-11-14T22:13:21.000001+0000', flow_id: 1234567, event_type: 'alert', src_ip: '10.0.0.5', src_port: 50001, dest_ip: '10.0.0.9', dest_port: 80, proto: 'TCP',
    alert: { action: 'allowed', gid: 1, signature_id: 9000001, rev: 1, signature: 'test', category: 'Misc activity', severity: 3 },
    metadata: { session_cookie: SESSION, flowbits: ['a'] } },
].map((e) => JSON.stringify(e)).join('\n');

describe('import withholds credentials end to end', () => {
  it('Zeek http.log password (TSV and JSON) and EVE token keys: not in the store in clear, said withheld, counted', async () => {
    writeFileSync(join(dir, 'http.log'), tsv);
    writeFileSync(join(dir, 'http.json'), json);
    writeFileSync(join(dir, 'eve.json'), eve);
    const db = join(dir, 'w.duckdb');
    const printed: string[] = [];
    for (const [kind, file] of [['zeek', 'http.log'], ['zeek', 'http.json'], ['eve', 'eve.json']] as const) {
      const r = await cli('import', kind, join(dir, file), '--db', db);
      expect(r.code).toBe(0);
      expect(r.err).not.toMatch(/could not be read/);
      printed.push(r.out, r.err);
    }
    const tables = RECORD_SCHEMAS.map((s) => s.name);
    const rows = await storeRows(db, tables);
    // the lines became rows (so the test looks where the values would be)
    expect(rows.http!.map((r) => r.uid).sort()).toEqual(['CPw1', 'CPw2', expect.stringMatching(/^S/) as unknown as string].sort());
    expect(rows.alerts!.length).toBe(1);
    // no column of any table, and nothing printed, holds a planted value
    const everything = JSON.stringify(rows) + printed.join('');
    for (const secret of [PASSWORD, TOKEN, API_KEY, SESSION, BEARER, SET_COOKIE, URL_PASSWORD, URL_TOKEN, COOKIE]) expect(everything.includes(secret), 'a planted secret is stored or printed').toBe(false);
    // the rows say a value was there; what else the lines had is kept
    for (const uid of ['CPw1', 'CPw2']) {
      const extra = JSON.parse(rows.http!.find((r) => r.uid === uid)!.extra as string) as Record<string, unknown>;
      expect(extra).toMatchObject({ username: 'alice', password: WITHHELD });
    }
    const eveHttp = JSON.parse(rows.http!.find((r) => String(r.uid).startsWith('S'))!.extra as string) as { http: Record<string, unknown>; api_key: unknown };
    expect(eveHttp.http.access_token).toBe(WITHHELD);
    expect(eveHttp.api_key).toBe(WITHHELD);
    expect(eveHttp.http.response_headers).toEqual([{ name: 'Set-Cookie', value: WITHHELD }, { name: 'Server', value: 'nginx' }]);
    // the Authorization header kept in request_headers as ingest keeps it: its scheme, not the token
    expect(JSON.parse(rows.http!.find((r) => String(r.uid).startsWith('S'))!.request_headers as string)).toEqual([['Host', 'api.example'], ['Authorization', 'bearer [redacted]'], ['Cookie', `sid=[redacted ${COOKIE.length} chars]`]]);
    // a credential in the URL: its value is not kept, the rest of the URL is
    expect(rows.http!.map((r) => r.uri).sort()).toEqual(['/admin?user=alice&password=[redacted]', '/admin?user=alice&password=[redacted]', '/v1/items?access_token=[redacted]&page=2']);
    const alertExtra = JSON.parse(rows.alerts![0]!.extra as string) as { metadata: Record<string, unknown> };
    expect(alertExtra.metadata).toEqual({ session_cookie: WITHHELD, flowbits: ['a'] });
    // each file's captures row counts what it withheld
    const withheld = rows.captures!.map((c) => [String(c.path).split('/').at(-1), (JSON.parse(c.stats as string) as { withheld_secrets: number }).withheld_secrets]);
    expect(Object.fromEntries(withheld)).toEqual({ 'http.log': 1, 'http.json': 1, 'eve.json': 4 });
  }, 30_000);
});
