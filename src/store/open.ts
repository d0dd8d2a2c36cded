// Opens the store a URL names (DuckDB file by default, or a ClickHouse server/cluster).
import type { Store } from './store.js';
import { parseStoreUrl } from './url.js';

/** The row-group sizes an open may ask for (DuckDB's vector size times a power of two, up to its default 122,880). */
export const ROW_GROUP_SIZES: ReadonlySet<number> = new Set([16384, 32768, 65536, 122880]);

export interface OpenStoreOptions {
  /** queries only: DuckDB opens the file read-only (another process may not be writing it) */
  readOnly?: boolean;
  /** a read-only DuckDB store that may still write files (export) */
  fileAccess?: boolean;
  /** the value of HAYSTACK_DB (defaults to the environment's) */
  env?: string | undefined;
  /**
   * a time limit for reads (query, select), ms: past it the query is stopped (DuckDB interrupt, ClickHouse
   * max_execution_time) and HAYSTACK_TIMEOUT thrown; writes (ingest) have none. Unset: no limit (the CLI).
   */
  queryTimeoutMs?: number;
  /** DuckDB's worker threads (default: one per core); ClickHouse ignores it */
  threads?: number;
  /**
   * DuckDB: rows per row group of what this open writes (16384, 32768, 65536 or 122880; default 16384, see
   * duckdb-store.ts ROW_GROUP_SIZE); ClickHouse ignores it
   */
  rowGroupSize?: number;
}

export async function openStore(url: string | undefined, opts: OpenStoreOptions = {}): Promise<Store> {
  const u = parseStoreUrl(url, 'env' in opts ? opts.env : process.env.HAYSTACK_DB);
  // each store's client is loaded only when it is used
  if (u.kind === 'duckdb') {
    const { openDuckDb } = await import('./duckdb-store.js');
    return openDuckDb(u.path, { readOnly: opts.readOnly === true, fileAccess: opts.fileAccess === true, ...(opts.queryTimeoutMs !== undefined ? { queryTimeoutMs: opts.queryTimeoutMs } : {}),
      ...(opts.threads !== undefined ? { threads: opts.threads } : {}), ...(opts.rowGroupSize !== undefined ? { rowGroupSize: opts.rowGroupSize } : {}) });
  }
  const { openClickHouse } = await import('./clickhouse-store.js');
  return openClickHouse(u, opts.readOnly === true, opts.queryTimeoutMs);
}
