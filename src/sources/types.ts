import type { IssuedToken } from '../token/index.js';

/**
 * What a token source receives. A source must stop (and reject) when `signal` aborts: the
 * TokenRefresher aborts before its lease could expire.
 */
export interface TokenSourceContext {
  readonly signal?: AbortSignal;
}

/** A freshly issued token; sources always report the expiry as a `Date`. */
export interface SourcedToken extends IssuedToken {
  expiresAt: Date;
}

/**
 * A function that obtains a new token — the `refresh` option of the TokenRefresher.
 *
 * @example
 * ```ts
 * const refresh: TokenSource = oauth2ClientCredentials({ tokenUrl, clientId, clientSecret });
 * const { token, expiresAt } = await refresh({ signal: AbortSignal.timeout(10_000) });
 * ```
 */
export type TokenSource = (context?: TokenSourceContext) => Promise<SourcedToken>;
