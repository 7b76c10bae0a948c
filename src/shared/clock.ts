/**
 * Time as the library sees it. Production code uses {@link systemClock}; tests and the fleet
 * simulation inject a virtual clock so that timing-dependent behaviour is deterministic.
 */
export interface Clock {
  /** Wall-clock time in epoch milliseconds. May jump (NTP) and may differ between hosts. */
  now(): number;
  /** Monotonic milliseconds from an arbitrary origin. Never jumps; only comparable within one process. */
  monotonic(): number;
  /**
   * Resolves after `ms` milliseconds of this clock's time, or rejects with `signal.reason` when the
   * signal aborts first. Real timers are `unref`'d so that a pending sleep never keeps a process alive.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Runs `callback` after `ms` milliseconds; the returned function cancels it. Real timers are `unref`'d. */
  schedule(callback: () => void, ms: number): () => void;
}

/** The real clock: `Date.now()`, `performance.now()` and `unref`'d timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
  schedule(callback, ms) {
    const timer = setTimeout(callback, Math.max(0, ms));
    timer.unref();
    return () => clearTimeout(timer);
  },
};
