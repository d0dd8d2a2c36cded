// The sensor's option parsing and dumpcap's statistics, without a network: durations, sizes, the errors for
// bad values and a missing dumpcap, the drop line dumpcap prints, interface statistics blocks by construction.
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { durationMs, limitOption, sizeBytes } from '../src/pipeline/sensor-options.js';
import { fileLine, findDumpcap, isbDrops, parseDropLine } from '../src/pipeline/sensor-dumpcap.js';
import { lockRing, ringFiles, ringOptions, sensorName } from '../src/pipeline/sensor.js';
import { isHaystackError } from '../src/core/errors.js';
import { cli, scratchDir } from './helpers/cli.js';

const dir = scratchDir('sensor-options');
const LIMITS = { minMs: 1000, maxMs: 86_400_000 * 10, minBytes: 1000, maxBytes: 1e12 };

describe('sensor options', () => {
  it('reads durations and sizes in their units', () => {
    expect(durationMs('rotate', '2s', 1000, 1e9)).toBe(2000);
    expect(durationMs('rotate', '5m', 1000, 1e9)).toBe(300_000);
    expect(durationMs('keep', '7d', 1000, 1e9)).toBe(7 * 86_400_000);
    expect(durationMs('commit-every', '500ms', 100, 1e9)).toBe(500);
    expect(sizeBytes('rotate', '256MB', 1, 1e12)).toBe(256_000_000);
    expect(sizeBytes('rotate', '64KiB', 1, 1e12)).toBe(65_536);
    expect(limitOption('keep', '50GB', LIMITS)).toEqual({ kind: 'size', bytes: 50e9 });
    expect(limitOption('keep', '7d', LIMITS)).toEqual({ kind: 'age', ms: 7 * 86_400_000 });
    expect(ringOptions({ kind: 'age', ms: 60_000 })).toEqual(['duration:60']);
    expect(ringOptions({ kind: 'size', bytes: 256_000_000 })).toEqual(['filesize:256000']);
  });

  it('refuses bad values, naming the option', () => {
    expect(() => durationMs('rotate', '2', 1000, 1e9)).toThrow(/--rotate "2": expected a duration/);
    expect(() => durationMs('rotate', '0s', 1000, 1e9)).toThrow(/--rotate "0s": expected a duration from 1000 ms/);
    expect(() => durationMs('rotate', '-1s', 1000, 1e9)).toThrow(/--rotate/);
    expect(() => sizeBytes('rotate', '12 parsecs', 1, 1e12)).toThrow(/--rotate "12 parsecs": expected a size/);
    expect(() => limitOption('keep', 'forever', LIMITS)).toThrow(/--keep "forever": expected a duration .* or a size/);
    expect(() => limitOption('keep', '1e3GB', LIMITS)).toThrow(/--keep/);
    expect(() => sensorName('../etc')).toThrow(/a sensor name is/);
    expect(sensorName('edge-1.dc')).toBe('edge-1.dc');
  });

  it('says which Debian package has dumpcap when it is missing', () => {
    expect(() => findDumpcap('/nonexistent/dumpcap')).toThrow(/apt-get install wireshark-common/);
  });

  it('reads dumpcap\'s closing statistics line', () => {
    const line = "Packets received/dropped on interface 'eth0': 1774/12 (pcap:10/dumpcap:2/flushed:0/ps_ifdrop:0) (99.3%)";
    expect(parseDropLine(line)).toEqual({ received: 1774, dropped: 12, detail: { pcap: 10, dumpcap: 2, flushed: 0, ps_ifdrop: 0 } });
    expect(parseDropLine('Packets captured: 1774')).toBeNull();
  });

  it('finds the ring file dumpcap opened, also on a line it shares with the packet count', async () => {
    // dumpcap 4.0's stderr as read with od -c: "File: P1\n" before any packet, then "\rPackets: 57 File: P2\n"
    const { createInterface } = await import('node:readline');
    const { Readable } = await import('node:stream');
    const raw = "Capturing on 'Loopback: lo'\nFile: /tmp/d/x_00001_1.pcapng\n\rPackets: 57 File: /tmp/d/x_00002_2.pcapng\n\rPackets: 96 File: /tmp/d/a b_00003_3.pcapng\n\rPackets: 138 ";
    const lines: string[] = [];
    for await (const l of createInterface({ input: Readable.from([raw]) })) lines.push(l);
    expect(lines.map(fileLine).filter((f) => f !== null)).toEqual(['/tmp/d/x_00001_1.pcapng', '/tmp/d/x_00002_2.pcapng', '/tmp/d/a b_00003_3.pcapng']);
  });

  it('sums isb_ifdrop and isb_osdrop of the interface statistics blocks at the end of a pcapng file', async () => {
    // SHB, IDB, then two ISBs (pcapng spec: type 5; options 5 isb_ifdrop and 7 isb_osdrop, 64-bit each)
    const block = (type: number, body: Buffer): Buffer => {
      const len = 12 + body.length;
      const b = Buffer.alloc(len);
      b.writeUInt32LE(type, 0);
      b.writeUInt32LE(len, 4);
      body.copy(b, 8);
      b.writeUInt32LE(len, len - 4);
      return b;
    };
    const shb = block(0x0a0d0d0a, Buffer.from([0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    const idb = block(1, Buffer.from([1, 0, 0, 0, 0, 0, 4, 0]));
    const isb = (ifdrop: number, osdrop: number): Buffer => {
      const body = Buffer.alloc(12 + 12 + 12 + 4);
      // interface id, timestamp high/low
      const opt = (at: number, code: number, v: number): void => {
        body.writeUInt16LE(code, at);
        body.writeUInt16LE(8, at + 2);
        body.writeBigUInt64LE(BigInt(v), at + 4);
      };
      opt(12, 5, ifdrop);
      opt(24, 7, osdrop);
      return block(5, body);
    };
    const path = join(dir, 'isb.pcapng');
    writeFileSync(path, Buffer.concat([shb, idb, isb(3, 4), isb(10, 20)]));
    expect(await isbDrops(path)).toEqual({ ifdrop: 13, osdrop: 24 });
    const none = join(dir, 'none.pcapng');
    writeFileSync(none, Buffer.concat([shb, idb]));
    expect(await isbDrops(none)).toBeNull();
  });

  it('the commands refuse bad options with exit 2 and a clear message', async () => {
    const r1 = await cli('sensor', '-i', 'lo', '--rotate', '1.5s', '--db', join(dir, 'x.duckdb'));
    expect(r1.code).toBe(2);
    expect(r1.err).toMatch(/whole seconds/);
    const r2 = await cli('sensor', '-i', 'lo', '--rotate', 'soon', '--db', join(dir, 'x.duckdb'));
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/--rotate "soon"/);
    const r3 = await cli('sensor', '--db', join(dir, 'x.duckdb'));
    expect(r3.code).toBe(2);
    expect(r3.err).toMatch(/no interface given/);
    const r4 = await cli('sensor', '-i', 'no-such-if0', '--db', join(dir, 'x.duckdb'));
    expect(r4.code).toBe(2);
    expect(r4.err).toMatch(/no such network interface/);
    const r5 = await cli('ingest', join(dir, 'x.pcap'), '--commit-every', '1s', '--db', join(dir, 'x.duckdb'));
    expect(r5.code).toBe(2);
    expect(r5.err).toMatch(/--commit-every is for a stream on stdin/);
    const r6 = await cli('ingest', '-', '--commit-every', '1 fortnight', '--db', join(dir, 'x.duckdb'));
    expect(r6.code).toBe(2);
    expect(r6.err).toMatch(/--commit-every "1 fortnight"/);
  });
});

describe('the ring directory', () => {
  it('one sensor per name and directory: a live owner refuses the second, a dead one\'s lock is taken over', async () => {
    const ring = join(dir, 'lock');
    mkdirSync(ring, { recursive: true });
    const lock = await lockRing(ring, 'edge');
    expect(existsSync(lock)).toBe(true);
    // pid 1 is alive: another sensor of this name owns the ring
    writeFileSync(lock, '1\n');
    const second = await lockRing(ring, 'edge').then(() => 'taken', (e: unknown) => (isHaystackError(e, 'HAYSTACK_BAD_ARGUMENT') ? e.message : String(e)));
    expect(second).toMatch(/^sensor edge already runs on .*lock \(pid 1, /);
    // another name is another lock
    expect(existsSync(await lockRing(ring, 'core'))).toBe(true);
    // a pid no process has (a sensor killed with -9): taken over
    writeFileSync(lock, '2147483646\n');
    expect(await lockRing(ring, 'edge')).toBe(lock);
  });

  it('lists regular ring files only: a link planted in the ring is neither read nor removed', async () => {
    const ring = join(dir, 'links');
    mkdirSync(ring, { recursive: true });
    const name = 'edge_20261207T100000000Z_00001_20261207100000.pcapng';
    writeFileSync(join(ring, name), '');
    symlinkSync('/etc/passwd', join(ring, 'edge_20261207T100000000Z_00002_20261207100002.pcapng'));
    expect((await ringFiles(ring, 'edge')).map((f) => f.path)).toEqual([join(ring, name)]);
  });
});
