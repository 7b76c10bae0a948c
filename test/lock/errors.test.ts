import { describe, expect, it } from 'vitest';
import { LockError, LockLostError, LockTableError, LockTimeoutError, LockUnavailableError } from '../../src/lock/errors.js';
import { ConfigurationError, TokenRefresherError } from '../../src/shared/errors.js';

describe('Class: LockTimeoutError', () => {
  it('names the lock, the wait and the last holder, and says what to change', () => {
    const cause = new Error('last read');
    const error = new LockTimeoutError('job', 5_000, 'host-a:1:ab', { cause });
    expect(error).toBeInstanceOf(LockError);
    expect(error).toBeInstanceOf(TokenRefresherError);
    expect(error.lockName).toBe('job');
    expect(error.timeoutMs).toBe(5_000);
    expect(error.lastHolder).toBe('host-a:1:ab');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      'Timed out after 5000 ms waiting for lock "job" (held by host-a:1:ab): raise timeoutMs, or use tryAcquire() to skip work that someone else is already doing.',
    );
  });

  it('leaves the holder out of the message when none was seen', () => {
    const error = new LockTimeoutError('job', 10, undefined);
    expect(error.lastHolder).toBeUndefined();
    expect(error.message).toBe(
      'Timed out after 10 ms waiting for lock "job": raise timeoutMs, or use tryAcquire() to skip work that someone else is already doing.',
    );
  });
});

describe('Class: LockLostError', () => {
  it.each([
    ['stolen', 'The lease 7 on lock "job" was taken over by another owner: stop the protected work; its results must not be committed.'],
    ['expiring', 'The lease 7 on lock "job" could not be renewed and is about to expire: stop the protected work now.'],
    ['expired', 'The lease 7 on lock "job" expired locally before it could be renewed: stop the protected work.'],
    ['released', 'The lease 7 on lock "job" was released: the protected section is over.'],
  ] as const)('describes a lease lost as %s in its own words', (reason, message) => {
    const error = new LockLostError('job', 7, reason);
    expect(error).toBeInstanceOf(LockError);
    expect(error.reason).toBe(reason);
    expect(error.fence).toBe(7);
    expect(error.lockName).toBe('job');
    expect(error.message).toBe(message);
  });
});

describe('Class: LockUnavailableError', () => {
  it.each([
    [
      'throttled',
      'DynamoDB throttled a request on lock "job" (ProvisionedThroughputExceededException): the table is over its capacity; use on-demand billing or raise its provisioned capacity.',
    ],
    [
      'conflict',
      'DynamoDB refused a request on lock "job" (ProvisionedThroughputExceededException): a write from another Region met it on the global table (multi-Region strong consistency) and it was not applied; it may be retried, and a read shows who holds the lock.',
    ],
    [
      'unknown',
      'DynamoDB failed a request on lock "job" (ProvisionedThroughputExceededException): check connectivity to DynamoDB and the endpoint configuration; the request may be retried.',
    ],
  ] as const)('says what a %s request means and names the cause', (kind, message) => {
    const cause = Object.assign(new Error('x'), { name: 'ProvisionedThroughputExceededException' });
    const error = new LockUnavailableError('job', kind, { cause });
    expect(error).toBeInstanceOf(LockError);
    expect(error.kind).toBe(kind);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(message);
  });

  it('leaves the cause name out when the cause is not an Error', () => {
    expect(new LockUnavailableError('job', 'unknown', { cause: 'socket hang up' }).message).toBe(
      'DynamoDB failed a request on lock "job": check connectivity to DynamoDB and the endpoint configuration; the request may be retried.',
    );
    expect(new LockUnavailableError('job', 'unknown').message).toMatch(/^DynamoDB failed a request on lock "job": /);
  });
});

describe('Class: LockTableError', () => {
  it('is a configuration error that names the table', () => {
    const cause = new Error('ResourceNotFoundException');
    const error = new LockTableError('locks', 'Create the table.', { cause });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.tableName).toBe('locks');
    expect(error.message).toBe('Create the table.');
    expect(error.cause).toBe(cause);
  });
});
