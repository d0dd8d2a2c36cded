// The `accounts` app table: console accounts kept in a ClickHouse store (a DuckDB store keeps them in a file
// beside it). Append-only: a change is a new row, the newest row per name is the account.
import { MAX_ID_BYTES, MAX_NAME_BYTES, own } from './bounds.js';
import { field, type RowOf } from './schema.js';

/** A password hash, its parameters and salt (scrypt$N$r$p$salt$key: ~90 bytes). */
const MAX_HASH_BYTES = 256;
/** A row restriction (the server's MAX_RESTRICT_CHARS, in UTF-8). */
const MAX_RESTRICT_BYTES = 16 * 1024;

export const ACCOUNTS = {
  name: 'accounts',
  doc: 'Console accounts on a ClickHouse store: one row per change, the newest row per name holds.',
  timeField: 'ts',
  sortKey: ['name', 'ts'],
  fields: [
    field('ts', 'timestamp', false, 'when this row was written'),
    field('name', 'string', false, 'account name', own(MAX_NAME_BYTES)),
    field('role', 'string', false, 'viewer | analyst | admin', own(MAX_NAME_BYTES)),
    field('hash', 'string', false, 'scrypt password hash with its parameters and salt (never the password)', own(MAX_HASH_BYTES)),
    field('disabled', 'bool', false, 'the account cannot log in'),
    field('restrict', 'string', true, 'filter ANDed into every query of the account', own(MAX_RESTRICT_BYTES)),
    field('created', 'timestamp', false, 'when the account was made'),
    field('changed', 'timestamp', false, 'the last change (sessions started before it end)'),
    field('id', 'string', false, 'row id (random): orders rows written in the same microsecond', own(MAX_ID_BYTES)),
  ],
} as const;

export type AccountRecord = RowOf<typeof ACCOUNTS>;
