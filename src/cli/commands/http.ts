// `haystack http <capture...>`: one row per HTTP/1.x request and its response, on any port.
import { analysis } from '../../pipeline/analyzers.js';
import { Engine } from '../../pipeline/engine.js';
import { HttpQueue } from '../../pipeline/http.js';
import { HTTP } from '../../schema/http.js';
import { parse, requireInputs } from '../args.js';
import { RECORD_OPTIONS, recordOutput } from '../format/record-output.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { reportDamage } from './report.js';

export const usage = `haystack http <capture...> [--fields a,b,...] [--format table|jsonl|csv] [--filter EXPR]`;

const TABLE_FIELDS = ['ts', 'src_ip', 'dst_ip', 'dst_port', 'method', 'host', 'uri', 'status_code', 'request_body_len', 'response_body_len', 'user_agent'];

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('http', argv, { ...RECORD_OPTIONS });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const out = await recordOutput(HTTP, values, io, TABLE_FIELDS);
  const inputs = requireInputs('http', positionals);
  const progress = new Progress(io);
  const q = new HttpQueue({ anomalies: { add: (...a) => engine.anomalies.add(...a) }, filesDir: null }, (r) => out.emit(r.http));
  const an = analysis({ http: q.push }, () => engine);
  const engine: Engine = new Engine(
    { ...an.handlers, progress: (input, bytes) => progress.update(input, bytes, null), afterChunk: () => q.drain() },
    an.options,
  );
  const res = await engine.run(inputs);
  await q.drain();
  progress.done();
  out.end();
  return reportDamage(io, res);
}
