// Bounded time per log line. V8's linear-time fallback (boundRegexTime) covers patterns without lookarounds
// and backreferences; these (and our atomic-group translation, which uses both) are bounded here: lines are
// parsed in runs under node:vm's timeout, whose watchdog stops the running code, regular expression
// execution included. A run stopped at line k is retried with k alone and the whole budget (the run may have
// been slow as a whole); if k alone runs out of time too, it is given up (onTimeout) and the run goes on after it.
import vm from 'node:vm';

const SCRIPT = new vm.Script('run()');

export class LineGuard {
  private next = 0;
  private end = 0;
  private each: (k: number) => void = () => undefined;
  private readonly ctx = vm.createContext({
    run: (): void => {
      while (this.next < this.end) {
        this.each(this.next);
        this.next++;
      }
    },
  });

  /** timeoutMs: the most one line may take (and a run of lines, before its slowest line is tried alone) */
  constructor(readonly timeoutMs: number) {
    if (!(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw new RangeError(`a line time limit is a positive whole number of ms, not ${timeoutMs}`);
  }

  /**
   * Calls each(k) for k in [from, to) in order; each(k) must only compute (it may be stopped anywhere and
   * called again for the same k). onTimeout(k) is called when k alone ran out of time: k's result is then
   * the timeout, whatever a stopped call for it left. Returns how many lines ran out of time.
   */
  run(from: number, to: number, each: (k: number) => void, onTimeout: (k: number) => void): number {
    this.each = each;
    this.next = from;
    this.end = to;
    let timeouts = 0;
    while (this.next < to) {
      if (this.attempt()) continue;
      // stopped after the last line was done (the watchdog fired as the run ended): nothing is left
      if (this.next >= to) break;
      const k = this.next;
      this.end = k + 1;
      if (!this.attempt()) {
        onTimeout(k);
        timeouts++;
        this.next = k + 1;
      }
      this.end = to;
    }
    return timeouts;
  }

  /** Runs from `next` to `end`; false when the time ran out (next is the line it stopped in). */
  private attempt(): boolean {
    try {
      SCRIPT.runInContext(this.ctx, { timeout: this.timeoutMs });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return false;
      throw e;
    }
  }
}
