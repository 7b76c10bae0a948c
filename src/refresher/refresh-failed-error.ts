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
