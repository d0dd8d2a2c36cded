// The fuzz targets in a worker thread: runs a slice of fast-check runs of a target (or replays corpus inputs)
// when the runner asks, and before each input writes it to memory shared with the runner, so that when an
// input hangs or kills the worker (a stack or heap exhausted) the runner still has the input that did it.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { TARGETS } from './targets/index.js';
import type { AnyTarget, Encoded } from './target.js';
import { HEADER_INTS, PHASE, PREPARING, RUNNING, type Failure, type ReplayResult, type SliceResult, type ToWorker } from './protocol.js';

const { shared } = workerData as { shared: SharedArrayBuffer };
const header = new Int32Array(shared, 0, HEADER_INTS);
const bytes = new Uint8Array(shared, HEADER_INTS * 4);
const enc = new TextEncoder();

/** The input about to run, into shared memory (cut to fit: the runner notes that), then the heartbeat. */
function publish(e: Encoded): void {
  const extra = enc.encode(JSON.stringify(e.extra ?? null));
  const room = bytes.length;
  const binLen = Math.min(e.bin.length, room);
  const extraLen = Math.min(extra.length, room - binLen);
  bytes.set(e.bin.subarray(0, binLen), 0);
  bytes.set(extra.subarray(0, extraLen), binLen);
  Atomics.store(header, 1, binLen);
  Atomics.store(header, 2, extraLen);
  Atomics.store(header, 3, binLen < e.bin.length || extraLen < extra.length ? 1 : 0);
  Atomics.add(header, 0, 1);
}

function describe(e: unknown): { error: string; stack: string } {
  if (e instanceof Error) {
    const causes: string[] = [];
    let c: unknown = e.cause;
    while (c instanceof Error && causes.length < 3) {
      causes.push(`caused by ${c.stack ?? `${c.name}: ${c.message}`}`);
      c = c.cause;
    }
    return { error: `${e.name}: ${e.message}`, stack: [e.stack ?? '', ...causes].join('\n') };
  }
  return { error: String(e), stack: '' };
}

async function slice(t: AnyTarget, seed: number, timeMs: number | null, runs: number | null): Promise<SliceResult> {
  const start = performance.now();
  const before = Atomics.load(header, 0);
  const prop = fc.asyncProperty(t.arbitrary, async (input: unknown) => {
    publish(t.encode(input));
    await t.check(input);
  });
  const details = await fc.check(prop, {
    seed,
    numRuns: runs ?? 1_000_000_000,
    ...(timeMs !== null ? { interruptAfterTimeLimit: timeMs, markInterruptAsFailure: false } : {}),
  });
  let failure: Failure | null = null;
  if (details.failed && details.counterexample !== null) {
    const e = t.encode(details.counterexample[0]);
    failure = { bin: e.bin, extra: e.extra ?? null, seed, path: details.counterexamplePath ?? '', shrinks: details.numShrinks, ...describe(details.errorInstance) };
  }
  return { kind: 'slice', execs: Atomics.load(header, 0) - before, ms: performance.now() - start, runs: details.numRuns, failure };
}

async function replay(t: AnyTarget, files: string[]): Promise<ReplayResult> {
  const results: ReplayResult['results'] = [];
  for (const f of files) {
    const bin = new Uint8Array(readFileSync(f));
    let extra: unknown = null;
    try {
      extra = (JSON.parse(readFileSync(f.replace(/\.bin$/, '.json'), 'utf8')) as { extra?: unknown }).extra ?? null;
    } catch {
      // a .bin without its .json: the input alone (every target decodes that)
    }
    const input: unknown = t.decode({ bin, extra });
    publish({ bin, extra });
    try {
      await t.check(input);
      results.push({ file: f, ok: true });
    } catch (e) {
      results.push({ file: f, ok: false, ...describe(e) });
    }
  }
  return { kind: 'replay', results };
}

/** Targets made so far (each reads its seeds once). */
const made = new Map<string, Promise<AnyTarget>>();

function target(name: string): Promise<AnyTarget> {
  let t = made.get(name);
  if (t === undefined) {
    const entry = TARGETS[name];
    if (entry === undefined) return Promise.reject(new Error(`unknown fuzz target "${name}"`));
    made.set(name, (t = Promise.resolve(entry.make())));
  }
  return t;
}

parentPort!.on('message', (m: ToWorker) => {
  // nothing in flight until the target has its seeds (a hang now is the target's, not an input's)
  Atomics.store(header, 1, 0);
  Atomics.store(header, 2, 0);
  Atomics.store(header, PHASE, PREPARING);
  const work = target(m.target).then((t) => {
    Atomics.store(header, PHASE, RUNNING);
    Atomics.add(header, 0, 1);
    return t;
  }).then((t): Promise<SliceResult | ReplayResult> => (m.kind === 'slice' ? slice(t, m.seed, m.timeMs, m.runs) : replay(t, m.files)));
  work.then((r) => parentPort!.postMessage(r), (e: unknown) => parentPort!.postMessage({ kind: 'broken', ...describe(e) }));
});
parentPort!.postMessage({ kind: 'ready' });
