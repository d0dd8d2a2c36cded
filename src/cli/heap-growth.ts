// How far V8 lets the old generation grow past what survived the last full collection, for the verbs that read
// captures (issue 19, memory flat with capture length; DESIGN-NOTES "Issue 19: memory flat, round 2").
//
// A packet verb's live heap is flat over a long capture (the sessions open at once, ~15-30 MB), but V8 sets the next
// full collection at up to ~2x what survived the last one (its factor grows to 1.6 with the bin's 1 GiB ceiling,
// and allocation during concurrent marking adds to it). A run over perf-big (250 MB, ~1.3 s) ends while the old
// generation still ramps up to that headroom; a longer run lives at it, so its peak RSS was 1.1-1.3x higher
// although nothing it keeps grows. A fixed factor of 1.2 bounds the headroom: the next full collection comes after
// 20% of the live heap was promoted.
import v8 from 'node:v8';

/** The old generation grows by this percentage of what survived the last full collection (V8's factor 1.2). */
export const HEAP_GROWING_PERCENT = 20;

/** The verbs that read packets (one capture after another, sessions kept in a flow table). */
export const PACKET_VERBS: ReadonlySet<string> = new Set([
  'sessions', 'streams', 'tls', 'smtp', 'dns', 'ftp', 'pop3', 'imap', 'http', 'inspect', 'ssh', 'extract', 'alerts', 'info', 'ingest', 'sensor',
]);

/**
 * The V8 flag a run of `verb` sets, or null: none for the other verbs (queries, export, the console: their heaps
 * are shaped by what they are asked), and none when node was started with its own --heap-growing-percent (in its
 * options: the user's choice wins; Node 20 refuses the flag in NODE_OPTIONS, which is read here too in case a later
 * Node allows it).
 */
export function heapGrowthFlag(verb: string, execArgv: readonly string[] = process.execArgv, nodeOptions: string | undefined = process.env['NODE_OPTIONS']): string | null {
  if (!PACKET_VERBS.has(verb)) return null;
  const given = (s: string): boolean => /^--heap[-_]growing[-_]percent(=|$)/.test(s);
  if (execArgv.some(given) || (nodeOptions ?? '').split(/\s+/).some(given)) return null;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/**
 * Sets the flag for `verb` (runProcess, before the verb's modules load). V8 reads it each time it sets the next
 * full collection's limit, so setting it at start is as good as on node's command line; it is not set in-process
 * for the library or the tests.
 */
export function boundHeapGrowth(verb: string): void {
  const flag = heapGrowthFlag(verb);
  if (flag !== null) v8.setFlagsFromString(flag);
}
