// Accounts kept in the store itself (ClickHouse: there is no file beside it); read through a short cache so
// that a request does not cost a round trip to the database for its session check.
import { appendAccount, currentAccounts } from '../store/accounts-table.js';
import type { Store } from '../store/store.js';
import { isRole } from './roles.js';
import type { User, UserStore } from './users.js';

/** How long an account read from the table is believed: a change made elsewhere (the CLI) applies within it. */
export const ACCOUNT_CACHE_MS = 2000;

export class TableUserStore implements UserStore {
  readonly location: string;
  private readonly cache = new Map<string, { at: number; user: User | null }>();

  constructor(private readonly store: Store, private readonly now: () => number = Date.now) {
    this.location = `${store.location} (table accounts)`;
  }

  async get(name: string): Promise<User | null> {
    const hit = this.cache.get(name);
    const t = this.now();
    if (hit !== undefined && t - hit.at < ACCOUNT_CACHE_MS) return hit.user;
    const [row] = await currentAccounts(this.store, name);
    const user = row === undefined ? null : toUser(row);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(name, { at: t, user });
    return user;
  }

  async list(): Promise<User[]> {
    return (await currentAccounts(this.store)).map(toUser).filter((u): u is User => u !== null);
  }

  async put(u: User): Promise<void> {
    await appendAccount(this.store, { name: u.name, role: u.role, hash: u.hash, disabled: u.disabled, restrict: u.restrict, created: u.created, changed: u.changed }, Math.max(u.changed, this.now() * 1000));
    this.cache.delete(u.name);
  }
}

function toUser(r: { name: string; role: string; hash: string; disabled: boolean; restrict: string | null; created: number; changed: number }): User | null {
  if (!isRole(r.role)) return null;
  return { name: r.name, role: r.role, hash: r.hash, disabled: r.disabled, restrict: r.restrict, created: r.created, changed: r.changed };
}
