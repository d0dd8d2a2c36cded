// `haystack tls <capture...>`: one row per TLS ClientHello on any port, with JA3/JA4 and the server's answer.
import { tlsAnalysis, tlsNeeds } from '../../pipeline/analyzers.js';
import { Engine } from '../../pipeline/engine.js';
import { TLS } from '../../schema/tls.js';
import { parse, requireInputs } from '../args.js';
import { RECORD_OPTIONS, recordOutput } from '../format/record-output.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { reportDamage } from './report.js';
import { shardFaultHook, THREADS_OPTIONS, THREADS_USAGE, threadsOption } from '../threads.js';
import { threadedRun } from '../../pipeline/threaded.js';

export const usage = `haystack tls <capture...> [--fields sni,ja4,...] [--format table|jsonl|csv] [--filter EXPR] ${THREADS_USAGE}`;

const TABLE_FIELDS = ['ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'sni', 'version', 'ja3', 'ja4'];

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('tls', argv, {
    ...RECORD_OPTIONS,
    ...THREADS_OPTIONS,
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const out = await recordOutput(TLS, values, io, TABLE_FIELDS);
  const inputs = requireInputs('tls', positionals);
  const progress = new Progress(io);
  const threads = threadsOption(values.threads, inputs);
  if (threads > 1) {
    const res = await threadedRun(threads, { verb: 'tls', appProto: false, anomalies: false, engine: {}, faultAt: shardFaultHook() }, inputs, {
      tls: (r) => out.emit(r),
      progress: (input, bytes) => progress.update(input, bytes, null),
    });
    progress.done();
    out.end();
    return reportDamage(io, res);
  }
  // JA3/JA4 and the certificate's fields are computed only when printed or filtered on (threads: always)
  const tls = tlsAnalysis((r) => out.emit(r), () => engine, tlsNeeds((f) => out.needs(f)));
  const engine: Engine = new Engine(
    { ...tls.handlers, progress: (input, bytes) => progress.update(input, bytes, null) },
    tls.options,
  );
  const res = await engine.run(inputs);
  progress.done();
  out.end();
  return reportDamage(io, res);
}
