/**
 * `token-refresher/lambda`: module-scope tokens for Lambda handlers, bounded per invocation by the
 * remaining time, and a Middy middleware. Everything a handler needs is exported from here.
 */
export { LambdaTokenProvider, MIN_BUDGET_MS, type LambdaGetTokenOptions, type LambdaTokenProviderOptions } from './token-provider.js';
export { tokenMiddleware, type TokenContext, type TokenMiddleware, type TokenMiddlewareOptions } from './middleware.js';
export { InvocationDeadlineError } from './errors.js';
export type { LambdaContextLike } from './context.js';
export { ConfigurationError, TokenRefresherError } from '../shared/errors.js';
// From their own modules, not refresher/errors.js: a bundler that splits would load every module this file names.
export { RefreshFailedError, RefreshTimeoutError } from '../refresher/refresh-failed-error.js';
export { TokenUnavailableError } from '../refresher/unavailable-error.js';
export { TokenRefresher, type TokenResult } from '../refresher/token-refresher.js';
export type {
  LockTableOptions,
  ReadyLockOptions,
  RefreshContext,
  RefreshFunction,
  RefresherCoreOptions,
  TokenRefresherOptions,
} from '../refresher/options.js';
export type { RefresherEvent, RefresherLogger } from '../refresher/events.js';
