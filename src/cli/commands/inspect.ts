// `haystack inspect <capture...>`: content findings of captures (sensitive data, secrets, cleartext logins,
// remote-access tools, label/content and protocol/port mismatches), validated and masked, never in clear unless
// --reveal asks for the values (then they are printed, and only printed).
import { analyze } from '../../pipeline/api.js';
import { FINDINGS, type FindingRecord } from '../../schema/findings.js';
import { field, type RecordSchema } from '../../schema/schema.js';
import { homeNetOption, parse, requireInputs } from '../args.js';
import { RECORD_OPTIONS, recordOutput } from '../format/record-output.js';
import { INSPECT_OPTIONS, INSPECT_USAGE, inspectOption } from '../inspect-args.js';
import type { CliIo } from '../io.js';
import { reportDamage } from './report.js';

export const usage = `haystack inspect <capture...> [--home-net CIDR,...] [--remote-access DIR] [--reveal]
                 [--fields detector,confidence,masked,...] [--format table|jsonl|csv] [--filter EXPR]
${INSPECT_USAGE}
  --reveal   adds a column with each value in clear (printed only, never stored; for a case you are working)
The values are keyed-hashed with a key made for this run: value_hmac matches across one run, not across runs or
with a store's (haystack ingest keys them with the store's own key).`;

const TABLE_FIELDS = ['ts', 'uid', 'app_proto', 'detector', 'confidence', 'count', 'masked', 'decode_path', 'note'];

const REVEALED: RecordSchema = {
  ...FINDINGS,
  fields: [...FINDINGS.fields, field('value', 'string', true, 'the value in clear (--reveal only; never stored)')],
};

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('inspect', argv, {
    'home-net': { type: 'string', multiple: true },
    reveal: { type: 'boolean' },
    ...RECORD_OPTIONS,
    ...INSPECT_OPTIONS,
  });
  if (values.help === true) {
    io.text(`${usage}\n`);
    return 0;
  }
  const reveal = values.reveal === true;
  const out = await recordOutput(reveal ? REVEALED : FINDINGS, values, io, reveal ? [...TABLE_FIELDS, 'value'] : TABLE_FIELDS);
  const inputs = requireInputs('inspect', positionals);
  const homeNet = homeNetOption(values['home-net']);
  const cfg = inspectOption({ ...values, 'no-inspect': false }, io, 'inspect');
  if (cfg === false) throw new Error('inspect: inspection is always on here');
  if (reveal) io.stderr('haystack inspect: --reveal: values are printed in clear\n');
  const clear = new WeakMap<FindingRecord, string>();
  const records = analyze(inputs, {
    homeNet,
    inspect: { ...cfg, ...(reveal ? { reveal: (f: FindingRecord, v: string) => void clear.set(f, v) } : {}) },
  });
  let r = await records.next();
  while (r.done !== true) {
    const x = r.value;
    if (x.type === 'finding') out.emit(reveal ? { ...x.record, value: clear.get(x.record) ?? null } : x.record);
    r = await records.next();
  }
  out.end();
  return reportDamage(io, r.value);
}
