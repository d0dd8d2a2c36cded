// `haystack dns <capture...>`: one row per DNS query/response transaction, over UDP and TCP, on any port.
import { analysis } from '../../pipeline/analyzers.js';
import { Engine } from '../../pipeline/engine.js';
import { DNS } from '../../schema/dns.js';
import { parse, requireInputs } from '../args.js';
import { RECORD_OPTIONS, recordOutput } from '../format/record-output.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { reportDamage } from './report.js';

export const usage = `haystack dns <capture...> [--fields query,qtype_name,answers,...] [--format table|jsonl|csv] [--filter EXPR]`;

const TABLE_FIELDS = ['ts', 'src_ip', 'dst_ip', 'transport', 'trans_id', 'query', 'qtype_name', 'rcode_name', 'answers', 'rtt'];

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('dns', argv, {
    ...RECORD_OPTIONS,
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const out = recordOutput(DNS, values, io, TABLE_FIELDS);
  const inputs = requireInputs('dns', positionals);
  const progress = new Progress(io);
  const an = analysis({ dns: (r) => out.emit(r) }, () => engine);
  const engine: Engine = new Engine(
    { ...an.handlers, progress: (input, bytes) => progress.update(input, bytes, null) },
    an.options,
  );
  const res = await engine.run(inputs);
  progress.done();
  out.end();
  return reportDamage(io, res);
}
