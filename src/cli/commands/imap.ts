// `haystack imap <capture...>`: one row per IMAP command and its tagged completion, on any port.
import { analysis } from '../../pipeline/analyzers.js';
import { Engine } from '../../pipeline/engine.js';
import { IMAP } from '../../schema/imap.js';
import { parse, requireInputs } from '../args.js';
import { RECORD_OPTIONS, recordOutput } from '../format/record-output.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { reportDamage } from './report.js';

export const usage = `haystack imap <capture...> [--fields user,command,arg,status,...] [--format table|jsonl|csv] [--filter EXPR]`;

const TABLE_FIELDS = ['ts', 'src_ip', 'dst_ip', 'dst_port', 'user', 'tag', 'command', 'arg', 'status', 'reply_msg'];

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('imap', argv, { ...RECORD_OPTIONS });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const out = recordOutput(IMAP, values, io, TABLE_FIELDS);
  const inputs = requireInputs('imap', positionals);
  const progress = new Progress(io);
  const an = analysis({ imap: (r) => out.emit(r) }, () => engine);
  const engine: Engine = new Engine(
    { ...an.handlers, progress: (input, bytes) => progress.update(input, bytes, null) },
    an.options,
  );
  const res = await engine.run(inputs);
  progress.done();
  out.end();
  return reportDamage(io, res);
}
