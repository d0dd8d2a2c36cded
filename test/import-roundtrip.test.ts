// Round trips through the CLI and the real mappings: the committed captures ingested into DuckDB, exported as a Zeek
// log directory (TSV, JSON, and the TSV logs gzipped under rotated names) and as EVE files, imported into fresh
// stores, and the imported rows compared with the ingested ones field by field. Fields a format cannot carry are
// listed below with the reason; every other field of the table is compared. Importing the same files again
// writes nothing.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVE_EVENT_TYPES } from '../src/formats/eve/eve-events.js';
import { schemaOf } from '../src/schema/registry.js';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN, ROOT } from './helpers/run.js';
import { diffRows, storeRows, type Row } from './helpers/store-rows.js';

const dir = scratchDir('import-roundtrip');
const FIX = join(ROOT, 'test/fixtures');
const CAPTURES = [
  ...readdirSync(GEN).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(GEN, f)),
  // findings (inspect), DNS with EDNS, cookies and ECS, and a DNS tunnel (many queries, an anomaly)
  join(FIX, 'inspect/inspect-http.pcap'), join(FIX, 'dns/dns-gen.pcap'), join(FIX, 'dns-tunnel/iodine.pcap'),
];
// alerts: one rule with a classtype on every SYN, one on HTTP GETs
const RULES = 'alert tcp any any -> any any (msg:"syn seen"; flags:S; classtype:misc-activity; sid:1000001; rev:2;)\n' +
  'alert http any any -> any any (msg:"http GET"; http.method; content:"GET"; sid:1000002; rev:1;)\n';

const TABLES = ['sessions', 'tls', 'http', 'smtp', 'files', 'dns', 'ssh', 'anomalies', 'alerts', 'findings'];
/** What the importer sets itself (the row's capture, where it came from, what had no column). */
const PROVENANCE = ['capture_id', 'origin', 'extra'];

/** How a row is found again on the other side (rows of one key are paired in the order of their compared fields). */
const KEY: Record<string, (r: Row) => string> = {
  sessions: (r) => String(r.uid), tls: (r) => `${String(r.uid)}|${String(r.ts)}`, http: (r) => `${String(r.uid)}|${String(r.trans_depth)}`,
  smtp: (r) => `${String(r.uid)}|${String(r.trans_depth)}`, files: (r) => `${String(r.uid)}|${String(r.ts)}|${String(r.sha256)}`,
  dns: (r) => `${String(r.uid)}|${String(r.ts)}|${String(r.trans_id)}`, ssh: (r) => String(r.uid), anomalies: (r) => `${String(r.ts)}|${String(r.name)}`,
  alerts: (r) => `${String(r.ts)}|${String(r.uid)}|${String(r.sid)}`, findings: (r) => `${String(r.ts)}|${String(r.uid)}|${String(r.detector)}`,
};

const SESSION_NOT_LOGGED = 'not a conn.log column';
const HELLO = 'a ClientHello/ServerHello detail ssl.log does not log (JA3/JA4/HASSH are Zeek packages, not default columns)';
const NOTICE = 'notice.log holds a finding\'s detector (msg), masked value (sub), decode path (file_desc), count (n) and endpoints only';

