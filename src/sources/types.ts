import type { IssuedToken } from '../token/token.js';
import type { RefreshState } from '../refresher/options.js';

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

/**
 * What a refresh source that keeps state (`oauth2RefreshToken`) receives: the TokenRefresher's
 * `RefreshContext` has all of it, so such a source can be passed as `refresh` directly.
 *
 * @example
 * ```ts
 * const context: StatefulRefreshSourceContext = { signal: AbortSignal.timeout(10_000), state: { refreshToken: seeded } };
 * ```
 */
export interface StatefulRefreshSourceContext extends RefreshSourceContext {
  /** The last committed refresh state, or undefined when none was ever seeded or committed. */
  readonly state: RefreshState | undefined;
  /** True when an earlier holder may already have presented `state` (see `RefreshContext.recovering`). */
  readonly recovering?: boolean;
}

/**
 * A token together with the refresh state the next refresh needs.
 *
 * @example
 * ```ts
 * const { token, expiresAt, state }: SourcedStatefulToken = await refresh({ signal, state: previousState });
 * ```
 */
export interface SourcedStatefulToken extends SourcedToken {
  /** The state to commit with this token: always present, so the refresher stores the latest. */
  state: RefreshState;
}

/**
 * A ready-made `refresh` function for the TokenRefresher that carries state from one refresh to the
 * next, such as a rotating refresh token.
 *
 * @example
 * ```ts
 * const refresh: StatefulRefreshSource = oauth2RefreshToken({ tokenUrl, clientId, clientSecret });
 * const { token, state } = await refresh({ signal: AbortSignal.timeout(10_000), state: { refreshToken } });
 * ```
 */
export type StatefulRefreshSource = (context: StatefulRefreshSourceContext) => Promise<SourcedStatefulToken>;
