// The worker_threads entry of a shard (--threads N): runs a ShardCore on the batches its parent posts.
import { parentPort } from 'node:worker_threads';
import { ShardCore, ShardFaultError } from './shard-core.js';
import type { FromShard, ShardOutput, ToShard } from './shard-protocol.js';

const port = parentPort;
if (port === null) throw new Error('shard-worker.ts runs as a worker thread');

let core: ShardCore | null = null;
/** set once a packet threw: the rest of the run's batches are ignored */
let faulted = false;

/** Posts output, its arrays transferred. */
function post(msg: FromShard & ShardOutput): void {
  port!.postMessage(msg, [msg.keys.buffer as ArrayBuffer, msg.kinds.buffer as ArrayBuffer, msg.creations.buffer as ArrayBuffer]);
}

port.on('message', (msg: ToShard) => {
  if (msg.type === 'start') {
    core = new ShardCore(msg.job);
    faulted = false;
    return;
  }
  if (core === null || faulted) return;
  if (msg.type === 'batch') {
    try {
      post({ type: 'out', ...core.batch(msg) });
    } catch (e) {
      if (!(e instanceof ShardFaultError)) throw e;
      faulted = true;
      post({ type: 'fault', ...core.take(), fault: e.fault });
    }
    return;
  }
  post({ type: 'done', ...core.finish() });
  core = null;
});
