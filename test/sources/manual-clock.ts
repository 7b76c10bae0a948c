import type { Clock } from '../../src/shared/clock.js';

/**
 * A clock that moves only when told to. `sleep` records the requested wait and returns at once
 * (advancing time by it), so backoff is observable without waiting; scheduled callbacks (attempt
 * timeouts) run only when a test calls {@link ManualClock.advance} past them.
 */
export class ManualClock implements Clock {
  /** Every wait requested through `sleep`, in order. */
  readonly sleeps: number[] = [];
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
