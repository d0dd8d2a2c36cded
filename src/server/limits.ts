// Requests in flight, per account and in all: past either cap a request is refused at once (429 for the
// account, 503 for the server) instead of queueing behind the store, so one account cannot take every
// connection of the store from the others.
import { HttpError } from './errors.js';

/** Requests one account may have running at once (a console page makes 3-4 at a time). */
export const MAX_INFLIGHT_PER_USER = 8;
/** Requests the server runs at once, all accounts together. */
export const MAX_INFLIGHT = 64;

export class InFlight {
  private total = 0;
  private readonly byUser = new Map<string, number>();

  constructor(readonly perUser = MAX_INFLIGHT_PER_USER, readonly all = MAX_INFLIGHT) {}

  /** Runs f as one of the user's requests, or refuses. */
  async run<T>(user: string, f: () => Promise<T>): Promise<T> {
    const mine = this.byUser.get(user) ?? 0;
    if (mine >= this.perUser) throw new HttpError(429, `${this.perUser} requests of yours are running: wait for them`, { 'retry-after': '1' });
    if (this.total >= this.all) throw new HttpError(503, 'the server is busy: try again in a moment', { 'retry-after': '1' });
    this.byUser.set(user, mine + 1);
    this.total++;
    try {
      return await f();
    } finally {
      this.total--;
      const n = (this.byUser.get(user) ?? 1) - 1;
      if (n <= 0) this.byUser.delete(user);
      else this.byUser.set(user, n);
    }
  }
}
