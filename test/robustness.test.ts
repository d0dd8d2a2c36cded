// Hostile and damaged inputs end in named errors or anomalies, never hangs, crashes or invented traffic.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writePcap, writePcapng } from '../src/capture/pcap-writer.js';
import { analyze } from '../src/pipeline/api.js';
import { ethernet, ipv4Packet, udpDatagram } from './helpers/frames.js';
import { cli, scratchDir } from './helpers/cli.js';
import { collect, GEN, ROOT } from './helpers/run.js';

const tmp = scratchDir('robust');


const HTTP = join(GEN, 'http-put.pcap');

describe('damaged compressed input', () => {
  it('a corrupt gzip stream ends with exit 3 and the packets before the damage', async () => {
    const gz = gzipSync(readFileSync(HTTP));
    for (let i = 200; i < 260; i++) gz[i]! ^= 0x5a;
    const f = join(tmp, 'corrupt.pcap.gz');
    writeFileSync(f, gz);
    const r = await cli('sessions', f);
    expect(r.code).toBe(3);
    expect(r.err).toContain('gzip stream is damaged or cut short');
  });

  it('a gzip stream missing its trailer is reported, though every packet decompressed', async () => {
    const gz = gzipSync(readFileSync(HTTP));
    const f = join(tmp, 'notrailer.pcap.gz');
    writeFileSync(f, gz.subarray(0, gz.length - 8));
    const r = await cli('info', f, '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.out)).toMatchObject({ packets: 297 });
  });

  it('a cut zstd stream names the zstd error, not "empty input"', async () => {
    const zst = readFileSync(join(ROOT, 'test/fixtures/smtp-attachments.pcap.zst'));
    const f = join(tmp, 'cut.pcap.zst');
    writeFileSync(f, zst.subarray(0, 40));
    const r = await cli('sessions', f);
    expect(r.code).toBe(3);
    expect(r.err).toContain('zstd stream is damaged or cut short');
  });

  it('stdin delivering the magic in pieces is still recognised (needs npm run build)', () => {
    const gz = gzipSync(readFileSync(HTTP));
    const sh = `(head -c 1 "$F"; sleep 0.2; tail -c +2 "$F") | "${process.execPath}" "${join(ROOT, 'bin/haystack.js')}" info - --json`;
    const f = join(tmp, 'piece.pcap.gz');
    writeFileSync(f, gz);
    const r = spawnSync('bash', ['-c', sh], { env: { ...process.env, F: f }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ compression: 'gzip', packets: 297 });
  });
});

describe('inputs that are not all readable', () => {
  it('an unreadable input does not lose the others: their sessions print, exit 1', async () => {
    const r = await cli('sessions', HTTP, join(tmp, 'missing.pcap'));
    expect(r.code).toBe(1);
    expect(r.out.trim().split('\n').length).toBe(20);
    expect(r.err).toContain('missing.pcap: cannot open (ENOENT)');
  });
});

describe('odd packets', () => {
  const ts = 1_700_000_000_000_000;

  it('a timestamp beyond any date is an anomaly, not a crash', async () => {
    const f = join(tmp, 'bigts.pcapng');
    const frame = ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 17, udpDatagram(1, 2, 'x')));
    const bytes = writePcapng([{ ts, data: frame }, { ts, data: frame }], [{ linktype: 1 }]);
    // second EPB: timestamp high word 0xffffffff
    const epb2 = bytes.length - (32 + ((frame.length + 3) & ~3));
    new DataView(bytes.buffer).setUint32(epb2 + 12, 0xffffffff, true);
    writeFileSync(f, bytes);
    const r = await cli('sessions', f, '--format', 'jsonl');
    expect(r.code).toBe(0);
    expect(r.err).toContain('pcapng_bad_timestamp');
  });

  it('TSO frames with IPv4 total length 0 still count, at their captured length', async () => {
    const f = join(tmp, 'tso.pcap');
    const ip = ipv4Packet('10.0.0.1', '10.0.0.2', 17, udpDatagram(1000, 53, 'y'.repeat(100)));
    new DataView(ip.buffer).setUint16(2, 0);
    writeFileSync(f, writePcap([{ ts, data: ethernet(ip) }], { linktype: 1 }));
    const { sessions, anomalies } = await collect([f]);
    expect(sessions).toMatchObject([{ src_ip_bytes: 128, src_bytes: 100 }]);
    expect(anomalies.map((a) => a.name)).toEqual(['ipv4_total_length_zero']);
  });

  it('a fragmented GRE datagram counts once, as the whole datagram', async () => {
    const f = join(tmp, 'gre.pcap');
    const body = new Uint8Array(64).fill(7);
    const a = ipv4Packet('10.0.0.1', '10.0.0.2', 47, body.subarray(0, 32), { id: 9, more: true });
    const b = ipv4Packet('10.0.0.1', '10.0.0.2', 47, body.subarray(32), { id: 9, fragOff: 32 });
    writeFileSync(f, writePcap([{ ts, data: ethernet(a) }, { ts: ts + 1, data: ethernet(b) }], { linktype: 1 }));
    const { sessions } = await collect([f]);
    expect(sessions).toMatchObject([{ proto: 'gre', src_pkts: 1, src_ip_bytes: 84 }]);
  });

  it('SCTP associations are told apart by their ports', async () => {
    const f = join(tmp, 'sctp.pcap');
    const sctp = (sp: number, dp: number): Uint8Array => {
      const h = new Uint8Array(16);
      new DataView(h.buffer).setUint16(0, sp);
      new DataView(h.buffer).setUint16(2, dp);
      return h;
    };
    writeFileSync(f, writePcap([
      { ts, data: ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 132, sctp(5000, 2905))) },
      { ts: ts + 1, data: ethernet(ipv4Packet('10.0.0.1', '10.0.0.2', 132, sctp(5001, 2905))) },
    ], { linktype: 1 }));
    const { sessions } = await collect([f]);
    expect(sessions.map((s) => [s.proto, s.src_port, s.dst_port])).toEqual([['sctp', 5000, 2905], ['sctp', 5001, 2905]]);
  });

  it('an IPv6 packet whose extension headers are broken makes no session', async () => {
    const f = join(tmp, 'v6bad.pcap');
    const ip = new Uint8Array(40 + 4);
    ip[0] = 0x60;
    new DataView(ip.buffer).setUint16(4, 4);
    ip[6] = 0; // hop-by-hop, but only 4 bytes follow
    ip[23] = 1;
    ip[39] = 2;
    writeFileSync(f, writePcap([{ ts, data: ethernet(ip, 0x86dd) }], { linktype: 1 }));
    const { sessions, anomalies } = await collect([f]);
    expect(sessions).toEqual([]);
    expect(anomalies.map((a) => a.name)).toEqual(['ipv6_truncated_ext_header']);
  });
});

describe('library consumers', () => {
  it('breaking out of analyze() early ends the run', async () => {
    let n = 0;
    for await (const r of analyze([HTTP, join(GEN, 'mixed-home.pcap')])) {
      if (r.type === 'session' && ++n === 2) break;
    }
    expect(n).toBe(2);
  });
});
