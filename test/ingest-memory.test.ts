// Ingest memory on a SYN scan (reliability D14): one-packet TCP sessions by the tens of thousands, all open at
// once until the end of the capture. Per-session state is made on first use only, the sessions still open at
// the end are ended in batches the writer can flush between, and the DuckDB spool writes rows out as they come.
import { spawn } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePcap, type WritePacket } from '../src/capture/pcap-writer.js';
import { END_BATCH, Engine } from '../src/pipeline/engine.js';
import { analysis } from '../src/pipeline/analyzers.js';
import { SESSIONS } from '../src/schema/sessions.js';
import type { SessionRecord } from '../src/schema/sessions.js';
import { SPOOL_WRITE_BYTES, jsonLine, openDuckDb } from '../src/store/duckdb-store.js';
import { cli, scratchDir } from './helpers/cli.js';
import { SYN, tcpFrame } from './helpers/frames.js';
import { ROOT } from './helpers/run.js';

const dir = scratchDir('ingest-memory');
const T0 = 1_700_000_000_000_000;

/**
 * A SYN scan: `n` SYNs 1 ms apart, each from its own address and port to one server, so every one is its own
 * session and all of them are still open (TCP's 5-minute timeout) when the capture ends.
 */
function synScan(n: number): string {
  const packets: WritePacket[] = [];
  for (let i = 0; i < n; i++) {
    const src = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    packets.push({ ts: T0 + i * 1000, data: tcpFrame({ src, dst: '10.255.0.1', sport: 1024 + (i % 60000), dport: 80, flags: SYN, seq: i }) });
  }
  const path = join(dir, `syn-${n}.pcap`);
  writeFileSync(path, writePcap(packets, { linktype: 1 }));
  return path;
}

describe('ingest of a SYN scan (D14)', () => {
  it('the sessions still open at the end go out in batches, with the consumer\'s afterChunk between them', async () => {
    const scan = synScan(3 * END_BATCH + 100);
    const sinceLast: number[] = [];
    let n = 0;
    const an = analysis({ tls: () => undefined, smtp: () => undefined, http: () => undefined }, () => engine);
    const engine: Engine = new Engine({
      ...an.handlers,
      session: (r: SessionRecord) => void (n++, expect(r.state).toBe('S0')),
      afterChunk: () => {
        sinceLast.push(n);
        n = 0;
      },
    }, an.options);
    const run = await engine.run([scan]);
    expect(run.sessions).toBe(3 * END_BATCH + 100);
    // one afterChunk for the input's one chunk (no session ended yet), then one per batch of ended sessions
    expect(sinceLast).toEqual([0, END_BATCH, END_BATCH, END_BATCH, 100]);
    expect(n).toBe(0);
  });

  it('the DuckDB spool writes rows to its file as they come, not at the next flush', async () => {
    const db = join(dir, 'spool.duckdb');
    const store = await openDuckDb(db);
    try {
      await store.init();
      const w = await store.begin('0123456789abcdef');
      const row = (i: number): SessionRecord => ({
        uid: `C${String(i).padStart(17, '0')}`, community_id: '1:x', start_time: T0 + i, end_time: T0 + i, duration: 0, proto: 'tcp',
        src_ip: '10.0.0.1', src_port: 1024 + (i % 60000), dst_ip: '10.255.0.1', dst_port: 80, src_pkts: 1, dst_pkts: 0, src_bytes: 0,
        dst_bytes: 0, src_ip_bytes: 40, dst_ip_bytes: 0, src_frame_bytes: 54, dst_frame_bytes: 0, state: 'S0', tcp_flags_src: 2,
        tcp_flags_dst: 0, app_proto: null, local_src: null, local_dst: null, direction: null, vlan: null, missed_bytes: 0,
        capture_id: null, sensor: null, pcap_start: null, pcap_end: null, tunnel_parents: null, encap: null, control_uid: null, proxy: null,
      });
      // ~10 MB of rows in one synchronous burst (a timeout sweep ending a full table does this)
      let total = 0;
      for (let i = 0; i < 20_000; i++) {
        w.append(SESSIONS, row(i));
        total += jsonLine(row(i)).length + 1;
      }
      const spool = `${db}.spool`;
      const onDisk = readdirSync(spool).reduce((a, f) => a + statSync(join(spool, f)).size, 0);
      // everything but what gathers before the next write (under SPOOL_WRITE_BYTES) is in the spool's files
      expect(total).toBeGreaterThan(8 * SPOOL_WRITE_BYTES);
      expect(onDisk).toBeGreaterThan(total - SPOOL_WRITE_BYTES);
      expect(onDisk).toBeLessThanOrEqual(total);
      await w.commit({
        capture_id: '0123456789abcdef', path: 'syn.pcap', sha256: '0123456789abcdef'.repeat(4), size: 1, format: 'pcap', linktypes: ['EN10MB'],
        first_ts: T0, last_ts: T0, packets: 20_000, ingested_at: T0, stats: '{}', mtime: null, header_blocks: null,
      });
      const r = await store.select('SELECT count(*) AS n, count(DISTINCT uid) AS u FROM sessions');
      expect(r.rows[0]).toEqual({ n: 20_000, u: 20_000 });
    } finally {
      await store.close();
    }
  });

  it('60,000 one-packet sessions ingest under a 96 MB heap, every one stored (needs npm run build)', async () => {
    // before: ~7 KB per open session (three analyzers made up front for each, then every row in memory at the
    // end), so V8 gave up past ~200 MB of heap; now a session costs what `sessions` needs (~0.6 KB)
    const n = 60_000;
    const scan = synScan(n);
    const db = join(dir, 'scan.duckdb');
    const child = spawn(process.execPath, ['--max-old-space-size=96', join(ROOT, 'bin/haystack.js'), 'ingest', scan, '--db', db], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(err).toMatch(/1 capture ingested .*: 60000 packets, 60000 sessions/);
    expect(code).toBe(0);
    const q = await cli('sql', "SELECT count(*) AS n, count(DISTINCT uid) AS u, count(*) FILTER (WHERE state = 'S0' AND src_pkts = 1) AS s0 FROM sessions", '--db', db, '--format', 'csv');
    expect(q.out.trim().split('\n')).toEqual(['n,u,s0', `${n},${n},${n}`]);
  }, 120_000);
});
