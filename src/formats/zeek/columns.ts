// Builders for Zeek column definitions: a field of ours as is, a computed value with its inverse, a column we
// cannot fill, and the connection id columns every log begins with.
import type { Row, ZeekColumn, ZeekSql, ZeekSqlSet, ZeekType, ZeekValue } from './zeek-types.js';

/**
 * The SQL of a column that reads no field: unset, or a constant (zeek-sql.ts writes a column that reads no field as
 * the text of its `get`, once, so a fixed column's SQL is never evaluated).
 */
const NO_FIELD_SQL: ZeekSql = () => 'NULL';

/** A column that is one field of ours, unchanged (the inverse writes the field back). */
export function same(name: string, type: ZeekType, field: string): ZeekColumn {
  return {
    name, type, field, carries: [field],
    get: (r) => (r[field] ?? null) as ZeekValue,
    // our timestamps are TIMESTAMP in the store, µs in a row
    sql: (s) => (type === 'time' ? `epoch_us(${s.col(field)})` : s.col(field)),
    set: (v, out) => { out[field] = Array.isArray(v) ? [...(v as unknown[])] : v; },
    sqlSet: (v) => ({ [field]: v }),
  };
}

/**
 * A column computed from our record, with the same value in DuckDB SQL (`sql`, null: the log has no SQL form and
 * is exported by its writer), its inverse when there is one, and that inverse in SQL (`sqlSet`, the importer's).
 */
export function computed(
  name: string, type: ZeekType, get: (r: Row) => ZeekValue, sql: ZeekSql | null, set?: (v: ZeekValue, out: Row) => void, carries?: readonly string[], sqlSet?: ZeekSqlSet,
): ZeekColumn {
  return {
    name, type, get, ...(sql !== null ? { sql } : {}), ...(set !== undefined ? { set } : {}), ...(carries !== undefined ? { carries } : {}), ...(sqlSet !== undefined ? { sqlSet } : {}),
  };
}

const UNSET = (): null => null;

/** A Zeek column no field of ours fills: always unset (`-`); imported values of it go to `extra`. */
export function unfilled(name: string, type: ZeekType): ZeekColumn {
  return { name, type, get: UNSET, sql: NO_FIELD_SQL };
}

/** A Zeek column with one fixed value on export (Zeek's default for what we do not observe); imported values go to `extra`. */
export function fixed(name: string, type: ZeekType, value: ZeekValue): ZeekColumn {
  return { name, type, get: () => value, sql: NO_FIELD_SQL };
}

/** `ts`, `uid` and the `id.*` connection columns from our usual field names. */
export function connColumns(tsField: string): ZeekColumn[] {
  return [
    same('ts', 'time', tsField),
    same('uid', 'string', 'uid'),
    same('id.orig_h', 'addr', 'src_ip'),
    same('id.orig_p', 'port', 'src_port'),
    same('id.resp_h', 'addr', 'dst_ip'),
    same('id.resp_p', 'port', 'dst_port'),
  ];
}

/** A nullable string[] of ours as a Zeek set/vector: an empty list is `(empty)`. */
export function list(r: Row, field: string): ZeekValue {
  return (r[field] ?? null) as ZeekValue;
}
