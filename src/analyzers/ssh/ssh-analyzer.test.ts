// The SSH analyzer on its own: the gen capture's sessions as TCP delivered them, re-cut (the same record), the
// size heuristic's rules, detection by content, pre-banner lines, SSH-1, gaps and bounds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../../test/helpers/run.js';
import { AnomalyLog } from '../../core/anomaly.js';
import { Session } from '../../flow/session.js';
import { analysis } from '../../pipeline/analyzers.js';
import { Engine } from '../../pipeline/engine.js';
import { ORIG, RESP, type Dir, type StreamAnalyzer } from '../../reassembly/stream-analyzer.js';
import type { SshRecord } from '../../schema/ssh.js';
import { AuthGuess } from './ssh-auth.js';
import { agreedVersion, SSH_MAX_BANNER_LINE, SshAnalyzer } from './ssh-analyzer.js';

const FIXTURE = join(ROOT, 'test/fixtures/ssh/ssh-logins.pcap');
type Steps = [Dir, Uint8Array][];

/** Every TCP session of a capture as the engine delivers it: one step per delivery (a segment), in order. */
async function deliveries(file: string): Promise<Steps[]> {
  const out: Steps[] = [];
  const e = new Engine({}, {
    streams: () => {
      const steps: Steps = [];
      out.push(steps);
      return { deliver: (d, b) => void steps.push([d, b.slice()]), gap: () => undefined, end: () => undefined };
    },
  });
  await e.run([file]);
  return out;
}

function run(steps: Steps, anomalies: string[] = []): SshRecord[] {
  const s = new Session();
  s.uid = 'Ctest';
  const out: SshRecord[] = [];
  const a = new SshAnalyzer({ session: s, anomalies: new AnomalyLog((e) => anomalies.push(`${e.name}: ${e.detail}`)), emit: (r) => out.push(r) });
  for (const [d, b] of steps) {
    if (a.active === false) break;
    a.deliver(d, b);
  }
  a.end(ORIG);
  a.end(RESP);
  return out;
}

/**
 * Bytes of a side up to its first encrypted byte, read by RFC 4253's framing (§4.2 version line, §6 packets,
 * NEWKEYS = 21): the part of the stream whose cutting must not matter.
 */
function clearLength(side: Uint8Array): number {
  let off = side.indexOf(0x0a) + 1;
  while (off + 5 <= side.length) {
    const len = new DataView(side.buffer, side.byteOffset + off).getUint32(0);
    const type = side[off + 5];
    off += 4 + len;
    if (type === 21) return off;
  }
  return side.length;
}

/** The steps with the clear-text part of each side cut at the given points (the encrypted deliveries as they were). */
function recut(steps: Steps, cuts: number[]): Steps {
  const sides = [0, 1].map((d) => Buffer.concat(steps.filter(([x]) => x === d).map(([, b]) => b)));
  const clear = sides.map(clearLength);
  const pos = [0, 0];
  const out: Steps = [];
  for (const [d, b] of steps) {
    const start = pos[d]!;
    pos[d]! += b.length;
    const at = [...new Set(cuts.map((c) => c % Math.max(1, clear[d]!)))].filter((c) => c > start && c < start + b.length).sort((x, y) => x - y);
    let from = 0;
    for (const c of at) {
      out.push([d, b.subarray(from, c - start)]);
      from = c - start;
    }
    out.push([d, b.subarray(from)]);
  }
  return out;
}

