// The verbs that print one analyzer's records of captures and nothing else (`haystack dns|ssh|pop3|imap`):
// the record options, the analyzer alone in the engine, progress, and the damage report at the end.
import { analysis, type AnalysisOptions } from '../../pipeline/analyzers.js';
import { Engine } from '../../pipeline/engine.js';
import type { RecordSchema } from '../../schema/schema.js';
import { parse, requireInputs } from '../args.js';
import { RECORD_OPTIONS, recordOutput } from '../format/record-output.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { reportDamage } from './report.js';

type Emitting = 'dns' | 'ssh' | 'pop3' | 'imap';

export interface RecordVerb {
  /** the verb, also the analysis option that emits its records */
  name: Emitting;
  schema: RecordSchema;
  usage: string;
  /** the columns of `--format table` without `--fields` */
  tableFields: readonly string[];
}

export async function runRecordVerb(v: RecordVerb, argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(v.name, argv, { ...RECORD_OPTIONS });
  if (values.help === true) {
    io.text(`${v.usage}\n`);
    return 0;
  }
  const out = await recordOutput(v.schema, values, io, [...v.tableFields]);
  const inputs = requireInputs(v.name, positionals);
  const progress = new Progress(io);
  const emit = { [v.name]: (r: unknown) => out.emit(r as Record<string, unknown>) } as AnalysisOptions;
  const an = analysis(emit, () => engine);
  const engine: Engine = new Engine(
    { ...an.handlers, progress: (input, bytes) => progress.update(input, bytes, null) },
    an.options,
  );
  const res = await engine.run(inputs);
  progress.done();
  out.end();
  return reportDamage(io, res);
}
