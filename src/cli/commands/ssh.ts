// `haystack ssh <capture...>`: one row per SSH session on any port: versions, HASSH, the algorithms chosen, the
// server's host key, authentication as inferred from packet sizes.
import { analysis } from '../../pipeline/analyzers.js';
import { Engine } from '../../pipeline/engine.js';
import { SSH } from '../../schema/ssh.js';
import { parse, requireInputs } from '../args.js';
import { RECORD_OPTIONS, recordOutput } from '../format/record-output.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { reportDamage } from './report.js';

export const usage = `haystack ssh <capture...> [--fields client,server,hassh,...] [--format table|jsonl|csv] [--filter EXPR]`;

const TABLE_FIELDS = ['ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'client', 'server', 'hassh', 'kex_alg', 'auth_success', 'auth_attempts'];

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('ssh', argv, {
    ...RECORD_OPTIONS,
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const out = recordOutput(SSH, values, io, TABLE_FIELDS);
  const inputs = requireInputs('ssh', positionals);
  const progress = new Progress(io);
  const ssh = analysis({ ssh: (r) => out.emit(r) }, () => engine);
  const engine: Engine = new Engine(
    { ...ssh.handlers, progress: (input, bytes) => progress.update(input, bytes, null) },
    ssh.options,
  );
  const res = await engine.run(inputs);
  progress.done();
  out.end();
  return reportDamage(io, res);
}
