// Capture reading: formats, byte orders, resolutions; damage reported with offsets; any chunking and any
// garbage handled without an exception.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GEN } from '../../test/helpers/run.js';
import { CaptureReader, type CaptureSummary } from './capture-reader.js';
import { writePcap, writePcapng, type WritePacket } from './pcap-writer.js';

interface Seen {
  ts: number;
  caplen: number;
  origLen: number;
  linktype: number;
  iface: number;
  head: string;
}

function read(bytes: Uint8Array, chunks: number[] = [bytes.length], file = 'test.pcap'): { packets: Seen[]; summary: CaptureSummary } {
  const packets: Seen[] = [];
  const r = new CaptureReader({
    packet: (p) => packets.push({
      ts: p.ts, caplen: p.caplen, origLen: p.origLen, linktype: p.linktype, iface: p.iface,
      head: Array.from(p.buf.subarray(p.off, p.off + Math.min(p.caplen, 24))).join(','),
    }),
  }, { file, keepBlockSequence: true });
  let pos = 0;
  for (const n of chunks) {
    r.push(bytes.subarray(pos, Math.min(bytes.length, pos + n)));
    pos += n;
  }
  if (pos < bytes.length) r.push(bytes.subarray(pos));
  return { packets, summary: r.end() };
}

const pkts: WritePacket[] = [
  { ts: 1_700_000_000_123_456, data: Uint8Array.from({ length: 60 }, (_, i) => i) },
  { ts: 1_700_000_001_000_001, data: Uint8Array.from({ length: 1514 }, (_, i) => i & 255), origLen: 1600 },
  { ts: 1_700_000_002_999_999, data: new Uint8Array(0) },
];

describe('pcap', () => {
  for (const le of [true, false]) {
    for (const nanos of [false, true]) {
      it(`${le ? 'little' : 'big'}-endian, ${nanos ? 'ns' : 'µs'} timestamps`, () => {
        const { packets, summary } = read(writePcap(pkts, { linktype: 1, littleEndian: le, nanos }));
        expect(summary.error).toBeNull();
        expect(summary.format).toBe(nanos ? 'pcap-ns' : 'pcap');
        expect(packets.map((p) => [p.ts, p.caplen, p.origLen, p.linktype])).toEqual(
          pkts.map((p) => [p.ts, p.data.length, p.origLen ?? p.data.length, 1]),
        );
      });
    }
  }

  it('reports a truncated last record with file and byte offset, keeping the packets before it', () => {
    const full = writePcap(pkts, { linktype: 1 });
    const cut = full.subarray(0, 24 + 16 + 60 + 16 + 100);
    const { packets, summary } = read(cut, [cut.length], 'cut.pcap');
    expect(packets.length).toBe(1);
    expect(summary.error?.code).toBe('HAYSTACK_CAPTURE_TRUNCATED');
    expect(summary.error?.message).toMatch(/^cut\.pcap: .*byte offset 100\)$/);
    expect(summary.error?.offset).toBe(24 + 16 + 60);
  });

  it('stops at an impossible record length and says where', () => {
    const bad = writePcap(pkts, { linktype: 1 });
    new DataView(bad.buffer).setUint32(24 + 16 + 60 + 8, 0x7fffffff, true);
    const { packets, summary } = read(bad);
    expect(packets.length).toBe(1);
    expect(summary.error?.code).toBe('HAYSTACK_CAPTURE_CORRUPT');
    expect(summary.error?.offset).toBe(100);
  });

  it('rejects a file that is not a capture', () => {
    const { summary } = read(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'));
    expect(summary.error?.code).toBe('HAYSTACK_CAPTURE_FORMAT');
  });

  it('calls an empty input an error, not a capture', () => {
    expect(read(new Uint8Array(0)).summary.error?.code).toBe('HAYSTACK_CAPTURE_FORMAT');
  });
});

