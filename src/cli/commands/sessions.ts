// `haystack sessions <capture...>`: one row per session.
import { Engine } from '../../pipeline/engine.js';
import { SESSIONS } from '../../schema/sessions.js';
import { homeNetOption, parse, requireInputs, stringOption } from '../args.js';
import { compileFilter, parseFilter } from '../../query/filter.js';
import { parseFormat, RowWriter, selectFields } from '../format/output.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { reportDamage } from './report.js';

export const summary = 'session records (5-tuple, counters, state, direction, Community ID)';
export const usage = `haystack sessions <capture...> [--home-net CIDR,...] [--format table|jsonl|csv] [--fields a,b,...] [--filter EXPR]`;

const TABLE_FIELDS = [
  'start_time', 'proto', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'state', 'src_pkts', 'dst_pkts',
  'src_bytes', 'dst_bytes', 'direction', 'uid',
];

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('sessions', argv, {
    'home-net': { type: 'string', multiple: true },
    format: { type: 'string' },
    fields: { type: 'string' },
    filter: { type: 'string' },
  });
  if (values.help === true) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const format = parseFormat(stringOption(values.format), io.stdoutIsTty);
  const fields = selectFields(SESSIONS.fields, stringOption(values.fields), format === 'table' ? TABLE_FIELDS : undefined);
  const inputs = requireInputs('sessions', positionals);
  const homeNet = homeNetOption(values['home-net']);
  const out = new RowWriter(fields, format, io.stdout);
  const filter = stringOption(values.filter);
  const keep = filter === undefined ? null : compileFilter(parseFilter(filter, SESSIONS));
  const progress = new Progress(io);
  const engine = new Engine(
    {
      session: (r) => {
        if (keep === null || keep(r)) out.row(r);
      },
      progress: (input, bytes) => progress.update(input, bytes, null),
    },
    { homeNet },
  );
  const res = await engine.run(inputs);
  progress.done();
  out.end();
  return reportDamage(io, res);
}
