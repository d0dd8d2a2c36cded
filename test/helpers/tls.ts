// Runs the TLS analyzer over captures and collects its records (and the anomalies it raised).
import { HashCache } from '../../src/analyzers/tls/fingerprints.js';
import { TlsAnalyzer } from '../../src/analyzers/tls/tls-analyzer.js';
import type { AnomalyEvent } from '../../src/core/anomaly.js';
import { Engine } from '../../src/pipeline/engine.js';
import type { TlsRecord } from '../../src/schema/tls.js';

export async function tlsRecords(inputs: string[]): Promise<{ records: TlsRecord[]; anomalies: AnomalyEvent[] }> {
  const records: TlsRecord[] = [];
  const anomalies: AnomalyEvent[] = [];
  const cache = new HashCache();
  const engine: Engine = new Engine(
    { anomaly: (a) => anomalies.push(a) },
    { streams: (s) => new TlsAnalyzer({ session: s, anomalies: engine.anomalies, emit: (r) => records.push(r), cache }) },
  );
  await engine.run(inputs);
  return { records, anomalies };
}
