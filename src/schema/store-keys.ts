// The `store_keys` app table: keys the store's own records are computed with (the findings' value_hmac key), made
// once per store. Append-only; the OLDEST row of a name holds, so two writers that both made one agree on it.
import { MAX_ID_BYTES, MAX_NAME_BYTES, own } from './bounds.js';
import { field, type RowOf } from './schema.js';

export const STORE_KEYS = {
  name: 'store_keys',
  doc: 'Keys of the store (never exported, never served): the oldest row per name holds.',
  timeField: 'ts',
  sortKey: ['name', 'ts'],
  fields: [
    field('ts', 'timestamp', false, 'when the key was made'),
    field('name', 'string', false, 'what the key is for: finding_hmac', own(MAX_NAME_BYTES)),
    field('key', 'string', false, 'the key, hex', own(MAX_ID_BYTES)),
    field('id', 'string', false, 'row id (random): orders rows written in the same microsecond', own(MAX_ID_BYTES)),
  ],
} as const;

export type StoreKeyRecord = RowOf<typeof STORE_KEYS>;
