// Any segmentation gives the same findings: the raw streams of test/fixtures/inspect's POP3 and FTP sessions (the
// addresses in bulk of a retrieved message, the SSNs of an uploaded list), replayed into the inspection cut at
// random points, give the rows the whole deliveries give; and the POP3 session with its analyzer, whose retrieved
// message the raw scan leaves to the MIME path, the same however it is cut.
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fanout } from '../src/analyzers/fanout.js';
import { Pop3Analyzer } from '../src/analyzers/mailbox/pop3-analyzer.js';
import { AnomalyLog } from '../src/core/anomaly.js';
import { Session } from '../src/flow/session.js';
import { builtinDetectors } from '../src/inspect/builtin.js';
import { SkippedSpans } from '../src/inspect/skipped-spans.js';
import { INSPECT_STREAM_BYTES } from '../src/inspect/stream-scan.js';
import { Engine } from '../src/pipeline/engine.js';
import { Inspection } from '../src/pipeline/inspect.js';
import { ORIG, RESP, type Dir } from '../src/reassembly/stream-analyzer.js';
import type { FindingRecord } from '../src/schema/findings.js';
import { ROOT } from './helpers/run.js';

const DIR = join(ROOT, 'test/fixtures/inspect');
const KEY = new Uint8Array(32).fill(7);
const DETECTORS = builtinDetectors();

/** Each TCP session's deliveries as the reassembler made them, with the protocol the analyzers named. */
async function deliveries(capture: string): Promise<{ proto: string | null; log: [Dir, Uint8Array][] }[]> {
  const out: { s: Session; log: [Dir, Uint8Array][] }[] = [];
  const engine = new Engine({}, {
    streams: (s) => {
      const log: [Dir, Uint8Array][] = [];
      out.push({ s, log });
      return { deliver: (d, b) => void log.push([d, b.slice()]), gap: () => undefined, end: () => undefined };
    },
  });
  await engine.run([join(DIR, capture)]);
  // the protocol as the pipeline names it (the analyzers are not run here: the probes' verdict is the port's)
  return out.map((x) => ({ proto: x.s.bPort === 1110 || x.s.bPort === 110 ? 'pop3' : x.s.bPort === 2121 || x.s.bPort === 21 ? 'ftp' : null, log: x.log }));
}

function replay(proto: string | null, log: [Dir, Uint8Array][], cuts: number[]): unknown[] {
  const rows: FindingRecord[] = [];
  const insp = new Inspection({ key: KEY, detectors: DETECTORS, remoteAccess: null, emit: (f) => rows.push(f), anomalies: new AnomalyLog(() => undefined) });
  const s = new Session();
  s.uid = 'Csegments';
  s.appProto = proto;
  const a = insp.stream(s)!;
  for (const [d, b] of log) {
    const pts = [...new Set([0, ...cuts.filter((c) => c < b.length), b.length])].sort((x, y) => x - y);
    for (let i = 1; i < pts.length; i++) a.deliver(d, b.subarray(pts[i - 1]!, pts[i]!), 0);
  }
  a.end(ORIG);
  a.end(RESP);
  insp.end();
  return rows.map((r) => ({ ...r, ts: 0 }));
}

/**
 * The POP3 session as the pipeline runs it with messages wanted: the analyzer first, telling the raw scan where the
 * RETR message lies (SkippedSpans), then the raw inspection; offsets as the reassembler gives them.
 */
function replayWithAnalyzer(log: [Dir, Uint8Array][], cuts: number[]): { rows: unknown[]; messages: number } {
  const rows: FindingRecord[] = [];
  const anomalies = new AnomalyLog(() => undefined);
  const insp = new Inspection({ key: KEY, detectors: DETECTORS, remoteAccess: null, emit: (f) => rows.push(f), anomalies });
  const s = new Session();
  s.uid = 'Csegments';
  s.appProto = 'pop3';
  const skipped = new SkippedSpans(INSPECT_STREAM_BYTES);
  let messages = 0;
  const a = new Fanout([
    new Pop3Analyzer({ session: s, anomalies, emit: () => undefined, message: () => void messages++, spans: skipped }),
    insp.stream(s, skipped)!,
  ]);
  const at = [0, 0];
  for (const [d, b] of log) {
    const pts = [...new Set([0, ...cuts.filter((c) => c < b.length), b.length])].sort((x, y) => x - y);
    for (let i = 1; i < pts.length; i++) {
      a.deliver(d, b.subarray(pts[i - 1]!, pts[i]!), at[d]!);
      at[d]! += pts[i]! - pts[i - 1]!;
    }
  }
  a.end(ORIG);
  a.end(RESP);
  insp.end();
  return { rows: rows.map((r) => ({ ...r, ts: 0 })), messages };
}

describe('inspect: any segmentation gives the same findings', () => {
  it('inspect-pop3.pcap with the POP3 analyzer: the retrieved message is left to MIME however the stream is cut', async () => {
    const pop = (await deliveries('inspect-pop3.pcap')).filter((x) => x.proto === 'pop3' && x.log.length > 0);
    expect(pop.length).toBe(1);
    const whole = replayWithAnalyzer(pop[0]!.log, []);
    expect(whole.messages).toBe(1);
    // the raw scan alone finds the message's addresses (above); with the analyzer the server's raw findings have none
    expect(replay('pop3', pop[0]!.log, []).some((r) => (r as FindingRecord).detector === 'email')).toBe(true);
    expect(whole.rows.some((r) => (r as FindingRecord).detector === 'email')).toBe(false);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1500 }), { maxLength: 30 }), (cuts) => {
        expect(replayWithAnalyzer(pop[0]!.log, cuts)).toEqual(whole);
      }),
      { numRuns: 30 },
    );
  });

  for (const capture of ['inspect-pop3.pcap', 'inspect-ftp.pcap']) {
    it(capture, async () => {
      // every session, the FTP data channel's too (replayed as an unnamed protocol: its upload is scanned raw)
      const sessions = (await deliveries(capture)).filter((x) => x.log.length > 0);
      const whole = sessions.map((x) => replay(x.proto, x.log, []));
      // the retrieved message's 40 addresses (POP3); the uploaded list's 60 SSNs (FTP data)
      const want = capture === 'inspect-pop3.pcap' ? 'email' : 'us_ssn';
      expect(whole.flat().some((r) => (r as FindingRecord).detector === want)).toBe(true);
      for (const [k, x] of sessions.entries()) {
        fc.assert(
          fc.property(fc.array(fc.integer({ min: 1, max: 1500 }), { maxLength: 30 }), (cuts) => {
            expect(replay(x.proto, x.log, cuts)).toEqual(whole[k]);
          }),
          { numRuns: 20 },
        );
      }
    });
  }
});
