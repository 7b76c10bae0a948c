import { systemClock, type Clock } from '../shared/clock.js';

/**
 * Runs `close` and waits at most `timeoutMs` for it: `closed` if it finished, `timed-out` if not
 * (the caller should then exit anyway — an unreleased lease expires by itself after its duration).
 *
 * @example
 * ```ts
 * if ((await closeWithin(() => refresher.close(), 10_000)) === 'timed-out') process.exit(1);
 * ```
 */
export async function closeWithin(close: () => Promise<void>, timeoutMs: number, clock: Clock = systemClock): Promise<'closed' | 'timed-out'> {
  let cancel: () => void = () => undefined;
  const timedOut = new Promise<'timed-out'>((resolve) => {
    cancel = clock.schedule(() => resolve('timed-out'), timeoutMs);
  });
  try {
    return await Promise.race([close().then(() => 'closed' as const), timedOut]);
  } finally {
    cancel();
  }
}
