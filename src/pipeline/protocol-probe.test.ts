// The probes name a session's protocol exactly as the analyzers do when their records are wanted: the same
// session records from a run with no analyzers asked for, with some, and with all (as ingest runs them).
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../core/anomaly.js';
import { HashCache } from '../analyzers/tls/fingerprints.js';
import { opensWithClientHelloRecord, TlsAnalyzer } from '../analyzers/tls/tls-analyzer.js';
import { Session } from '../flow/session.js';
import { ORIG, RESP } from '../reassembly/stream-analyzer.js';
import { GEN } from '../../test/helpers/run.js';
import { analysis, type AnalysisOptions } from './analyzers.js';
import { analyze } from './api.js';
import { Engine } from './engine.js';

async function sessions(capture: string, o: AnalysisOptions | null): Promise<string[]> {
  const out: string[] = [];
  // null: records of no analyzer, sessions only (as `haystack sessions` runs them)
  const an = analysis(o ?? { sessions: true }, () => engine);
  const engine: Engine = new Engine({ ...an.handlers, session: (r) => void out.push(JSON.stringify(r)) }, an.options);
  await engine.run([join(GEN, capture)]);
  return out;
}

const ignore = (): void => undefined;

describe('protocol probes', () => {
  for (const capture of ['http-put.pcap', 'mixed-home.pcap', 'smtp-attachments.pcap', 'tls-clients.pcapng']) {
    it(`${capture}: sessions alone, with one protocol's records, and with all give the same session records`, async () => {
      const all = await sessions(capture, { tls: ignore, smtp: ignore, http: ignore, dns: ignore });
      expect(all.some((r) => !r.includes('"app_proto":null'))).toBe(true);
      expect(await sessions(capture, null)).toEqual(all);
      for (const some of [{ tls: ignore }, { smtp: ignore }, { http: ignore }, { dns: ignore }, { smtp: ignore, http: ignore }, { tls: ignore, http: ignore, dns: ignore }]) {
        expect(await sessions(capture, { ...some, sessions: true })).toEqual(all);
      }
      // the library's analyze() yields sessions: the same, whichever records it was asked for
      const fromApi: string[] = [];
      for await (const r of analyze(join(GEN, capture), { tls: false, smtp: false, http: false, dns: false })) if (r.type === 'session') fromApi.push(JSON.stringify(r.record));
      expect(fromApi).toEqual(all);
    });
  }

  it('the shortcut for a first delivery that is a whole ClientHello record is taken only where the TLS analyzer names the session on it', () => {
    // first deliveries near the shortcut's edge: handshake records of any length and content, cut anywhere,
    // with the header bytes sometimes off by one value
    const header = fc.oneof(fc.constant({ type: 22, major: 3, minor: 1, msg: 1 }), fc.record({
      type: fc.constantFrom(20, 21, 22, 23, 24, 25),
      major: fc.constantFrom(2, 3, 4),
      minor: fc.integer({ min: 0, max: 4 }),
      msg: fc.constantFrom(1, 2, 0x16),
    }));
    const delivery = fc.tuple(header, fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 20_000 })), fc.integer({ min: 0, max: 600 }), fc.uint8Array({ maxLength: 64 }), fc.boolean())
      .map(([h, len, have, body, server]) => {
        const n = Math.min(5 + len, 5 + have);
        const b = new Uint8Array(Math.max(6, n));
        b.set([h.type, h.major, h.minor, len >> 8, len & 0xff, h.msg]);
        b.set(body.subarray(0, Math.max(0, b.length - 6)), 6);
        return { data: b, dir: server ? RESP : ORIG };
      });
    let taken = 0;
    fc.assert(fc.property(delivery, ({ data, dir }) => {
      const session = new Session();
      new TlsAnalyzer({ session, anomalies: new AnomalyLog(ignore), emit: ignore, cache: new HashCache(), probe: true }).deliver(dir, data);
      if (opensWithClientHelloRecord(dir, data)) {
        taken++;
        expect(session.appProto).toBe('tls');
      }
    }), { numRuns: 3000, seed: 13 });
    expect(taken).toBeGreaterThan(100);
  });
});
