// `haystack tls <capture...>`: one row per TLS ClientHello on any port, with JA3/JA4 and the server's answer.
import { tlsAnalysis } from '../../pipeline/analyzers.js';
import { Engine } from '../../pipeline/engine.js';
import { TLS } from '../../schema/tls.js';
import { parse, requireInputs, stringOption } from '../args.js';
import { compileFilter, parseFilter } from '../../query/filter.js';
import { parseFormat, RowWriter, selectFields } from '../format/output.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { reportDamage } from './report.js';

export const summary = 'TLS ClientHellos on any port: SNI, versions, ALPN, JA3, JA4, the server\'s answer';
export const usage = `haystack tls <capture...> [--fields sni,ja4,...] [--format table|jsonl|csv] [--filter EXPR]`;

const TABLE_FIELDS = ['ts', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'sni', 'version', 'ja3', 'ja4'];

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('tls', argv, {
    format: { type: 'string' },
    fields: { type: 'string' },
    filter: { type: 'string' },
  });
  if (values.help === true) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const format = parseFormat(stringOption(values.format), io.stdoutIsTty);
  const fields = selectFields(TLS.fields, stringOption(values.fields), format === 'table' ? TABLE_FIELDS : undefined);
  const inputs = requireInputs('tls', positionals);
  const out = new RowWriter(fields, format, io.stdout);
  const filter = stringOption(values.filter);
  const keep = filter === undefined ? null : compileFilter(parseFilter(filter, TLS));
  const progress = new Progress(io);
  const tls = tlsAnalysis((r) => {
    if (keep === null || keep(r)) out.row(r);
  }, () => engine);
  const engine: Engine = new Engine(
    { ...tls.handlers, progress: (input, bytes) => progress.update(input, bytes, null) },
    tls.options,
  );
  const res = await engine.run(inputs);
  progress.done();
  out.end();
  return reportDamage(io, res);
}
