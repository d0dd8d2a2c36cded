// Bounded time for code that may run without bound: regular expressions on hostile text. V8's linear-time
// fallback (boundRegexTime) covers patterns its linear engine takes; the others (lookarounds,
// backreferences, the `i` flag and large counted repetitions on Node 20, our atomic-group translation) are
// bounded here, under node:vm's timeout, whose watchdog stops the running code, regular expression execution
// included. TimeGuard runs one function so; LineGuard runs log lines in runs: a run stopped at line k is
// retried with k alone and the whole budget (the run may have been slow as a whole); if k alone runs out of
// time too, it is given up (onTimeout) and the run goes on after it. The signature engine guards its rule
// evaluations with a TimeGuard (pipeline/detect.ts).
import v8 from 'node:v8';
import vm from 'node:vm';

const SCRIPT = new vm.Script('run()');

let fallbackOn = false;

/**
 * V8's linear-time fallback for patterns that backtrack too much (those its linear engine takes), and the `l`
 * flag that asks whether it takes a pattern (linearEngineTakes). V8 flags are only safe to change before code
 * runs: bin/haystack.js calls this at start, before it loads anything else. Without it (the library, tests)
 * nothing is re-run in linear time and every rule pcre is evaluated under the time guard.
 */
export function boundRegexTime(backtracks = 100_000): void {
  if (fallbackOn) return;
  v8.setFlagsFromString('--enable-experimental-regexp-engine');
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  v8.setFlagsFromString(`--regexp-backtracks-before-fallback=${backtracks}`);
  fallbackOn = true;
}

/**
 * Does V8 bound this expression's time by itself? Only when boundRegexTime ran, and then when its linear
 * engine takes the pattern with these flags (V8's own check, asked through the `l` flag: it varies with the
 * V8 version, e.g. Node 20's refuses `i`).
 */
export function linearEngineTakes(re: RegExp): boolean {
  if (!fallbackOn) return false;
  try {
    new RegExp(re.source, `${re.flags}l`);
    return true;
  } catch {
    return false;
  }
}

const idle = (): void => undefined;

/** Runs a function that only computes within a time limit. */
export class TimeGuard {
  private fn: () => void = idle;
  private readonly ctx = vm.createContext({ run: (): void => this.fn() });

  /** timeoutMs: the most one call may take */
  constructor(readonly timeoutMs: number) {
    if (!(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw new RangeError(`a time limit is a positive whole number of ms, not ${timeoutMs}`);
  }

  /** Calls fn; false when the time ran out and fn was stopped (anywhere: it must only compute). */
  call(fn: () => void): boolean {
    this.fn = fn;
    try {
      SCRIPT.runInContext(this.ctx, { timeout: this.timeoutMs });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return false;
      throw e;
    } finally {
      this.fn = idle;
    }
  }
}

export class LineGuard {
  private next = 0;
  private end = 0;
  private each: (k: number) => void = () => undefined;
  private readonly guard: TimeGuard;
  private readonly lines = (): void => {
    while (this.next < this.end) {
      this.each(this.next);
      this.next++;
    }
  };

  /** timeoutMs: the most one line may take (and a run of lines, before its slowest line is tried alone) */
  constructor(readonly timeoutMs: number) {
    if (!(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw new RangeError(`a line time limit is a positive whole number of ms, not ${timeoutMs}`);
    this.guard = new TimeGuard(timeoutMs);
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
      if (this.guard.call(this.lines)) continue;
      // stopped after the last line was done (the watchdog fired as the run ended): nothing is left
      if (this.next >= to) break;
      const k = this.next;
      this.end = k + 1;
      if (!this.guard.call(this.lines)) {
        onTimeout(k);
        timeouts++;
        this.next = k + 1;
      }
      this.end = to;
    }
    return timeouts;
  }
}
