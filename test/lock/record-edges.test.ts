import { describe, expect, it } from 'vitest';
import { validateAttributeUpdate, validateLockName } from '../../src/lock/record.js';
import { ConfigurationError } from '../../src/shared/errors.js';

describe('Function: validateAttributeUpdate (edges)', () => {
  it('refuses an array, even an empty one, as committed attributes', () => {
    expect(() => validateAttributeUpdate([])).toThrow('Committed attributes must be a plain object, got an array.');
    expect(() => validateAttributeUpdate(null)).toThrow('Committed attributes must be a plain object, got null.');
  });

  it('accepts a string of exactly 16 KiB and refuses one byte more', () => {
    expect(() => validateAttributeUpdate({ note: 'x'.repeat(16 * 1024) })).not.toThrow();
    expect(() => validateAttributeUpdate({ note: 'x'.repeat(16 * 1024 + 1) })).toThrow(
      'Attribute "note" is longer than 16384 bytes: the lock item holds small, non-secret metadata only.',
    );
  });

  it('quotes only the first 64 characters of an invalid attribute name', () => {
    const name = `${'a'.repeat(70)} b`;
    expect(() => validateAttributeUpdate({ [name]: 1 })).toThrow(
      `Attribute name "${'a'.repeat(64)}" is invalid: use 1-255 letters, digits, "_", "." or "-".`,
    );
  });

  it('tells an empty string from a non-empty one when describing what it got', () => {
    expect(() => validateLockName('')).toThrow('Lock name must be a non-empty string, got an empty string.');
    expect(() => validateAttributeUpdate('attrs')).toThrow('Committed attributes must be a plain object, got a string.');
    expect(() => validateAttributeUpdate({ note: [] })).toThrow(ConfigurationError);
    expect(() => validateAttributeUpdate({ note: [] })).toThrow('got an array.');
  });
});
