/**
 * The emulator's notion of wall-clock time. The 24-hour clean-up rule, recovery windows and
 * `LastAccessedDate` all read it; tests move it forward instead of waiting a day.
 *
 * @example
 * ```ts
 * const clock: EmulatorClock = new OffsetClock();
 * clock.advance(25 * 3_600_000);
 * ```
 */
export interface EmulatorClock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /** Moves time forward by `ms` (never backward: the model's timestamps must not run back). */
  advance(ms: number): void;
  /** How far {@link advance} has moved this clock in total, so a restart can restore it. */
  readonly offsetMs: number;
}

/**
 * A clock that reads a base time source (real time by default) plus an offset that only grows.
 * The fleet simulation passes its virtual time as `base`.
 *
 * @example
 * ```ts
 * const clock = new OffsetClock();
 * clock.advance(25 * 60 * 60 * 1000); // a day and an hour later, at once
 * const virtual = new OffsetClock(() => simulation.now);
 * ```
 */
export class OffsetClock implements EmulatorClock {
  #offsetMs = 0;

  readonly #base: () => number;

  constructor(base: () => number = Date.now) {
    this.#base = base;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  now(): number {
    return this.#base() + this.#offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`The clock can only move forward by a finite number of milliseconds; got ${ms}.`);
    }
    this.#offsetMs += ms;
  }
}
