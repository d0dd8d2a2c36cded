// The dns records of a capture, as `haystack dns` gives them.
import { analysis } from '../../src/pipeline/analyzers.js';
import { Engine } from '../../src/pipeline/engine.js';
import type { DnsRecord } from '../../src/schema/dns.js';

export async function dnsRecords(path: string): Promise<DnsRecord[]> {
  const out: DnsRecord[] = [];
  const an = analysis({ dns: (r) => void out.push(r) }, () => engine);
  const engine: Engine = new Engine(an.handlers, an.options);
  await engine.run([path]);
  return out;
}
