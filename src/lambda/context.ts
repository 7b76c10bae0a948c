import { ConfigurationError } from '../shared/errors.js';

/**
 * The part of the Lambda context the helpers use. The `Context` of `@types/aws-lambda` (and Middy's
 * request context) satisfies it; declaring it here keeps those packages out of this one's types.
 *
 * @example
 * ```ts
 * const context: LambdaContextLike = { getRemainingTimeInMillis: () => 3_000 };
 * ```
 */
export interface LambdaContextLike {
  /** Milliseconds until the invocation times out. */
  getRemainingTimeInMillis(): number;
}

/** Reads the remaining invocation time, refusing anything that is not a Lambda context. */
export function remainingTimeOf(context: LambdaContextLike): number {
  if (typeof context?.getRemainingTimeInMillis !== 'function') {
    throw new ConfigurationError(
      "getToken needs the Lambda context (the handler's second argument): an object with getRemainingTimeInMillis(); " +
        `got ${context === null ? 'null' : typeof context}.`,
    );
  }
  const remaining = context.getRemainingTimeInMillis();
  if (typeof remaining !== 'number' || Number.isNaN(remaining)) {
    throw new ConfigurationError(`context.getRemainingTimeInMillis() must return a number of milliseconds; got ${String(remaining)}.`);
  }
  return remaining;
}
