// Accounts kept in the store itself (ClickHouse: there is no file beside it); read through a short cache so
// that a request does not cost a round trip to the database for its session check.
import { appendAccount, currentAccounts } from '../store/accounts-table.js';
import type { Store } from '../store/store.js';
import { isRole } from './roles.js';
import type { User, UserStore } from './users.js';

/** How long an account read from the table is believed: a change made elsewhere (the CLI) applies within it. */
export const ACCOUNT_CACHE_MS = 2000;
/**
 * How long a read past ACCOUNT_CACHE_MS may still answer while a fresh one is fetched in the background: a
 * request's session check does not wait behind a busy ClickHouse (long searches hold its connections). Past
 * this the request waits for the fresh read.
 */
export const ACCOUNT_STALE_MS = 30_000;

export class TableUserStore implements UserStore {
  readonly location: string;
  private readonly cache = new Map<string, { at: number; user: User | null }>();
  private readonly refreshing = new Map<string, Promise<User | null>>();

  constructor(private readonly store: Store, private readonly now: () => number = Date.now) {
    this.location = `${store.location} (table accounts)`;
  }

  async get(name: string): Promise<User | null> {
    const hit = this.cache.get(name);
    const t = this.now();
    if (hit !== undefined && t - hit.at < ACCOUNT_CACHE_MS) return hit.user;
    const fresh = this.refresh(name);
    if (hit !== undefined && t - hit.at < ACCOUNT_STALE_MS) {
      fresh.catch(() => undefined);
      return hit.user;
    }
    return fresh;
  }

  /** One read of an account at a time (concurrent requests share it). */
  private refresh(name: string): Promise<User | null> {
    let p = this.refreshing.get(name);
    if (p !== undefined) return p;
    const t = this.now();
    p = currentAccounts(this.store, name).then(([row]) => {
      const user = row === undefined ? null : toUser(row);
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(name, { at: t, user });
      return user;
    }).finally(() => this.refreshing.delete(name));
    this.refreshing.set(name, p);
    return p;
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
