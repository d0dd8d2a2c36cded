// --threads N of the record verbs: how many worker threads share a run (pipeline/threaded.ts).
import { statSync } from 'node:fs';
import { defaultThreads, workersAvailable } from '../pipeline/threaded.js';
import { intOption, type Options } from './args.js';

export const THREADS_OPTIONS: Options = {
  threads: { type: 'string' },
};

/** Threads a run may ask for (beyond the cores it only adds messages). */
export const MAX_THREADS = 64;

/** The usage text of the option. */
export const THREADS_USAGE = '[--threads N|auto]';

/**
 * The thread count: --threads N; --threads auto: a shard per core but the reader's for inputs of 16 MiB or more
 * (one below: starting workers costs more than a small capture takes): defaultThreads(). Without the option, one
 * thread: a threaded run is exact only while no per-table bound is reached (each shard has its own session table,
 * reassembly budget and fragment table: docs/DESIGN-NOTES.md "Issue 19: threads"), and on 2 cores it was slower.
 * Standard input is read on one thread: a run whose tunnels join flows on two shards goes on in one thread from
 * the start of its inputs, which stdin cannot give twice.
 */
export function threadsOption(v: unknown, inputs: readonly string[]): number {
  const auto = v === 'auto';
  const asked = auto ? undefined : intOption('threads', v, 1, MAX_THREADS);
  if (inputs.includes('-') || !workersAvailable()) return 1;
  if (asked !== undefined) return asked;
  if (!auto) return 1;
  let bytes = 0;
  for (const p of inputs) {
    try {
      bytes += statSync(p).size;
    } catch {
      return 1;
    }
  }
  return defaultThreads(bytes);
}

/**
 * The test hook of a worker that throws: HAYSTACK_TEST_SHARD_FAULT=N[,M...] makes the shard given global packet N
 * (0-based) throw on it, and so on (test/threads-fault.test.ts checks the report, the records kept and exit 3).
 */
export function shardFaultHook(): number[] | null {
  const v = process.env.HAYSTACK_TEST_SHARD_FAULT;
  return v !== undefined && /^\d+(,\d+)*$/.test(v) ? v.split(',').map(Number) : null;
}
