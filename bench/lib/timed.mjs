// bench/lib/timed.mjs — one command under GNU time for the benchmarks: wall seconds (hrtime), peak RSS (MiB),
// exit status and stderr.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Runs argv under /usr/bin/time; `env` adds to the environment. Never rejects: the caller reads `code`. */
export function timed(argv, env = {}) {
  return new Promise((resolve) => {
    const rss = path.join(os.tmpdir(), `haystack-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const t0 = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', rss, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      const kb = Number(fs.readFileSync(rss, 'utf8').trim().split('\n').pop());
      fs.rmSync(rss, { force: true });
      resolve({ s, rssMiB: (kb * 1024) / 2 ** 20, code, err });
    });
  });
}
