import type { Clock } from '../../src/shared/clock.js';

/**
 * The suite's fake clock for in-process tests: it moves only when told to. `sleep` records the
 * requested wait and returns at once (advancing time by it), so back-off is observable without
 * waiting; scheduled callbacks (attempt timeouts) run only when a test calls
 * {@link ManualClock.advance} past them.
 *
 * The suite's other clocks are for other kinds of time: OffsetClock (offset-clock.ts) keeps
 * real timers for tests against real servers and processes, and `VirtualTime` (virtual-time.ts)
 * runs many processes' timers in order for simulations.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * await retryTransient(flaky, { attempts: 3, clock, random: () => 1 });
 * expect(clock.sleeps).toEqual([100, 200]);
 * ```
 */
export class ManualClock implements Clock {
  /** Every wait requested through `sleep`, in order. */
  readonly sleeps: number[] = [];
  /**
   * Called with each requested wait before it is taken, e.g. to abort the caller's signal in the
   * middle of its back-off (the sleep then rejects with the signal's reason).
   */
  onSleep: ((ms: number) => void) | undefined;
  #elapsed = 0;
  #timers: Array<{ due: number; callback: () => void }> = [];

  readonly #epoch: number;

  constructor(epoch: number = Date.UTC(2030, 0, 1)) {
    this.#epoch = epoch;
  }

  now(): number {
    return this.#epoch + this.#elapsed;
  }

  monotonic(): number {
    return this.#elapsed;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.onSleep?.(ms);
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    this.advance(ms);
  }

  schedule(callback: () => void, ms: number): () => void {
    const timer = { due: this.#elapsed + ms, callback };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward and runs the callbacks that fall due. */
  advance(ms: number): void {
    this.#elapsed += ms;
    const due = this.#timers.filter((t) => t.due <= this.#elapsed);
    this.#timers = this.#timers.filter((t) => t.due > this.#elapsed);
    for (const timer of due) timer.callback();
  }

  /** Callbacks scheduled and not yet run or cancelled. */
  get pendingTimers(): number {
    return this.#timers.length;
  }
}
