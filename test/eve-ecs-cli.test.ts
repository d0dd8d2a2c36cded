// The CLI on committed captures: `haystack export <table> --format eve|ecs|ecs-bulk` (and --ecs-template) over a
// store, and a record verb's --format eve|ecs. The EVE lines read back with eveToRecords give the rows the same
// export writes as JSON lines, for the fields EVE carries; events of one session share a flow_id.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { eveToRecords } from '../src/formats/eve/eve-inverse.js';
import { flowId } from '../src/formats/eve/eve-values.js';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN } from './helpers/run.js';

const dir = scratchDir('eve-ecs');
const db = join(dir, 'h.duckdb');
const RULES = join(dir, 'put.rules');

type Row = Record<string, unknown>;

const lines = (text: string): Row[] => text.trimEnd().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row);
const micros = (iso: unknown): unknown => (typeof iso === 'string' ? Date.parse(iso.slice(0, 23) + 'Z') * 1000 + Number(iso.slice(23, 26)) : iso);

async function exported(table: string, format: string, ...more: string[]): Promise<{ text: string; err: string }> {
  const file = join(dir, `${table}.${format}`);
  const r = await cli('export', table, '--format', format, '-o', file, '--db', db, ...more);
  expect(r.code, r.err).toBe(0);
  return { text: readFileSync(file, 'utf8'), err: r.err };
}

