// The `haystack` command: picks the verb, runs it, maps errors to messages and exit statuses.
import { isHaystackError } from '../core/errors.js';
import * as alerts from './commands/alerts.js';
import * as counts from './commands/counts.js';
import * as exportCmd from './commands/export.js';
import * as extract from './commands/extract.js';
import * as http from './commands/http.js';
import * as info from './commands/info.js';
import * as init from './commands/init.js';
import * as ingest from './commands/ingest.js';
import * as rules from './commands/rules.js';
import * as sessions from './commands/sessions.js';
import * as smtp from './commands/smtp.js';
import * as sql from './commands/sql.js';
import * as streams from './commands/streams.js';
import * as tls from './commands/tls.js';
import * as top from './commands/top.js';
import * as trends from './commands/trends.js';
import { EXIT_FAILURE, EXIT_USAGE, processIo, type CliIo } from './io.js';

interface Command {
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Verbs in help order. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  ['sessions', sessions],
  ['streams', streams],
  ['tls', tls],
  ['smtp', smtp],
  ['http', http],
  ['extract', extract],
  ['alerts', alerts],
  ['rules', rules],
  ['info', info],
  ['ingest', ingest],
  ['sql', sql],
  ['top', top],
  ['counts', counts],
  ['trends', trends],
  ['export', exportCmd],
  ['init', init],
]);

function help(): string {
  const rows = [...COMMANDS].map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `haystack — network security monitoring workbench\n\nusage: haystack <command> [options]\n\n${rows.join('\n')}\n\n` +
    `Run 'haystack <command> --help' for a command's options.\n` +
    `Exit status: 0 ok, 1 failure, 2 bad arguments, 3 an input was truncated or corrupt (output complete up to the damage).\n`;
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    io.stdout(help());
    return verb === undefined ? EXIT_USAGE : 0;
  }
  const cmd = COMMANDS.get(verb);
  if (cmd === undefined) {
    io.stderr(`haystack: unknown command "${verb}"\n\n${help()}`);
    return EXIT_USAGE;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (isHaystackError(e)) {
      io.stderr(`haystack ${verb}: ${e.message}\n`);
      return e.code === 'HAYSTACK_BAD_ARGUMENT' || e.code === 'HAYSTACK_BAD_OPTION' ? EXIT_USAGE : EXIT_FAILURE;
    }
    throw e;
  }
}
