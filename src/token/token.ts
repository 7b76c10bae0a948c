/**
 * What the user's `refresh` function returns: the token and when it stops being accepted.
 *
 * @example
 * ```ts
 * const issued: IssuedToken = { token: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
 * ```
 */
export interface IssuedToken {
  /** The credential itself. Never logged, never written anywhere but the secret. */
  token: string;
  /** When the identity provider stops accepting the token: a `Date` or epoch milliseconds. */
  expiresAt: Date | number;
}

/**
 * A token as stored in the secret by the default codec, with the bookkeeping the fleet needs.
 *
 * @example
 * ```ts
 * const envelope: TokenEnvelope = { token: 't', expiresAt: 1_700_000_060_000, generation: 4, refreshedAt: 1_700_000_000_000 };
 * ```
 */
export interface TokenEnvelope {
  token: string;
  /** Expiry in epoch milliseconds. */
  expiresAt: number;
  /** 1 for the first token ever written to this secret label, then +1 per refresh. */
  generation: number;
  /** When the token was obtained from the identity provider, epoch milliseconds. */
  refreshedAt: number;
}

/**
 * What a codec reads back from a secret. Formats written by other programs may lack the
 * bookkeeping fields; the refresher then falls back to the secret version's creation date and to the
 * commit record in the lock table.
 *
 * @example
 * ```ts
 * const decoded: DecodedToken = { token: 't', expiresAt: 1_700_000_060_000 };
 * ```
 */
export interface DecodedToken {
  token: string;
  expiresAt: number;
  generation?: number;
  refreshedAt?: number;
}
