// The dns records of a capture, as `haystack dns` gives them (and the anomalies of the run).
import type { AnomalyEvent } from '../../src/core/anomaly.js';
import { analysis } from '../../src/pipeline/analyzers.js';
import { Engine } from '../../src/pipeline/engine.js';
import type { DnsRecord } from '../../src/schema/dns.js';

export async function dnsRun(path: string): Promise<{ records: DnsRecord[]; anomalies: AnomalyEvent[] }> {
  const records: DnsRecord[] = [];
  const anomalies: AnomalyEvent[] = [];
  const an = analysis({ dns: (r) => void records.push(r) }, () => engine);
  const engine: Engine = new Engine({ ...an.handlers, anomaly: (a) => void anomalies.push(a) }, an.options);
  await engine.run([path]);
  return { records, anomalies };
}

export async function dnsRecords(path: string): Promise<DnsRecord[]> {
  return (await dnsRun(path)).records;
}
