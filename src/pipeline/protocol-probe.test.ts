// The probes name a session's protocol exactly as the analyzers do when their records are wanted: the same
// session records from a run with no analyzers asked for, with some, and with all (as ingest runs them).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GEN } from '../../test/helpers/run.js';
import { analysis, type AnalysisOptions } from './analyzers.js';
import { analyze } from './api.js';
import { Engine } from './engine.js';
import { protocolDetection } from './protocol-probe.js';

async function sessions(capture: string, o: AnalysisOptions | null): Promise<string[]> {
  const out: string[] = [];
  const an = o === null ? null : analysis(o, () => engine);
  const engine: Engine = new Engine(
    { ...(an?.handlers ?? {}), session: (r) => void out.push(JSON.stringify(r)) },
    an?.options ?? protocolDetection(),
  );
  await engine.run([join(GEN, capture)]);
  return out;
}

const ignore = (): void => undefined;

describe('protocol probes', () => {
  for (const capture of ['http-put.pcap', 'mixed-home.pcap', 'smtp-attachments.pcap', 'tls-clients.pcapng']) {
    it(`${capture}: sessions alone, with one protocol's records, and with all give the same session records`, async () => {
      const all = await sessions(capture, { tls: ignore, smtp: ignore, http: ignore });
      expect(all.some((r) => !r.includes('"app_proto":null'))).toBe(true);
      expect(await sessions(capture, null)).toEqual(all);
      for (const some of [{ tls: ignore }, { smtp: ignore }, { http: ignore }, { smtp: ignore, http: ignore }, { tls: ignore, http: ignore }]) {
        expect(await sessions(capture, { ...some, sessions: true })).toEqual(all);
      }
      // the library's analyze() yields sessions: the same, whichever records it was asked for
      const fromApi: string[] = [];
      for await (const r of analyze(join(GEN, capture), { tls: false, smtp: false, http: false })) if (r.type === 'session') fromApi.push(JSON.stringify(r.record));
      expect(fromApi).toEqual(all);
    });
  }
});
