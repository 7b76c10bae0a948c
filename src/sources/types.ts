import type { IssuedToken } from '../token/token.js';

/**
 * What a refresh source receives. A source must stop (and reject with the signal's reason) when
 * `signal` aborts: the TokenRefresher aborts before its lease could expire.
 *
 * @example
 * ```ts
 * const context: RefreshSourceContext = { signal: AbortSignal.timeout(10_000) };
 * ```
 */
export interface RefreshSourceContext {
  readonly signal?: AbortSignal;
}

/**
 * A freshly issued token; sources always report the expiry as a `Date`.
 *
 * @example
 * ```ts
 * const { token, expiresAt }: SourcedToken = await refresh();
 * ```
 */
export interface SourcedToken extends IssuedToken {
  expiresAt: Date;
}

/**
 * A ready-made `refresh` function for the TokenRefresher: obtains a new token from an identity provider.
 *
 * @example
 * ```ts
 * const refresh: RefreshSource = oauth2ClientCredentials({ tokenUrl, clientId, clientSecret });
 * const { token, expiresAt } = await refresh({ signal: AbortSignal.timeout(10_000) });
 * ```
 */
export type RefreshSource = (context?: RefreshSourceContext) => Promise<SourcedToken>;