describe('SshAnalyzer', async () => {
  const sessions = await deliveries(FIXTURE);

  it('reads both logins of the gen capture', () => {
    const recs = sessions.flatMap((s) => run(s));
    expect(recs.map((r) => [r.auth_success, r.auth_attempts, r.auth_reason])).toEqual([[true, 1, null], [false, 1, null]]);
  });

  it('gives the same record however the clear-text part of each side is cut', () => {
    for (const steps of sessions) {
      const whole = run(steps);
      expect(whole.length).toBe(1);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 1 << 20 }), { maxLength: 40 }), (cuts) => {
          expect(run(recut(steps, cuts))).toEqual(whole);
        }),
        { numRuns: 60 },
      );
    }
  });

  it('gives the same versions, HASSH, algorithms and host key however the whole stream is cut (sizes after NEWKEYS are the heuristic\'s input)', () => {
    const strip = (r: SshRecord[]): unknown => r.map((x) => {
      const rest: Partial<SshRecord> = { ...x };
      delete rest.auth_success;
      delete rest.auth_attempts;
      delete rest.auth_reason;
      return rest;
    });
    for (const steps of sessions) {
      const whole = strip(run(steps));
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 1 << 20 }), { maxLength: 40 }), (cuts) => {
          const sides = [0, 1].map((d) => Buffer.concat(steps.filter(([x]) => x === d).map(([, b]) => b)));
          const cutSteps: Steps = [];
          for (const d of [0, 1] as const) {
            const pts = [...new Set([0, ...cuts.map((c) => c % sides[d]!.length), sides[d]!.length])].sort((x, y) => x - y);
            for (let i = 1; i < pts.length; i++) cutSteps.push([d, sides[d]!.subarray(pts[i - 1], pts[i])]);
          }
          expect(strip(run(cutSteps))).toEqual(whole);
        }),
        { numRuns: 30 },
      );
    }
  });

  it('is not SSH when the client does not start with a version line (HTTP on port 22), whoever speaks first', () => {
    const enc = new TextEncoder();
    expect(run([[ORIG, enc.encode('GET / HTTP/1.1\r\n\r\n')], [RESP, enc.encode('HTTP/1.1 200 OK\r\n\r\n')]])).toEqual([]);
    expect(run([[RESP, enc.encode('220 smtp ready\r\n')], [ORIG, enc.encode('EHLO x\r\n')]])).toEqual([]);
    const s = new Session();
    const a = new SshAnalyzer({ session: s, anomalies: new AnomalyLog(() => undefined), emit: () => undefined });
    a.deliver(ORIG, enc.encode('S'));
    expect(a.active).toBe(true);
    a.deliver(ORIG, enc.encode('SX'));
    expect(a.active).toBe(false);
    expect(s.appProto).toBeNull();
  });

  it('passes over the server\'s lines before its version line (RFC 4253 §4.2) and names the session ssh', () => {
    const enc = new TextEncoder();
    const [r] = run([[RESP, enc.encode('Hello\r\nthere\r\nSSH-2.0-srv\r\n')], [ORIG, enc.encode('SSH-2.0-cli\r\n')]]);
    expect(r).toMatchObject({ client: 'SSH-2.0-cli', server: 'SSH-2.0-srv', version: 2, auth_success: null, auth_reason: 'no_kex' });
  });

  it('reads only the version lines of SSH-1 and records the version both sides agree on (Zeek\'s rule)', () => {
    const enc = new TextEncoder();
    const [r] = run([[RESP, enc.encode('SSH-1.99-srv\n')], [ORIG, enc.encode('SSH-1.5-cli\n\x00\x00\x01\x00garbage')]]);
    expect(r).toMatchObject({ version: 1, auth_reason: 'not_ssh2', kex_alg: null });
    expect(agreedVersion('SSH-1.99-a', 'SSH-2.0-b')).toBe(2);
    expect(agreedVersion('SSH-1.5-a', 'SSH-2.0-b')).toBe(0);
    expect(agreedVersion('SSH-2.0-a', 'SSH-1.99-b')).toBe(2);
    expect(agreedVersion('SSH-1.99-a', 'SSH-1.99-b')).toBe(2);
    expect(agreedVersion('SSH-1.5-a', 'SSH-1.99-b')).toBe(1);
  });

  it('cuts an endless version line with an anomaly and keeps its start', () => {
    const anomalies: string[] = [];
    const long = new TextEncoder().encode(`SSH-2.0-${'x'.repeat(SSH_MAX_BANNER_LINE + 10)}`);
    const [r] = run([[ORIG, long]], anomalies);
    expect(r!.client!.length).toBe(SSH_MAX_BANNER_LINE);
    expect(anomalies[0]).toMatch(/^ssh_version_line_too_long/);
  });

  it('stops at a gap: what was read stays, authentication is not guessed', () => {
    const steps = sessions[0]!;
    const s = new Session();
    const anomalies: string[] = [];
    const out: SshRecord[] = [];
    const a = new SshAnalyzer({ session: s, anomalies: new AnomalyLog((e) => anomalies.push(e.name)), emit: (r) => out.push(r) });
    // the first six deliveries: version lines and KEXINITs
    for (const [d, b] of steps.slice(0, 6)) a.deliver(d, b);
    (a as StreamAnalyzer).gap(RESP, 100, 0);
    expect(a.active).toBe(false);
    a.end(ORIG);
    a.end(RESP);
    expect(out[0]).toMatchObject({ auth_success: null, auth_reason: 'no_kex', hassh: '472b5de333ad665af5cbf10ff892c4df' });
    expect(anomalies).toEqual(['ssh_gap']);
  });

  it('a packet length past the bound is an anomaly, not a buffer', () => {
    const anomalies: string[] = [];
    const enc = new TextEncoder();
    const [r] = run([[ORIG, enc.encode('SSH-2.0-a\r\n')], [ORIG, new Uint8Array([0x7f, 0xff, 0xff, 0xff, 4, 1, 2, 3])]], anomalies);
    expect(r!.client).toBe('SSH-2.0-a');
    expect(anomalies[0]).toMatch(/^ssh_packet_too_long/);
  });
});

