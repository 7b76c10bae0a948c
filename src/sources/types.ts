import type { IssuedToken } from '../token/index.js';

/**
 * What a token source receives. A source must stop (and reject) when `signal` aborts: the
 * TokenRefresher aborts before its lease could expire.
 */
export interface RefreshSourceContext {
  readonly signal?: AbortSignal;
}

/** A freshly issued token; sources always report the expiry as a `Date`. */
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
