// What every capture-reading verb prints at the end on stderr and how it maps to the exit status.
import type { RunResult } from '../../pipeline/engine.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, type CliIo } from '../io.js';

/** Names each damaged input on stderr; exit 1 if an input was no capture at all, 3 if one was cut or corrupt. */
export function reportDamage(io: CliIo, res: RunResult): number {
  let code = EXIT_OK;
  for (const r of res.inputs) {
    if (r.error === null) continue;
    if (r.error.code === 'HAYSTACK_CAPTURE_FORMAT') {
      io.stderr(`haystack: ${r.error.message}\n`);
      code = EXIT_FAILURE;
    } else {
      io.stderr(`haystack: ${r.error.message}; ${r.packets} packets before it were processed\n`);
      if (code === EXIT_OK) code = EXIT_PARTIAL;
    }
  }
  return code;
}
