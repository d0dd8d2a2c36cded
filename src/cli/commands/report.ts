// What every capture-reading verb prints at the end on stderr and how it maps to the exit status.
import type { RunResult } from '../../pipeline/engine.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, type CliIo } from '../io.js';

/** Names each damaged input on stderr; exit 1 if an input was unreadable or no capture, 3 if one was cut or corrupt. */
export function reportDamage(io: CliIo, res: RunResult, anomalySummary = true): number {
  let code = EXIT_OK;
  const names = [...res.anomalies].filter(([n]) => n !== 'capture_damaged').sort((a, b) => b[1] - a[1]);
  if (anomalySummary && names.length > 0) {
    const total = names.reduce((a, [, n]) => a + n, 0);
    const top = names.slice(0, 5).map(([n, c]) => `${n} ${c}`).join(', ');
    io.stderr(`haystack: ${total} anomalies (${top}${names.length > 5 ? ', ...' : ''}); \`haystack info\` lists them\n`);
  }
  for (const r of res.inputs) {
    if (r.error === null) continue;
    if (r.error.code === 'HAYSTACK_CAPTURE_FORMAT' || r.error.code === 'HAYSTACK_IO') {
      io.stderr(`haystack: ${r.error.message}\n`);
      code = EXIT_FAILURE;
    } else {
      io.stderr(`haystack: ${r.error.message}; ${r.packets} packets before it were processed\n`);
      if (code === EXIT_OK) code = EXIT_PARTIAL;
    }
  }
  return code;
}
