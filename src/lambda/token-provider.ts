import type { TokenRefresherOptions } from '../refresher/options.js';
import { TokenRefresher, type TokenResult } from '../refresher/token-refresher.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { ConfigurationError } from '../shared/errors.js';
import { numberOption } from '../shared/option-checks.js';
import { remainingTimeOf, type LambdaContextLike } from './context.js';
import { InvocationDeadlineError } from './errors.js';

/**
 * Options for {@link LambdaTokenProvider}: the refresher's, plus how much time to leave the handler.
 *
 * @example
 * ```ts
 * const options: LambdaTokenProviderOptions = { secretId: 'prod/api-token', lockTable: 'locks', refresh, marginMs: 1_000 };
 * ```
 */
export type LambdaTokenProviderOptions = TokenRefresherOptions & {
  /**
   * Time kept back from the invocation's remaining time for the handler itself (to use the token or
   * report the failure): `getToken` gives up this long before the invocation would time out. Default 500.
   */
  marginMs?: number;
};

/**
 * Per-invocation options of {@link LambdaTokenProvider.getToken}.
 *
 * @example
 * ```ts
 * await tokens.getToken(context, { signal }); // e.g. Middy's early-timeout signal
 * ```
 */
export interface LambdaGetTokenOptions {
  /** Stops this call waiting (e.g. Middy's early-timeout signal). */
  signal?: AbortSignal;
}

const DEFAULT_MARGIN_MS = 500;
/** Lambda's longest timeout: a larger margin could never leave any time. */
const MAX_MARGIN_MS = 900_000;
/**
 * The least time `getToken` needs after `marginMs` (the refresher's shortest lease): with less, it
 * refuses at once.
 *
 * @example
 * ```ts
 * if (context.getRemainingTimeInMillis() < tokens.marginMs + MIN_BUDGET_MS) return tooLate();
 * ```
 */
export const MIN_BUDGET_MS = 100;

/**
 * Tokens for Lambda handlers. Create it at module scope, so that the refresher, its SDK clients and
 * the cached token survive between invocations of one execution environment; call
 * {@link LambdaTokenProvider.getToken} in each invocation with its context. Each call is bounded by
 * the invocation's remaining time less `marginMs`: its waiting, the lease of a refresh it starts and
 * the `refresh` function's time — so an environment frozen after its invocation never blocks the
 * fleet for longer than that invocation had left. Nothing is left to run between invocations: the
 * invocation that reaches its environment's refresh point and wins the lease refreshes within its
 * own time (the others keep serving the valid token), since an environment is frozen as soon as it
 * answers. Concurrent invocations in one process (Lambda Managed Instances) share one refresh.
 *
 * @example
 * ```ts
 * import { LambdaTokenProvider } from 'token-refresher/lambda';
 * import { oauth2ClientCredentials } from 'token-refresher/sources';
 *
 * const tokens = new LambdaTokenProvider({
 *   secretId: process.env.TOKEN_SECRET_ID!,
 *   lockTable: process.env.LOCK_TABLE!,
 *   refresh: oauth2ClientCredentials({ tokenUrl, clientId, clientSecretId }),
 * });
 *
 * export const handler = async (event: unknown, context: Context) => {
 *   const { token } = await tokens.getToken(context);
 *   return callApi(token);
 * };
 * ```
 */
export class LambdaTokenProvider {
  /** The module-scope refresher behind this provider. */
  readonly refresher: TokenRefresher;
  /** The time kept back for the handler, in milliseconds. */
  readonly marginMs: number;
  readonly #clock: Clock;

  constructor(options: LambdaTokenProviderOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigurationError('LambdaTokenProvider needs an options object: { secretId, lockTable, refresh }.');
    }
    const { marginMs, ...refresherOptions } = options;
    this.marginMs = numberOption('marginMs', marginMs, DEFAULT_MARGIN_MS, { min: 0, max: MAX_MARGIN_MS, unit: 'milliseconds' });
    this.refresher = new TokenRefresher(refresherOptions);
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * A token for this invocation: from memory while it is fresh (no request), otherwise read or
   * refreshed within the invocation's remaining time less `marginMs`. Throws
   * {@link InvocationDeadlineError} at once when less than 100 ms would be left — never waiting or
   * leasing without a bound — or when the time runs out; the refresher's errors otherwise.
   *
   * @example
   * ```ts
   * const { token, expiresAt } = await tokens.getToken(context);
   * ```
   */
  async getToken(context: LambdaContextLike, options: LambdaGetTokenOptions = {}): Promise<TokenResult> {
    const remainingMs = remainingTimeOf(context);
    const budgetMs = Math.floor(remainingMs - this.marginMs);
    if (!(budgetMs >= MIN_BUDGET_MS)) {
      throw new InvocationDeadlineError(
        `Only ${Math.max(0, Math.floor(remainingMs))} ms of the invocation remain: after marginMs (${this.marginMs}) that leaves less than ` +
          `the ${MIN_BUDGET_MS} ms needed to get a token, so no request was made and no lease taken. ` +
          "Raise the function's timeout, get the token earlier in the handler, or lower marginMs.",
        remainingMs,
        budgetMs,
      );
    }
    options.signal?.throwIfAborted();
    const deadline = new AbortController();
    const cancel = this.#clock.schedule(() => {
      deadline.abort(
        new InvocationDeadlineError(
          `No token within ${budgetMs} ms (the ${Math.floor(remainingMs)} ms the invocation had left, less marginMs ${this.marginMs}). ` +
            'A refresh in progress goes on; a later invocation gets its result.',
          remainingMs,
          budgetMs,
        ),
      );
    }, budgetMs);
    try {
      const signal = options.signal === undefined ? deadline.signal : AbortSignal.any([options.signal, deadline.signal]);
      return await this.refresher.getToken({ signal, leaseMs: budgetMs, refreshTimeoutMs: budgetMs, awaitRefresh: true });
    } finally {
      cancel();
    }
  }

  /**
   * Reports that the downstream API rejected `token` (HTTP 401); the next `getToken` replaces it,
   * refreshing only if no other environment already has. Returns whether it was the current token.
   *
   * @example
   * ```ts
   * if (response.status === 401 && tokens.invalidate(token)) return retryOnce();
   * ```
   */
  invalidate(token: string): boolean {
    return this.refresher.invalidate(token);
  }

  /**
   * Closes the refresher (for tests and scripts; a Lambda environment simply ends).
   *
   * @example
   * ```ts
   * await tokens.close();
   * ```
   */
  close(): Promise<void> {
    return this.refresher.close();
  }
}
