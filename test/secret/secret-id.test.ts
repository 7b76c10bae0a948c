import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/shared/errors.js';
import { assertSecretId, isSecretArn, secretNameOf } from '../../src/secret/secret-id.js';

describe('Function: secretNameOf', () => {
  it.each([
    ['api-token', 'api-token'],
    ['prod/api-token', 'prod/api-token'],
    ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-token-a1B2c3', 'prod/api-token'],
    ['arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x-AbCdEf', 'x'],
    ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-token', 'prod/api-token'],
  ])('reads %s as %s', (secretId, name) => {
    expect(secretNameOf(secretId)).toBe(name);
  });
});

describe('Function: isSecretArn', () => {
  it('tells ARNs from names', () => {
    expect(isSecretArn('arn:aws:secretsmanager:eu-west-1:123456789012:secret:a-AbCdEf')).toBe(true);
    expect(isSecretArn('a')).toBe(false);
  });
});

describe('Function: assertSecretId', () => {
  it.each([[''], ['has space'], ['star*'], [42], ['x'.repeat(2049)]])('rejects %j with a ConfigurationError', (value) => {
    expect(() => assertSecretId(value)).toThrow(ConfigurationError);
  });

  it('accepts names with the allowed punctuation and ARNs', () => {
    expect(() => assertSecretId('a/b_c+d=e.f@g-h!')).not.toThrow();
    expect(() => assertSecretId('arn:aws:secretsmanager:eu-west-1:123456789012:secret:a b')).not.toThrow();
  });
});