/** The fields a Zeek log cannot carry, table by table, and why (every other field is compared). */
const ZEEK_NOT_CARRIED: Record<string, Record<string, string>> = {
  sessions: {
    src_frame_bytes: 'conn.log counts IP bytes (orig_ip_bytes), not link-layer frame bytes', dst_frame_bytes: 'as src_frame_bytes',
    tcp_flags_src: 'conn.log\'s history is the order of TCP events, not the flags each side sent (we leave history unset)', tcp_flags_dst: 'as tcp_flags_src',
    pcap_start: 'an offset into our capture file: a log has no capture', pcap_end: 'as pcap_start',
    encap: 'conn.log names a tunnel by its outer session (tunnel_parents), not its kind', direction: `${SESSION_NOT_LOGGED} (from --home-net at ingest)`,
    vlan: `${SESSION_NOT_LOGGED} by default (policy/protocols/conn/vlan-logging)`, control_uid: SESSION_NOT_LOGGED, proxy: SESSION_NOT_LOGGED,
    sensor: 'set by import --sensor, not by the log',
  },
  tls: Object.fromEntries(['transport', 'record_version', 'client_version', 'supported_versions', 'alpn', 'cipher_suites', 'extensions', 'supported_groups',
    'ec_point_formats', 'signature_algorithms', 'session_id_len', 'hello_index', 'ja3', 'ja3_string', 'ja4', 'ja4_r', 'ja3s', 'hello_retry'].map((f) => [f, HELLO])
    .concat([['cert_sha1', 'x509.log has one fingerprint (the SHA-256 we write), not the SHA-1']])),
  http: { request_headers: 'http.log logs chosen headers (host, user_agent, referrer), not the header list', ja4h: 'a column of FoxIO\'s ja4 package, not of the default http.log' },
  smtp: {
    auth_mechanism: 'not an smtp.log column', auth_user: 'not an smtp.log column', data_bytes: 'not an smtp.log column',
    missing_bytes: 'not an smtp.log column', skeleton: 'the MIME structure: not an smtp.log column',
  },
  files: {
    message_id: 'files.log links a file to its connection (uid), not to a message', part_path: 'not a files.log column',
    declared_type: 'files.log has the sniffed mime_type, not the declared one', stored_path: 'where our ingest stored the file: not in a log',
  },
  dns: {
    ad: 'dns.log has AA, TC, RD, RA and Z, not AD', cd: 'as ad', rrs: 'dns.log has answers and TTLs, not typed records',
    auth: 'dns.log logs it only with policy/protocols/dns/auth-addl', addl: 'as auth', edns_udp_size: 'EDNS is not in dns.log',
    edns_do: 'as edns_udp_size', ecs: 'as edns_udp_size', cookie: 'as edns_udp_size',
  },
  ssh: Object.fromEntries(['hassh', 'hassh_algorithms', 'hassh_server', 'hassh_server_algorithms'].map((f) => [f, HELLO])
    .concat([['auth_reason', 'not an ssh.log column']])),
  anomalies: {},
  alerts: {
    community_id: 'notice.log has no Community ID', classtype: 'every alert\'s note is Signatures::Sensitive_Signature: the classtype is not written',
    action: 'not a notice.log column', payload_excerpt: 'not a notice.log column', app_proto: 'not a notice.log column',
  },
  findings: Object.fromEntries(['community_id', 'direction', 'side', 'app_proto', 'message_id', 'part_path', 'category', 'confidence', 'distinct_count',
    'validations', 'context_terms', 'test_value', 'offset', 'value_hmac', 'excerpt_redacted', 'note'].map((f) => [f, NOTICE])),
};

/** Fields compared only on some rows, and why not on the others. */
const ZEEK_WHEN: Record<string, Record<string, { when: (r: Row) => boolean; reason: string }>> = {
  sessions: Object.fromEntries(['src_bytes', 'dst_bytes'].map((f) => [f, {
    when: (r: Row) => (r.duration as number) > 0, reason: 'Zeek leaves orig_bytes/resp_bytes unset for a connection of no duration',
  }])),
};

const EVE_FLOW = 'not in Suricata\'s flow event';
const EVE_DNS = 'not in Suricata\'s dns event';

