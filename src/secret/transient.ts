import type { Clock } from '../shared/clock.js';

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'InternalServiceError',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/**
 * True for failures worth repeating with the same request: throttling, server errors, timeouts and
 * dropped connections. Client errors (validation, access, conditions) are not transient.
 *
 * @example
 * ```ts
 * isTransientError(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })); // true
 * ```
 */
export function isTransientError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const details = error as Error & { code?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (TRANSIENT_NAMES.has(error.name)) return true;
  if (typeof details.code === 'string' && TRANSIENT_CODES.has(details.code)) return true;
  if (details.$retryable !== undefined && details.$retryable !== null) return true;
  const status = details.$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 500;
}

/** Options for {@link retryTransient}. */
export interface RetryTransientOptions {
  /** Total attempts, including the first. */
  attempts: number;
  clock: Clock;
  random: () => number;
  signal?: AbortSignal;
  /** Delay before the second attempt; doubles each time, with full jitter. */
  baseDelayMs?: number;
}

/**
 * Repeats an idempotent call after transient failures, on top of the SDK's own retries, with
 * jittered exponential back-off on the injected clock. Only for requests that are safe to repeat
 * verbatim (a `PutSecretValue` with a fixed `ClientRequestToken`, a compare-and-swap).
 *
 * @example
 * ```ts
 * await retryTransient(() => client.send(command), { attempts: 3, clock: systemClock, random: Math.random });
 * ```
 */
export async function retryTransient<T>(call: () => Promise<T>, options: RetryTransientOptions): Promise<T> {
  const baseDelayMs = options.baseDelayMs ?? 100;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= options.attempts || !isTransientError(error) || options.signal?.aborted) throw error;
      await options.clock.sleep(options.random() * baseDelayMs * 2 ** (attempt - 1), options.signal);
    }
  }
}
