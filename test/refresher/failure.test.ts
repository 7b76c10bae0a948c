import { describe, expect, it } from 'vitest';
import { RefreshFailedError } from '../../src/refresher/errors.js';
import { backoffDelayMs, describeError, failureReason, needsPerson } from '../../src/refresher/failure.js';
import { SecretAccessError, VersionQuotaError } from '../../src/secret/errors.js';
import { InvalidSecretPayloadError } from '../../src/token/errors.js';

const quota = new VersionQuotaError('s', undefined);
const access = new SecretAccessError('GetSecretValue', 's', 'grant it');
const payload = new InvalidSecretPayloadError('s', 'not JSON');

describe('Function: describeError', () => {
  it('keeps a plausible error name and cuts the message at 300 characters', () => {
    expect(describeError(Object.assign(new Error('x'.repeat(400)), { name: 'IdpError' }))).toEqual({ name: 'IdpError', message: 'x'.repeat(300) });
    expect(describeError(Object.assign(new Error('m'), { name: `A${'b'.repeat(63)}` })).name).toBe(`A${'b'.repeat(63)}`);
  });

  it('replaces a name that could not be a class name by Error', () => {
    for (const name of ['', '1Error', 'bad name', `A${'b'.repeat(64)}`, 'Err\nor']) {
      expect(describeError(Object.assign(new Error('m'), { name })).name).toBe('Error');
    }
  });

  it('names a thrown non-error by its type, with no message', () => {
    expect(describeError('boom')).toEqual({ name: 'string', message: '' });
    expect(describeError(undefined)).toEqual({ name: 'undefined', message: '' });
  });
});

describe('Function: failureReason', () => {
  it('takes a refresh failure’s own reason and names each error a person must fix', () => {
    expect(failureReason(new RefreshFailedError('timed-out', 'slow'))).toBe('timed-out');
    expect(failureReason(quota)).toBe('quota');
    expect(failureReason(access)).toBe('secret-access');
    expect(failureReason(payload)).toBe('invalid-secret');
    expect(failureReason(new Error('other'))).toBe('error');
  });
});

describe('Function: needsPerson', () => {
  it('is true for the quota, secret-access and payload errors only', () => {
    expect([quota, access, payload].map(needsPerson)).toEqual([true, true, true]);
    expect(needsPerson(new RefreshFailedError('threw', 'idp'))).toBe(false);
    expect(needsPerson(new Error('other'))).toBe(false);
  });
});

describe('Function: backoffDelayMs', () => {
  const options = { minBackoffMs: 1_000, maxBackoffMs: 60_000 };

  it('doubles from the minimum per failure, caps at the maximum, and jitters between half and all of it', () => {
    expect(backoffDelayMs(1, { ...options, random: () => 1 })).toBe(1_000);
    expect(backoffDelayMs(3, { ...options, random: () => 1 })).toBe(4_000);
    expect(backoffDelayMs(3, { ...options, random: () => 0 })).toBe(2_000);
    expect(backoffDelayMs(3, { ...options, random: () => 0.5 })).toBe(3_000);
    expect(backoffDelayMs(7, { ...options, random: () => 1 })).toBe(60_000);
  });

  it('stays finite for any failure count', () => {
    expect(backoffDelayMs(10_000, { minBackoffMs: 1, maxBackoffMs: Number.MAX_VALUE, random: () => 1 })).toBe(2 ** 30);
  });
});
