// Zeek log columns as data: a column's Zeek name and type, how its value comes from one of our records, and back.
import type { RecordSchema } from '../../schema/schema.js';

/** The Zeek types our logs use (Zeek's `#types` line writes them as they are spelled here). */
export type ZeekScalarType = 'time' | 'interval' | 'count' | 'int' | 'double' | 'port' | 'addr' | 'string' | 'enum' | 'bool';
export type ZeekType = ZeekScalarType | `set[${ZeekScalarType}]` | `vector[${ZeekScalarType}]`;

export type ZeekScalar = number | string | boolean;
/**
 * A column's value in Zeek's terms: time = µs since the epoch (an integer, as our timestamps), interval =
 * seconds, count/int/port/double = number, bool = boolean, addr/string/enum = string, set/vector = array,
 * unset = null. An empty string or array is Zeek's `(empty)`.
 */
export type ZeekValue = ZeekScalar | readonly ZeekScalar[] | null;

/** One of our records, typed as its schema says (timestamps µs, absent = null). */
export type Row = Record<string, unknown>;

/** What a column's SQL is written with: references to our fields, and string literals (made by the store's SQL). */
export interface SqlParts {
  /** one of our fields (a field the table does not have is NULL, as `r[field] ?? null`) */
  col(field: string): string;
  /** a string literal */
  lit(text: string): string;
}

/**
 * A column's value as a DuckDB expression over the table's row (store/export-sql/zeek-sql.ts formats it): the Zeek
 * value as `get` gives it, in SQL types (time = µs since the epoch as an integer, interval/double = DOUBLE,
 * count/int/port = an integer, bool = BOOLEAN, string/enum/addr = VARCHAR, set/vector = LIST), NULL for unset.
 * Numbers of our own constants are written as they are; text only through `lit`.
 */
export type ZeekSql = (s: SqlParts) => string;

export interface ZeekColumn {
  /** Zeek's column name, e.g. `id.orig_h` */
  readonly name: string;
  readonly type: ZeekType;
  /** the value from our record; null = unset (`-`) */
  readonly get: (r: Row) => ZeekValue;
  /**
   * the inverse: writes the decoded value into our record (only called with a non-null value). Absent: the column
   * has no field of ours, and an imported value goes to `extra`.
   */
  readonly set?: (v: ZeekValue, out: Row) => void;
  /** the value in DuckDB SQL, equal to `get`'s (the SQL forms of the zeek formats); absent: the log has none */
  readonly sql?: ZeekSql;
  /** the field of ours the column is, unchanged (lets the writers read it directly) */
  readonly field?: string;
  /** our fields whose values the column carries back exactly (the round-trip property checks these) */
  readonly carries?: readonly string[];
  /**
   * `set` as SQL (DuckDB), for the importer's fast path (formats/import/zeek-tsv-sql.ts): given `v`, the SQL
   * expression of the decoded value (never NULL where it is used), and `cur(field)`, a field's expression so
   * far, the expressions of the fields `set` writes. Absent on a column with `set`: such a log is imported by `set`.
   */
  readonly sqlSet?: ZeekSqlSet;
}

/** A column's inverse in SQL: the new expression of each field it writes (see ZeekColumn.sqlSet). */
export type ZeekSqlSet = (v: string, cur: (field: string) => string) => Readonly<Record<string, string>>;

/** One Zeek log made from one of our tables. */
export interface ZeekLog {
  /** the log's `#path`: conn, ssl, x509, ... */
  readonly path: string;
  /** the schema of the table the rows come from */
  readonly schema: RecordSchema;
  readonly columns: readonly ZeekColumn[];
  /** which rows make a line of this log (x509: the tls rows with a certificate); all when absent */
  readonly keep?: (r: Row) => boolean;
  /** `keep` as a DuckDB condition over the row (the SQL forms' WHERE); absent with `keep`: the log has no SQL form */
  readonly sqlKeep?: ZeekSql;
  /** the inverse's last step, over the whole record: fields more than one column decides, Zeek's defaults undone */
  readonly finish?: (out: Row, extra: Record<string, ZeekValue>) => void;
  /**
   * `finish` in SQL: the fields' new expressions from `cur(field)`, and `bad`, a condition on rows whose result
   * the SQL would not give exactly as `finish` (those files are imported by `finish`). Required with `finish`
   * for the fast path.
   */
  readonly sqlFinish?: (cur: (field: string) => string) => { set: Readonly<Record<string, string>>; bad?: string };
}
