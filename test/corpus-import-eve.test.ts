// `haystack import eve` of EVE lines Suricata itself wrote (the crowdsec hub's suricata-logs-evelog sample): the rows
// expected are read from the lines in this test (event types, times, counters, rule ids), the Community ID of a flow
// without one computed here from the spec, and a second import writes nothing.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, scratchDir } from './helpers/cli.js';
import { corpusDir } from './helpers/run.js';
import { storeRows, type Row } from './helpers/store-rows.js';

const corpus = corpusDir();
type Obj = Record<string, unknown>;

/** µs of an EVE time (`2022-07-10T23:50:05.533101+0000`), read with Date. */
const us = (s: string): number => Date.parse(`${s.slice(0, 23)}${s.slice(26).replace(/^([+-]\d\d)(\d\d)$/, '$1:$2')}`) * 1000 + Number(s.slice(23, 26));

/** Community ID v1, seed 0, of an IPv4 TCP/UDP flow (corelight/community-id-spec), written here from the spec. */
function communityIdV4(proto: number, a: string, ap: number, b: string, bp: number): string {
  const ip = (s: string): number[] => s.split('.').map(Number);
  const key = (x: string, p: number): number[] => [...ip(x), p >> 8, p & 255];
  let [s, d] = [key(a, ap), key(b, bp)];
  // the endpoint with the smaller (address, port) first: the 6 bytes compared in order
  const i = s.findIndex((v, k) => v !== d[k]);
  if (i >= 0 && s[i]! > d[i]!) [s, d] = [d, s];
  const buf = Buffer.from([0, 0, ...s.slice(0, 4), ...d.slice(0, 4), proto, 0, ...s.slice(4), ...d.slice(4)]);
  return `1:${createHash('sha1').update(buf).digest('base64')}`;
}

describe.skipIf(corpus === null)('import eve: the crowdsec hub\'s Suricata EVE sample', () => {
  const file = join(corpus ?? '', 'logs/crowdsec-hub/suricata-logs-evelog/suricata-logs-evelog.log');
  const dir = scratchDir('corpus-import-eve');
  const db = join(dir, 'eve.duckdb');
  const events = corpus === null ? [] : readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Obj);
  const ofType = (t: string): Obj[] => events.filter((e) => e.event_type === t);
  let rows: Record<string, Row[]> = {};

  beforeAll(async () => {
    const r = await cli('import', 'eve', file, '--db', db);
    expect(r.code, r.err).toBe(0);
    rows = await storeRows(db, ['alerts', 'sessions', 'http', 'files', 'tls', 'dns', 'smtp', 'anomalies', 'captures']);
  }, 30_000);

  it('one alerts row per alert line, one sessions row per flow line, stats counted as not mapped, no bad line', () => {
    expect(events.length).toBeGreaterThan(0);
    expect(rows.alerts!.length).toBe(ofType('alert').length);
    expect(rows.sessions!.length).toBe(ofType('flow').length);
    for (const t of ['http', 'files', 'tls', 'dns', 'smtp', 'anomalies']) expect(rows[t]!.length, t).toBe(0);
    expect(rows.captures!.length).toBe(1);
    const stats = JSON.parse(rows.captures![0]!.stats as string) as { bad_lines: number; unmapped: Record<string, number>; records: Record<string, number> };
    expect(stats.bad_lines).toBe(0);
    const others = events.filter((e) => e.event_type !== 'alert' && e.event_type !== 'flow');
    expect(stats.unmapped).toEqual(Object.fromEntries([...new Set(others.map((e) => e.event_type as string))].map((t) => [t, others.filter((e) => e.event_type === t).length])));
    expect(rows.captures![0]!.packets).toBe(events.length);
  });

  it('alerts: rule, endpoints and time from the line; the rest of the event kept in extra', () => {
    const byKey = new Map(rows.alerts!.map((r) => [`${String(r.ts)}|${String(r.sid)}`, r]));
    for (const e of ofType('alert')) {
      const a = e.alert as Obj;
      const r = byKey.get(`${us(e.timestamp as string)}|${String(a.signature_id)}`);
      expect(r, String(a.signature_id)).toBeDefined();
      expect(r).toMatchObject({
        gid: a.gid, sid: a.signature_id, rev: a.rev, msg: a.signature, priority: a.severity, src_ip: e.src_ip, src_port: e.src_port,
        dst_ip: e.dest_ip, dst_port: e.dest_port, proto: String(e.proto).toLowerCase(), app_proto: e.app_proto, origin: 'suricata',
      });
      // the Community ID the line has, as it has it
      if (typeof e.community_id === 'string') expect(r!.community_id).toBe(e.community_id);
      const extra = JSON.parse(r!.extra as string) as Obj;
      expect(extra.in_iface).toBe(e.in_iface);
      expect((extra.alert as Obj).metadata).toEqual(a.metadata);
    }
  });

  it('flows: times and counters from the line (an end before the start kept in extra), the Community ID computed from the endpoints', () => {
    for (const e of ofType('flow')) {
      const f = e.flow as Obj;
      const r = rows.sessions!.find((s) => s.start_time === us(f.start as string));
      expect(r, f.start as string).toBeDefined();
      // one line of the sample (its dates edited) ends before it starts: kept as an instant, its end in extra
      const [start, end] = [us(f.start as string), us(f.end as string)];
      if (end < start) expect((JSON.parse(r!.extra as string) as { flow: Obj }).flow.end).toBe(f.end);
      expect(r!.duration).toBe(Math.max(0, end - start) / 1e6);
      expect(r).toMatchObject({
        end_time: Math.max(start, end), src_ip: e.src_ip, src_port: e.src_port, dst_ip: e.dest_ip, dst_port: e.dest_port,
        src_pkts: f.pkts_toserver, dst_pkts: f.pkts_toclient, src_frame_bytes: f.bytes_toserver, dst_frame_bytes: f.bytes_toclient, origin: 'suricata',
      });
      expect(e.proto).toBe('TCP');
      expect(r!.community_id).toBe(communityIdV4(6, e.src_ip as string, e.src_port as number, e.dest_ip as string, e.dest_port as number));
    }
  });

  it('events of one flow_id share a uid, other flow_ids have others', () => {
    const withFlow = [...ofType('alert'), ...ofType('flow')];
    const all = [...rows.alerts!.map((r) => r.uid), ...rows.sessions!.map((r) => r.uid)];
    expect(new Set(all).size).toBe(new Set(withFlow.map((e) => String(e.flow_id))).size);
  });

  it('importing the file again writes nothing', async () => {
    const r = await cli('import', 'eve', file, '--db', db);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/already in the store/);
    const again = await storeRows(db, ['alerts', 'sessions', 'captures']);
    expect([again.alerts!.length, again.sessions!.length, again.captures!.length]).toEqual([rows.alerts!.length, rows.sessions!.length, 1]);
  });
});