describe('AuthGuess (Zeek\'s size rules)', () => {
  const guess = (server: number[]): ReturnType<AuthGuess['result']> => {
    const g = new AuthGuess();
    for (const n of server) {
      g.bytes(ORIG, 10);
      g.bytes(RESP, n);
    }
    return g.result();
  };

  it('a success 16 bytes shorter than SERVICE_ACCEPT, with or without failures first', () => {
    expect(guess([44, 28])).toEqual({ success: true, attempts: 1 });
    // the first failure only sets the size; the next of that size is an attempt
    expect(guess([44, 60, 60, 60, 28])).toEqual({ success: true, attempts: 3 });
    expect(guess([44, 60, 60])).toEqual({ success: false, attempts: 1 });
    expect(guess([44, 60])).toBeNull();
  });

  it('a first answer far longer than SERVICE_ACCEPT is a banner, passed over once', () => {
    expect(guess([44, 44 + 300, 60, 60])).toEqual({ success: false, attempts: 1 });
  });

  it('server bytes before the client\'s first encrypted bytes are not answers', () => {
    const g = new AuthGuess();
    g.bytes(RESP, 500);
    g.bytes(ORIG, 10);
    g.bytes(RESP, 44);
    g.bytes(ORIG, 10);
    g.bytes(RESP, 28);
    expect(g.result()).toEqual({ success: true, attempts: 1 });
  });
});

describe('analysis() with ssh', () => {
  it('the same records however the capture file arrives in chunks', async () => {
    const bytes = new Uint8Array(readFileSync(FIXTURE));
    const runChunks = async (cuts: number[]): Promise<SshRecord[]> => {
      const out: SshRecord[] = [];
      const an = analysis({ ssh: (r) => out.push(r) }, () => engine);
      const engine: Engine = new Engine({ ...an.handlers }, an.options);
      async function* chunks(): AsyncGenerator<Uint8Array> {
        let pos = 0;
        for (const c of [...cuts.filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b), bytes.length]) {
          if (c <= pos) continue;
          yield bytes.slice(pos, c);
          pos = c;
        }
      }
      await engine.inputFrom('mem', chunks());
      engine.flows.flush();
      return out;
    };
    const whole = await runChunks([]);
    expect(whole.length).toBe(2);
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 50 }), async (cuts) => {
      expect(await runChunks(cuts)).toEqual(whole);
    }), { numRuns: 15 });
  });
});
