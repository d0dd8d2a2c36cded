// `haystack alerts <capture...> --rules FILE...`: Snort/Suricata rules run over captures, one row per alert.
import { HaystackError } from '../../core/errors.js';
import { analysis } from '../../pipeline/analyzers.js';
import { detectHooks, guardedDetector } from '../../pipeline/detect.js';
import { Engine } from '../../pipeline/engine.js';
import { ALERTS } from '../../schema/alerts.js';
import { parse, requireInputs } from '../args.js';
import { RECORD_OPTIONS, recordOutput } from '../format/record-output.js';
import { EXIT_USAGE, type CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { loadRules, RULE_OPTIONS } from './rules.js';
import { reportDamage } from './report.js';

export const usage = `haystack alerts <capture...> --rules FILE... [--var NAME=VALUE]... [--vars-file FILE] [--classification FILE]
                [--format table|jsonl|csv] [--fields a,b,...] [--filter EXPR]
Variables default to snort.conf's ($HOME_NET any, $EXTERNAL_NET !$HOME_NET, $HTTP_PORTS ...). Rules that use
something unsupported are not loaded (haystack rules check lists them); the count goes to stderr.`;

const TABLE_FIELDS = ['ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'proto', 'sid', 'msg', 'priority', 'uid'];

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('alerts', argv, {
    rules: { type: 'string', multiple: true },
    ...RULE_OPTIONS,
    ...RECORD_OPTIONS,
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const files = (values.rules ?? []) as string[];
  if (files.length === 0) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'alerts: --rules FILE is required');
  const out = await recordOutput(ALERTS, values, io, TABLE_FIELDS);
  const inputs = requireInputs('alerts', positionals);
  const set = loadRules(files, values);
  for (const e of set.errors) io.stderr(`haystack alerts: ${e.file}:${e.line}${e.column !== null ? `:${e.column}` : ''}: ${e.message}\n`);
  if (set.errors.length > 0) {
    io.stderr('haystack alerts: the rules have syntax errors (above); nothing was run\n');
    return EXIT_USAGE;
  }
  io.stderr(`haystack alerts: ${set.rules.length} of ${set.total} rules loaded${set.notLoaded.length > 0 ? ` (${set.notLoaded.length} use something unsupported: haystack rules check lists them)` : ''}\n`);
  const detector = guardedDetector(set.rules, { emit: (a) => out.emit(a), anomalies: { add: (...a) => engine.anomalies.add(...a) } });
  const progress = new Progress(io);
  const an = analysis({ detect: detectHooks(detector) }, () => engine);
  const engine: Engine = new Engine({ ...an.handlers, progress: (input, bytes) => progress.update(input, bytes, null) }, an.options);
  const res = await engine.run(inputs);
  progress.done();
  out.end();
  return reportDamage(io, res);
}
