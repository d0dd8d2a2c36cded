// Alerts in the store: `ingest --rules` stores them beside their sessions; per-day counts for one signature
// (the classic `select date(timestamp), count(*) ... group by dt` report) and `trends` on a campaign that
// jumps from a handful a day to 2,000 overnight.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERTS, type AlertRecord } from '../src/schema/alerts.js';
import { openStore } from '../src/store/open.js';
import { cli, scratchDir } from './helpers/cli.js';
import { GEN } from './helpers/run.js';

const dir = scratchDir('alerts-store');
const DAY = 86_400_000_000;
const day0 = Date.UTC(2026, 10, 10) * 1000;

function alert(msg: string, sid: number, ts: number): AlertRecord {
  return {
    ts, uid: 'Cabc', community_id: '1:x', src_ip: '192.0.2.1', src_port: 1234, dst_ip: '10.0.0.1', dst_port: 80, proto: 'tcp', app_proto: 'http',
    gid: 1, sid, rev: 1, msg, classtype: 'web-application-attack', priority: 1, action: 'alert', payload_excerpt: 'PUT /', capture_id: null,
  };
}

describe('alerts in the store', () => {
  it('ingest --rules stores the alerts with their sessions', async () => {
    const rules = join(dir, 'put.rules');
    writeFileSync(rules, 'alert tcp $EXTERNAL_NET any -> $HTTP_SERVERS $HTTP_PORTS (msg:"HTTP PUT Defacement Attempt"; flow:to_server,established; content:"PUT "; depth:4; classtype:web-application-attack; sid:1000003; rev:1;)\n');
    const db = join(dir, 'a.duckdb');
    const r = await cli('ingest', join(GEN, 'http-put.pcap'), '--db', db, '--rules', rules);
    expect(r.code).toBe(0);
    const q = await cli('sql', 'SELECT a.sid, a.dst_port, s.dst_port = a.dst_port AS same FROM alerts a JOIN sessions s USING (uid) ORDER BY a.ts', '--db', db, '--format', 'csv');
    expect(q.out).toBe('sid,dst_port,same\n1000003,80,true\n1000003,8080,true\n1000003,8888,true\n1000003,8080,true\n');
  });

  it('ingest --home-net is the rules\' $HOME_NET unless --var or --vars-file sets it', async () => {
    const rules = join(dir, 'put.rules');
    // the client 127.0.0.1 is home now: not $EXTERNAL_NET (!$HOME_NET), so the PUT rule is silent
    const home = await cli('ingest', join(GEN, 'http-put.pcap'), '--db', join(dir, 'h1.duckdb'), '--rules', rules, '--home-net', '127.0.0.0/8');
    expect(home.code).toBe(0);
    expect((await cli('sql', 'SELECT count(*) AS n FROM alerts', '--db', join(dir, 'h1.duckdb'), '--format', 'csv')).out).toBe('n\n0\n');
    // a snort.conf that says where home is wins over --home-net; --var wins over both
    const conf = join(dir, 'snort.conf');
    writeFileSync(conf, 'ipvar HOME_NET 192.0.2.0/24\nipvar EXTERNAL_NET !$HOME_NET\nipvar HTTP_SERVERS 127.0.0.1\nportvar HTTP_PORTS [80,8080]\npreprocessor frag3_global\n');
    const byConf = await cli('ingest', join(GEN, 'http-put.pcap'), '--db', join(dir, 'h2.duckdb'), '--rules', rules, '--home-net', '127.0.0.0/8', '--vars-file', conf);
    expect(byConf.code).toBe(0);
    expect((await cli('sql', 'SELECT dst_port FROM alerts ORDER BY ts', '--db', join(dir, 'h2.duckdb'), '--format', 'csv')).out).toBe('dst_port\n80\n8080\n8080\n');
    const byVar = await cli('alerts', join(GEN, 'http-put.pcap'), '--rules', rules, '--vars-file', conf, '--var', 'HTTP_PORTS=8888', '--format', 'csv', '--fields', 'dst_port');
    expect(byVar.out).toBe('dst_port\n8888\n');
    const bad = join(dir, 'bad.conf');
    writeFileSync(bad, 'ipvar HOME_NET\n');
    const refused = await cli('rules', 'check', rules, '--vars-file', bad);
    expect(refused.code).toBe(1);
    expect(refused.err + refused.out).toMatch(/bad\.conf:1: a variable is/);
  });

  it('counts one signature per day (zero-filled) and finds the campaign with trends', async () => {
    const db = join(dir, 't.duckdb');
    const store = await openStore(db);
    await store.init();
    const w = await store.begin('synthetic0000000');
    const per = [5, 3, 0, 6, 4, 5, 2000];
    per.forEach((n, d) => {
      for (let i = 0; i < n; i++) w.append(ALERTS, alert('ET WEB_SERVER PUT Website Defacement Attempt', 2013365, day0 + d * DAY + i * 1000));
      for (let i = 0; i < 100; i++) w.append(ALERTS, alert('GPL steady noise', 7, day0 + d * DAY + i * 1000));
    });
    await w.commit({ capture_id: 'synthetic0000000', path: 'synthetic', sha256: 'f'.repeat(64), size: 0, format: null, linktypes: [], first_ts: null, last_ts: null, packets: 0, ingested_at: Date.now() * 1000, stats: null, mtime: null, header_blocks: null });
    await store.close();
    const c = await cli('counts', 'alerts', '--by', 'day', '--where', 'msg = "ET WEB_SERVER PUT Website Defacement Attempt"', '--db', db, '--format', 'csv');
    expect(c.out.trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]))).toEqual(per);
    const t = await cli('trends', 'alerts', '--window', '7d', '--db', db, '--format', 'csv');
    expect(t.code).toBe(0);
    const rows = t.out.trim().split('\n');
    expect(rows[0]).toBe('msg,latest_day,latest_count,baseline_per_day,ratio,earlier_total');
    // baseline (5+3+0+6+4+5)/6 = 3.83 a day; 2000 is 521.7 times that; the steady signature is not listed
    expect(rows.slice(1)).toEqual(['ET WEB_SERVER PUT Website Defacement Attempt,2026-11-16T00:00:00.000000Z,2000,3.833333,521.7,23']);
    const bySid = await cli('trends', 'alerts', '--by', 'sid', '--window', '7d', '--min-ratio', '0.5', '--db', db, '--format', 'csv');
    expect(bySid.out.trim().split('\n').slice(1).map((l) => l.split(',')[0])).toEqual(['2013365', '7']);
    expect((await cli('trends', 'alerts', '--window', '36h', '--db', db)).code).toBe(2);
  });
});
