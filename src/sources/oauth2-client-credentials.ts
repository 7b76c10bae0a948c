import { clientSecretSource } from './client-secret.js';
import { resolveOAuthOptions, type OAuth2ClientCredentialsOptions } from './oauth2-options.js';
import { requestToken } from './token-endpoint.js';
import type { RefreshSource } from './types.js';

/**
 * A token source for the OAuth 2.0 client credentials grant (RFC 6749 §4.4): pass it as the
 * TokenRefresher's `refresh`. Options are checked here, before any request.
 *
 * Each call POSTs one token request; transient failures (5xx, 429, 408, timeouts, network errors)
 * are retried with full-jitter backoff, honouring `Retry-After`, within `retry.retries` and
 * `retry.maxElapsedMs`. Refusals (`invalid_client`, `invalid_scope`, `unauthorized_client`, …) are
 * not retried — with one exception: when the client secret comes from Secrets Manager, an
 * `invalid_client` re-reads it and, if it changed (rotated), tries once more. Aborting `signal`
 * rejects with its reason at once. Failures are {@link OAuthError}s that never contain the client
 * secret or a token.
 *
 * `expiresAt` is measured from when the request was sent, so network time shortens the assumed
 * lifetime rather than lengthening it. A response without `expires_in` is rejected unless
 * `defaultLifetimeMs` says what to assume.
 *
 * @example
 * ```ts
 * const refresh = oauth2ClientCredentials({
 *   tokenUrl: 'https://idp.example.com/oauth2/token',
 *   clientId: 'billing-worker',
 *   clientSecretId: 'prod/billing-worker/oauth-client-secret',
 *   scope: ['invoices:read'],
 * });
 * const { token, expiresAt } = await refresh({ signal: AbortSignal.timeout(30_000) });
 * ```
 */
export function oauth2ClientCredentials(options: OAuth2ClientCredentialsOptions): RefreshSource {
  const resolved = resolveOAuthOptions(options);
  const secrets = clientSecretSource(resolved.clientSecret);
  const parameters: Array<[string, string]> = [];
  if (resolved.scope !== undefined) parameters.push(['scope', resolved.scope]);
  if (resolved.audience !== undefined) parameters.push(['audience', resolved.audience]);
  for (const resource of resolved.resources) parameters.push(['resource', resource]);
  const request = { grantType: 'client_credentials', parameters, redact: [] };

  return async (context = {}) => {
    const { token, expiresAt } = await requestToken(resolved, secrets, request, context.signal);
    return { token, expiresAt };
  };
}
