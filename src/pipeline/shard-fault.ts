// The result of a threaded run that stopped at a shard's fault: the totals of the records handed on.
import { CaptureReader } from '../capture/capture-reader.js';
import { AnomalyLog } from '../core/anomaly.js';
import { HaystackError } from '../core/errors.js';
import { inputResult, MAX_STRUCTURE_BLOCKS, type InputResult, type RunResult } from './engine.js';
import type { ShardMerge } from './shard-merge.js';
import type { ShardFault } from './shard-protocol.js';
import { readSource, type SourceInfo } from './source.js';

/** An input of a threaded run: its path, and its bytes when they do not come from the file (tests). */
export interface FaultSource {
  path: string;
  chunks?: () => AsyncIterable<Uint8Array>;
}

/**
 * What one thread reports for the records a faulted run handed on (everything below the faulting packet's own
 * records): the sessions ended and the anomalies found there (counted in the merged order, also past the record
 * cap), the inputs before the faulting one as read, the faulting one as one thread reads its bytes before the
 * packet's record (read again: the reader ran ahead of the shards) with the fault as its error; the inputs after
 * it are left out (nothing of them was handed on).
 * @param results the reader's results of the inputs it began
 * @param start the global number of the faulting input's first packet
 */
export async function faultResult(f: ShardFault, sources: readonly FaultSource[], results: InputResult[], start: number, merge: ShardMerge): Promise<RunResult> {
  const inputs = results.slice(0, f.input);
  const i = f.input - 1;
  const read = inputs[i]!;
  let r: InputResult;
  try {
    r = await inputBefore(sources[i]!, f.fileOffset);
  } catch {
    // unreadable now: the reader's result, its packet count cut at the fault
    r = { ...read, packets: f.index - start };
  }
  r.error = new HaystackError('HAYSTACK_CAPTURE_CORRUPT', `${r.path}: a worker thread failed on the packet at byte offset ${f.fileOffset}: ${f.message}`, {
    file: r.path,
    offset: f.fileOffset,
  });
  inputs[i] = r;
  return { inputs, sessions: merge.sessionsEnded, anomalies: merge.anomalies, partial: true };
}

/** The result one thread gives for the first `end` bytes of an input (its anomalies are the run's already). */
async function inputBefore(src: FaultSource, end: number): Promise<InputResult> {
  const info: Partial<SourceInfo> = {};
  const chunks = src.chunks?.() ?? readSource(src.path, info);
  let firstTs: number | null = null;
  let lastTs: number | null = null;
  let packetBytes = 0;
  let structureBlocks: number[] | null = [];
  const reader = new CaptureReader({
    packet: (rec) => {
      firstTs ??= rec.ts;
      lastTs = rec.ts;
      packetBytes += rec.caplen;
    },
    anomaly: () => undefined,
    structure: (fileOffset) => {
      if (structureBlocks !== null && structureBlocks.length < MAX_STRUCTURE_BLOCKS) structureBlocks.push(fileOffset);
      else structureBlocks = null;
    },
  }, { file: src.path });
  let pos = 0;
  for await (const chunk of chunks) {
    const take = Math.min(chunk.length, end - pos);
    if (take > 0) reader.push(chunk.subarray(0, take));
    pos += take;
    if (pos >= end || reader.failed) break;
  }
  return inputResult(new AnomalyLog(() => undefined, 0), lastTs ?? 0, src.path, info, reader.end(), null, { firstTs, lastTs, packetBytes, structureBlocks });
}
