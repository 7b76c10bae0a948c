import { systemClock, type Clock } from '../shared/clock.js';
import { ConfigurationError } from '../shared/errors.js';
import { REGION_PATTERN } from '../shared/region.js';
import { assertSecretId, secretNameOf } from '../secret/secret-id.js';
import { AWSCURRENT, AWSPENDING } from '../secret/secret-store.js';
import { envelopeCodec, type TokenCodec } from '../token/codec.js';
import { RefreshPolicy } from '../token/policy.js';
import type { RefresherEvent, RefresherLogger } from './events.js';
import { lockNameFor } from './lock-name.js';
import type { RefreshLock } from './lock-port.js';
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

const DAY_MS = 86_400_000;

function duration(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > DAY_MS) {
    throw new ConfigurationError(
      `Option "${name}" must be a number of milliseconds greater than 0 and at most one day (${DAY_MS}); got ${String(value)}.`,
    );
  }
  return value;
}

function integer(name: string, value: unknown, fallback: number, minimum: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new ConfigurationError(`Option "${name}" must be a whole number of at least ${minimum}; got ${String(value)}.`);
  }
  return value;
}

function label(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new ConfigurationError(`Option "${name}" must be a staging label of 1 to 256 characters; got ${JSON.stringify(value)}.`);
  }
  return value;
}

function fn<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new ConfigurationError(`Option "${name}" must be a function; got ${typeof value}.`);
  }
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
  const leaseMs = duration('leaseMs', options.leaseMs, 10_000);
  if (leaseMs < 100) throw new ConfigurationError(`Option "leaseMs" must be at least 100 ms; got ${leaseMs}.`);
  if (options.createSecret !== undefined && typeof options.createSecret !== 'boolean') {
    throw new ConfigurationError(`Option "createSecret" must be true or false; got ${typeof options.createSecret}.`);
  }
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
    codec: resolveCodec(options.codec),
    policy: new RefreshPolicy({
      ...(options.refreshWindowMs === undefined ? {} : { refreshWindowMs: options.refreshWindowMs }),
      ...(options.minValidityMs === undefined ? {} : { minValidityMs: options.minValidityMs }),
    }),
    clock: resolveClock(options.clock),
    random: fn('random', options.random) ?? Math.random,
    logger: resolveLogger(options.logger),
    onEvent: fn('onEvent', options.onEvent),
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
    if (typeof options.lockTable !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(options.lockTable)) {
      throw new ConfigurationError(
        `Option "lockTable" must name the DynamoDB lease table (3-255 letters, digits, "_", "." or "-"); got ${JSON.stringify(options.lockTable)}. ` +
          'Create it with `token-refresher init-table`.',
      );
    }
    return;
  }
  const tableOptions = (['lockTable', 'dynamodb', 'lockOptions'] as const).filter((name) => options[name] !== undefined);
  if (tableOptions.length > 0) {
    throw new ConfigurationError(
      `Option "lock" excludes ${tableOptions.map((name) => `"${name}"`).join(', ')}: a ready lock already has its table and client. ` +
        'Pass either lock, or lockTable (with dynamodb and lockOptions).',
    );
  }
  const lock: Partial<Record<keyof RefreshLock, unknown>> | null = options.lock;
  if (
    typeof lock !== 'object' ||
    lock === null ||
    (['tryAcquire', 'acquire', 'inspect'] as const).some((method) => typeof lock[method] !== 'function')
  ) {
    throw new ConfigurationError('Option "lock" must be a LeaseLock or a RefreshLock (with tryAcquire, acquire and inspect methods).');
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
    throw new ConfigurationError(`Option "primaryRegion" must be an AWS Region name such as "us-east-1"; got ${JSON.stringify(primaryRegion)}.`);
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
    throw new ConfigurationError(`Option "lockName" must be a non-empty string; got ${JSON.stringify(options.lockName)}.`);
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

function resolveCodec(codec: TokenCodec = envelopeCodec): TokenCodec {
  if (typeof codec !== 'object' || codec === null || typeof codec.encode !== 'function' || typeof codec.decode !== 'function') {
    throw new ConfigurationError('Option "codec" must be an object with encode(envelope) and decode(value) functions and a format description.');
  }
  return codec;
}

function resolveLogger(logger: RefresherLogger | undefined): RefresherLogger | undefined {
  if (logger !== undefined && (['debug', 'info', 'warn', 'error'] as const).some((level) => typeof logger[level] !== 'function')) {
    throw new ConfigurationError('Option "logger" must have debug, info, warn and error methods (console works).');
  }
  return logger;
}

function resolveClock(clock: Clock = systemClock): Clock {
  const methods = ['now', 'monotonic', 'sleep', 'schedule'] as const;
  if (typeof clock !== 'object' || clock === null || methods.some((method) => typeof clock[method] !== 'function')) {
    throw new ConfigurationError('Option "clock" must implement Clock (now, monotonic, sleep and schedule methods).');
  }
  return clock;
}
