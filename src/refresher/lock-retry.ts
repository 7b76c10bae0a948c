import { LockUnavailableError } from '../lock/errors.js';
import type { ProtocolContext } from './protocol-context.js';

/** Attempts of one lock write when its outcome is unknown, on top of the SDK's retries. */
const LOCK_WRITE_ATTEMPTS = 3;
/** First delay between repeats of a lock write, doubling per attempt, so a throttled table gets room. */
const LOCK_RETRY_BASE_MS = 50;

/**
 * Repeats a lock write whose outcome is unknown (throttling, lost response after the SDK's own
 * retries). The lock recognises its own earlier attempts, so a repeat is never a false "held by
 * someone else" nor a duplicate. Used only where the lock is (contention and holding), so it and the
 * lock's errors load with them, not at a reader's cold start.
 */
export async function retryLock<T>(context: ProtocolContext, write: () => Promise<T>): Promise<T> {
  const { clock, random } = context.options;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof LockUnavailableError) || attempt >= LOCK_WRITE_ATTEMPTS || context.closeSignal.aborted) throw error;
      await clock.sleep((0.5 + random() / 2) * LOCK_RETRY_BASE_MS * 2 ** attempt, context.closeSignal);
    }
  }
}
