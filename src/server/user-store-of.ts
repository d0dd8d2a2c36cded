// The accounts that guard a store, found from its URL: a file beside a DuckDB file; on ClickHouse, a table.
import { parseStoreUrl } from '../store/url.js';
import { HaystackError } from '../core/errors.js';
import { FileUserStore, usersFileOf, type UserStore } from './users.js';

export function userStoreOf(dbUrl: string | undefined, env: string | undefined = process.env.HAYSTACK_DB): UserStore {
  const u = parseStoreUrl(dbUrl, env);
  if (u.kind === 'duckdb') return new FileUserStore(usersFileOf(u.path));
  throw new HaystackError('HAYSTACK_BAD_ARGUMENT', 'console accounts on ClickHouse are not supported yet');
}
