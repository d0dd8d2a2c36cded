// `haystack streams <capture...> -o DIR`: tcpflow-compatible stream files, an index, optional transcripts.
import { HaystackError } from '../../core/errors.js';
import { Engine } from '../../pipeline/engine.js';
import { StreamsWriter } from '../../pipeline/streams-writer.js';
import { parse, requireInputs, stringOption } from '../args.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { reportDamage } from './report.js';

export const usage = `haystack streams <capture...> -o DIR [--transcript]`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('streams', argv, {
    output: { type: 'string', short: 'o' },
    transcript: { type: 'boolean' },
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const dir = stringOption(values.output);
  if (dir === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'streams: -o DIR is required');
  const inputs = requireInputs('streams', positionals);
  const writer = new StreamsWriter(dir, { transcripts: values.transcript === true });
  const progress = new Progress(io);
  const engine = new Engine(
    { progress: (input, bytes) => progress.update(input, bytes, null) },
    { streams: (s) => writer.forSession(s) },
  );
  const res = await engine.run(inputs);
  progress.done();
  writer.close();
  io.stderr(`${writer.files} stream files, ${res.sessions} sessions -> ${dir}\n`);
  return reportDamage(io, res);
}
