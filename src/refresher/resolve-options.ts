import { systemClock, type Clock } from '../shared/clock.js';
import { ConfigurationError } from '../shared/errors.js';
import { checkFunction, checkMethods, DAY_MS, invalidOption, numberOption } from '../shared/option-checks.js';
import { REGION_PATTERN } from '../shared/region.js';
import { assertSecretId, secretNameOf } from '../secret/secret-id.js';
import { AWSCURRENT, AWSPENDING } from '../secret/secret-store.js';
import { envelopeCodec, type TokenCodec } from '../token/codec.js';
import { RefreshPolicy } from '../token/policy.js';
import type { RefresherEvent, RefresherLogger } from './events.js';
import { lockNameFor } from './lock-name.js';
import type { LockTableOptions, ReadyLockOptions, RefresherCoreOptions, RefreshFunction, TokenRefresherOptions } from './options.js';

/** Validated options with defaults applied. */
export interface ResolvedRefresherOptions {
  secretId: string;
  stateSecretId: string | undefined;
  primaryRegion: string | undefined;
  replicationLagMs: number | undefined;
  lockTable: string | undefined;
  refresh: RefreshFunction;
  label: string;
  pendingLabel: string;
  lockName: string;
  leaseMs: number;
  pollMs: number;
  refreshTimeoutMs: number;
  followerDeadlineMs: number;
  minLifetimeMs: number;
  expectedLifetimeMs: number | undefined;
  versionQuota: number;
  quotaGuard: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  createSecret: boolean;
  codec: TokenCodec;
  policy: RefreshPolicy;
  clock: Clock;
  random: () => number;
  logger: RefresherLogger | undefined;
  onEvent: ((event: RefresherEvent) => void) | undefined;
}

function duration(name: string, value: unknown, fallback: number): number {
  return numberOption(name, value, fallback, { min: 0, above: true, max: DAY_MS, unit: 'milliseconds' });
}

function integer(name: string, value: unknown, fallback: number, minimum: number): number {
  return numberOption(name, value, fallback, { min: minimum, whole: true });
}

function label(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0 || value.length > 256)
    throw invalidOption(name, 'a staging label of 1 to 256 characters', value);
  return value;
}

/**
 * Checks every option up front and fills in the defaults; throws a {@link ConfigurationError}
 * naming the option and what it accepts.
 *
 * @example
 * ```ts
 * resolveRefresherOptions({ secretId: 'api-token', lockTable: 'locks', refresh }).leaseMs; // 10_000
 * ```
 */
export function resolveRefresherOptions(options: TokenRefresherOptions): ResolvedRefresherOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('TokenRefresher needs an options object: { secretId, lockTable, refresh }.');
  }
  assertSecretId(options.secretId);
  if (typeof options.refresh !== 'function') {
    throw new ConfigurationError('Option "refresh" must be a function ({ signal, fence, previous }) => Promise<{ token, expiresAt }>.');
  }
  assertLockChoice(options);
  const labels = resolveLabels(options);
  const leaseMs = numberOption('leaseMs', options.leaseMs, 10_000, { min: 100, max: DAY_MS, unit: 'milliseconds' });
  if (options.createSecret !== undefined && typeof options.createSecret !== 'boolean')
    throw invalidOption('createSecret', 'true or false', options.createSecret);
  return {
    secretId: options.secretId,
    stateSecretId: resolveStateSecretId(options),
    primaryRegion: resolvePrimaryRegion(options),
    replicationLagMs: resolveReplicationLag(options),
    lockTable: options.lockTable,
    refresh: options.refresh,
    ...labels,
    lockName: options.lockName ?? lockNameFor(options.secretId, labels.label),
    leaseMs,
    pollMs: duration('pollMs', options.pollMs, Math.min(1_000, Math.max(20, Math.floor(leaseMs / 10)))),
    refreshTimeoutMs: duration('refreshTimeoutMs', options.refreshTimeoutMs, 30_000),
    followerDeadlineMs: duration('followerDeadlineMs', options.followerDeadlineMs, 3 * leaseMs),
    minLifetimeMs: duration('minLifetimeMs', options.minLifetimeMs, 1_000),
    expectedLifetimeMs: options.expectedLifetimeMs === undefined ? undefined : duration('expectedLifetimeMs', options.expectedLifetimeMs, 0),
    ...resolveBudget(options),
    createSecret: options.createSecret ?? true,
    codec: checkMethods('codec', options.codec === undefined ? envelopeCodec : options.codec, ['encode', 'decode'], 'a TokenCodec'),
    policy: new RefreshPolicy({
      ...(options.refreshWindowMs === undefined ? {} : { refreshWindowMs: options.refreshWindowMs }),
      ...(options.minValidityMs === undefined ? {} : { minValidityMs: options.minValidityMs }),
    }),
    clock: checkMethods('clock', options.clock === undefined ? systemClock : options.clock, ['now', 'monotonic', 'sleep', 'schedule'], 'a Clock'),
    random: checkFunction('random', options.random) ?? Math.random,
    logger: resolveLogger(options.logger),
    onEvent: checkFunction('onEvent', options.onEvent),
  };
}

/**
 * Checks that exactly one of a lease table and a ready lock is given: JavaScript callers get the
 * check that TypeScript's union type gives. Shared by the refresher and the operations.
 *
 * @example
 * ```ts
 * assertLockChoice({ lock, lockTable: 'locks' }); // throws: "lock" excludes "lockTable"
 * ```
 */
