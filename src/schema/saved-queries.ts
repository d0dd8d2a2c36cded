// The `saved_queries` app table: a user's named searches, append-only (a save or a delete is a new row; the
// newest row per user and name is the state, so ClickHouse needs no DELETE).
import { MAX_ID_BYTES, MAX_NAME_BYTES, own, text } from './bounds.js';
import { field, type RowOf } from './schema.js';

/** A saved query's name: a label in a list. */
export const SAVED_MAX_NAME_BYTES = 1024;
/** A saved filter: the filter language's own limits keep real ones far shorter. */
export const SAVED_MAX_FILTER_BYTES = 64 * 1024;

export const SAVED_QUERIES = {
  name: 'saved_queries',
  doc: 'One row per save or delete of a named query; the newest row per (user, name) holds, deleted = tombstone.',
  timeField: 'ts',
  sortKey: ['user', 'name', 'ts'],
  fields: [
    field('id', 'string', false, 'row id (random, unique): orders rows written in the same microsecond', own(MAX_ID_BYTES)),
    field('ts', 'timestamp', false, 'when this row was written'),
    field('user', 'string', false, 'owner', own(MAX_NAME_BYTES)),
    field('name', 'string', false, 'the name the user gave', text(SAVED_MAX_NAME_BYTES, 'saved_query_truncated')),
    field('table', 'string', true, 'record table searched (null on a tombstone)', own(MAX_NAME_BYTES)),
    field('filter', 'string', true, 'filter expression', text(SAVED_MAX_FILTER_BYTES, 'saved_query_truncated')),
    field('range', 'string', true, 'time range as the console writes it (relative like "-1h", or "FROM/TO" in ISO 8601)', text(SAVED_MAX_NAME_BYTES, 'saved_query_truncated')),
    field('created', 'timestamp', true, 'when the query was first saved under this name'),
    field('deleted', 'bool', false, 'this row deletes the query'),
  ],
} as const;

export type SavedQueryRecord = RowOf<typeof SAVED_QUERIES>;
