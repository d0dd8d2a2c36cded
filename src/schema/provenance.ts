// The two fields every record table ends with: which tool produced the row (`origin`: zeek or suricata for
// imported logs, null for what Haystack decoded itself) and the imported fields that have no column (`extra`).
import { MAX_NAME_BYTES, own, text } from './bounds.js';
import { field } from './schema.js';

/**
 * The most an `extra` document weighs in a row (JSON text, bytes). A Zeek or EVE record's unmapped fields are
 * a few hundred bytes; 256 KiB keeps the largest record row (smtp's worst case, ~2.7 MiB) under the stores'
 * 4 MiB row limit. A larger document is dropped with the anomaly `import_extra_too_large`.
 */
export const EXTRA_MAX_BYTES = 256 * 1024;

/** Values of `origin`. */
export const ORIGINS = ['zeek', 'suricata'] as const;
export type Origin = (typeof ORIGINS)[number];

/**
 * The provenance fields, appended last to each record schema (a store made before gets them by ALTER TABLE ADD
 * COLUMN). Optional in the row types: producers that decode traffic leave them out and the stores write null.
 */
export const PROVENANCE_FIELDS = [
  { ...field('origin', 'string', true, 'tool that produced the record: zeek | suricata (imported logs); null: decoded by Haystack', own(MAX_NAME_BYTES)), optional: true },
  { ...field('extra', 'json', true, 'fields of the imported record that have no column here, as a JSON object; null: none (or not imported)', text(EXTRA_MAX_BYTES, 'import_extra_too_large')), optional: true },
] as const;
