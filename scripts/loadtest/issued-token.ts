import { randomBytes } from 'node:crypto';

/**
 * What the load test's identity provider puts inside every token it mints: its mint sequence number
 * (one per IdP call, in order of arrival) and its expiry. Like a JWT's claims, they are readable by
 * whoever holds the token, so a worker checks the validity of what it was served from the token
 * itself, not from what the strategy under test claims.
 */
export interface IssuedTokenClaims {
  /** 1, 2, 3 … in the order the IdP received the requests. */
  seq: number;
  /** Epoch milliseconds. */
  exp: number;
}

const PREFIX = 'lt1';

/**
 * Builds an opaque-looking token carrying {@link IssuedTokenClaims} and 128 random bits.
 *
 * @example
 * ```ts
 * const token = encodeIssuedToken({ seq: 1, exp: Date.now() + 10_000 });
 * decodeIssuedToken(token); // { seq: 1, exp: … }
 * ```
 */
export function encodeIssuedToken(claims: IssuedTokenClaims): string {
  const body = Buffer.from(JSON.stringify({ seq: claims.seq, exp: claims.exp })).toString('base64url');
  return `${PREFIX}.${body}.${randomBytes(16).toString('base64url')}`;
}

/**
 * Reads the claims back; `undefined` for anything that is not a token of this issuer (a strategy
 * that served garbage is counted as an error, not trusted).
 */
export function decodeIssuedToken(token: unknown): IssuedTokenClaims | undefined {
  if (typeof token !== 'string') return undefined;
  const [prefix, body, signature] = token.split('.');
  if (prefix !== PREFIX || body === undefined || signature === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<IssuedTokenClaims>;
    if (!Number.isSafeInteger(claims.seq) || !Number.isFinite(claims.exp)) return undefined;
    return { seq: claims.seq as number, exp: claims.exp as number };
  } catch {
    return undefined;
  }
}
