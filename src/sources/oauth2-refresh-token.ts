import type { RefreshState } from '../refresher/options.js';
import { RefreshStateRejectedError } from '../refresher/errors.js';
import { clientSecretSource } from './client-secret.js';
import { OAuthError, RefreshStateMissingError } from './errors.js';
import { resolveRefreshTokenOptions, type OAuth2RefreshTokenOptions } from './oauth2-options.js';
import { requestToken } from './token-endpoint.js';
import type { StatefulRefreshSource } from './types.js';

const PREFIX = 'oauth2RefreshToken:';

/**
 * A token source for the OAuth 2.0 refresh token grant (RFC 6749 §6), for identity providers that
 * rotate refresh tokens (RFC 9700 §4.14: Okta, Auth0, oidc-provider with `rotateRefreshToken`) and
 * for those that do not. Pass it as the TokenRefresher's `refresh` together with `stateSecretId`:
 * the refresh token lives in the refresh state (`context.state[refreshTokenKey]`), which the
 * refresher keeps in that secret and hands to the one process that refreshes. Options are checked
 * here, before any request.
 *
 * Each call POSTs `grant_type=refresh_token` with the refresh token from `context.state` (and
 * `scope` when given) and returns the access token with the state to commit: when the response
 * carries a new `refresh_token` (the server rotated it), the state holds the new one; when it does
 * not, the state keeps the one presented. Other fields of the state are kept as they are.
 *
 * - `invalid_grant` (the refresh token was revoked, expired or already used) is never retried: it
 *   throws `RefreshStateRejectedError` with the {@link OAuthError} as `cause`, and the refresher stops
 *   the whole fleet until new state is seeded. A rotating server treats a used refresh token as
 *   stolen and revokes the whole grant, so presenting it again could only make things worse.
 * - No state, or no refresh token in it, throws {@link RefreshStateMissingError} before any request:
 *   seed the state with `token-refresher seed-state`.
 * - Transient failures (5xx, 429 with `Retry-After`, 408, timeouts, network errors) are retried
 *   exactly as `oauth2ClientCredentials` retries them, and `invalid_client` with a client secret
 *   from Secrets Manager re-reads the secret once. A timeout or a lost response may come after the
 *   server has already rotated the token; the retry then presents a used token. On a server with a
 *   reuse grace period that retry succeeds; on a strict one it gets `invalid_grant` — as would any
 *   later attempt, since the successor was never received — so retrying loses nothing.
 *
 * Neither the refresh token, the client secret nor the access token appears in an error: the
 * server's `error_description` is cut short with both secrets removed. A 200 response that cannot be
 * used (no `access_token`, no `expires_in` without `defaultLifetimeMs`) is an {@link OAuthError};
 * a rotating server has by then consumed the refresh token, so set `defaultLifetimeMs` if your
 * provider omits `expires_in`.
 *
 * @example
 * ```ts
 * import { TokenRefresher } from 'token-refresher';
 * import { oauth2RefreshToken } from 'token-refresher/sources';
 *
 * const refresher = new TokenRefresher({
 *   secretId: 'prod/reporting/access-token',
 *   stateSecretId: 'prod/reporting/refresh-state', // seeded once: token-refresher seed-state
 *   lockTable: 'token-refresher-locks',
 *   refresh: oauth2RefreshToken({
 *     tokenUrl: 'https://idp.example.com/oauth2/token',
 *     clientId: 'reporting',
 *     clientSecretId: 'prod/reporting/oauth-client-secret',
 *   }),
 * });
 * ```
 */
export function oauth2RefreshToken(options: OAuth2RefreshTokenOptions): StatefulRefreshSource {
  const resolved = resolveRefreshTokenOptions(options);
  const secrets = clientSecretSource(resolved.clientSecret);
  const key = resolved.refreshTokenKey;
  const endpoint = `${resolved.tokenUrl.origin}${resolved.tokenUrl.pathname}`;

  return async (context) => {
    const signal = context?.signal;
    signal?.throwIfAborted();
    const state = context?.state;
    const presented = refreshTokenIn(state, key);
    const parameters: Array<[string, string]> = [['refresh_token', presented]];
    if (resolved.scope !== undefined) parameters.push(['scope', resolved.scope]);

    let result: Awaited<ReturnType<typeof requestToken>>;
    try {
      result = await requestToken(resolved, secrets, { grantType: 'refresh_token', parameters, redact: [presented] }, signal);
    } catch (error) {
      if (error instanceof OAuthError && error.code === 'invalid_grant') throw rejection(error, endpoint, context?.recovering === true);
      throw error;
    }
    return {
      token: result.token,
      expiresAt: result.expiresAt,
      // No refresh_token in the response: the server did not rotate it, and the one presented stays valid.
      state: { ...state, [key]: result.refreshToken ?? presented },
    };
  };
}

function refreshTokenIn(state: RefreshState | undefined, key: string): string {
  const seed =
    `Authorize once (e.g. an authorization-code grant with the offline_access scope), then store the refresh token with ` +
    `\`token-refresher seed-state\`, giving it ${JSON.stringify({ [key]: '<refresh token>' })} on stdin ` +
    '(the TokenRefresher reads the state from stateSecretId).';
  if (state === undefined || state === null) {
    throw new RefreshStateMissingError(`${PREFIX} there is no refresh state, so no refresh token to present. ${seed}`, key);
  }
  if (typeof state !== 'object') {
    throw new RefreshStateMissingError(`${PREFIX} the refresh state is not an object of string fields. ${seed}`, key);
  }
  const value = (state as Record<string, unknown>)[key];
  if (typeof value === 'string' && value !== '') return value;
  // Field names are shown, never values: a value may be a refresh token stored under another name.
  const fields = Object.keys(state);
  const present = fields.length === 0 ? 'it has no fields' : `its fields: ${fields.map((name) => JSON.stringify(name)).join(', ')}`;
  throw new RefreshStateMissingError(
    `${PREFIX} the refresh state has no non-empty string field ${JSON.stringify(key)} (refreshTokenKey; ${present}). ${seed}`,
    key,
  );
}

function rejection(error: OAuthError, endpoint: string, recovering: boolean): RefreshStateRejectedError {
  const why = recovering
    ? 'an earlier holder may have presented it and stopped before the rotated one was stored'
    : 'it was revoked, expired, or already used';
  return new RefreshStateRejectedError(
    `${PREFIX} token endpoint ${endpoint} refused the refresh token (invalid_grant): ${why}. A server that rotates refresh tokens ` +
      'revokes the whole grant when a used one is presented again, so it is not retried: re-authorize and seed new state with ' +
      '`token-refresher seed-state`.',
    { cause: error },
  );
}
