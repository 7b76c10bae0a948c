/**
 * The root of every error this library throws. Catch it to handle all of them; catch a subclass
 * to handle one kind. The underlying failure, when there is one, is on `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await refresher.getToken();
 * } catch (error) {
 *   if (error instanceof TokenRefresherError) console.error(error.name, error.message);
 *   throw error;
 * }
 * ```
 */
export class TokenRefresherError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * An option or argument is invalid. The message names the option and says what is accepted.
 * Thrown up front, at construction or at the call, never after work has started.
 */
export class ConfigurationError extends TokenRefresherError {}
