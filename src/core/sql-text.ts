// The one escaping path for SQL text (literals and identifiers), for both stores. It lives in core so that the pure
// layers that build SQL (the importer's SQL plan in formats/) use the same function as the stores (store/sql.ts
// re-exports it). Every value that came from outside reaches SQL through quoteString() and nothing else.
import { HaystackError } from './errors.js';

export type Dialect = 'duckdb' | 'clickhouse';

/**
 * The audited escaping function: a string literal for the dialect.
 * - DuckDB follows standard SQL: a quote is doubled, backslashes are ordinary characters.
 * - ClickHouse treats backslash as an escape character inside literals (18.16 and current releases), so
 *   backslash and quote are both escaped with a backslash, and control characters are written as escapes.
 * NUL cannot be stored in a DuckDB VARCHAR literal; it is refused rather than silently cut.
 */
export function quoteString(s: string, dialect: Dialect): string {
  if (dialect === 'duckdb') {
    if (s.includes('\0')) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'a text value with a NUL character cannot be used in a query');
    return `'${s.replaceAll("'", "''")}'`;
  }
  let out = "'";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (c === 0) out += '\\0';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

/** A quoted identifier; only schema-like names are accepted (no user text becomes an identifier unchecked). */
export function ident(name: string): string {
  if (!IDENT.test(name)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `not a valid column or table name: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

