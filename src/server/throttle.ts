// Login throttling: failures counted per client address and per user name; past a few, each further attempt
// must wait an exponentially growing delay (refused with 429 and Retry-After without checking the password).
export interface ThrottleLimits {
  /** failures allowed before delays start */
  free: number;
  /** the first delay, ms; doubles with every further failure */
  baseMs: number;
  /** the longest delay, ms */
  maxMs: number;
  /** a key's failures are forgotten this long after its last one, ms */
  forgetMs: number;
}

/** 5 free failures, then 1 s, 2 s, 4 s ... up to 15 min; forgotten after a quiet hour. */
export const DEFAULT_THROTTLE: ThrottleLimits = { free: 5, baseMs: 1000, maxMs: 15 * 60_000, forgetMs: 3_600_000 };
/** Keys tracked; the oldest go first past it (memory stays bounded under a flood of names or addresses). */
const MAX_KEYS = 100_000;

interface Entry {
  failures: number;
  last: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly limits: ThrottleLimits, private readonly now: () => number) {}

  /** ms to wait before another attempt for any of the keys (0: go ahead). */
  wait(keys: readonly string[]): number {
    const t = this.now();
    let w = 0;
    for (const k of keys) {
      const e = this.entries.get(k);
      if (e === undefined) continue;
      if (t - e.last >= this.limits.forgetMs) {
        this.entries.delete(k);
        continue;
      }
      w = Math.max(w, e.last + this.delay(e.failures) - t);
    }
    return Math.max(0, w);
  }

  /**
   * Counts an attempt as failed before its password is checked (the check is slow: attempts sent together
   * must each see the others); a success undoes it (succeed, undo).
   */
  fail(keys: readonly string[]): void {
    const t = this.now();
    for (const k of keys) {
      const e = this.entries.get(k) ?? { failures: 0, last: t };
      e.failures++;
      e.last = t;
      this.entries.delete(k); // re-inserted last: the map's order is the eviction order
      this.entries.set(k, e);
    }
    while (this.entries.size > MAX_KEYS) this.entries.delete(this.entries.keys().next().value!);
  }

  /** A successful login clears the user's count (not the address's: one good account must not unlock guessing). */
  succeed(key: string): void {
    this.entries.delete(key);
  }

  /** Takes back one failure counted ahead of a check that then succeeded. */
  undo(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    e.failures--;
    if (e.failures <= 0) this.entries.delete(key);
  }

  private delay(failures: number): number {
    if (failures < this.limits.free) return 0;
    return Math.min(this.limits.maxMs, this.limits.baseMs * 2 ** Math.min(30, failures - this.limits.free));
  }
}