/** Fields compared after the round trip (EVE carries them; timestamps as µs). */
const COMPARED: Readonly<Record<string, readonly string[]>> = {
  sessions: ['community_id', 'start_time', 'end_time', 'proto', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'src_pkts', 'dst_pkts', 'src_frame_bytes',
    'dst_frame_bytes', 'tcp_flags_src', 'tcp_flags_dst', 'app_proto'],
  smtp: ['ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'trans_depth', 'helo', 'mail_from', 'rcpt_to', 'subject', 'message_id'],
  http: ['ts', 'src_ip', 'dst_port', 'trans_depth', 'method', 'host', 'uri', 'user_agent', 'status_code', 'response_body_len'],
  files: ['ts', 'source', 'filename', 'size', 'md5', 'sha1', 'sha256'],
  alerts: ['ts', 'src_ip', 'dst_ip', 'gid', 'sid', 'rev', 'msg', 'classtype', 'priority', 'action'],
  tls: ['ts', 'sni', 'ja3', 'ja3_string', 'ja4', 'version', 'client_version', 'subject', 'not_after', 'cert_sha1', 'cert_serial'],
};

describe('export --format eve|ecs|ecs-bulk on a store of committed captures', () => {
  beforeAll(async () => {
    writeFileSync(RULES, 'alert http any any -> any any (msg:"HTTP PUT"; flow:to_server,established; http.method; content:"PUT"; classtype:web-application-attack; sid:1000001; rev:2;)\n');
    const r = await cli('ingest', join(GEN, 'smtp-attachments.pcap'), join(GEN, 'http-put.pcap'), join(GEN, 'tls-clients.pcapng'), '--db', db, '--rules', RULES, '--no-inspect');
    expect(r.code, r.err).toBe(0);
  }, 60_000);

  for (const table of Object.keys(COMPARED)) {
    it(`${table}: EVE lines read back give the exported rows`, async () => {
      const rows = lines((await exported(table, 'jsonl')).text);
      const { text, err } = await exported(table, 'eve');
      const events = lines(text);
      expect(rows.length).toBeGreaterThan(0);
      expect(events.length).toBe(rows.length);
      expect(err).toContain(`${rows.length} rows to`);
      events.forEach((ev, i) => {
        const row = rows[i]!;
        const [back] = eveToRecords(ev);
        expect(back!.table).toBe(table);
        for (const f of COMPARED[table]!) {
          const want = ['ts', 'start_time', 'end_time', 'not_after'].includes(f) ? micros(row[f]) : row[f];
          expect(back!.record[f], `${table} row ${i} ${f}`).toEqual(want);
        }
        if (typeof row.uid === 'string') expect(ev.flow_id).toBe(flowId(row.uid));
      });
    });
  }

  it('events of one session share its flow_id (smtp and fileinfo with their flow)', async () => {
    const flows = new Set(lines((await exported('sessions', 'eve')).text).map((e) => e.flow_id));
    for (const table of ['smtp', 'files', 'http', 'alerts']) {
      for (const ev of lines((await exported(table, 'eve')).text)) expect(flows.has(ev.flow_id), `${table} ${String(ev.flow_id)}`).toBe(true);
    }
  });

  it('ecs-bulk: a create action before each document, and --ecs-template writes the data stream\'s index template', async () => {
    const tpl = join(dir, 'sessions-template.json');
    const docs = lines((await exported('sessions', 'ecs')).text);
    const { text, err } = await exported('sessions', 'ecs-bulk', '--ecs-template', tpl);
    const bulk = lines(text);
    expect(bulk.length).toBe(2 * docs.length);
    bulk.forEach((l, i) => (i % 2 === 0 ? expect(l).toEqual({ create: {} }) : expect(l).toEqual(docs[(i - 1) / 2])));
    expect(err).toContain('data stream logs-haystack.sessions-default');
    const t = JSON.parse(readFileSync(tpl, 'utf8')) as { index_patterns: string[]; data_stream: object; template: { mappings: { properties: Record<string, { properties?: Record<string, { type: string }> }> } } };
    expect(t.index_patterns).toEqual(['logs-haystack.sessions-*']);
    expect(t.data_stream).toEqual({});
    expect(t.template.mappings.properties.source!.properties!.ip!.type).toBe('ip');
    // every document's data stream fields name the stream the template is for
    for (const d of docs) expect(d.data_stream).toEqual({ type: 'logs', dataset: 'haystack.sessions', namespace: 'default' });
    const os = join(dir, 'os.json');
    await exported('smtp', 'ecs', '--ecs-template', os, '--ecs-target', 'opensearch');
    const o = JSON.parse(readFileSync(os, 'utf8')) as { data_stream: object; template: { mappings: { properties: Record<string, { properties: Record<string, { type: string }> }> } } };
    expect(o.data_stream).toEqual({ timestamp_field: { name: '@timestamp' } });
    expect(o.template.mappings.properties.email!.properties.message_id!.type).toBe('keyword');
  });

  it('refuses --ecs-template without an ECS format and an unknown --ecs-target', async () => {
    expect((await cli('export', 'sessions', '--format', 'eve', '-o', join(dir, 'x'), '--ecs-template', join(dir, 't'), '--db', db)).code).toBe(2);
    expect((await cli('export', 'sessions', '--format', 'ecs', '-o', join(dir, 'x'), '--ecs-template', join(dir, 't'), '--ecs-target', 'splunk', '--db', db)).code).toBe(2);
    expect((await cli('export', 'logs', '--format', 'eve', '-o', join(dir, 'x'), '--db', db)).code).toBe(2);
  });

  it('a record verb writes EVE and ECS to stdout', async () => {
    const eve = await cli('smtp', join(GEN, 'smtp-attachments.pcap'), '--format', 'eve');
    expect(eve.code, eve.err).toBe(0);
    const events = lines(eve.out);
    expect(events.length).toBe(lines((await cli('smtp', join(GEN, 'smtp-attachments.pcap'), '--format', 'jsonl')).out).length);
    expect(events.every((e) => e.event_type === 'smtp' && typeof (e.smtp as Row).mail_from === 'string')).toBe(true);
    const ecs = await cli('tls', join(GEN, 'tls-clients.pcapng'), '--format', 'ecs');
    expect(ecs.code, ecs.err).toBe(0);
    expect(lines(ecs.out).every((d) => (d.event as Row).dataset === 'haystack.tls' && typeof (d.tls as Row).client === 'object')).toBe(true);
  });
});
