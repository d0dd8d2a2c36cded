// The accounts that guard a store, found from its URL: a file beside a DuckDB file; on ClickHouse, the store's
// accounts table (the store must then be open).
import { parseStoreUrl } from '../store/url.js';
import type { Store } from '../store/store.js';
import { TableUserStore } from './table-user-store.js';
import { FileUserStore, usersFileOf, type UserStore } from './users.js';

/** Whether the accounts of this store URL live in the store itself (then userStoreOf needs it open). */
export function accountsInStore(dbUrl: string | undefined, env: string | undefined = process.env.HAYSTACK_DB): boolean {
  return parseStoreUrl(dbUrl, env).kind !== 'duckdb';
}

export function userStoreOf(dbUrl: string | undefined, store: Store | null, env: string | undefined = process.env.HAYSTACK_DB): UserStore {
  const u = parseStoreUrl(dbUrl, env);
  if (u.kind === 'duckdb') return new FileUserStore(usersFileOf(u.path));
  if (store === null) throw new Error('userStoreOf: a ClickHouse store must be open');
  return new TableUserStore(store);
}
