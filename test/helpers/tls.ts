// Runs the TLS analyzer over captures and collects its records (and the anomalies it raised).
import type { AnomalyEvent } from '../../src/core/anomaly.js';
import { tlsAnalysis } from '../../src/pipeline/analyzers.js';
import { Engine } from '../../src/pipeline/engine.js';
import type { TlsRecord } from '../../src/schema/tls.js';

export async function tlsRecords(inputs: string[]): Promise<{ records: TlsRecord[]; anomalies: AnomalyEvent[] }> {
  const records: TlsRecord[] = [];
  const anomalies: AnomalyEvent[] = [];
  const tls = tlsAnalysis((r) => records.push(r), () => engine);
  const engine: Engine = new Engine({ ...tls.handlers, anomaly: (a) => anomalies.push(a) }, tls.options);
  await engine.run(inputs);
  return { records, anomalies };
}
