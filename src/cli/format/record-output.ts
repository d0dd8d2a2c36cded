// The --format / --fields / --filter options every record-listing verb takes, turned into one emit function.
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

/** Validates the options (bad ones throw before any work) and returns where the records go. */
export function recordOutput(schema: RecordSchema, values: Record<string, unknown>, io: CliIo, tableFields: readonly string[]): RecordOutput {
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