describe('pcapng', () => {
  it('reads interfaces with their own link types, if_tsresol and if_tsoffset, either byte order', () => {
    for (const le of [true, false]) {
      const bytes = writePcapng(
        [{ ...pkts[0]!, iface: 0 }, { ...pkts[1]!, iface: 1 }, { ...pkts[2]!, iface: 2 }],
        [{ linktype: 1 }, { linktype: 113, tsresol: 9 }, { linktype: 101, tsresol: 3, tsoffset: 1_000 }],
        le,
      );
      const { packets, summary } = read(bytes);
      expect(summary.error).toBeNull();
      expect(packets.map((p) => [p.linktype, p.iface])).toEqual([[1, 0], [113, 1], [101, 2]]);
      expect(packets[0]!.ts).toBe(pkts[0]!.ts);
      expect(packets[1]!.ts).toBe(pkts[1]!.ts);
      // millisecond resolution keeps milliseconds; the offset is added back
      expect(packets[2]!.ts).toBe(Math.floor(pkts[2]!.ts / 1000) * 1000);
      expect(summary.interfaces.map((i) => i.tsresol)).toEqual([6, 9, 3]);
      expect(summary.blockSequence).toEqual(['SHB', 'IDB', 'IDB', 'IDB', 'EPB', 'EPB', 'EPB']);
    }
  });

  it('reads several sections back to back, each with its own interfaces', () => {
    const a = writePcapng([pkts[0]!], [{ linktype: 1 }], true);
    const b = writePcapng([pkts[1]!], [{ linktype: 113 }], false);
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    const { packets, summary } = read(both);
    expect(summary.sections).toBe(2);
    expect(packets.map((p) => p.linktype)).toEqual([1, 113]);
  });
});

describe('properties', () => {
  const files = ['tls-clients.pcapng', 'smtp-attachments.pcap'].map((f) => readFileSync(join(GEN, f)));

  it('any chunking gives the same packets', () => {
    const whole = files.map((f) => read(f).packets);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 400 }), (which, chunks) => {
        const { packets, summary } = read(files[which]!, chunks);
        expect(summary.error).toBeNull();
        expect(packets).toEqual(whole[which]);
      }),
      { numRuns: 60 },
    );
  });

  it('a cut at any byte never throws and keeps every whole packet before the cut', () => {
    const f = files[1]!;
    const whole = read(f).packets;
    // record boundaries of this classic pcap: a cut there leaves a shorter but valid file
    const bounds = new Set<number>();
    let end = 24;
    for (const p of whole) bounds.add((end += 16 + p.caplen));
    bounds.add(24);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: f.length - 1 }), (cut) => {
        const { packets, summary } = read(f.subarray(0, cut));
        expect(whole.slice(0, packets.length)).toEqual(packets);
        expect(summary.error === null).toBe(bounds.has(cut));
        if (summary.error !== null) expect(summary.error.message).toContain('byte offset');
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes after a valid header never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), (junk, ng) => {
        const head = ng ? writePcapng([], [{ linktype: 1 }]) : writePcap([], { linktype: 1 });
        const b = new Uint8Array(head.length + junk.length);
        b.set(head);
        b.set(junk, head.length);
        const { summary } = read(b);
        expect(summary.packets).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a pcap subsecond field out of range', () => {
  const at = (nanos: boolean, frac: number): { bytes: Uint8Array; offset: number } => {
    const bytes = writePcap(pkts, { linktype: 1, nanos });
    // the second record starts after the file header and the first record (its 16-byte header and 60 bytes)
    const offset = 24 + 16 + 60;
    new DataView(bytes.buffer).setUint32(offset + 4, frac, true);
    return { bytes, offset };
  };

  for (const [nanos, frac] of [[false, 4294967295], [false, 1_000_000], [true, 1_000_000_000], [true, 4294967295]] as const) {
    it(`${nanos ? 'ns' : 'µs'} field ${frac}: the packet kept in its second (last µs), pcap_bad_subsecond at its byte offset`, () => {
      const { bytes, offset } = at(nanos, frac);
      const anomalies: [string, string, number][] = [];
      const packets: number[] = [];
      const r = new CaptureReader({ packet: (p) => packets.push(p.ts), anomaly: (n, d, o) => anomalies.push([n, d, o]) }, { file: 'x.pcap' });
      r.push(bytes);
      expect(r.end().error).toBeNull();
      expect(packets).toEqual([1_700_000_000_123_456, 1_700_000_001_999_999, 1_700_000_002_999_999]);
      expect(anomalies).toEqual([['pcap_bad_subsecond', `${nanos ? 'nanosecond' : 'microsecond'} field ${frac} is not below ${nanos ? 1e9 : 1e6}; taken as ${nanos ? 999_999_999 : 999_999}`, offset]]);
    });
  }

  it('a field just below the second is time, not damage', () => {
    const { bytes } = at(false, 999_999);
    const anomalies: string[] = [];
    const r = new CaptureReader({ packet: () => undefined, anomaly: (n) => anomalies.push(n) }, { file: 'x.pcap' });
    r.push(bytes);
    r.end();
    expect(anomalies).toEqual([]);
  });
});