/** The fields an EVE event cannot carry, table by table, and why (every other field is compared; uids: see below). */
const EVE_NOT_CARRIED: Record<string, Record<string, string>> = {
  sessions: {
    src_bytes: 'EVE counts the bytes of whole packets (our src_frame_bytes), not payload', dst_bytes: 'as src_bytes',
    src_ip_bytes: 'as src_bytes', dst_ip_bytes: 'as src_bytes', state: 'flow.state is Suricata\'s, not Zeek\'s conn_state (kept in extra)',
    pcap_start: 'an offset into our capture file', pcap_end: 'as pcap_start', tunnel_parents: EVE_FLOW, encap: EVE_FLOW, local_src: EVE_FLOW,
    local_dst: EVE_FLOW, direction: EVE_FLOW, missed_bytes: EVE_FLOW, control_uid: EVE_FLOW, proxy: EVE_FLOW, sensor: 'set by import --sensor',
  },
  tls: {
    record_version: 'not in the tls event', supported_versions: 'not in the tls event', supported_groups: 'not in the tls event (only inside ja3_string)',
    ec_point_formats: 'as supported_groups', session_id_len: 'not in the tls event', hello_index: 'not in the tls event', ja4_r: 'the tls event has ja4 only',
    hello_retry: 'not in the tls event', cert_sha256: 'the tls event\'s fingerprint is the SHA-1', last_alert: 'not in the tls event',
  },
  http: {
    request_body_len: 'the http event has the response body length only', status_msg: 'not in the http event',
    request_fuids: 'the http event does not name its files', response_fuids: 'as request_fuids', info_code: 'not in the http event', info_msg: 'as info_code',
    ja4h: 'Suricata logs JA4 for TLS and QUIC, not JA4H',
  },
  smtp: {
    in_reply_to: 'not in the smtp event', x_originating_ip: 'not in the smtp event', auth_mechanism: 'not in the smtp event', auth_user: 'not in the smtp event',
    starttls: 'not in the smtp event', last_reply: 'not in the smtp event', data_bytes: 'not in the smtp event', missing_bytes: 'not in the smtp event',
    fuids: 'the smtp event does not name its files', skeleton: 'not in the smtp event',
  },
  files: {
    message_id: 'not in fileinfo', part_path: 'not in fileinfo',
    declared_type: 'not in fileinfo', mime_type: 'fileinfo has libmagic\'s description (magic), not a MIME type', missing_bytes: 'fileinfo says whether bytes are missing (gaps), not how many',
    stored_path: 'where our ingest stored the file',
  },
  dns: {
    rtt: EVE_DNS, rrs: 'the dns event has rdata strings, not typed records', auth: EVE_DNS, addl: EVE_DNS, rejected: EVE_DNS, edns_udp_size: EVE_DNS,
    edns_do: EVE_DNS, ecs: EVE_DNS, cookie: EVE_DNS
  },
  anomalies: { detail: 'not in the anomaly event (its type, layer and app_proto are)' },
  alerts: {},
};

/** Fields the importer makes anew (the format has none), not the ones we wrote: compared only as being there. */
const EVE_REMADE: Record<string, Record<string, string>> = {
  files: { fuid: 'fileinfo has no file id: the importer makes one from the event' },
};

/** A field that came back empty: what the importer leaves or fills for a value the log does not have. */
const EMPTY = (v: unknown): boolean => v === null || v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0) || v === '{}';

/**
 * Compares one table: every field not listed (nor provenance) equal on every row; the listed ones empty on every
 * imported row (a listed field that does come back is a stale entry).
 */
function compare(
  table: string, want: Row[], got: Row[], notCarried: Record<string, string>,
  when: Record<string, { when: (r: Row) => boolean; reason: string }> = {}, remade: Record<string, string> = {},
): void {
  const schema = schemaOf(table)!;
  const names = schema.fields.map((f) => f.name);
  for (const f of [...Object.keys(notCarried), ...Object.keys(when), ...Object.keys(remade)]) expect(names, `${table}.${f} listed`).toContain(f);
  const always = names.filter((f) => !PROVENANCE.includes(f) && !(f in notCarried) && !(f in when) && !(f in remade));
  const d = diffRows(want, got, KEY[table]!, always);
  expect(d.unpaired, table).toEqual([]);
  expect(d.fields, table).toEqual({});
  for (const [f, w] of Object.entries(when)) {
    const keep = (rows: Row[]): Row[] => rows.filter(w.when);
    expect(diffRows(keep(want), keep(got), KEY[table]!, [f]).fields, `${table}.${f}`).toEqual({});
  }
  for (const f of Object.keys(remade)) expect(got.filter((r) => EMPTY(r[f])).length, `${table}.${f} is made by the importer`).toBe(0);
  for (const f of Object.keys(notCarried)) expect(got.filter((r) => !EMPTY(r[f])).map((r) => r[f]).slice(0, 3), `${table}.${f} is listed as not carried`).toEqual([]);
}

const db = join(dir, 'ingested.duckdb');
let ingested: Record<string, Row[]> = {};

beforeAll(async () => {
  writeFileSync(join(dir, 'test.rules'), RULES);
  const r = await cli('ingest', ...CAPTURES, '--rules', join(dir, 'test.rules'), '--db', db);
  expect(r.code, r.err).toBe(0);
  ingested = await storeRows(db, TABLES);
  // every table a Zeek log is made of has rows to compare
  for (const t of TABLES) expect(ingested[t]!.length, t).toBeGreaterThan(0);
}, 60_000);

async function importInto(kind: 'zeek' | 'eve', from: string, store: string): Promise<string> {
  const r = await cli('import', kind, from, '--db', store);
  expect(r.code, r.err).toBe(0);
  expect(r.err).not.toMatch(/could not be read/);
  return r.err;
}

