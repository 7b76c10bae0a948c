import { describe, expect, it } from 'vitest';
import { lockNameFor, lockNamePrefixFor } from '../../src/refresher/lock-name.js';
import { ConfigurationError } from '../../src/shared/errors.js';

describe('Function: lockNameFor', () => {
  it('names the lock after the secret and the label', () => {
    expect(lockNameFor('my-api-token')).toBe('token-refresher/my-api-token/AWSCURRENT');
    expect(lockNameFor('my-api-token', 'read')).toBe('token-refresher/my-api-token/read');
  });

  it('gives the name and the full ARN of one secret the same lock', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:team/my-api-token-Ab12Cd';
    expect(lockNameFor(arn)).toBe(lockNameFor('team/my-api-token'));
  });

  it('shares the IAM leading-key prefix across labels', () => {
    expect(lockNameFor('s', 'a').startsWith(lockNamePrefixFor('s'))).toBe(true);
    expect(lockNameFor('s', 'b').startsWith(lockNamePrefixFor('s'))).toBe(true);
    expect(lockNamePrefixFor('s')).toBe('token-refresher/s/');
  });

  it('rejects an invalid secret id', () => {
    expect(() => lockNameFor('not valid')).toThrow(ConfigurationError);
  });
});
