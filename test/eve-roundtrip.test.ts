// record -> EVE -> eveToRecords gives the record back for the fields EVE carries (fast-check over whole random
// records of each table); what EVE cannot hold is named per table; keys of an event with no field of ours come back
// in `extra`; and the random events validate against Suricata's schema when the corpus is there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HaystackError } from '../src/core/errors.js';
import { EVE_EVENT_TYPES, eveBuilder } from '../src/formats/eve/eve-events.js';
import { eveToRecords, uidOfFlowId } from '../src/formats/eve/eve-inverse.js';
import { flowLine } from '../src/formats/eve/eve-flow-line.js';
import { tlsLine } from '../src/formats/eve/eve-tls-line.js';
import type { TlsRecord } from '../src/schema/tls.js';
import { eveTime, flowId, parseEveTime } from '../src/formats/eve/eve-values.js';
import type { SessionRecord } from '../src/schema/sessions.js';
import { schemaOf } from '../src/schema/registry.js';
import { tableArb } from './helpers/arb-records.js';
import { corpusDir } from './helpers/run.js';

/** The fields an EVE event of each table carries (the others come back null). */
const CARRIED: Readonly<Record<string, readonly string[]>> = {
  sessions: ['community_id', 'start_time', 'end_time', 'duration', 'proto', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'src_pkts', 'dst_pkts',
    'src_frame_bytes', 'dst_frame_bytes', 'tcp_flags_src', 'tcp_flags_dst', 'app_proto', 'vlan'],
  alerts: ['ts', 'community_id', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'proto', 'app_proto', 'gid', 'sid', 'rev', 'msg', 'classtype',
    'priority', 'action', 'payload_excerpt'],
  tls: ['ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'transport', 'client_version', 'version', 'sni', 'alpn', 'cipher_suites', 'extensions',
    'signature_algorithms', 'cipher', 'server_alpn', 'ja3', 'ja3_string', 'ja3s', 'ja4', 'subject', 'issuer', 'san', 'not_before', 'not_after',
    'cert_sha1', 'cert_serial'],
  http: ['ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'trans_depth', 'method', 'host', 'uri', 'version', 'user_agent', 'referer',
    'request_headers', 'status_code', 'response_body_len'],
  smtp: ['ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'trans_depth', 'helo', 'mail_from', 'rcpt_to', 'from', 'to', 'cc', 'subject', 'date',
    'message_id', 'received', 'user_agent'],
  files: ['ts', 'source', 'filename', 'size', 'md5', 'sha1', 'sha256'],
  dns: ['ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'transport', 'trans_id', 'outcome', 'query', 'qtype', 'qtype_name', 'opcode', 'rcode',
    'rcode_name', 'aa', 'tc', 'rd', 'ra', 'z', 'ad', 'cd', 'answers', 'ttls'],
  anomalies: ['ts', 'name'],
};

