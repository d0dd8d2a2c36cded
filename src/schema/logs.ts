// The `logs` record: one row per log line, parsed by grok recipes or kept unparsed.
import { field, type RowOf } from './schema.js';
import { PROVENANCE_FIELDS } from './provenance.js';

export const LOGS = {
  name: 'logs',
  doc: 'One row per log line: syslog header, recipe type, typed captures; unparsed lines kept with parse_ok false.',
  timeField: 'ts',
  sortKey: ['source', 'line_no'],
  fields: [
    field('ts', 'timestamp', true, 'time of the line (null when it has none)'),
    field('host', 'string', true, 'syslog host'),
    field('program', 'string', true, 'syslog program'),
    field('pid', 'int', true, 'syslog pid'),
    field('type', 'string', true, 'recipe event type (e.g. sendmail_from)'),
    field('message', 'string', false, 'the line after the syslog header'),
    field('pattern', 'string', true, 'name of the pattern that matched'),
    field('fields', 'json', true, 'named captures, typed as the recipe says'),
    field('source', 'string', false, 'file the line came from'),
    field('line_no', 'int', false, '1-based line number in the source'),
    field('parse_ok', 'bool', false, 'some pattern matched'),
    field('capture_id', 'string', true, 'log file it came from (store ingest: sha256-based id)'),
    ...PROVENANCE_FIELDS,
  ],
} as const;

export type LogRecord = RowOf<typeof LOGS>;
