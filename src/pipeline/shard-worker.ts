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
      // the batch's buffers go back to the reader for its next rounds (no allocation per round)
      const out = core.batch(msg);
      const transfer = [out.keys.buffer as ArrayBuffer, out.kinds.buffer as ArrayBuffer, out.creations.buffer as ArrayBuffer];
      // shared buffers go back by reference; plain ones are transferred back
      for (const b of [msg.meta.buffer, msg.data.buffer]) if (!(b instanceof SharedArrayBuffer)) transfer.push(b);
      port.postMessage({ type: 'out', ...out, spent: msg.meta, spentData: msg.data }, transfer);
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
