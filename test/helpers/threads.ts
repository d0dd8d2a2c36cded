// Runs a verb's records the one-thread way (the CLI's Engine wiring) and through a ShardPool, for comparison.
import { CaptureReader } from '../../src/capture/capture-reader.js';
import type { AnomalyEvent } from '../../src/core/anomaly.js';
import { analysis, tlsAnalysis } from '../../src/pipeline/analyzers.js';
import { Engine, type EngineHandlers, type EngineOptions, type RunResult } from '../../src/pipeline/engine.js';
import type { ShardJob } from '../../src/pipeline/shard-protocol.js';
import type { ShardPool, ThreadedSource } from '../../src/pipeline/threaded.js';

export interface Records {
  /** JSON lines: sessions (all columns) or tls records, in output order */
  records: string[];
  anomalies: string[];
  result: Omit<RunResult, 'anomalies'> & { anomalies: [string, number][] };
}

export function job(verb: ShardJob['verb'], appProto = verb === 'sessions'): ShardJob {
  return { verb, appProto, anomalies: true, engine: {}, faultAt: null };
}

function summary(res: RunResult): Records['result'] {
  return { ...res, anomalies: [...res.anomalies].sort((a, b) => (a[0] < b[0] ? -1 : 1)) };
}

/** The one-thread run, wired as `haystack sessions` / `haystack tls` wire it. */
export async function oneThread(j: ShardJob, sources: ThreadedSource[]): Promise<Records> {
  const records: string[] = [];
  const anomalies: string[] = [];
  const engine = oneThreadEngine(j, records, anomalies);
  let res: RunResult;
  if (sources.every((s) => s.chunks === undefined)) res = await engine.run(sources.map((s) => s.path));
  else {
    if (sources.length !== 1) throw new Error('oneThread: chunks for one input only');
    res = await engine.runFrom(sources[0]!.path, sources[0]!.chunks!());
  }
  return { records, anomalies, result: summary(res) };
}

/**
 * The one-thread engine fed the packets of `inputs` (whole captures, in order) before global packet `k`, not
 * ended: its records so far, its session count and anomaly counts (what a run that stops at packet k handed on).
 */
export function oneThreadBefore(j: ShardJob, inputs: readonly Uint8Array[], k: number): { records: string[]; anomalies: string[]; sessions: number; counts: [string, number][] } {
  const records: string[] = [];
  const anomalies: string[] = [];
  const engine = oneThreadEngine(j, records, anomalies);
  let g = 0;
  inputs.forEach((bytes, i) => {
    const feed = engine.packetPath(i + 1);
    const reader = new CaptureReader({ packet: (rec) => void (g++ < k && feed(rec)), anomaly: () => undefined, structure: () => undefined }, { file: `input ${i + 1}` });
    reader.push(bytes);
    reader.end();
  });
  return { records, anomalies, sessions: engine.sessionCount, counts: [...engine.anomalies.counts].sort((a, b) => (a[0] < b[0] ? -1 : 1)) };
}

function oneThreadEngine(j: ShardJob, records: string[], anomalies: string[]): Engine {
  let handlers: EngineHandlers;
  let options: EngineOptions;
  if (j.verb === 'tls') {
    const t = tlsAnalysis((r) => records.push(JSON.stringify(r)), () => engine);
    handlers = t.handlers;
    options = t.options;
  } else {
    const probes = j.appProto ? analysis({ sessions: true }, () => engine) : null;
    handlers = { ...probes?.handlers, session: (r) => records.push(JSON.stringify(r)) };
    options = probes?.options ?? {};
  }
  const engine: Engine = new Engine({ ...handlers, anomaly: (a: AnomalyEvent) => anomalies.push(JSON.stringify(a)) }, { ...j.engine, ...options });
  return engine;
}

export async function threaded(pool: ShardPool, j: ShardJob, sources: ThreadedSource[]): Promise<Records> {
  const records: string[] = [];
  const anomalies: string[] = [];
  const push = (r: unknown): void => void records.push(JSON.stringify(r));
  const res = await pool.run(j, sources, { session: push, tls: push, anomaly: (a) => anomalies.push(JSON.stringify(a)) });
  return { records, anomalies, result: summary(res) };
}
