// Accounts in a store's table, read through a cache: fresh for 2 s; then the cached account answers at once
// while one read refreshes it in the background (a busy ClickHouse does not hold up every request's session
// check), and a change shows once that read is back; past 30 s a request waits for the read.
import { describe, expect, it } from 'vitest';
import { ACCOUNTS } from '../../src/schema/accounts.js';
import { TableUserStore } from '../../src/server/table-user-store.js';
import type { QueryResult, Store } from '../../src/store/store.js';

function fakeStore(): { store: Store; reads: number; role: string; release(): void; hold: boolean } {
  const s = {
    reads: 0, role: 'viewer', hold: false, waiting: [] as (() => void)[],
    release() {
      for (const w of s.waiting.splice(0)) w();
    },
    store: {
      dialect: 'clickhouse', location: 'fake', database: 'db',
      select: async (): Promise<QueryResult> => {
        s.reads++;
        if (s.hold) await new Promise<void>((r) => s.waiting.push(r));
        const row = { ts: 1, name: 'ann', role: s.role, hash: 'h', disabled: false, restrict: null, created: 1, changed: 1, id: 'x' };
        return { columns: ACCOUNTS.fields.map((f) => ({ name: f.name, type: f.type })), rows: [row] };
      },
    } as unknown as Store,
  };
  return s;
}

describe('accounts in a table', () => {
  it('answers from the cache, then stale while one read refreshes, then waits past the stale limit', async () => {
    const f = fakeStore();
    const clock = { t: 0 };
    const users = new TableUserStore(f.store, () => clock.t);
    expect((await users.get('ann'))!.role).toBe('viewer');
    expect(f.reads).toBe(1);
    clock.t = 1000;
    await users.get('ann');
    expect(f.reads).toBe(1); // fresh
    f.role = 'admin';
    f.hold = true;
    clock.t = 5000;
    // stale: the old account at once, one background read for any number of requests
    const answers = await Promise.all([users.get('ann'), users.get('ann'), users.get('ann')]);
    expect(answers.map((u) => u!.role)).toEqual(['viewer', 'viewer', 'viewer']);
    expect(f.reads).toBe(2);
    f.release();
    await new Promise((r) => setTimeout(r, 0));
    expect((await users.get('ann'))!.role).toBe('admin');
    // past the stale limit a request waits for the read
    clock.t = 60_000;
    f.role = 'analyst';
    let done = false;
    const p = users.get('ann').then((u) => {
      done = true;
      return u;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(false);
    f.release();
    expect((await p)!.role).toBe('analyst');
  });
});
