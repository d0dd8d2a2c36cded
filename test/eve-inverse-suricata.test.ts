// eveToRecords on EVE lines Suricata itself wrote (the crowdsec hub's suricata-logs-evelog sample: alerts with http
// and files metadata, flows, stats): values taken from the lines, what has no field of ours kept in extra.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eveToRecords, uidOfFlowId } from '../src/formats/eve/eve-inverse.js';
import { corpusDir } from './helpers/run.js';

const corpus = corpusDir();

type Obj = Record<string, unknown>;

/** µs of an EVE time, read with Date (a different reader than ours). */
const us = (s: string): number => Date.parse(`${s.slice(0, 23)}${s.slice(26).replace(/^([+-]\d\d)(\d\d)$/, '$1:$2')}`) * 1000 + Number(s.slice(23, 26));

describe.skipIf(corpus === null)('eveToRecords on Suricata\'s own EVE lines', () => {
  const lines = readFileSync(join(corpus!, 'logs/crowdsec-hub/suricata-logs-evelog/suricata-logs-evelog.log'), 'utf8')
    .split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Obj);

  it('maps alerts, flows and no stats', () => {
    const tables = lines.map((ev) => eveToRecords(ev).map((r) => r.table).join());
    expect(tables).toEqual(lines.map((ev) => ({ alert: 'alerts', flow: 'sessions', stats: '' })[ev.event_type as string]));
  });

  for (const ev of lines.filter((e) => e.event_type === 'alert')) {
    it(`alert sid ${String((ev.alert as Obj).signature_id)}`, () => {
      const { record, extra } = eveToRecords(ev)[0] as { record: Obj; extra: Obj };
      const a = ev.alert as Obj;
      expect(record).toMatchObject({
        ts: us(ev.timestamp as string), uid: uidOfFlowId(ev.flow_id as number), src_ip: ev.src_ip, src_port: ev.src_port, dst_ip: ev.dest_ip,
        dst_port: ev.dest_port, proto: 'tcp', app_proto: ev.app_proto, gid: a.gid, sid: a.signature_id, rev: a.rev, msg: a.signature,
        priority: a.severity, action: 'alert',
      });
      // Suricata's category is the classtype's description: the rule's classtype, when the rule is there
      const classtype = /classtype:([^;]+);/.exec(String(a.rule ?? ''))?.[1];
      if (classtype !== undefined) expect(record.classtype).toBe(classtype);
      else expect(typeof record.classtype).toBe('string');
      // what has no field of ours is kept, as it was
      expect((extra.alert as Obj).metadata).toEqual(a.metadata);
      expect(extra.in_iface).toBe(ev.in_iface);
      for (const k of ['files', 'http', 'payload', 'packet', 'flow', 'metadata', 'stream', 'tx_id']) if (k in ev) expect(extra[k], k).toEqual(ev[k]);
      if (a.rule !== undefined) expect((extra.alert as Obj).rule).toBe(a.rule);
    });
  }

  it('flows: counters, times and flags read; reason, state and alerted kept in extra', () => {
    for (const ev of lines.filter((e) => e.event_type === 'flow')) {
      const { record, extra } = eveToRecords(ev)[0] as { record: Obj; extra: Obj };
      const f = ev.flow as Obj;
      const t = ev.tcp as Obj;
      expect(record).toMatchObject({
        src_ip: ev.src_ip, dst_port: ev.dest_port, proto: 'tcp', src_pkts: f.pkts_toserver, dst_pkts: f.pkts_toclient,
        // a line whose end is before its start (the sample's dates edited) is an instant, its end kept in extra
        src_frame_bytes: f.bytes_toserver, dst_frame_bytes: f.bytes_toclient, start_time: us(f.start as string), end_time: Math.max(us(f.start as string), us(f.end as string)),
        tcp_flags_src: Number.parseInt(t.tcp_flags_ts as string, 16), tcp_flags_dst: Number.parseInt(t.tcp_flags_tc as string, 16),
      });
      const reversed = us(f.end as string) < us(f.start as string) ? { end: f.end } : {};
      expect(extra).toEqual({ in_iface: ev.in_iface, flow: { ...reversed, age: f.age, state: f.state, reason: f.reason, alerted: f.alerted }, tcp: { state: t.state } });
    }
  });

  it('takes a flow_id as its digits: ids past 2^53 stay apart', () => {
    expect(uidOfFlowId('9223372036854775807')).not.toBe(uidOfFlowId('9223372036854775806'));
    expect(uidOfFlowId('1258832998001901')).toBe(uidOfFlowId(1258832998001901));
    const [row] = eveToRecords({ ...lines[0], flow_id: '9223372036854775807' });
    expect(row!.record.uid).toBe(uidOfFlowId('9223372036854775807'));
  });
});
