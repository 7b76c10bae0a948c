import { describe, expect, it } from 'vitest';
import { envelopeCodec } from '../../src/token/codec.js';
import { InvalidTokenError } from '../../src/token/errors.js';
import { MAX_SECRET_VALUE_BYTES, encodeForSecret, validateIssuedToken } from '../../src/token/validate.js';

const now = 1_700_000_000_000;
const options = { now, minLifetimeMs: 1000 };

function rejection(value: unknown): InvalidTokenError {
  try {
    validateIssuedToken(value, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError);
    return error as InvalidTokenError;
  }
  throw new Error('expected a rejection');
}

describe('Function: validateIssuedToken', () => {
  it('accepts a Date or epoch milliseconds and normalises to milliseconds', () => {
    expect(validateIssuedToken({ token: 'abc', expiresAt: new Date(now + 60_000) }, options)).toEqual({ token: 'abc', expiresAt: now + 60_000 });
    expect(validateIssuedToken({ token: 'abc', expiresAt: now + 60_000 }, options)).toEqual({ token: 'abc', expiresAt: now + 60_000 });
  });

  it.each([
    [undefined, 'not-an-object'],
    ['just-a-string', 'not-an-object'],
    [{ expiresAt: now + 60_000 }, 'no-token'],
    [{ token: '', expiresAt: now + 60_000 }, 'no-token'],
    [{ token: 42, expiresAt: now + 60_000 }, 'no-token'],
    [{ token: 'secret-xyz' }, 'bad-expiry'],
    [{ token: 'secret-xyz', expiresAt: 'tomorrow' }, 'bad-expiry'],
    [{ token: 'secret-xyz', expiresAt: new Date('nope') }, 'bad-expiry'],
    [{ token: 'secret-xyz', expiresAt: Math.floor(now / 1000) + 3600 }, 'bad-expiry'],
    [{ token: 'secret-xyz', expiresAt: now - 5 }, 'expired'],
    [{ token: 'secret-xyz', expiresAt: now + 999 }, 'expired'],
  ])('rejects %j as %s without quoting the token', (value, reason) => {
    const error = rejection(value);
    expect(error.reason).toBe(reason);
    expect(error.message).not.toContain('secret-xyz');
  });

  it('explains epoch seconds passed as milliseconds', () => {
    expect(rejection({ token: 'x', expiresAt: 1_700_003_600 }).message).toMatch(/epoch seconds/);
  });
});

describe('Function: encodeForSecret', () => {
  const envelope = { token: 'x', expiresAt: now + 60_000, generation: 1, refreshedAt: now };

  it('returns the encoded value when it fits in a secret', () => {
    expect(encodeForSecret(envelopeCodec, envelope)).toBe(envelopeCodec.encode(envelope));
  });

  it('rejects a value over 64 KiB with reason too-large', () => {
    try {
      encodeForSecret(envelopeCodec, { ...envelope, token: 'y'.repeat(MAX_SECRET_VALUE_BYTES) });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect((error as InvalidTokenError).reason).toBe('too-large');
      expect((error as Error).message).not.toContain('yyyy');
    }
  });

  it('counts bytes, not characters', () => {
    const fourByteChars = '😀'.repeat(MAX_SECRET_VALUE_BYTES / 4 - 10);
    expect(() => encodeForSecret(envelopeCodec, { ...envelope, token: fourByteChars })).toThrow(InvalidTokenError);
  });
});
