// bench/lib/serve.mjs — the real `haystack serve` as a child process for the benchmarks: started, its URL read
// from its "listening on" line, stopped with SIGTERM.
import { spawn } from 'node:child_process';
import { ROOT } from './ten-million.mjs';

/** Starts `node argv...` (a serve command line) and resolves { url, pid, child } once it listens. */
export function startServe(argv, stdin = '') {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['pipe', 'ignore', 'pipe'], cwd: ROOT });
    let err = '';
    const onData = (d) => {
      err += d;
      const m = /listening on (\S+)/.exec(err);
      if (m !== null) {
        child.stderr.off('data', onData);
        child.stderr.on('data', (x) => process.stderr.write(`  server: ${x}`));
        resolve({ url: m[1], pid: child.pid, child });
      }
    };
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
    child.stdin.end(stdin);
  });
}

/** SIGTERM, then waits for the exit (at most 20 s). */
export async function stopServe(s) {
  const gone = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 20_000))]);
}
