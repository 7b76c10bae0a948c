import { TokenRefresherError } from '../shared/errors.js';

/**
 * The invocation has too little time left to get a token, or getting one took all the time it had.
 * Nothing is left behind: with too little time no request is made and no lease is taken; when the
 * time runs out while waiting, the shared refresh goes on and a later invocation gets its result.
 *
 * @example
 * ```ts
 * try {
 *   const { token } = await tokens.getToken(context);
 * } catch (error) {
 *   if (error instanceof InvocationDeadlineError) return { statusCode: 503, body: 'try again' };
 *   throw error;
 * }
 * ```
 */
export class InvocationDeadlineError extends TokenRefresherError {
  /** What `context.getRemainingTimeInMillis()` said when the call started. */
  readonly remainingMs: number;
  /** The time the call was allowed to take: the remaining time less `marginMs`. */
  readonly budgetMs: number;

  constructor(message: string, remainingMs: number, budgetMs: number, options?: { cause?: unknown }) {
    super(message, options);
    this.remainingMs = remainingMs;
    this.budgetMs = budgetMs;
  }
}
