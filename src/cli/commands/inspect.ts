// `haystack inspect <capture...>`: content findings of captures (sensitive data, secrets, cleartext logins,
// remote-access tools, label/content and protocol/port mismatches), validated and masked, never in clear unless
// --reveal asks for the values (then they are printed, only printed, and the reveal is in the store's audit table).
import { userInfo } from 'node:os';
import { HaystackError } from '../../core/errors.js';
import { isExternalFormatName } from '../../formats/external-names.js';
import { compileFilter, parseFilter } from '../../query/filter.js';
import { analyze } from '../../pipeline/api.js';
import { FINDINGS, type FindingRecord } from '../../schema/findings.js';
import { field, type RecordSchema } from '../../schema/schema.js';
import { appendAudit, storeKey } from '../../store/app-tables.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import { homeNetOption, parse, requireInputs, stringOption } from '../args.js';
import { RECORD_OPTIONS, recordOutput } from '../format/record-output.js';
import { INSPECT_OPTIONS, INSPECT_USAGE, inspectOption } from '../inspect-args.js';
import type { CliIo } from '../io.js';
import { DB_OPTION } from '../store-args.js';
import { reportDamage } from './report.js';

export const usage = `haystack inspect <capture...> [--home-net CIDR,...] [--remote-access DIR] [--db URL [--reveal]]
                 [--fields detector,confidence,masked,...] [--format table|jsonl|csv] [--filter EXPR]
${INSPECT_USAGE}
  --db URL   a store (see haystack ingest): value_hmac is keyed with its key, so a value can be followed into
             what was ingested; no finding is written to it (a store not made yet is made, with its key, as
             ingest would make it; --reveal adds its audit row)
  --reveal   adds a column with each value in clear (printed only, never stored; for a case you are working).
             Needs --db: the reveal is recorded in that store's audit table (who, the captures, how many values;
             never the values) before any row is printed, and nothing is printed if that record cannot be made
Without --db the values are keyed-hashed with a key made for this run: value_hmac matches across one run, not
across runs or with a store's.`;

const TABLE_FIELDS = ['ts', 'uid', 'app_proto', 'detector', 'confidence', 'count', 'masked', 'decode_path', 'note'];

const REVEALED: RecordSchema = {
  ...FINDINGS,
  fields: [...FINDINGS.fields, field('value', 'string', true, 'the value in clear (--reveal only; never stored)')],
};

/** Who ran the command, as the operating system names the account (its uid when it has no name). */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${typeof process.getuid === 'function' ? process.getuid() : 'unknown'}`;
  }
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('inspect', argv, {
    ...DB_OPTION,
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
  const db = stringOption(values.db);
  if (reveal) {
    // one place records reveals: the audit table the console's actions go to; a run without a store has none
    if (db === undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'inspect: --reveal needs --db URL: a reveal is recorded in that store\'s audit table');
    const format = stringOption(values.format);
    if (format !== undefined && isExternalFormatName(format)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `inspect: --reveal adds a value column, which --format ${format} does not have`);
    const fields = stringOption(values.fields);
    if (fields !== undefined && !fields.split(',').map((f) => f.trim()).includes('value')) {
      throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'inspect: --reveal prints the value column: name it in --fields, or leave --reveal out');
    }
    // the filter is kept in the audit row: one that reads the value would put a value there in clear
    const filter = stringOption(values.filter);
    if (filter !== undefined) {
      parseFilter(filter, REVEALED);
      try {
        parseFilter(filter, FINDINGS);
      } catch {
        throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'inspect: with --reveal, --filter cannot read value (the filter is kept in the audit row); filter on value_hmac, masked or detector');
      }
    }
  }
  const out = await recordOutput(reveal ? REVEALED : FINDINGS, values, io, reveal ? [...TABLE_FIELDS, 'value'] : TABLE_FIELDS);
  const inputs = requireInputs('inspect', positionals);
  const homeNet = homeNetOption(values['home-net']);
  const cfg = inspectOption({ ...values, 'no-inspect': false }, io, 'inspect');
  if (cfg === false) throw new Error('inspect: inspection is always on here');
  // the store is opened for its key and again for the audit row, not held while the captures are read (an ingest
  // into it can run meanwhile)
  const key = db === undefined ? undefined : await withStore(db, (store) => storeKey(store, 'finding_hmac'));
  const clear = new WeakMap<FindingRecord, string>();
  const records = analyze(inputs, {
    homeNet,
    inspect: { ...cfg, ...(key !== undefined ? { key } : {}), ...(reveal ? { reveal: (f: FindingRecord, v: string) => void clear.set(f, v) } : {}) },
  });
  // under --reveal the rows wait for the end of the run: the audit row says how many values were shown, and it
  // is written before the first of them is
  const held: FindingRecord[] = [];
  let r = await records.next();
  while (r.done !== true) {
    const x = r.value;
    if (x.type === 'finding') {
      if (reveal) held.push(x.record);
      else out.emit(x.record);
    }
    r = await records.next();
  }
  if (reveal && db !== undefined) {
    const filter = stringOption(values.filter);
    const keep = filter === undefined ? null : compileFilter(parseFilter(filter, REVEALED));
    const shown = held.map((f) => ({ ...f, value: clear.get(f) ?? null })).filter((x) => keep === null || keep(x));
    const revealed = shown.filter((x) => x.value !== null);
    const detectors = [...new Set(revealed.map((x) => x.detector))].sort().join(', ');
    // who, what and how many; never a value (nor a hash of one: the findings rows are in the output, not here)
    await withStore(db, (store) => appendAudit(store, {
      user: osUser(), action: 'reveal', route: 'cli inspect --reveal', filter: filter ?? null, target: inputs.join(' '), rows: revealed.length,
      outcome: 'ok', detail: `${revealed.length} values in clear in ${shown.length} findings printed${detectors !== '' ? ` (${detectors})` : ''}`,
    }));
    io.stderr('haystack inspect: --reveal: values are printed in clear; the reveal is recorded in the store\'s audit table\n');
    for (const x of shown) out.emit(x);
  }
  out.end();
  return reportDamage(io, r.value);
}

/** Runs `fn` on the store the URL names (its tables made if new), closed afterwards. */
async function withStore<T>(url: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(url);
  try {
    await store.init();
    return await fn(store);
  } finally {
    await store.close();
  }
}
