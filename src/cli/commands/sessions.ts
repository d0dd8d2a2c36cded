// `haystack sessions <capture...>`: one row per session.
import { Engine } from '../../pipeline/engine.js';
import { SESSIONS } from '../../schema/sessions.js';
import { homeNetOption, parse, requireInputs } from '../args.js';
import { RECORD_OPTIONS, recordOutput } from '../format/record-output.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { reportDamage } from './report.js';
import { shardFaultHook, THREADS_OPTIONS, THREADS_USAGE, threadsOption } from '../threads.js';
import { threadedRun } from '../../pipeline/threaded.js';

export const usage = `haystack sessions <capture...> [--home-net CIDR,...] [--format table|jsonl|csv] [--fields a,b,...] [--filter EXPR] ${THREADS_USAGE}`;

const TABLE_FIELDS = [
  'start_time', 'proto', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'state', 'src_pkts', 'dst_pkts',
  'src_bytes', 'dst_bytes', 'direction', 'uid',
];

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('sessions', argv, {
    'home-net': { type: 'string', multiple: true },
    ...RECORD_OPTIONS,
    ...THREADS_OPTIONS,
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const out = await recordOutput(SESSIONS, values, io, TABLE_FIELDS);
  const inputs = requireInputs('sessions', positionals);
  const homeNet = homeNetOption(values['home-net']);
  const progress = new Progress(io);
  const threads = threadsOption(values.threads, inputs);
  if (threads > 1) {
    const res = await threadedRun(threads, {
      verb: 'sessions', appProto: out.needs('app_proto'), anomalies: false, engine: { homeNet }, faultAt: shardFaultHook(),
    }, inputs, { session: (r) => out.emit(r), progress: (input, bytes) => progress.update(input, bytes, null) });
    progress.done();
    out.end();
    return reportDamage(io, res);
  }
  // no records but sessions: the analyzers only probe each session's first bytes for its protocol, when
  // app_proto is printed or filtered on (the table's default columns do not show it); the analyzers' modules are
  // loaded only then (a table run does not pay for their import)
  const probes = out.needs('app_proto') ? (await import('../../pipeline/analyzers.js')).analysis({ sessions: true }, () => engine) : null;
  const engine: Engine = new Engine(
    {
      ...probes?.handlers,
      session: (r) => out.emit(r),
      progress: (input, bytes) => progress.update(input, bytes, null),
    },
    { homeNet, ...probes?.options },
  );
  const res = await engine.run(inputs);
  progress.done();
  out.end();
  return reportDamage(io, res);
}