/** Row counts of every table and of the captures rows. */
async function counts(store: string): Promise<Record<string, number>> {
  const rows = await storeRows(store, [...TABLES, 'captures']);
  return Object.fromEntries(Object.entries(rows).map(([t, r]) => [t, r.length]));
}

describe('export all --format zeek|zeek-json, then import zeek', () => {
  const forms = [
    { name: 'TSV', dir: join(dir, 'zeek'), export: 'zeek' },
    { name: 'JSON', dir: join(dir, 'zeek-json'), export: 'zeek-json' },
    { name: 'TSV gzipped, rotated names', dir: join(dir, 'zeek-gz'), export: null },
  ];
  for (const form of forms) {
    it(`${form.name}: every field Zeek carries comes back, uids kept; again: nothing written`, async () => {
      if (form.export !== null) expect((await cli('export', 'all', '--format', form.export, '-o', form.dir, '--db', db)).code).toBe(0);
      else {
        mkdirSync(form.dir);
        const tsv = forms[0]!.dir;
        for (const f of readdirSync(tsv)) writeFileSync(join(form.dir, f.replace(/\.log$/, '.2026-12-07-10-00-00.log.gz')), gzipSync(readFileSync(join(tsv, f))));
      }
      const store = join(dir, `${form.export ?? 'gz'}.duckdb`);
      await importInto('zeek', form.dir, store);
      const got = await storeRows(store, TABLES);
      for (const t of TABLES) {
        compare(t, ingested[t]!, got[t]!, ZEEK_NOT_CARRIED[t]!, ZEEK_WHEN[t]);
        expect(got[t]!.every((r) => r.origin === 'zeek'), t).toBe(true);
      }
      // Zeek's uid is ours: the joins of sessions to the records of their protocols survive
      const uids = new Set(got.sessions!.map((r) => r.uid));
      for (const t of ['tls', 'http', 'smtp', 'dns', 'ssh', 'files']) expect(got[t]!.filter((r) => !uids.has(r.uid)).map((r) => r.uid), t).toEqual([]);
      const before = await counts(store);
      const again = await cli('import', 'zeek', form.dir, '--db', store);
      expect(again.code).toBe(0);
      expect(again.err.match(/already in the store/g)?.length).toBe(readdirSync(form.dir).length);
      expect(await counts(store)).toEqual(before);
    }, 30_000);
  }
});

describe('export <table> --format eve, then import eve', () => {
  it('every field EVE carries comes back; a flow\'s events share one uid, so sessions still join their records; again: nothing written', async () => {
    const eve = join(dir, 'eve');
    mkdirSync(eve);
    const tables = Object.keys(EVE_EVENT_TYPES);
    expect(tables.sort()).toEqual(Object.keys(EVE_NOT_CARRIED).sort());
    for (const t of tables) expect((await cli('export', t, '--format', 'eve', '-o', join(eve, `${t}.json`), '--db', db)).code, t).toBe(0);
    const store = join(dir, 'eve.duckdb');
    await importInto('eve', eve, store);
    const got = await storeRows(store, tables);
    // EVE has no uid: the importer makes one of the flow_id. Our sessions found again by their endpoints and start
    // give the uid each of ours became; the records of every table must carry the same one.
    const flow = (r: Row): string => [r.src_ip, r.src_port, r.dst_ip, r.dst_port, r.proto, r.start_time].join('|');
    const back = new Map(got.sessions!.map((r) => [flow(r), r.uid]));
    expect(back.size).toBe(got.sessions!.length);
    const uidOf = new Map(ingested.sessions!.map((r) => [r.uid, back.get(flow(r))]));
    expect([...uidOf.values()].filter((u) => u === undefined).length).toBe(0);
    expect(new Set(uidOf.values()).size).toBe(uidOf.size);
    for (const t of tables) {
      const want = ingested[t]!.map((r) => ({ ...r, uid: r.uid === null ? null : uidOf.get(r.uid) ?? `not a session: ${String(r.uid)}` }));
      compare(t, want, got[t]!, EVE_NOT_CARRIED[t]!, {}, EVE_REMADE[t]);
      expect(got[t]!.every((r) => r.origin === 'suricata'), t).toBe(true);
    }
    const before = await counts(store);
    const again = await cli('import', 'eve', eve, '--db', store);
    expect(again.code).toBe(0);
    expect(again.err.match(/already in the store/g)?.length).toBe(tables.length);
    expect(await counts(store)).toEqual(before);
  }, 30_000);
});
