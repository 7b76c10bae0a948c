import { describe, expect, it } from 'vitest';
import { describeDecodeFailure, ENVELOPE_FORMAT, envelopeCodec } from '../../src/token/codec.js';

const envelope = { token: 'tok-secret-value', expiresAt: 1_700_000_060_000, generation: 3, refreshedAt: 1_700_000_000_000 };

describe('Object: envelopeCodec', () => {
  it('round-trips an envelope through the documented JSON shape', () => {
    const value = envelopeCodec.encode(envelope);
    expect(JSON.parse(value)).toEqual({
      format: ENVELOPE_FORMAT,
      token: 'tok-secret-value',
      expiresAt: '2023-11-14T22:14:20.000Z',
      generation: 3,
      refreshedAt: '2023-11-14T22:13:20.000Z',
    });
    expect(envelopeCodec.decode(value)).toEqual(envelope);
  });

  it('encodes deterministically, so a retried PutSecretValue carries the identical value', () => {
    expect(envelopeCodec.encode({ ...envelope })).toBe(envelopeCodec.encode(envelope));
  });

  it('accepts epoch milliseconds for the instants', () => {
    const value = JSON.stringify({ format: ENVELOPE_FORMAT, token: 't', expiresAt: 2000, generation: 1, refreshedAt: 1000 });
    expect(envelopeCodec.decode(value)).toEqual({ token: 't', expiresAt: 2000, generation: 1, refreshedAt: 1000 });
  });

  it.each([
    ['plain text', 'hand-written-token-abc', 'not JSON'],
    ['a JSON array', '["hand-written-token-abc"]', 'not an object'],
    ['another JSON format', '{"access_token":"hand-written-token-abc"}', '"format"'],
    ['an empty token', JSON.stringify({ format: ENVELOPE_FORMAT, token: '', expiresAt: 1, generation: 1, refreshedAt: 1 }), '"token"'],
    [
      'a bad generation',
      JSON.stringify({ format: ENVELOPE_FORMAT, token: 'hand-written-token-abc', expiresAt: 1, generation: 0, refreshedAt: 1 }),
      '"generation"',
    ],
    [
      'a bad date',
      JSON.stringify({ format: ENVELOPE_FORMAT, token: 'hand-written-token-abc', expiresAt: 'soon', generation: 1, refreshedAt: 1 }),
      '"expiresAt"',
    ],
  ])('rejects %s with a message that names the problem but not the value', (_, value, problem) => {
    let caught: unknown;
    try {
      envelopeCodec.decode(value);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    const error = caught as Error;
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('hand-written-token-abc');
    expect(error.cause).toBeUndefined();
  });
});

describe('Function: describeDecodeFailure', () => {
  const value = 'raw-secret-token-value';

  it('withholds what JSON.parse says, since its message quotes the value', () => {
    const parseError = (() => {
      try {
        JSON.parse(value);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect((parseError as Error).message).toContain('raw-secret'); // the reason for withholding it
    expect(describeDecodeFailure(parseError, value)).toEqual({ problem: 'the value is not valid JSON', withheld: true });
  });

  it("cuts the value out of a custom codec's message and marks it withheld", () => {
    const described = describeDecodeFailure(new Error(`cannot read ${value} as a token`), value);
    expect(described).toEqual({ problem: 'cannot read [value withheld] as a token', withheld: true });
  });

  it('keeps a message that does not quote the value, and names a non-Error rejection', () => {
    expect(describeDecodeFailure(new Error('field "exp" is missing'), value)).toEqual({ problem: 'field "exp" is missing', withheld: false });
    expect(describeDecodeFailure('nope', value)).toEqual({ problem: 'the codec rejected it', withheld: false });
  });
});
