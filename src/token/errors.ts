import { TokenRefresherError } from '../shared/errors.js';

/**
 * A secret holds a value that the configured codec cannot read — typically someone wrote the secret
 * by hand, or another program uses a different format. The message names the secret and the expected
 * format; it never contains the value.
 *
 * @example
 * ```ts
 * try {
 *   await refresher.getToken();
 * } catch (error) {
 *   if (error instanceof InvalidSecretPayloadError) console.error(error.secretId, error.message);
 * }
 * ```
 */
export class InvalidSecretPayloadError extends TokenRefresherError {
  /** The secret (and label) whose value could not be decoded. */
  readonly secretId: string;

  constructor(secretId: string, problem: string, options?: { cause?: unknown; label?: string; expectedFormat?: string }) {
    const where = options?.label === undefined ? `Secret "${secretId}"` : `Secret "${secretId}" (label ${options.label})`;
    const expected = options?.expectedFormat === undefined ? '' : ` Expected ${options.expectedFormat}.`;
    super(
      `${where} does not hold a token this library can read: ${problem}.${expected} ` +
        'Write the secret through token-refresher (or delete its value so the first refresher fills it), ' +
        'or pass a `codec` that understands the existing format.',
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.secretId = secretId;
  }
}

/**
 * A token (typically the result of the user's `refresh` function) is unusable: no token string, an
 * expiry that is missing, invalid or already too close, or an encoded value larger than Secrets
 * Manager accepts. `reason` says which; the message never contains the token.
 *
 * @example
 * ```ts
 * validateIssuedToken({ token: '', expiresAt: Date.now() + 60_000 }, { now: Date.now(), minValidityMs: 0 });
 * // throws InvalidTokenError: the refresh function returned an empty token …
 * ```
 */
export class InvalidTokenError extends TokenRefresherError {
  /** Why the token was rejected, as a short machine-readable word. */
  readonly reason: InvalidTokenReason;

  constructor(reason: InvalidTokenReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** Why an {@link InvalidTokenError} was raised. */
export type InvalidTokenReason = 'not-an-object' | 'no-token' | 'bad-expiry' | 'expired' | 'too-large';