export function assertLockChoice(options: Partial<LockTableOptions> | Partial<ReadyLockOptions>): void {
  if (options.lock === undefined) {
    assertLockTable(options as Partial<LockTableOptions>);
    return;
  }
  const tableOptions = (['lockTable', 'dynamodb', 'lockOptions'] as const).filter((name) => options[name] !== undefined);
  if (tableOptions.length > 0) {
    throw new ConfigurationError(
      `Option "lock" excludes ${tableOptions.map((name) => `"${name}"`).join(', ')}: a ready lock already has its table and client. ` +
        'Pass either lock, or lockTable (with dynamodb and lockOptions).',
    );
  }
  checkMethods('lock', options.lock, ['tryAcquire', 'acquire', 'inspect'], 'a LeaseLock or a RefreshLock');
}

/** The lease table's options; the lock's own settings are checked by the lock's rules when it is built. */
function assertLockTable({ lockTable, dynamodb, lockOptions }: Partial<LockTableOptions>): void {
  if (typeof lockTable !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(lockTable)) {
    throw new ConfigurationError(
      `Option "lockTable" must name the DynamoDB lease table (3-255 letters, digits, "_", "." or "-"); got ${JSON.stringify(lockTable)}. ` +
        'Create it with `token-refresher init-table`.',
    );
  }
  if (dynamodb !== undefined) checkMethods('dynamodb', dynamodb, ['send'], 'a DynamoDBClient');
  if (lockOptions !== undefined && (typeof lockOptions !== 'object' || lockOptions === null || 'store' in lockOptions)) {
    throw invalidOption('lockOptions', 'an object of lease settings, without a store (the lock lives in lockTable)', lockOptions);
  }
}

function resolvePrimaryRegion(options: RefresherCoreOptions): string | undefined {
  const { primaryRegion } = options;
  if (primaryRegion === undefined) {
    if (options.primarySecretsManager !== undefined) {
      throw new ConfigurationError('Option "primarySecretsManager" needs "primaryRegion": name the Region its client is for.');
    }
    return undefined;
  }
  if (typeof primaryRegion !== 'string' || !REGION_PATTERN.test(primaryRegion)) {
    throw invalidOption('primaryRegion', 'an AWS Region name such as "us-east-1"', primaryRegion);
  }
  if (options.secretId.startsWith('arn:')) {
    throw new ConfigurationError(
      'Option "secretId" must be the secret\'s name when "primaryRegion" is set: a replica\'s ARN differs from the primary\'s by its Region.',
    );
  }
  return primaryRegion;
}

function resolveStateSecretId(options: RefresherCoreOptions): string | undefined {
  const { stateSecretId } = options;
  if (stateSecretId === undefined) return undefined;
  assertSecretId(stateSecretId, 'stateSecretId');
  if (secretNameOf(stateSecretId) === secretNameOf(options.secretId)) {
    throw new ConfigurationError(
      'Option "stateSecretId" must name a secret other than "secretId": readers may read the token secret, and must never read the refresh state.',
    );
  }
  return stateSecretId;
}

function resolveReplicationLag(options: RefresherCoreOptions): number | undefined {
  if (options.replicationLagMs === undefined) return undefined;
  if (options.primaryRegion === undefined) {
    throw new ConfigurationError('Option "replicationLagMs" needs "primaryRegion": it is the lag of this Region\'s replica behind the primary.');
  }
  return duration('replicationLagMs', options.replicationLagMs, 0);
}

function resolveLabels(options: RefresherCoreOptions): { label: string; pendingLabel: string } {
  const managedLabel = label('label', options.label, AWSCURRENT);
  const pendingLabel = label('pendingLabel', options.pendingLabel, AWSPENDING);
  if (pendingLabel === managedLabel) {
    throw new ConfigurationError(`Options "label" and "pendingLabel" must differ; both are "${managedLabel}".`);
  }
  if (managedLabel === 'AWSPREVIOUS') {
    throw new ConfigurationError('Option "label" cannot be AWSPREVIOUS: Secrets Manager moves that label itself. Use AWSCURRENT or a custom label.');
  }
  if (options.lockName !== undefined && (typeof options.lockName !== 'string' || options.lockName.length === 0)) {
    throw invalidOption('lockName', 'a non-empty string', options.lockName);
  }
  return { label: managedLabel, pendingLabel };
}

/** The version quota, its guard and the back-off that keeps failed refreshes from spending it. */
function resolveBudget(
  options: RefresherCoreOptions,
): Pick<ResolvedRefresherOptions, 'versionQuota' | 'quotaGuard' | 'minBackoffMs' | 'maxBackoffMs'> {
  const minBackoffMs = duration('minBackoffMs', options.minBackoffMs, 1_000);
  const maxBackoffMs = duration('maxBackoffMs', options.maxBackoffMs, 60_000);
  if (maxBackoffMs < minBackoffMs) {
    throw new ConfigurationError(`Option "maxBackoffMs" (${maxBackoffMs}) must be at least "minBackoffMs" (${minBackoffMs}).`);
  }
  const versionQuota = integer('versionQuota', options.versionQuota, 100, 2);
  const quotaGuard = integer('quotaGuard', options.quotaGuard, Math.min(10, versionQuota - 1), 0);
  if (quotaGuard >= versionQuota) {
    throw new ConfigurationError(`Option "quotaGuard" (${quotaGuard}) must be less than "versionQuota" (${versionQuota}).`);
  }
  return { versionQuota, quotaGuard, minBackoffMs, maxBackoffMs };
}

function resolveLogger(logger: RefresherLogger | undefined): RefresherLogger | undefined {
  return logger === undefined ? undefined : checkMethods('logger', logger, ['debug', 'info', 'warn', 'error'], 'a logger such as console');
}
