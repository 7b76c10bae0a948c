import { TokenRefresherError } from '../shared/errors.js';

/**
 * The user's `refresh` function threw, returned something unusable, or its result could not be
 * stored. `cause` is the original error; the message never contains a token. While a valid token
 * exists the failure is only reported (a `refresh-failed` event); callers see it as the
 * `lastFailure` of a {@link TokenUnavailableError} once nothing valid is left.
 *
 * @example
 * ```ts
 * try {
 *   await refresher.getToken();
 * } catch (error) {
 *   if (error instanceof TokenUnavailableError && error.lastFailure instanceof RefreshFailedError) {
 *     console.error('identity provider problem:', error.lastFailure.reason, error.lastFailure.cause);
 *   }
 * }
 * ```
 */
export class RefreshFailedError extends TokenRefresherError {
  /** `threw`, `timed-out`, `invalid-result` (see `cause`, an InvalidTokenError), or `aborted` (the lease was lost). */
  readonly reason: RefreshFailureReason;

  constructor(reason: RefreshFailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** Why a refresh attempt failed. */
export type RefreshFailureReason = 'threw' | 'timed-out' | 'invalid-result' | 'aborted';

/**
 * The `refresh` function did not settle within `refreshTimeoutMs`. Its signal was aborted; a
 * function that ignores the signal is abandoned (its eventual result is discarded).
 *
 * @example
 * ```ts
 * new TokenRefresher({ …, refreshTimeoutMs: 5_000 }); // raise it if the identity provider is slow
 * ```
 */
export class RefreshTimeoutError extends RefreshFailedError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(
      'timed-out',
      `The refresh function did not settle within ${timeoutMs} ms and was aborted. Pass its \`signal\` to your HTTP call, ` +
        'check the identity provider, or raise refreshTimeoutMs.',
    );
    this.timeoutMs = timeoutMs;
  }
}

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

/**
 * Thrown by a `refresh` function when the identity provider refuses the refresh state it was given
 * (OAuth `invalid_grant`: the refresh token was revoked, expired, or already used). The refresher
 * never retries it: it records the state as lost for the whole fleet and raises
 * {@link RefreshStateLostError}.
 *
 * @example
 * ```ts
 * if (body.error === 'invalid_grant') throw new RefreshStateRejectedError('The refresh token was refused (invalid_grant).');
 * ```
 */
export class RefreshStateRejectedError extends TokenRefresherError {}

/**
 * The refresh state (the rotating refresh token) is no longer accepted by the identity provider, so
 * no process of the fleet can refresh until a person re-authorizes and seeds new state with
 * `token-refresher seed-state`. The whole fleet stops calling the provider until then; a still-valid
 * token keeps being served. `cause` is the provider's refusal when this process saw it.
 *
 * @example
 * ```ts
 * try {
 *   await refresher.getToken();
 * } catch (error) {
 *   if (error instanceof RefreshStateLostError) page(error.message); // says which command seeds new state
 *   throw error;
 * }
 * ```
 */
export class RefreshStateLostError extends TokenRefresherError {
  readonly secretId: string;
  readonly stateSecretId: string;

  constructor(secretId: string, stateSecretId: string, situation: string, options?: { cause?: unknown }) {
    super(
      `The refresh state of secret "${secretId}" (kept in "${stateSecretId}") is no longer accepted: ${situation}. ` +
        'No process refreshes until it is replaced: re-authorize with the identity provider, then run ' +
        `\`token-refresher seed-state --secret-id ${secretId} --state-secret-id ${stateSecretId} --table <lock table>\` ` +
        'with the new state on stdin.',
      options,
    );
    this.secretId = secretId;
    this.stateSecretId = stateSecretId;
  }
}
