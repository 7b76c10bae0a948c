import { describe, expect, it } from 'vitest';
import { resolveRefresherOptions, type TokenRefresherOptions } from '../../src/refresher/options.js';
import { ConfigurationError } from '../../src/shared/errors.js';

const HOUR = 3_600_000;
const valid: TokenRefresherOptions = { secretId: 'ok-secret', lockTable: 'ok-table', refresh: () => ({ token: 't', expiresAt: Date.now() + HOUR }) };

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
    const lock = {
      tryAcquire: () => Promise.reject(new Error('unused')),
      acquire: () => Promise.reject(new Error('unused')),
      inspect: () => Promise.resolve(undefined),
    };
    expect(() => resolveRefresherOptions({ ...valid, lockTable: undefined, lock })).not.toThrow();
  });

  it.each([
    [{ secretId: '' }, /secretId/],
    [{ secretId: 'has spaces' }, /not a valid secret name/],
    [{ refresh: 'nope' }, /"refresh" must be a function/],
    [{ lockTable: 'x' }, /lockTable/],
    [{ lockTable: undefined }, /init-table/],
    [{ lock: {} }, /"lock"/],
    [{ leaseMs: -1 }, /leaseMs/],
    [{ leaseMs: 50 }, /at least 100/],
    [{ leaseMs: 2 * 86_400_000 }, /at most one day/],
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
  ])('rejects %j with a ConfigurationError naming the option', (override, message) => {
    const options = { ...valid, ...override } as unknown as TokenRefresherOptions;
    expect(() => resolveRefresherOptions(options)).toThrow(ConfigurationError);
    expect(() => resolveRefresherOptions(options)).toThrow(message);
  });

  it('rejects a missing options object', () => {
    expect(() => resolveRefresherOptions(undefined as unknown as TokenRefresherOptions)).toThrow(ConfigurationError);
  });
});
