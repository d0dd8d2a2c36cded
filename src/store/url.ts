// Store URLs: a path or duckdb:PATH (default ./haystack.duckdb, or $HAYSTACK_DB), clickhouse://user:pass@host:port/db.
import { HaystackError } from '../core/errors.js';
import type { StoreUrl } from './store.js';

export const DEFAULT_DB = './haystack.duckdb';

/**
 * Parses a store URL. ClickHouse: `clickhouse://[user[:password]@]host[:port][/database][?cluster=NAME]`
 * (HTTP interface, port 8123 by default; `cluster` makes ingest create Distributed tables over that cluster).
 * @param env the value of HAYSTACK_DB, used when no URL is given
 */
export function parseStoreUrl(url: string | undefined, env: string | undefined): StoreUrl {
  const u = url ?? (env !== undefined && env !== '' ? env : DEFAULT_DB);
  if (u.startsWith('clickhouse://')) {
    let parsed: URL;
    try {
      parsed = new URL(`http://${u.slice('clickhouse://'.length)}`);
    } catch (e) {
      throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `not a ClickHouse URL: ${redact(u)}`, { cause: e });
    }
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'default';
    if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `not a database name: ${database} (lower-case letters, digits and _)`);
    const cluster = parsed.searchParams.get('cluster');
    if (cluster !== null && !/^[a-z_][a-z0-9_]*$/.test(cluster)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `not a cluster name: ${cluster} (lower-case letters, digits and _)`);
    return {
      kind: 'clickhouse',
      url: `http://${parsed.hostname.includes(':') ? `[${parsed.hostname}]` : parsed.hostname}:${parsed.port || '8123'}`,
      user: decodeURIComponent(parsed.username) || 'default',
      password: decodeURIComponent(parsed.password),
      database,
      cluster,
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) throw new HaystackError('HAYSTACK_BAD_ARGUMENT', `unknown store URL scheme: ${redact(u)} (a path, duckdb:PATH or clickhouse://...)`);
  const path = u.startsWith('duckdb:') ? u.slice('duckdb:'.length) : u;
  if (path === '') throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'duckdb: needs a file path');
  return { kind: 'duckdb', path };
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
