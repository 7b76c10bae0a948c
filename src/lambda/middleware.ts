import type { Context } from 'aws-lambda';
import { ConfigurationError } from '../shared/errors.js';
import { invalidOption } from '../shared/option-checks.js';
import type { LambdaTokenProvider } from './token-provider.js';

/**
 * Options for {@link tokenMiddleware}.
 *
 * @example
 * ```ts
 * middy().use(tokenMiddleware(tokens, { contextKey: 'apiToken' })); // context.apiToken
 * ```
 */
export interface TokenMiddlewareOptions<Key extends string> {
  /** The context property that receives the token. Default `'token'`. */
  contextKey?: Key;
}

/**
 * What the middleware adds to the handler's context: the token under `contextKey`.
 *
 * @example
 * ```ts
 * type HandlerContext = Context & TokenContext; // { token: string } added
 * ```
 */
export type TokenContext<Key extends string = 'token'> = { [P in Key]: string };

/**
 * A Middy middleware object, declared structurally so that this package needs nothing from
 * `@middy/core` (only the `Context` type of `@types/aws-lambda`): it fits `middy().use(…)`, which
 * then types `context[contextKey]` as a string.
 *
 * @example
 * ```ts
 * const middleware: TokenMiddleware<'apiToken'> = tokenMiddleware(tokens, { contextKey: 'apiToken' });
 * ```
 */
export interface TokenMiddleware<Key extends string = 'token'> {
  readonly name: string;
  before(request: { context: Context & TokenContext<Key> }): Promise<void>;
}

/**
 * A Middy middleware that puts a token on the context before the handler runs, through
 * {@link LambdaTokenProvider.getToken} (so it is bounded by the invocation's remaining time). A
 * failure to get one fails the invocation with the provider's typed error, before the handler runs.
 *
 * @example
 * ```ts
 * import middy from '@middy/core';
 * import { LambdaTokenProvider, tokenMiddleware } from 'token-refresher/lambda';
 *
 * const tokens = new LambdaTokenProvider({ secretId, lockTable, refresh });
 * export const handler = middy()
 *   .use(tokenMiddleware(tokens))
 *   .handler(async (event, context) => callApi(context.token));
 * ```
 */
export function tokenMiddleware<Key extends string = 'token'>(
  provider: LambdaTokenProvider,
  options: TokenMiddlewareOptions<Key> = {},
): TokenMiddleware<Key> {
  if (typeof provider?.getToken !== 'function') {
    throw new ConfigurationError('tokenMiddleware needs a LambdaTokenProvider (create one at module scope).');
  }
  const key = options.contextKey ?? 'token';
  if (typeof key !== 'string' || key.length === 0) {
    throw invalidOption('contextKey', 'a non-empty string', key);
  }
  return {
    name: 'token-refresher',
    async before(request) {
      const { token } = await provider.getToken(request.context);
      (request.context as unknown as Record<string, string>)[key] = token;
    },
  };
}
