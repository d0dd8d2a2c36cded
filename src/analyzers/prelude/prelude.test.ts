// The prelude reader on hand-made preludes (RFC 1928/1929 SOCKS5 with username/password, SOCKS4a, a CONNECT
// refused with 407): the application bytes after the prelude, the target, and the same result wherever the
// segments are cut.
import { describe, expect, it } from 'vitest';
import { Session } from '../../flow/session.js';
import { ORIG, RESP, type Dir, type StreamAnalyzer } from '../../reassembly/stream-analyzer.js';
import { PreludeSkipper } from './prelude.js';

const b = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

/** Feeds the turns, each cut at `every` bytes, and returns what the inner analyzer got per side, and the session's proxy. */
function run(turns: [Dir, Uint8Array][], every: number): { got: string[]; proxy: string | null } {
  const got = ['', ''];
  const inner: StreamAnalyzer = { deliver: (d, data) => void (got[d] += Buffer.from(data).toString('latin1')), gap: () => undefined, end: () => undefined };
  const s = new Session();
  const k = new PreludeSkipper(inner, { session: s });
  const off = [0, 0];
  for (const [d, data] of turns) {
    for (let i = 0; i < data.length; i += every) {
      const piece = data.subarray(i, Math.min(data.length, i + every));
      k.deliver(d, piece, off[d]!);
      off[d]! += piece.length;
    }
  }
  return { got, proxy: s.proxy };
}

describe('PreludeSkipper', () => {
  const socks5: [Dir, Uint8Array][] = [
    [ORIG, b([5, 2, 0, 2])], [RESP, b([5, 2])], [ORIG, b([1, 5], 'alice', [6], 'secret')], [RESP, b([1, 0])],
    [ORIG, b([5, 1, 0, 3, 12], 'mail.example', [0, 25])], [RESP, b([5, 0, 0, 1, 127, 0, 0, 1, 0x9c, 0x40], '220 mx ESMTP\r\n')],
    [ORIG, b('EHLO c\r\n')],
  ];
  const socks4a: [Dir, Uint8Array][] = [[ORIG, b([4, 1, 0, 80, 0, 0, 0, 1], 'u', [0], 'www.example', [0], 'GET / HTTP/1.1\r\n\r\n')], [RESP, b([0, 90, 0, 0, 0, 0, 0, 0], 'HTTP/1.1 200 OK\r\n')]];
  const refused: [Dir, Uint8Array][] = [[ORIG, b('CONNECT a.example:25 HTTP/1.1\r\nHost: a.example:25\r\n\r\n')], [RESP, b('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n')], [ORIG, b('EHLO c\r\n')]];

  it('hands on the bytes after the prelude and names it, however the segments are cut', () => {
    for (let every = 1; every <= 64; every++) {
      expect(run(socks5, every), `every ${every}`).toEqual({ got: ['EHLO c\r\n', '220 mx ESMTP\r\n'], proxy: 'socks5 mail.example:25' });
      expect(run(socks4a, every), `every ${every}`).toEqual({ got: ['GET / HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\n'], proxy: 'socks4a www.example:80' });
      expect(run(refused, every), `every ${every}`).toEqual({ got: ['', ''], proxy: 'http-connect a.example:25' });
    }
  });

  it('passes a stream without a prelude through untouched, also when the server speaks first', () => {
    expect(run([[RESP, b('220 mx\r\n')], [ORIG, b([5, 1, 0])]], 3)).toEqual({ got: ['\x05\x01\x00', '220 mx\r\n'], proxy: null });
    expect(run([[ORIG, b('GET / HTTP/1.1\r\n\r\n')]], 1)).toEqual({ got: ['GET / HTTP/1.1\r\n\r\n', ''], proxy: null });
  });
});
