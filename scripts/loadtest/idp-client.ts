import { TokenRefresherError } from '../../src/index.js';
import { WORKER_HEADER } from './token-issuer.js';
import type { IdpAnswer } from './strategies/types.js';

/** The identity provider answered with an error status. The message never holds a token. */
export class IdentityProviderError extends TokenRefresherError {}

/**
 * The rotating provider refused the refresh token (OAuth `invalid_grant`): used before, unknown, or
 * of a revoked grant. Retrying with the same token cannot succeed.
 */
export class InvalidGrantError extends IdentityProviderError {}

/**
 * Calls the load test's token issuer once, as worker `worker`; with `refreshToken`, as the
 * `refresh_token` grant of a rotating issuer, whose answer carries the next refresh token.
 *
 * @example
 * ```ts
 * const { token, expiresAt } = await callTokenIssuer(issuerUrl, 3);
 * const rotated = await callTokenIssuer(issuerUrl, 3, undefined, refreshToken); // rotated.refreshToken: the next one
 * ```
 */
export async function callTokenIssuer(url: string, worker: number, signal?: AbortSignal, refreshToken?: string): Promise<IdpAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      [WORKER_HEADER]: String(worker),
      ...(refreshToken === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(refreshToken === undefined ? {} : { body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString() }),
    ...(signal === undefined ? {} : { signal }),
  });
  if (!response.ok) {
    const error = response.status === 400 ? ((await response.json().catch(() => ({}))) as { error?: unknown }).error : undefined;
    if (response.status !== 400) await response.body?.cancel();
    if (error === 'invalid_grant') throw new InvalidGrantError('The identity provider refused the refresh token (invalid_grant).');
    throw new IdentityProviderError(`The identity provider answered HTTP ${response.status}; retry later.`);
  }
  const body = (await response.json()) as { access_token?: unknown; expires_at?: unknown; refresh_token?: unknown };
  if (typeof body.access_token !== 'string' || typeof body.expires_at !== 'number') {
    throw new IdentityProviderError('The identity provider answered without access_token and expires_at.');
  }
  return {
    token: body.access_token,
    expiresAt: body.expires_at,
    ...(typeof body.refresh_token === 'string' ? { refreshToken: body.refresh_token } : {}),
  };
}
