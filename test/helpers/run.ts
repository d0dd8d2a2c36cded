// Test helpers: run the real engine over a capture and collect what it produced.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnomalyEvent } from '../../src/core/anomaly.js';
import { Engine, type EngineOptions, type RunResult } from '../../src/pipeline/engine.js';
import type { SessionRecord } from '../../src/schema/sessions.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const GEN = join(ROOT, 'test/fixtures/gen');

export interface Collected {
  sessions: SessionRecord[];
  anomalies: AnomalyEvent[];
  result: RunResult;
}

export async function collect(inputs: string[], opts: EngineOptions = {}): Promise<Collected> {
  const sessions: SessionRecord[] = [];
  const anomalies: AnomalyEvent[] = [];
  const engine = new Engine({ session: (r) => sessions.push(r), anomaly: (a) => anomalies.push(a) }, opts);
  const result = await engine.run(inputs);
  return { sessions, anomalies, result };
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** An entry of test/known-differences.json: where we differ from a peer on purpose, and what is still checked. */
export interface KnownDifference<Check extends string = never> {
  file: string;
  kind: string;
  field: string;
  match?: Record<string, unknown>;
  check?: Check;
  reason: string;
}

/** The committed known differences (one list for every corpus suite). */
export function knownDifferences<Check extends string = never>(): KnownDifference<Check>[] {
  return readJson<{ differences: KnownDifference<Check>[] }>(join(ROOT, 'test/known-differences.json')).differences;
}

/**
 * The third-party corpus (../shared/corpus beside the repo, or HAYSTACK_CORPUS). Outside CI a missing corpus
 * skips those suites; in CI it is a failure (tests that did not run are not passes).
 */
export function corpusDir(): string | null {
  const dir = process.env.HAYSTACK_CORPUS ?? resolve(ROOT, '../shared/corpus');
  if (existsSync(join(dir, 'expected.json'))) return dir;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`the shared corpus is required in CI but ${dir} has no expected.json (set HAYSTACK_CORPUS)`);
  }
  return null;
}

export function walkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walkFiles(p));
    else out.push(p);
  }
  return out.sort();
}
