import { TokenRefresherError } from '../shared/errors.js';

// The errors `token-refresher/lambda` exports are apart (refresh-failed-error.ts, unavailable-error.ts),
// so that a Lambda's cold start loads them without the refresh state's errors below.
export { RefreshFailedError, RefreshTimeoutError, type RefreshFailureReason } from './refresh-failed-error.js';
export { TokenUnavailableError, type FailureRecord } from './unavailable-error.js';

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
