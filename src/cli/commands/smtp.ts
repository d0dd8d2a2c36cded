// `haystack smtp <capture...>`: one row per SMTP message (envelope, headers, MIME skeleton) on any port.
import { analysis } from '../../pipeline/analyzers.js';
import { Engine } from '../../pipeline/engine.js';
import { MailQueue } from '../../pipeline/mail.js';
import { SMTP } from '../../schema/smtp.js';
import { parse, requireInputs } from '../args.js';
import { RECORD_OPTIONS, recordOutput } from '../format/record-output.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { reportDamage } from './report.js';

export const usage = `haystack smtp <capture...> [--fields a,b,...] [--format table|jsonl|csv] [--filter EXPR]`;

const TABLE_FIELDS = ['ts', 'src_ip', 'dst_ip', 'dst_port', 'mail_from', 'rcpt_to', 'subject', 'fuids', 'last_reply'];

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('smtp', argv, { ...RECORD_OPTIONS });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const out = await recordOutput(SMTP, values, io, TABLE_FIELDS);
  const inputs = requireInputs('smtp', positionals);
  const progress = new Progress(io);
  const mail = new MailQueue({ anomalies: { add: (...a) => engine.anomalies.add(...a) }, filesDir: null }, (r) => out.emit(r.smtp));
  const an = analysis({ smtp: mail.push }, () => engine);
  const engine: Engine = new Engine(
    { ...an.handlers, progress: (input, bytes) => progress.update(input, bytes, null), afterChunk: () => mail.drain() },
    an.options,
  );
  const res = await engine.run(inputs);
  await mail.drain();
  progress.done();
  out.end();
  return reportDamage(io, res);
}
