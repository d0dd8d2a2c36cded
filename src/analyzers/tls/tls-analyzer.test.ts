// The TLS analyzer on its own: any split of a real handshake gives the same record; alerts, STARTTLS and
// non-TLS streams.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GEN } from '../../../test/helpers/run.js';
import { AnomalyLog } from '../../core/anomaly.js';
import { Session } from '../../flow/session.js';
import { Engine } from '../../pipeline/engine.js';
import { ORIG, RESP, type Dir } from '../../reassembly/stream-analyzer.js';
import { TLS_MAX_CIPHER_SUITES, TLS_MAX_SNI_BYTES, type TlsRecord } from '../../schema/tls.js';
import { HashCache } from './fingerprints.js';
import { MAX_CLIENT_PRELUDE, MAX_SERVER_EARLY, TlsAnalyzer } from './tls-analyzer.js';

/** The two directions of every TCP session of a capture, as delivered. */
async function streams(file: string): Promise<[Uint8Array, Uint8Array][]> {
  const out: [Uint8Array, Uint8Array][] = [];
  const e = new Engine({}, {
    streams: () => {
      const parts: Uint8Array[][] = [[], []];
      let ended = 0;
      return {
        deliver: (d, b) => void parts[d]!.push(b.slice()),
        gap: () => undefined,
        end: () => {
          if (++ended === 2) out.push([Buffer.concat(parts[0]!), Buffer.concat(parts[1]!)]);
        },
      };
    },
  });
  await e.run([file]);
  return out;
}

function run(chunks: [Dir, Uint8Array][], anomalies: string[] = []): TlsRecord[] {
  const s = new Session();
  s.uid = 'Ctest';
  const out: TlsRecord[] = [];
  const a = new TlsAnalyzer({ session: s, anomalies: new AnomalyLog((e) => anomalies.push(`${e.name}: ${e.detail}`)), emit: (r) => out.push(r), cache: new HashCache() });
  for (const [d, b] of chunks) a.deliver(d, b);
  a.end(ORIG);
  a.end(RESP);
  return out;
}

/** Client bytes up to the server's first bytes, then the server's: a handshake in two flights. */
function flights(client: Uint8Array, server: Uint8Array, cuts: number[]): [Dir, Uint8Array][] {
  const split = (b: Uint8Array, d: Dir): [Dir, Uint8Array][] => {
    const pts = [...new Set([0, ...cuts.filter((c) => c < b.length), b.length])].sort((x, y) => x - y);
    return pts.slice(1).map((e, i) => [d, b.subarray(pts[i]!, e)]);
  };
  return [...split(client.subarray(0, 2048), ORIG), ...split(server.subarray(0, 4096), RESP)];
}

