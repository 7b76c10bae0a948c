import { systemClock, type Clock } from '../../src/shared/clock.js';

/**
 * The real clock with an adjustable wall-clock offset: `advance(ms)` moves `now()` forward at once,
 * so a test brings a token to its refresh point or past its minimum validity without waiting, while
 * monotonic time, timers and I/O stay real (leases keep working against real servers).
 *
 * @example
 * ```ts
 * const clock = new OffsetClock();
 * const refresher = new TokenRefresher({ …, clock });
 * clock.advance(55 * 60_000); // the hour-long token is now in its refresh window
 * ```
 */
export class OffsetClock implements Clock {
  #offsetMs = 0;

  get offsetMs(): number {
    return this.#offsetMs;
  }

  advance(ms: number): void {
    this.#offsetMs += ms;
  }

  now(): number {
    return Date.now() + this.#offsetMs;
  }

  monotonic(): number {
    return systemClock.monotonic();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }

  schedule(callback: () => void, ms: number): () => void {
    return systemClock.schedule(callback, ms);
  }
}