/** What Suricata's `quic` event holds of a handshake. */
const QUIC_CARRIED = ['ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'transport', 'sni', 'ja3', 'ja3_string', 'ja3s', 'ja4'];

/** Keys our own events leave in `extra`: Suricata's that our records derive but do not keep. */
const EXTRA: Readonly<Record<string, readonly string[]>> = {
  sessions: ['flow.age', 'flow.state'],
  alerts: [],
  tls: [],
  http: [],
  smtp: [],
  files: ['fileinfo.state', 'fileinfo.stored'],
  dns: [],
  anomalies: ['anomaly.type', 'anomaly.app_proto', 'anomaly.layer'],
};

/** An empty list is written as no key at all (the schema's minItems 1) and read back as null. */
const LIST_OR_NULL = (v: unknown): unknown => (Array.isArray(v) && v.length === 0 ? null : v);

function leaves(o: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? leaves(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

const corpus = corpusDir();
const validate = corpus === null ? null : (() => {
  const ajv = new Ajv({ strict: true, strictTypes: false, allowUnionTypes: true });
  ajv.addKeyword('suricata');
  ajv.addKeyword('desription');
  return ajv.compile(JSON.parse(readFileSync(join(corpus, 'formats/suricata-eve/schema.json'), 'utf8')) as object);
})();

describe('record -> EVE -> eveToRecords', () => {
  for (const table of Object.keys(EVE_EVENT_TYPES)) {
    it(`${table}: the carried fields come back, the rest is null or in extra`, () => {
      const schema = schemaOf(table)!;
      const build = eveBuilder(table)!;
      fc.assert(fc.property(tableArb(schema), (r) => {
        const ev = JSON.parse(JSON.stringify(build(r))) as Record<string, unknown>;
        if (validate !== null) expect(validate(ev), JSON.stringify(validate.errors)).toBe(true);
        const rows = eveToRecords(ev);
        expect(rows.length).toBe(1);
        const { table: t, record, extra } = rows[0]!;
        expect(t).toBe(table);
        // a full row of the schema, in its order
        expect(Object.keys(record)).toEqual(schema.fields.map((f) => f.name));
        const carried = table === 'tls' && r.transport === 'quic' ? QUIC_CARRIED : CARRIED[table]!;
        for (const f of carried) expect(LIST_OR_NULL(record[f]), f).toEqual(LIST_OR_NULL(r[f]));
        // a file's gaps say whether bytes are missing, not how many
        if (table === 'files') expect(record.missing_bytes).toBe(r.missing_bytes === 0 ? 0 : null);
        // every event of a session gets the same imported uid
        if (r.uid !== null) expect(record.uid).toBe(uidOfFlowId(flowId(r.uid as string)));
        const left = extra === null ? [] : leaves(extra);
        expect(left.filter((k) => !EXTRA[table]!.includes(k))).toEqual([]);
      }), { numRuns: 300 });
    });
  }

  it('the flow and tls writers\' text is the event\'s JSON', () => {
    fc.assert(fc.property(tableArb(schemaOf('sessions')!), (r) => {
      expect(flowLine(r as SessionRecord)).toBe(JSON.stringify(eveBuilder('sessions')!(r)));
    }), { numRuns: 500 });
    fc.assert(fc.property(tableArb(schemaOf('tls')!), (r) => {
      expect(tlsLine(r as TlsRecord)).toBe(JSON.stringify(eveBuilder('tls')!(r)));
    }), { numRuns: 500 });
  });

  it('writes times as Suricata does, the same as Date\'s, and reads them back', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 9e15 }), fc.integer({ min: 0, max: 9e15 }), (a, b) => {
      for (const us of [a, b, a]) {
        const sec = Math.floor(us / 1e6);
        expect(eveTime(us)).toBe(`${new Date(sec * 1000).toISOString().slice(0, 19)}.${String(us - sec * 1e6).padStart(6, '0')}+0000`);
        expect(parseEveTime(eveTime(us))).toBe(us);
      }
    }), { numRuns: 1000 });
    expect(parseEveTime('2009-10-16T18:44:16.083524+0200')).toBe(Date.UTC(2009, 9, 16, 16, 44, 16) * 1000 + 83524);
  });

  it('keeps what it has no field for in extra, nested as in the event', () => {
    const ev = {
      timestamp: '2009-10-16T16:44:16.083524+0000', flow_id: 1234, pcap_cnt: 9, event_type: 'flow', src_ip: '2607:f8b0:400a:0800:0000:0000:0000:200e',
      src_port: 1, dest_ip: '10.0.0.1', dest_port: 80, proto: 'TCP', app_proto: 'failed', vlan: [1, 10],
      flow: { pkts_toserver: 3, pkts_toclient: 2, bytes_toserver: 180, bytes_toclient: 120, start: '2009-10-16T16:44:16.083524+0000',
        end: '2009-10-16T16:44:17.000000+0000', age: 1, reason: 'shutdown', alerted: true, state: 'closed' },
      tcp: { tcp_flags: '1b', tcp_flags_ts: '1b', tcp_flags_tc: '1b', syn: true, fin: true, psh: true, ack: true, state: 'closed' },
    };
    const [row] = eveToRecords(ev);
    expect(row!.record).toMatchObject({
      src_ip: '2607:f8b0:400a:800::200e', dst_port: 80, proto: 'tcp', app_proto: null, vlan: 1, src_pkts: 3, dst_frame_bytes: 120,
      start_time: Date.UTC(2009, 9, 16, 16, 44, 16) * 1000 + 83524, duration: 0.916476, tcp_flags_src: 0x1b, uid: uidOfFlowId(1234),
    });
    expect(row!.extra).toEqual({ pcap_cnt: 9, app_proto: 'failed', vlan: [1, 10], flow: { age: 1, reason: 'shutdown', alerted: true, state: 'closed' }, tcp: { state: 'closed' } });
  });

  it('refuses what is not an EVE event, and maps event types we have no table for to nothing', () => {
    for (const bad of [null, 3, [], {}, { event_type: 'flow' }, { event_type: 'flow', timestamp: 'yesterday' }, { event_type: 7, timestamp: '2009-10-16T16:44:16.083524+0000' }]) {
      expect(() => eveToRecords(bad), JSON.stringify(bad)).toThrow(HaystackError);
    }
    expect(eveToRecords({ event_type: 'stats', timestamp: '2009-10-16T16:44:16.083524+0000', stats: {} })).toEqual([]);
  });
});
