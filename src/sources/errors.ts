import { TokenRefresherError } from '../shared/errors.js';

/**
 * The token endpoint did not issue a token: it refused the request (an RFC 6749 §5.2 error), failed
 * (5xx, 429), could not be reached, did not answer in time, or answered with something that is not
 * a usable token response. Never carries the client secret or an access token.
 *
 * @example
 * ```ts
 * try {
 *   await refresh({ signal });
 * } catch (error) {
 *   if (error instanceof OAuthError && error.code === 'invalid_client') alertOnCall('client credentials rejected');
 *   throw error;
 * }
 * ```
 */
export class OAuthError extends TokenRefresherError {
  /** The OAuth `error` code (RFC 6749 §5.2), e.g. `invalid_client`, when the server sent one. */
  readonly code: string | undefined;
  /** The HTTP status of the response, when one arrived. */
  readonly status: number | undefined;
  /** Whether trying again later may succeed (5xx, 429, timeouts, network errors). */
  readonly retryable: boolean;
  /** How long the server asked clients to wait (`Retry-After`), when it did. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    details: { code?: string; status?: number; retryable: boolean; retryAfterMs?: number },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = details.code;
    this.status = details.status;
    this.retryable = details.retryable;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * The client secret could not be read from Secrets Manager (`clientSecretId`): the secret is
 * missing, not readable with this role, binary, or not the JSON shape `clientSecretJsonKey` expects.
 *
 * @example
 * ```ts
 * if (error instanceof ClientSecretUnavailableError) console.error(error.message, error.cause);
 * ```
 */
export class ClientSecretUnavailableError extends TokenRefresherError {}

/**
 * `oauth2RefreshToken` was called without a refresh token to present: the refresh state is missing
 * (nothing was ever seeded or committed) or has no non-empty string at `refreshTokenKey`. Nothing was
 * sent to the identity provider. Obtain a refresh token once (an authorization-code grant with
 * `offline_access`, a person signing in) and seed it with `token-refresher seed-state`.
 *
 * @example
 * ```ts
 * if (error instanceof RefreshStateMissingError) console.error(error.message); // says how to seed the state
 * ```
 */
export class RefreshStateMissingError extends TokenRefresherError {
  /** The state field that should hold the refresh token. */
  readonly refreshTokenKey: string;

  constructor(message: string, refreshTokenKey: string) {
    super(message);
    this.refreshTokenKey = refreshTokenKey;
  }
}
