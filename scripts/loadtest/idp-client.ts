import { TokenRefresherError } from '../../src/index.js';
import { WORKER_HEADER } from './token-issuer.js';
import type { MintedToken } from './strategies/types.js';

/** The identity provider answered with an error status. The message never holds a token. */
export class IdentityProviderError extends TokenRefresherError {}

/**
 * Calls the load test's token issuer once, as worker `worker`.
 *
 * @example
 * ```ts
 * const { token, expiresAt } = await callTokenIssuer(issuerUrl, 3);
 * ```
 */
export async function callTokenIssuer(url: string, worker: number, signal?: AbortSignal): Promise<MintedToken> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { [WORKER_HEADER]: String(worker) },
    ...(signal === undefined ? {} : { signal }),
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new IdentityProviderError(`The identity provider answered HTTP ${response.status}; retry later.`);
  }
  const body = (await response.json()) as { access_token?: unknown; expires_at?: unknown };
  if (typeof body.access_token !== 'string' || typeof body.expires_at !== 'number') {
    throw new IdentityProviderError('The identity provider answered without access_token and expires_at.');
  }
  return { token: body.access_token, expiresAt: body.expires_at };
}