describe('TlsAnalyzer', async () => {
  const all = await streams(join(GEN, 'tls-clients.pcapng'));
  const tls = all.filter(([c]) => c[0] === 0x16);

  it('gives the same records however the bytes are split', () => {
    expect(tls.length).toBeGreaterThan(20);
    for (const [c, sv] of tls.slice(0, 6)) {
      const whole = run(flights(c, sv, []));
      expect(whole.length).toBe(1);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 2047 }), { maxLength: 30 }), (cuts) => {
          expect(run(flights(c, sv, cuts))).toEqual(whole);
        }),
        { numRuns: 40 },
      );
    }
  });

  it('finds the hellos behind a proxy CONNECT sent in the same segments', () => {
    const [c, sv] = tls[0]!;
    const whole = run(flights(c, sv, []));
    const enc = new TextEncoder();
    const cat = (a: Uint8Array, b: Uint8Array): Uint8Array => Buffer.concat([a, b]);
    const got = run([
      [ORIG, cat(enc.encode('CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n'), c.subarray(0, 2048))],
      [RESP, cat(enc.encode('HTTP/1.1 200 Connection established\r\n\r\n'), sv.subarray(0, 4096))],
    ]);
    expect(got).toEqual(whole);
  });

  it('finds the hellos behind a proxy CONNECT however the preludes and hellos are cut (fuzz: tls/5feee002)', () => {
    const [c, sv] = tls[0]!;
    const whole = run(flights(c, sv, []));
    const enc = new TextEncoder();
    const client = Buffer.concat([enc.encode('CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n'), c.subarray(0, 2048)]);
    const server = Buffer.concat([enc.encode('HTTP/1.1 200 Connection established\r\n\r\n'), sv.subarray(0, 4096)]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 120 }), { maxLength: 8 }), (cuts) => {
        const split = (b: Uint8Array, d: Dir): [Dir, Uint8Array][] => {
          const pts = [...new Set([0, ...cuts, b.length])].sort((x, y) => x - y);
          return pts.slice(1).map((e, i) => [d, b.subarray(pts[i]!, e)]);
        };
        expect(run([...split(client, ORIG), ...split(server, RESP)])).toEqual(whole);
      }),
      { numRuns: 80 },
    );
  });

  it('hands an SMTP dialogue over to TLS after STARTTLS and 220, however its lines are split', () => {
    const [c, sv] = tls[0]!;
    const whole = run(flights(c, sv, []));
    const enc = new TextEncoder();
    const dialogue: [Dir, string][] = [
      [RESP, '220 mx.example ESMTP\r\n'], [ORIG, 'ehlo client.example\r\n'], [RESP, '250-mx.example\r\n250 STARTTLS\r\n'],
      // a body line that reads STARTTLS is answered by 250: not a hand-over
      [ORIG, 'MAIL FROM:<a@b>\r\n'], [RESP, '250 ok\r\n'], [ORIG, 'DATA\r\n'], [RESP, '354 go\r\n'],
      [ORIG, 'Subject: x\r\n\r\nSTARTTLS\r\n.\r\n'], [RESP, '250 queued\r\n'],
      [ORIG, `X-Long: ${'STARTTLS '.repeat(200)}\r\n`], [ORIG, 'StartTLS \r\n'], [RESP, '220-2.0.0 Ready\r\n'],
    ];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 12 }), (cuts) => {
        const chunks: [Dir, Uint8Array][] = [];
        for (const [d, text] of dialogue) {
          const b = enc.encode(text);
          const pts = [...new Set([0, ...cuts.filter((x) => x < b.length), b.length])].sort((x, y) => x - y);
          for (let i = 1; i < pts.length; i++) chunks.push([d, b.subarray(pts[i - 1]!, pts[i]!)]);
        }
        // the ClientHello's first 3 bytes alone: the hand-over made the client's next bytes TLS
        expect(run([...chunks, ...flights(c, sv, [3])])).toEqual(whole);
      }),
      { numRuns: 60 },
    );
    // without the 220, a ClientHello still ends the plain text, judged on its first 6 bytes however they are
    // cut (fuzz: tls/8b375053): 3 bytes alone are not yet TLS, nor are they text
    const noHandOver = dialogue.slice(0, -1).map(([d, t]): [Dir, Uint8Array] => [d, enc.encode(t)]);
    for (const cut of [1, 3, 5, 6]) expect(run([...noHandOver, ...flights(c, sv, [cut])])).toEqual(whole);
    expect(run([...noHandOver, [ORIG, c.subarray(0, 3)]])).toEqual([]);
  });

  it('a ClientHello that starts a client line ends the plain text, wherever the segments end (fuzz: tls/25d576f5)', () => {
    const [c, sv] = tls[0]!;
    const whole = run(flights(c, sv, []));
    const enc = new TextEncoder();
    const text: [Dir, Uint8Array][] = [[RESP, enc.encode('220 mx ESMTP\r\n')], [ORIG, enc.encode('EHLO c\r\n')], [RESP, enc.encode('250 STARTTLS\r\n')]];
    // in the same segment as the line before it
    expect(run([...text, [ORIG, Buffer.concat([enc.encode('STARTTLS\r\n'), c.subarray(0, 2048)])], [RESP, sv.subarray(0, 4096)]])).toEqual(whole);
    // in a segment of its own, its first bytes cut anywhere
    for (const cut of [1, 2, 5, 6, 7]) expect(run([...text, [ORIG, enc.encode('STARTTLS\r\n')], ...flights(c, sv, [cut])])).toEqual(whole);
    // after a line that did not end, it is that line's text
    expect(run([...text, [ORIG, enc.encode('\x0b')], ...flights(c, sv, [1])])).toEqual([]);
  });

  it('an SMTP dialogue is recognised at the start of a side only, not at a later segment (fuzz: tls/04ca061e)', () => {
    const [c, sv] = tls[0]!;
    const enc = new TextEncoder();
    const after = (cut: number): TlsRecord[] => {
      const ehlo = enc.encode('EHLO c\r\n');
      const pieces: [Dir, Uint8Array][] = cut === 0 ? [[ORIG, ehlo]] : [[ORIG, ehlo.subarray(0, cut)], [ORIG, ehlo.subarray(cut)]];
      // more client text than a prelude may have (MAX_CLIENT_PRELUDE) before the hand-over
      return run([[ORIG, enc.encode('220 not a client line\r\n')], ...pieces, [RESP, enc.encode('250 STARTTLS\r\n')],
        [ORIG, enc.encode(`NOOP ${'x'.repeat(MAX_CLIENT_PRELUDE)}\r\nSTARTTLS\r\n`)], [RESP, enc.encode('220 go ahead\r\n')], ...flights(c, sv, [])]);
    };
    // the client's stream began otherwise: its EHLO, whole or cut, starts no SMTP dialogue, and the text is
    // a prelude too long to hold a hello
    for (const cut of [0, 1, 2, 4]) expect(after(cut)).toEqual([]);
  });

  it('records a plaintext alert that answers the ClientHello', () => {
    const [c] = tls[0]!;
    const alert = Uint8Array.from([21, 3, 3, 0, 2, 2, 40]); // fatal handshake_failure
    const [r] = run([[ORIG, c.subarray(0, 2048)], [RESP, alert]]);
    expect(r!.last_alert).toBe('handshake_failure');
    expect(r!.version).toBeNull();
  });

  it('keeps a hello of 5000 cipher suites and a 10 KB server name within the record bounds, fingerprints whole', () => {
    const ciphers = Array.from({ length: 5000 }, (_x, i) => i + 1).filter((v) => (v & 0x0f0f) !== 0x0a0a);
    const name = 'a'.repeat(10_000);
    const u16 = (v: number): number[] => [v >> 8, v & 255];
    const sni = [...u16(0), ...u16(name.length + 5), ...u16(name.length + 3), 0, ...u16(name.length), ...Buffer.from(name)];
    const body = [...u16(0x0303), ...new Array<number>(32).fill(7), 0, ...u16(ciphers.length * 2), ...ciphers.flatMap(u16), 1, 0, ...u16(sni.length), ...sni];
    const hs = Uint8Array.from([1, body.length >> 16, (body.length >> 8) & 255, body.length & 255, ...body]);
    // the handshake message spread over records of at most 16 KiB
    const records: number[] = [];
    for (let p = 0; p < hs.length; p += 16384) {
      const frag = hs.subarray(p, Math.min(hs.length, p + 16384));
      records.push(22, 3, 1, ...u16(frag.length), ...frag);
    }
    const anomalies: string[] = [];
    const [r] = run([[ORIG, Uint8Array.from(records)], [RESP, Uint8Array.from([21, 3, 3, 0, 2, 2, 40])]], anomalies);
    expect(r!.cipher_suites).toEqual(ciphers.slice(0, TLS_MAX_CIPHER_SUITES));
    expect(r!.sni).toBe('a'.repeat(TLS_MAX_SNI_BYTES - 2));
    const full = `771,${ciphers.join('-')},0,,`;
    expect([r!.ja3_string, r!.ja3]).toEqual([full, createHash('md5').update(full).digest('hex')]);
    expect(anomalies).toEqual([
      `tls_hello_field_truncated: sni: 10000 characters, first ${TLS_MAX_SNI_BYTES - 2} kept (at most ${TLS_MAX_SNI_BYTES} bytes)`,
      `tls_hello_field_truncated: cipher_suites: ${ciphers.length} entries, first ${TLS_MAX_CIPHER_SUITES} kept (at most ${TLS_MAX_CIPHER_SUITES} entries, ${2 + 18 * TLS_MAX_CIPHER_SUITES} bytes)`,
    ]);
  });

  it('ignores streams that are not TLS and says it is done with them', () => {
    const s = new Session();
    const a = new TlsAnalyzer({ session: s, anomalies: new AnomalyLog(() => undefined), emit: () => undefined, cache: new HashCache() });
    a.deliver(ORIG, new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'.repeat(300)));
    expect(a.active).toBe(false);
  });

  it('is done with a stream whose server sent more than MAX_SERVER_EARLY before any client hello (a download)', () => {
    const enc = new TextEncoder();
    const fresh = (): TlsAnalyzer => new TlsAnalyzer({ session: new Session(), anomalies: new AnomalyLog(() => undefined), emit: () => undefined, cache: new HashCache() });
    const body = new Uint8Array(16384).fill(0x41);
    const a = fresh();
    a.deliver(ORIG, enc.encode('GET /big HTTP/1.1\r\nHost: x\r\n\r\n'));
    let sent = 0;
    for (; sent <= MAX_SERVER_EARLY && a.active; sent += body.length) a.deliver(RESP, body);
    expect(a.active).toBe(false);
    expect(sent).toBeGreaterThan(MAX_SERVER_EARLY);
    // up to the bound, a server's early bytes change nothing: the hello after them is read as without them
    const [c, sv] = tls[0]!;
    const early = new Uint8Array(MAX_SERVER_EARLY).fill(0x2a);
    expect(run([[RESP, early], ...flights(c, sv, [])])).toEqual(run(flights(c, sv, [])));
    expect(run([[ORIG, enc.encode('CONNECT x:443 HTTP/1.1\r\n\r\n')], [RESP, early], ...flights(c, sv, [])])).toEqual(run(flights(c, sv, [])));
  });

  it('judges a side by its first 6 bytes, not by its first segment: one byte decides nothing (fuzz: tls/6b598040)', () => {
    // a handshake record whose message is not a ClientHello (byte 5): not TLS, whether or not byte 0 came alone
    const notHello = Uint8Array.from([0x16, 0x03, 0x02, 0x00, 0x00, 0x10, 0x00, 0x00, 0x21, 0x20, ...new Array<number>(40).fill(0x41)]);
    const seen = (cuts: number[]): { active: boolean; anomalies: string[] } => {
      const anomalies: string[] = [];
      const a = new TlsAnalyzer({ session: new Session(), anomalies: new AnomalyLog((e) => anomalies.push(e.name)), emit: () => undefined, cache: new HashCache() });
      for (const [, b] of flights(notHello, new Uint8Array(0), cuts)) a.deliver(ORIG, b);
      return { active: a.active, anomalies };
    };
    const whole = seen([]);
    expect(whole.anomalies).toEqual([]);
    for (const cut of [1, 2, 5, 6]) expect(seen([cut])).toEqual(whole);
    // a real ClientHello whose first byte came alone is still read
    const [c, sv] = tls[0]!;
    expect(run(flights(c, sv, [1, 2]))).toEqual(run(flights(c, sv, [])));
  });

  it('never throws on mutated handshakes', () => {
    const [c, sv] = tls[3]!;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }), (muts) => {
        const cc = c.slice(0, 2048);
        for (const [i, v] of muts) if (i < cc.length) cc[i] = v;
        run([[ORIG, cc], [RESP, sv.subarray(0, 4096)]]);
      }),
      { numRuns: 300 },
    );
  });
});
