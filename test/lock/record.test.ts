import { describe, expect, it } from 'vitest';
import { validateAttributeUpdate, validateLockName } from '../../src/lock/record.js';
import { ConfigurationError } from '../../src/shared/errors.js';

describe('Function: validateLockName', () => {
  it('accepts names up to 2048 UTF-8 bytes', () => {
    expect(() => validateLockName('token#acme')).not.toThrow();
    expect(() => validateLockName('x'.repeat(2_048))).not.toThrow();
  });

  it('rejects empty, non-string and oversized names', () => {
    expect(() => validateLockName('')).toThrow(/got an empty string/);
    expect(() => validateLockName(undefined)).toThrow(/got undefined/);
    expect(() => validateLockName('x'.repeat(2_049))).toThrow(/2049 bytes long/);
  });
});

describe('Function: validateAttributeUpdate', () => {
  it('accepts strings, finite numbers, booleans and null (removal)', () => {
    expect(() => validateAttributeUpdate({ generation: 3, versionId: 'v3', stale: false, retryNotBefore: null })).not.toThrow();
  });

  it.each([
    [{ pk: 1 }, /"pk" is reserved/],
    [{ lockFence: 1 }, /"lockFence" is reserved/],
    [{ lockAnything: 1 }, /names starting with "lock"/],
    [{ 'bad name': 1 }, /Attribute name "bad name" is invalid/],
    [{ '': 1 }, /Attribute name "" is invalid/],
    [{ n: Infinity }, /"n" must be a finite number/],
    [{ o: {} }, /"o" must be a string, a finite number, a boolean or null/],
    [{ a: [1] }, /got an array/],
    [{ s: 'x'.repeat(20_000) }, /longer than 16384 bytes/],
  ])('rejects %o', (attributes, message) => {
    expect(() => validateAttributeUpdate(attributes)).toThrow(ConfigurationError);
    expect(() => validateAttributeUpdate(attributes)).toThrow(message);
  });

  it('rejects a non-object', () => {
    expect(() => validateAttributeUpdate(null)).toThrow(/must be a plain object, got null/);
    expect(() => validateAttributeUpdate([])).toThrow(/got an array/);
  });
});
