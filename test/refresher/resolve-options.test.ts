import { describe, expect, it } from 'vitest';
import type { RefreshLock } from '../../src/refresher/lock-port.js';
import type { TokenRefresherOptions } from '../../src/refresher/options.js';
import { resolveRefresherOptions } from '../../src/refresher/resolve-options.js';
import { ConfigurationError } from '../../src/shared/errors.js';

const HOUR = 3_600_000;
const valid: TokenRefresherOptions = { secretId: 'ok-secret', lockTable: 'ok-table', refresh: () => ({ token: 't', expiresAt: Date.now() + HOUR }) };

const readyLock: RefreshLock = {
  tryAcquire: () => Promise.reject(new Error('unused')),
  acquire: () => Promise.reject(new Error('unused')),
  inspect: () => Promise.resolve(undefined),
};

describe('Function: resolveRefresherOptions', () => {
  it('fills in the documented defaults', () => {
    const resolved = resolveRefresherOptions(valid);
    expect(resolved).toMatchObject({
      label: 'AWSCURRENT',
      pendingLabel: 'AWSPENDING',
      lockName: 'token-refresher/ok-secret/AWSCURRENT',
      leaseMs: 10_000,
      pollMs: 1_000,
      refreshTimeoutMs: 30_000,
      followerDeadlineMs: 30_000,
      minLifetimeMs: 1_000,
      versionQuota: 100,
      quotaGuard: 10,
      minBackoffMs: 1_000,
      maxBackoffMs: 60_000,
      createSecret: true,
    });
    expect(resolved.policy.maxRefreshWindowMs).toBe(300_000);
    expect(resolved.policy.maxMinValidityMs).toBe(30_000);
  });

  it('scales the poll interval and follower deadline with the lease', () => {
    expect(resolveRefresherOptions({ ...valid, leaseMs: 600 })).toMatchObject({ pollMs: 60, followerDeadlineMs: 1_800 });
    expect(resolveRefresherOptions({ ...valid, leaseMs: 100 })).toMatchObject({ pollMs: 20 });
  });

  it('derives the lock name from an ARN and a custom label, or takes lockName as given', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-AbC123';
    expect(resolveRefresherOptions({ ...valid, secretId: arn, label: 'read' }).lockName).toBe('token-refresher/prod/api/read');
    expect(resolveRefresherOptions({ ...valid, lockName: 'custom' }).lockName).toBe('custom');
  });

  it('needs no lockTable when a lock is given', () => {
    expect(resolveRefresherOptions({ secretId: valid.secretId, refresh: valid.refresh, lock: readyLock }).lockTable).toBeUndefined();
  });

  it('is a type error, and a run-time error for JavaScript, to pass both a lock and a lockTable', () => {
    // @ts-expect-error: TokenRefresherOptions takes either lock or lockTable
    const both: TokenRefresherOptions = { ...valid, lock: readyLock };
    expect(() => resolveRefresherOptions(both)).toThrow(/"lock" excludes "lockTable"/);
  });

  it.each([
    [{ lockTable: 'ok-table' }, /"lock" excludes "lockTable"/],
    [{ dynamodb: {} }, /"lock" excludes "dynamodb"/],
    [{ lockTable: 'ok-table', lockOptions: { heartbeatMs: 1_000 } }, /"lock" excludes "lockTable", "lockOptions"/],
  ])('rejects a lock given with %j instead of ignoring either', (tableOptions, message) => {
    const both = { secretId: valid.secretId, refresh: valid.refresh, lock: readyLock, ...tableOptions } as unknown as TokenRefresherOptions;
    expect(() => resolveRefresherOptions(both)).toThrow(ConfigurationError);
    expect(() => resolveRefresherOptions(both)).toThrow(message);
  });

  it.each([
    [{ tryAcquire: readyLock.tryAcquire, acquire: readyLock.acquire }, /with tryAcquire, acquire, inspect methods/],
    [null, /"lock" must be/],
  ])('rejects a lock without the RefreshLock methods: %j', (lock, message) => {
    const options = { secretId: valid.secretId, refresh: valid.refresh, lock } as unknown as TokenRefresherOptions;
    expect(() => resolveRefresherOptions(options)).toThrow(message);
  });

  it.each([
    [{ secretId: '' }, /secretId/],
    [{ secretId: 'has spaces' }, /not a valid secret name/],
    [{ refresh: 'nope' }, /"refresh" must be a function/],
    [{ lockTable: 'x' }, /lockTable/],
    [{ lockTable: undefined }, /init-table/],
    [{ lockTable: undefined, lock: {} }, /"lock" must be a LeaseLock/],
    [
      { clock: { now: () => 0, monotonic: () => 0, schedule: () => () => undefined } },
      /"clock" must be a Clock \(with now, monotonic, sleep, schedule methods\)/,
    ],
    [{ clock: null }, /"clock"/],
    [{ leaseMs: -1 }, /leaseMs/],
    [{ leaseMs: 50 }, /"leaseMs" must be a number of milliseconds from 100 to 86400000; got 50/],
    [{ leaseMs: 2 * 86_400_000 }, /from 100 to 86400000; got 172800000/],
    [{ refreshTimeoutMs: Number.NaN }, /refreshTimeoutMs/],
    [{ label: '' }, /"label"/],
    [{ label: 'AWSPREVIOUS' }, /AWSPREVIOUS/],
    [{ label: 'AWSPENDING' }, /must differ/],
    [{ lockName: '' }, /lockName/],
    [{ minValidityMs: 200_000 }, /minValidityMs/],
    [{ versionQuota: 1 }, /versionQuota/],
    [{ versionQuota: 10, quotaGuard: 10 }, /quotaGuard/],
    [{ minBackoffMs: 10_000, maxBackoffMs: 1_000 }, /maxBackoffMs/],
    [{ createSecret: 'yes' }, /createSecret/],
    [{ logger: { info: () => undefined } }, /logger/],
    [{ codec: { encode: 1 } }, /codec/],
    [{ onEvent: 'log' }, /onEvent/],
    [{ random: 0.5 }, /random/],
    [{ logger: null }, /"logger" must be a logger such as console \(with debug, info, warn, error methods\); got null/],
    [{ codec: null }, /"codec" must be a TokenCodec/],
    [{ dynamodb: {} }, /"dynamodb" must be a DynamoDBClient \(with send method\); got an object/],
    [{ lockOptions: 'fast' }, /"lockOptions" must be an object of lease settings/],
    [{ lockOptions: { store: {} } }, /"lockOptions" must be an object of lease settings, without a store/],
  ])('rejects %j with a ConfigurationError naming the option', (override, message) => {
    const options = { ...valid, ...override } as unknown as TokenRefresherOptions;
    expect(() => resolveRefresherOptions(options)).toThrow(ConfigurationError);
    expect(() => resolveRefresherOptions(options)).toThrow(message);
  });

  it('rejects a missing options object', () => {
    expect(() => resolveRefresherOptions(undefined as unknown as TokenRefresherOptions)).toThrow(ConfigurationError);
  });
});
