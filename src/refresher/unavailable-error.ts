import { TokenRefresherError } from '../shared/errors.js';

/** What a process knows about the fleet's last failed refresh (from the lock table: no secrets). */
export interface FailureRecord {
  /** Why it failed: a {@link RefreshFailureReason} or `quota`. */
  reason: string;
  /** The error's class name, e.g. `RefreshTimeoutError`. */
  errorName: string;
  /** Consecutive failures across the fleet. */
  failureCount: number;
  /** No process refreshes before this (epoch ms): the fleet backs off together. */
  retryNotBefore: number;
}

/**
 * No token with enough remaining validity could be returned: the refresh failed (here or in another
 * process), the fleet is backing off after failures, or waiting for another process's refresh
 * passed the follower deadline. `lastFailure` says what went wrong last, when known.
 *
 * @example
 * ```ts
 * try {
 *   await refresher.getToken();
 * } catch (error) {
 *   if (error instanceof TokenUnavailableError) return { statusCode: 503, headers: { 'retry-after': '5' } };
 *   throw error;
 * }
 * ```
 */
export class TokenUnavailableError extends TokenRefresherError {
  readonly secretId: string;
  /** The failure that left no valid token, from this process or as recorded by another. */
  readonly lastFailure: Error | FailureRecord | undefined;

  constructor(secretId: string, label: string, situation: string, lastFailure?: Error | FailureRecord, options?: { cause?: unknown }) {
    const failure = describeFailure(lastFailure);
    super(
      `No valid token for secret "${secretId}" (label ${label}): ${situation}.${failure} ` +
        'Callers should retry later; if this persists, check the refresh function and the identity provider (see the refresh-failed events).',
      { cause: options?.cause ?? (lastFailure instanceof Error ? lastFailure : undefined) },
    );
    this.secretId = secretId;
    this.lastFailure = lastFailure;
  }
}

function describeFailure(failure: Error | FailureRecord | undefined): string {
  if (failure === undefined) return '';
  if (failure instanceof Error) return ` Last failure: ${failure.name}: ${failure.message}`;
  return (
    ` Last failure (another process): ${failure.reason} (${failure.errorName}), ${failure.failureCount} in a row; ` +
    `the fleet retries after ${new Date(failure.retryNotBefore).toISOString()}.`
  );
}
