// `haystack ftp <capture...>`: one row per FTP command and its reply, on any port, with data channels and files.
import { analysis } from '../../pipeline/analyzers.js';
import { Engine } from '../../pipeline/engine.js';
import { FtpQueue } from '../../pipeline/ftp.js';
import { FTP } from '../../schema/ftp.js';
import { parse, requireInputs } from '../args.js';
import { RECORD_OPTIONS, recordOutput } from '../format/record-output.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { reportDamage } from './report.js';

export const usage = `haystack ftp <capture...> [--fields user,command,arg,reply_code,data_uid,fuid,...] [--format table|jsonl|csv] [--filter EXPR]`;

const TABLE_FIELDS = ['ts', 'src_ip', 'dst_ip', 'dst_port', 'user', 'command', 'arg', 'reply_code', 'reply_msg', 'data_resp_port', 'mime_type', 'file_size'];

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('ftp', argv, { ...RECORD_OPTIONS });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const out = await recordOutput(FTP, values, io, TABLE_FIELDS);
  const inputs = requireInputs('ftp', positionals);
  const progress = new Progress(io);
  const q = new FtpQueue({ anomalies: { add: (...a) => engine.anomalies.add(...a) }, filesDir: null }, (r) => {
    if (r.ftp !== null) out.emit(r.ftp);
  });
  const an = analysis({ ftp: q.push }, () => engine);
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
