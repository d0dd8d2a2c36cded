// Messages between the fuzz runner and its target workers, and the layout of the memory they share.

/**
 * Int32 words before the input bytes: heartbeat (inputs started), bin length, extra length, cut-to-fit flag,
 * and the phase (PREPARING while a target reads its seeds, RUNNING while it runs inputs).
 */
export const HEADER_INTS = 5;
export const PHASE = 4;
export const PREPARING = 0;
export const RUNNING = 1;
/** A target reading its seeds has this long (or the per-input bound, if longer) before it counts as hung. */
export const PREPARE_MS = 120_000;
/** Room for the input in flight: an input larger than this is recorded cut (and flagged so). */
export const SHARED_INPUT_BYTES = 16 * 1024 * 1024;

export type ToWorker =
  | { kind: 'slice'; target: string; seed: number; timeMs: number | null; runs: number | null }
  | { kind: 'replay'; target: string; files: string[] };

export interface Failure {
  bin: Uint8Array;
  extra: unknown;
  seed: number;
  path: string;
  shrinks: number;
  error: string;
  stack: string;
}

export interface SliceResult {
  kind: 'slice';
  /** inputs run, shrinking included */
  execs: number;
  ms: number;
  runs: number;
  failure: Failure | null;
}

export interface ReplayResult {
  kind: 'replay';
  results: ({ file: string; ok: true } | { file: string; ok: false; error: string; stack: string })[];
}

export type FromWorker = { kind: 'ready' } | SliceResult | ReplayResult | { kind: 'broken'; error: string; stack: string };
