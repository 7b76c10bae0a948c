import { describe, expect, it } from 'vitest';
import { decodeIssuedToken, encodeIssuedToken } from '../../../scripts/loadtest/issued-token.js';

describe('Function: encodeIssuedToken', () => {
  it('carries its sequence number and expiry so a worker can check what it was served', () => {
    const token = encodeIssuedToken({ seq: 42, exp: 1_700_000_000_123 });
    expect(decodeIssuedToken(token)).toEqual({ seq: 42, exp: 1_700_000_000_123 });
  });

  it('makes two tokens with the same claims different', () => {
    expect(encodeIssuedToken({ seq: 1, exp: 1 })).not.toBe(encodeIssuedToken({ seq: 1, exp: 1 }));
  });
});

describe('Function: decodeIssuedToken', () => {
  it('rejects anything that is not one of its tokens', () => {
    for (const garbage of [undefined, 42, '', 'abc', 'lt1.!!!.x', 'lt1.e30.x', `lt0.${Buffer.from('{"seq":1,"exp":1}').toString('base64url')}.x`]) {
      expect(decodeIssuedToken(garbage)).toBeUndefined();
    }
  });
});
