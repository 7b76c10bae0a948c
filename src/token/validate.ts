import { InvalidTokenError } from './errors.js';
import type { TokenCodec } from './codec.js';
import type { TokenEnvelope } from './token.js';

/** Secrets Manager's limit on a secret value (`SecretString`), in bytes. */
export const MAX_SECRET_VALUE_BYTES = 65_536;

/** Epoch milliseconds below this are almost certainly epoch seconds (this is March 1973 in ms). */
const SMALLEST_PLAUSIBLE_EPOCH_MS = 100_000_000_000;

/** Options for {@link validateIssuedToken}. */
export interface ValidateIssuedTokenOptions {
  /** The current wall-clock time, epoch milliseconds. */
  now: number;
  /** Reject tokens that are valid for less than this from `now`. */
  minLifetimeMs: number;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/**
 * Checks what a `refresh` function returned and normalises the expiry to epoch milliseconds.
 * Garbage becomes an {@link InvalidTokenError} whose message says what to change and never quotes
 * the token.
 *
 * @example
 * ```ts
 * const { token, expiresAt } = validateIssuedToken(await refresh(), { now: Date.now(), minLifetimeMs: 1000 });
 * ```
 */
export function validateIssuedToken(value: unknown, options: ValidateIssuedTokenOptions): { token: string; expiresAt: number } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidTokenError(
      'not-an-object',
      `The refresh function returned ${describe(value)}; return an object { token: string, expiresAt: Date | epoch milliseconds }.`,
    );
  }
  const { token, expiresAt } = value as Record<string, unknown>;
  if (typeof token !== 'string' || token.length === 0) {
    const got = typeof token === 'string' ? 'an empty string' : describe(token);
    throw new InvalidTokenError('no-token', `The refresh function returned ${got} as "token"; return the token as a non-empty string.`);
  }
  let expiresAtMs: number;
  if (expiresAt instanceof Date) {
    expiresAtMs = expiresAt.getTime();
  } else if (typeof expiresAt === 'number') {
    expiresAtMs = expiresAt;
  } else {
    throw new InvalidTokenError(
      'bad-expiry',
      `The refresh function returned ${describe(expiresAt)} as "expiresAt"; return a Date or epoch milliseconds.`,
    );
  }
  if (!Number.isFinite(expiresAtMs)) {
    throw new InvalidTokenError(
      'bad-expiry',
      'The refresh function returned an invalid date as "expiresAt"; return a valid Date or finite epoch milliseconds.',
    );
  }
  if (expiresAtMs > 0 && expiresAtMs < SMALLEST_PLAUSIBLE_EPOCH_MS) {
    throw new InvalidTokenError(
      'bad-expiry',
      `The refresh function returned expiresAt=${expiresAtMs}, which looks like epoch seconds; multiply by 1000 (epoch milliseconds) or return a Date.`,
    );
  }
  const lifetimeMs = expiresAtMs - options.now;
  if (lifetimeMs < options.minLifetimeMs) {
    const when = lifetimeMs <= 0 ? `expired ${-lifetimeMs} ms ago` : `expires in ${lifetimeMs} ms`;
    throw new InvalidTokenError(
      'expired',
      `The refresh function returned a token that ${when}; tokens must be valid for at least ${options.minLifetimeMs} ms when issued. Check the expiry calculation (and the clock).`,
    );
  }
  return { token, expiresAt: expiresAtMs };
}

/**
 * Encodes an envelope and checks that it fits in a secret value.
 *
 * @example
 * ```ts
 * const value = encodeForSecret(envelopeCodec, envelope); // throws InvalidTokenError('too-large') above 64 KiB
 * ```
 */
export function encodeForSecret(codec: TokenCodec, envelope: TokenEnvelope): string {
  const value = codec.encode(envelope);
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidTokenError(
      'not-an-object',
      `The codec "${codec.format}" encoded the token as ${typeof value === 'string' ? 'an empty string' : describe(value)}; encode returns a non-empty string.`,
    );
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SECRET_VALUE_BYTES) {
    throw new InvalidTokenError(
      'too-large',
      `The encoded token is ${bytes} bytes; Secrets Manager accepts at most ${MAX_SECRET_VALUE_BYTES}. The identity provider returned an unexpectedly large token, or the codec adds too much.`,
    );
  }
  return value;
}
