// The contract between the importer (files -> store) and the per-log field mappings (src/formats/zeek/,
// src/formats/eve/): decoded log rows in, record rows of our tables out, unmapped fields kept aside.

/** A decoded Zeek value: time -> µs integer, interval/double -> seconds, count/int/port -> number, bool, text. */
export type ZeekScalar = string | number | boolean;
export type ZeekValue = ZeekScalar | ZeekScalar[] | null;

/**
 * One Zeek log line: column name (as #fields or the JSON key names it, e.g. `id.orig_h`) -> value. time ->
 * integer µs, interval and double -> seconds (float), count/int/port -> number, bool -> boolean,
 * addr/subnet/string/enum -> string, set/vector -> array, unset -> null, empty set -> [], empty string -> "".
 * Zeek's JSON form leaves unset fields out: read `row[name] ?? null`.
 */
export type ZeekRow = Record<string, ZeekValue | undefined>;

/** One record a mapping makes of a log line. */
export interface MappedRecord {
  /** a record table (schema/registry.ts RECORD_SCHEMAS, not captures) */
  table: string;
  /** the row by field name; fields left out are stored null (origin, extra, sensor, capture_id are set here) */
  record: Record<string, unknown>;
  /** the line's fields that have no column, stored as the row's `extra` JSON; null or {}: none */
  extra: Record<string, unknown> | null;
  /**
   * set when the record is not a row of its own but fields of another (Zeek's x509.log: a certificate for the
   * tls rows whose cert_sha256 is this record's): its non-null fields fill the null fields of the rows of
   * `table` the same import writes with an equal value of this field, its extra joins theirs
   */
  mergeOn?: string;
}

/**
 * The field mappings an import uses (the real ones: zeekToRecord and eveToRecords). A line a mapping cannot
 * read is thrown as HaystackError HAYSTACK_LOG_FORMAT (it becomes an import_bad_line anomaly); a required field
 * it leaves null is filled by the importer (fill.ts); records are fresh objects (the importer completes them).
 */
export interface ImportMapper {
  /** A Zeek log's line (`log`: conn, ssl, http, ... from #path, `_path` or the file name); null: not kept. */
  zeek(log: string, row: ZeekRow): MappedRecord | null;
  /** A Suricata EVE event (one JSON object with `event_type`); empty: not kept. */
  eve(event: Record<string, unknown>): MappedRecord[];
}
