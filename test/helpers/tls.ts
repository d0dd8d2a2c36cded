// Runs the TLS analyzer over captures and collects its records (and the anomalies it raised).
import type { AnomalyEvent } from '../../src/core/anomaly.js';
import { tlsStreams } from '../../src/pipeline/analyzers.js';
import { Engine } from '../../src/pipeline/engine.js';
import type { TlsRecord } from '../../src/schema/tls.js';

export async function tlsRecords(inputs: string[]): Promise<{ records: TlsRecord[]; anomalies: AnomalyEvent[] }> {
  const records: TlsRecord[] = [];
  const anomalies: AnomalyEvent[] = [];
  const engine: Engine = new Engine(
    { anomaly: (a) => anomalies.push(a) },
    { streams: tlsStreams((r) => records.push(r), () => engine.anomalies) },
  );
  await engine.run(inputs);
  return { records, anomalies };
}
