import type { DecodedToken, TokenEnvelope } from './token.js';

/**
 * Turns a token envelope into the secret's string value and back. The default,
 * {@link envelopeCodec}, writes a documented JSON object; pass your own when other readers of the
 * secret expect a different format.
 *
 * Contract: `encode` must be deterministic (the same envelope gives the same string, because a
 * retried `PutSecretValue` is only idempotent for an identical value), and an error thrown by
 * `decode` must describe the problem without quoting the value, since its message is shown to users.
 *
 * @example
 * ```ts
 * // A secret that other programs read as {"access_token": "...", "expires_at": 1700000000}
 * const oauthCodec: TokenCodec = {
 *   format: 'a JSON object {"access_token": string, "expires_at": epoch seconds}',
 *   encode: (envelope) => JSON.stringify({ access_token: envelope.token, expires_at: Math.floor(envelope.expiresAt / 1000) }),
 *   decode: (value) => {
 *     const parsed = JSON.parse(value) as { access_token: string; expires_at: number };
 *     return { token: parsed.access_token, expiresAt: parsed.expires_at * 1000 };
 *   },
 * };
 * ```
 */
export interface TokenCodec {
  /** A human description of the format, quoted in errors about unreadable secrets. */
  readonly format: string;
  encode(envelope: TokenEnvelope): string;
  decode(value: string): DecodedToken;
}

/**
 * Why a codec could not decode `value`, safe to show: a `SyntaxError` (what `JSON.parse` throws) is
 * withheld because its message quotes the input, and any other message has the value cut out. The
 * original error must not be chained as `cause` when `withheld` is true, for the same reason.
 *
 * @example
 * ```ts
 * try { codec.decode(value); } catch (error) {
 *   const { problem, withheld } = describeDecodeFailure(error, value);
 *   throw new InvalidSecretPayloadError(secretId, problem, withheld ? {} : { cause: error });
 * }
 * ```
 */
export function describeDecodeFailure(error: unknown, value: string): { problem: string; withheld: boolean } {
  if (error instanceof SyntaxError) return { problem: 'the value is not valid JSON', withheld: true };
  if (!(error instanceof Error) || error.message === '') return { problem: 'the codec rejected it', withheld: false };
  if (value !== '' && error.message.includes(value)) return { problem: error.message.split(value).join('[value withheld]'), withheld: true };
  return { problem: error.message, withheld: false };
}

/** The value of the `format` field that marks a secret written by the default codec. */
export const ENVELOPE_FORMAT = 'token-refresher/1';

class EnvelopeFormatError extends Error {
  override readonly name = 'EnvelopeFormatError';
}

function readInstant(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  throw new EnvelopeFormatError(`field "${field}" is not an ISO 8601 date or epoch milliseconds`);
}

/**
 * The default codec. The secret holds one JSON object:
 *
 * ```json
 * {"format":"token-refresher/1","token":"…","expiresAt":"2025-01-01T12:00:00.000Z","generation":7,"refreshedAt":"2025-01-01T11:00:00.000Z"}
 * ```
 *
 * `expiresAt` and `refreshedAt` are ISO 8601 instants (epoch milliseconds are accepted on read);
 * `generation` counts refreshes of this secret label. Readers that only need the token take the
 * `token` field.
 *
 * @example
 * ```ts
 * const value = envelopeCodec.encode({ token: 't', expiresAt: Date.now() + 60_000, generation: 1, refreshedAt: Date.now() });
 * envelopeCodec.decode(value).generation; // 1
 * ```
 */
export const envelopeCodec: TokenCodec = {
  format: `a JSON object {"format":"${ENVELOPE_FORMAT}","token":string,"expiresAt":ISO 8601,"generation":number,"refreshedAt":ISO 8601}`,
  encode(envelope) {
    return JSON.stringify({
      format: ENVELOPE_FORMAT,
      token: envelope.token,
      expiresAt: new Date(envelope.expiresAt).toISOString(),
      generation: envelope.generation,
      refreshedAt: new Date(envelope.refreshedAt).toISOString(),
    });
  },
  decode(value) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      // The parser's message quotes the input, which may be a token: say only what is wrong.
      throw new EnvelopeFormatError('the value is not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new EnvelopeFormatError('the value is JSON but not an object');
    }
    const record = parsed as Record<string, unknown>;
    if (record.format !== ENVELOPE_FORMAT) {
      throw new EnvelopeFormatError(`field "format" is not "${ENVELOPE_FORMAT}"`);
    }
    if (typeof record.token !== 'string' || record.token.length === 0) {
      throw new EnvelopeFormatError('field "token" is missing or not a non-empty string');
    }
    if (typeof record.generation !== 'number' || !Number.isSafeInteger(record.generation) || record.generation < 1) {
      throw new EnvelopeFormatError('field "generation" is not a positive integer');
    }
    return {
      token: record.token,
      expiresAt: readInstant(record.expiresAt, 'expiresAt'),
      generation: record.generation,
      refreshedAt: readInstant(record.refreshedAt, 'refreshedAt'),
    };
  },
};
