// The --format / --fields / --filter options every record-listing verb takes, turned into one emit function.
import { HaystackError } from '../../core/errors.js';
import { isExternalFormatName } from '../../formats/external-names.js';
import { compileFilter, parseFilter } from '../../query/filter.js';
import type { RecordSchema } from '../../schema/schema.js';
import { stringOption, type Options } from '../args.js';
import type { CliIo } from '../io.js';
import { parseFormat, RowWriter, selectFields } from './output.js';

export const RECORD_OPTIONS: Options = {
  format: { type: 'string' },
  fields: { type: 'string' },
  filter: { type: 'string' },
};

export interface RecordOutput {
  /** writes the record if the filter keeps it */
  emit(r: Record<string, unknown>): void;
  end(): void;
  /**
   * Whether a field's value can change the output: it is printed, or the filter may read it (its name is in
   * the filter's text). A verb may skip computing a field nothing needs.
   */
  needs(field: string): boolean;
}

/**
 * Validates the options (bad ones throw before any work) and returns where the records go. The external formats'
 * writers are loaded only when one is asked for.
 */
export async function recordOutput(schema: RecordSchema, values: Record<string, unknown>, io: CliIo, tableFields: readonly string[]): Promise<RecordOutput> {
  const external = await externalOutput(schema, values, io);
  if (external !== null) return external;
  const format = parseFormat(stringOption(values.format), io.stdoutIsTty);
  const fields = selectFields(schema.fields, stringOption(values.fields), format === 'table' ? tableFields : undefined);
  const filter = stringOption(values.filter);
  const keep = filter === undefined ? null : compileFilter(parseFilter(filter, schema));
  const out = new RowWriter(fields, format, io.stdout, io.stdoutBytes !== undefined ? { writeBytes: io.stdoutBytes } : {});
  return {
    emit: (r) => {
      if (keep === null || keep(r)) out.row(r);
    },
    end: () => out.end(),
    needs: (name) => fields.some((f) => f.name === name) || (filter !== undefined && filter.includes(name)),
  };
}

/**
 * `--format zeek|zeek-json|eve|ecs`: every field goes to the external writer (it picks and names its own), so
 * `--fields` is refused; `--filter` still chooses the records. Null when the format is one of ours.
 */
async function externalOutput(schema: RecordSchema, values: Record<string, unknown>, io: CliIo): Promise<RecordOutput | null> {
  const name = stringOption(values.format);
  if (name === undefined || !isExternalFormatName(name)) return null;
  const { EXTERNAL_FORMATS, externalFormat } = await import('../../formats/external.js');
  const ext = externalFormat(name);
  if (ext === undefined) return null;
  if (!ext.supports(schema.name)) {
    const fit = EXTERNAL_FORMATS.filter((f) => f.supports(schema.name)).map((f) => f.name);
    throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--format ${ext.name} does not write ${schema.name} records${fit.length > 0 ? ` (${fit.join(', ')} do)` : ''}`);
  }
  if (stringOption(values.fields) !== undefined) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `--fields does not go with --format ${ext.name} (the format names its own fields)`);
  const filter = stringOption(values.filter);
  const keep = filter === undefined ? null : compileFilter(parseFilter(filter, schema));
  const out = ext.writer(schema, io.stdout, { now: Date.now() * 1000 });
  return {
    emit: (r) => {
      if (keep === null || keep(r)) out.row(r);
    },
    end: () => out.end(),
    needs: () => true,
  };
}
