// streamFileName spells tcpflow's names (octets and ports zero-padded, sender first, "cN" for reuse) as one flat
// string, and StreamNameReuse counts directed 4-tuples exactly as a Map keyed by those names does, through the
// table's growth, with IPv4 and IPv6 sessions mixed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Session } from '../flow/session.js';
import { ORIG, RESP, type Dir } from '../reassembly/stream-analyzer.js';
import { StreamNameReuse, streamFileName } from './stream-file-name.js';

function v4(a: number, aPort: number, b: number, bPort: number): Session {
  const s = new Session();
  s.a4 = a >>> 0;
  s.b4 = b >>> 0;
  s.aPort = aPort;
  s.bPort = bPort;
  return s;
}

function v6(a: Uint8Array, aPort: number, b: Uint8Array, bPort: number): Session {
  const s = new Session();
  s.v6 = true;
  s.a6 = a;
  s.b6 = b;
  s.aPort = aPort;
  s.bPort = bPort;
  return s;
}

describe('streamFileName', () => {
  it('pads IPv4 octets to 3 digits and ports to 5, sender first', () => {
    const s = v4(0x0a000102, 80, 0xc0a8fffe, 51234);
    expect(streamFileName(s, ORIG)).toBe('010.000.001.002.00080-192.168.255.254.51234');
    expect(streamFileName(s, RESP)).toBe('192.168.255.254.51234-010.000.001.002.00080');
    expect(streamFileName(s, ORIG, 12)).toBe('010.000.001.002.00080-192.168.255.254.51234c12');
  });

  it('writes IPv6 addresses in their RFC 5952 text, ports padded', () => {
    const a = new Uint8Array(16);
    a[0] = 0x20;
    a[1] = 0x01;
    a[2] = 0x0d;
    a[3] = 0xb8;
    a[15] = 1;
    const mapped = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 255, 255, 255, 255]);
    const s = v6(a, 65535, mapped, 7);
    expect(streamFileName(s, ORIG)).toBe('2001:db8::1.65535-::ffff:255.255.255.255.00007');
    expect(streamFileName(s, RESP, 3)).toBe('::ffff:255.255.255.255.00007-2001:db8::1.65535c3');
  });
});

describe('StreamNameReuse', () => {
  it('counts each directed tuple: a reversed session shares the names of the first one', () => {
    const r = new StreamNameReuse();
    const first = v4(1, 1000, 2, 80);
    const again = v4(1, 1000, 2, 80);
    const reversed = v4(2, 80, 1, 1000);
    expect([r.next(first, ORIG), r.next(first, RESP)]).toEqual([0, 0]);
    expect([r.next(again, ORIG), r.next(again, RESP)]).toEqual([1, 1]);
    expect([r.next(reversed, RESP), r.next(reversed, ORIG)]).toEqual([2, 2]);
  });

  it('keeps every tuple through growth: 10,000 tuples (4096 slots at first), each named three times', () => {
    const r = new StreamNameReuse();
    for (let round = 0; round < 3; round++) {
      const counts = new Set<number>();
      for (let i = 0; i < 10_000; i++) counts.add(r.next(v4(0x0a000000 + i, 1024 + (i % 7), 0xc0a80001, 443), ORIG));
      expect([...counts]).toEqual([round]);
    }
  });

  it('equals a Map keyed by the names, through growth, for any sequence of sessions', () => {
    const addr4 = fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xc0a80001);
    const port = fc.constantFrom(0, 1, 80, 443, 32768, 65535);
    const addr6 = fc.constantFrom(new Uint8Array(16), Uint8Array.from({ length: 16 }, (_, i) => i));
    const session = fc.oneof(
      { weight: 9, arbitrary: fc.tuple(addr4, port, addr4, port).map(([a, ap, b, bp]) => v4(a, ap, b, bp)) },
      // any 32-bit addresses: many distinct tuples make the table grow (4096 slots at first)
      { weight: 9, arbitrary: fc.tuple(fc.nat(), fc.nat(65535), fc.nat(), fc.nat(65535)).map(([a, ap, b, bp]) => v4(a * 2, ap, b, bp)) },
      { weight: 1, arbitrary: fc.tuple(addr6, port, addr6, port).map(([a, ap, b, bp]) => v6(a, ap, b, bp)) },
    );
    const dir = fc.constantFrom<Dir>(ORIG, RESP);
    fc.assert(
      fc.property(fc.array(fc.tuple(session, dir), { maxLength: 6000, size: 'max' }), (seq) => {
        const r = new StreamNameReuse();
        const model = new Map<string, number>();
        const want: number[] = [];
        for (const [s, d] of seq) {
          const name = streamFileName(s, d);
          const n = model.get(name) ?? 0;
          model.set(name, n + 1);
          want.push(n);
        }
        expect(seq.map(([s, d]) => r.next(s, d))).toEqual(want);
      }),
      { numRuns: 40 },
    );
  });
});
