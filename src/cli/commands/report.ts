// What every capture-reading verb prints at the end on stderr and how it maps to the exit status.
import type { RunResult } from '../../pipeline/engine.js';
import { EXIT_OK, EXIT_PARTIAL, type CliIo } from '../io.js';

export function reportDamage(io: CliIo, res: RunResult): number {
  for (const r of res.inputs) {
    if (r.error !== null) io.stderr(`haystack: ${r.error.message}; ${r.packets} packets before it were processed\n`);
  }
  return res.partial ? EXIT_PARTIAL : EXIT_OK;
}
