// StreamsWriter: a stream with gaps is a file with holes of the gaps' size at their offsets, and each index line is
// what JSON.stringify prints for its StreamIndexEntry (the lines are written as text, as sessions end); a 4-tuple
// used again gets tcpflow's "c1" name; a stream bigger than the flush size is written in pieces.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Session } from '../flow/session.js';
import { ORIG, RESP } from '../reassembly/stream-analyzer.js';
import { STREAM_FLUSH_BYTES, StreamsWriter, type StreamIndexEntry } from './streams-writer.js';

const root = mkdtempSync(join(tmpdir(), 'haystack-streams-writer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function session(uid: string): Session {
  const s = new Session();
  s.uid = uid;
  s.a4 = 0x0a000001;
  s.aPort = 40000;
  s.b4 = 0xc0000201;
  s.bPort = 25;
  return s;
}

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

describe('StreamsWriter', () => {
  it('leaves gaps as holes and indexes them as JSON.stringify would', () => {
    const dir = join(root, 'gaps');
    const w = new StreamsWriter(dir);
    const s = session('CAAAAAAAAAAAAAAAA1');
    const a = w.forSession(s);
    a.deliver(ORIG, bytes(10, 0x41), 0);
    a.gap(ORIG, 5, 10);
    a.deliver(ORIG, bytes(3, 0x42), 15);
    a.gap(ORIG, 2, 18);
    a.deliver(ORIG, bytes(1, 0x43), 20);
    a.gap(RESP, 7, 0);
    a.end(ORIG);
    a.end(RESP);
    const again = w.forSession(session('CAAAAAAAAAAAAAAAA2'));
    again.deliver(RESP, bytes(STREAM_FLUSH_BYTES * 2 + 3, 0x44), 0);
    again.end(ORIG);
    again.end(RESP);
    w.close();

    const orig = '010.000.000.001.40000-192.000.002.001.00025';
    const resp = '192.000.002.001.00025-010.000.000.001.40000';
    expect(readdirSync(dir).sort()).toEqual([orig, `${resp}c1`, 'index.jsonl'].sort());
    const expected = Uint8Array.from([...bytes(10, 0x41), ...bytes(5, 0), ...bytes(3, 0x42), 0, 0, 0x43]);
    expect(new Uint8Array(readFileSync(join(dir, orig)))).toEqual(expected);
    // the second session's responder sends from the same endpoint, to the same one: its first name for that tuple
    // (the first session's responder only had a gap, and a gap names the direction too): "c1"
    const entries: StreamIndexEntry[] = [
      {
        uid: 'CAAAAAAAAAAAAAAAA1', file: orig, dir: 'orig', src_ip: '10.0.0.1', src_port: 40000, dst_ip: '192.0.2.1',
        dst_port: 25, bytes: 14, gaps: [{ offset: 10, len: 5 }, { offset: 18, len: 2 }],
      },
      {
        uid: 'CAAAAAAAAAAAAAAAA2', file: `${resp}c1`, dir: 'resp', src_ip: '192.0.2.1', src_port: 25, dst_ip: '10.0.0.1',
        dst_port: 40000, bytes: STREAM_FLUSH_BYTES * 2 + 3, gaps: [],
      },
    ];
    expect(readFileSync(join(dir, 'index.jsonl'), 'latin1')).toBe(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    expect(readFileSync(join(dir, `${resp}c1`)).equals(bytes(STREAM_FLUSH_BYTES * 2 + 3, 0x44))).toBe(true);
    expect(w.files).toBe(2);
  });

  it('writes an index line longer than its buffer (thousands of gaps) whole, in order with the others', () => {
    const dir = join(root, 'many-gaps');
    const w = new StreamsWriter(dir);
    const want: string[] = [];
    for (const [uid, gaps] of [['CAAAAAAAAAAAAAAAA3', 1], ['CAAAAAAAAAAAAAAAA4', 4000], ['CAAAAAAAAAAAAAAAA5', 2]] as const) {
      const s = session(uid);
      const a = w.forSession(s);
      const entry: StreamIndexEntry = {
        uid, file: '', dir: 'orig', src_ip: '10.0.0.1', src_port: 40000, dst_ip: '192.0.2.1', dst_port: 25, bytes: gaps, gaps: [],
      };
      for (let i = 0; i < gaps; i++) {
        a.deliver(ORIG, bytes(1, 0x45), 2 * i);
        a.gap(ORIG, 1, 2 * i + 1);
        entry.gaps.push({ offset: 2 * i + 1, len: 1 });
      }
      a.end(ORIG);
      a.end(RESP);
      entry.file = `010.000.000.001.40000-192.000.002.001.00025${want.length > 0 ? `c${want.length}` : ''}`;
      want.push(`${JSON.stringify(entry)}\n`);
    }
    w.close();
    expect(want[1]!.length).toBeGreaterThan(64 * 1024);
    expect(readFileSync(join(dir, 'index.jsonl'), 'latin1')).toBe(want.join(''));
  });
  it('indexes IPv6 streams, big offsets and port 0 as JSON.stringify would', () => {
    const dir = join(root, 'v6');
    const w = new StreamsWriter(dir);
    const s = new Session();
    s.uid = 'CAAAAAAAAAAAAAAAA6';
    s.v6 = true;
    s.a6 = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    s.b6 = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]);
    s.aPort = 0;
    s.bPort = 65535;
    const a = w.forSession(s);
    a.gap(RESP, 4294967296, 0);
    a.deliver(RESP, bytes(2, 0x46), 4294967296);
    a.gap(RESP, 9, 4294967298);
    a.deliver(RESP, bytes(1, 0x47), 4294967307);
    a.deliver(ORIG, bytes(123456, 0x48), 0);
    a.end(ORIG);
    a.end(RESP);
    w.close();
    const lines = readFileSync(join(dir, 'index.jsonl'), 'latin1');
    const orig = '2001:db8::1.00000-::ffff:192.0.2.1.65535';
    const entries: StreamIndexEntry[] = [
      { uid: s.uid, file: orig, dir: 'orig', src_ip: '2001:db8::1', src_port: 0, dst_ip: '::ffff:192.0.2.1', dst_port: 65535, bytes: 123456, gaps: [] },
      {
        uid: s.uid, file: '::ffff:192.0.2.1.65535-2001:db8::1.00000', dir: 'resp', src_ip: '::ffff:192.0.2.1', src_port: 65535,
        dst_ip: '2001:db8::1', dst_port: 0, bytes: 3, gaps: [{ offset: 0, len: 4294967296 }, { offset: 4294967298, len: 9 }],
      },
    ];
    expect(lines).toBe(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
  });
});
