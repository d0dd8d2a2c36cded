// bench/lib/measure.mjs — one command measured for the benchmarks that read its output: wall seconds (hrtime),
// and under GNU time (when the machine has it) peak RSS (MiB) and user+sys CPU seconds; its stdout, the tail of
// its stderr, and the load average when it ended. Also the median the tables report.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** GNU time, which measures RSS and CPU; null where the machine lacks it (then those figures are null). */
export const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/**
 * Runs argv in `cwd`; rejects with the command and the end of its stderr when it exits non-zero. The figures of
 * GNU time go through a file in `workDir`.
 */
export function measured(argv, { cwd, workDir }) {
  return new Promise((resolve, reject) => {
    const tf = path.join(workDir, `time-${process.pid}`);
    const full = GNU_TIME !== null ? [GNU_TIME, '-f', '%M %U %S', '-o', tf, ...argv] : argv;
    const t0 = process.hrtime.bigint();
    const child = spawn(full[0], full.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-8000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      let rssMiB = null;
      let cpu = null;
      if (GNU_TIME !== null) {
        const v = fs.readFileSync(tf, 'utf8').trim().split('\n').pop().split(/\s+/).map(Number);
        rssMiB = (v[0] * 1024) / 2 ** 20;
        cpu = v[1] + v[2];
      }
      if (code !== 0) reject(new Error(`${argv.join(' ')}: exit ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
      else resolve({ s, rssMiB, cpu, out, err, load: os.loadavg()[0] });
    });
  });
}

/** The median (the mean of the two middle values of an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
