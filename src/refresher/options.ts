import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { LeaseLockOptions } from '../lock/options.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { ConfigurationError } from '../shared/errors.js';
import { REGION_PATTERN } from '../shared/region.js';
import { assertSecretId, secretNameOf } from '../secret/secret-id.js';
import { AWSCURRENT, AWSPENDING } from '../secret/secret-store.js';
import { envelopeCodec, type TokenCodec } from '../token/codec.js';
import { RefreshPolicy } from '../token/policy.js';
import type { IssuedToken } from '../token/token.js';
import type { RefresherEvent, RefresherLogger } from './events.js';
import { lockNameFor } from './lock-name.js';
import type { RefreshLock } from './lock-port.js';

/**
 * Private state a refresh function keeps from one refresh to the next — typically the rotating
 * refresh token — as string fields. It is stored in the state secret (`stateSecretId`), which
 * readers cannot read, and never appears in the token secret, DynamoDB, logs, errors or events.
 *
 * @example
 * ```ts
 * const state: RefreshState = { refreshToken: body.refresh_token };
 * ```
 */
export type RefreshState = Readonly<Record<string, string>>;

/** What the `refresh` function receives. */
export interface RefreshContext {
  /** Aborts when the call must stop: timeout, lease lost, or the refresher closed. Pass it to your HTTP call. */
  signal: AbortSignal;
  /** The lease's fence: increases with every refresh attempt across the fleet. */
  fence: number;
  /** The token being replaced, when there is one. */
  previous: { token: string; expiresAt: Date; generation: number } | undefined;
  /**
   * The last committed refresh state (from `stateSecretId`), or undefined when none was ever
   * committed or seeded. It lives beside `previous`, not in it, because state exists before the first
   * token (`token-refresher seed-state` on a new secret).
   */
  state: RefreshState | undefined;
  /**
   * True when an earlier holder may already have presented `state` to the identity provider and then
   * died before storing what it got back (DESIGN.md §9). A provider with a reuse grace period accepts
   * it once more; one that refuses should make the function throw {@link RefreshStateRejectedError}.
   */
  recovering: boolean;
}

/** What the `refresh` function returns: the token and, for providers that rotate a credential, the state to keep. */
export interface RefreshResult extends IssuedToken {
  /** The state the next refresh needs (e.g. the new refresh token). Requires `stateSecretId`; omitted keeps the current state. */
  state?: RefreshState;
}

/** Obtains a new token from the identity provider. */
export type RefreshFunction = (context: RefreshContext) => Promise<RefreshResult> | RefreshResult;

/**
 * Options for {@link TokenRefresher} apart from the lock (see {@link TokenRefresherOptions} for the
 * table of defaults). Durations in milliseconds.
 *
 * @example
 * ```ts
 * const core: RefresherCoreOptions = { secretId: 'prod/api-token', refresh, leaseMs: 5_000 };
 * ```
 */
export interface RefresherCoreOptions {
  /** The secret's name or ARN. Given by name, a missing secret is created by the first refresher. */
  secretId: string;
  /** Gets a new token from the identity provider. Called by one process per token generation. */
  refresh: RefreshFunction;
  /** The staging label that holds the token. Default `AWSCURRENT`; a custom label lets one secret hold several tokens. */
  label?: string;
  /** The label new versions carry before promotion. Default `AWSPENDING`. */
  pendingLabel?: string;
  /** The lock item name. Default {@link lockNameFor}(secretId, label). */
  lockName?: string;
  /** Lease duration. Default 10 000. */
  leaseMs?: number;
  /** How long waiting processes leave between looks at the lock item. Default leaseMs / 10, 20 ms to 1 s. */
  pollMs?: number;
  /** How long the `refresh` function may run before it is aborted. Default 30 000. */
  refreshTimeoutMs?: number;
  /** How long a caller without a valid token waits for another process's refresh. Default 3 × leaseMs. */
  followerDeadlineMs?: number;
  /** The longest refresh window (the window is at most half the token's lifetime). Default 5 minutes. */
  refreshWindowMs?: number;
  /** The largest minimum remaining validity of a returned token (at most a tenth of its lifetime). Default 30 000. */
  minValidityMs?: number;
  /** Refresh results valid for less than this are rejected as garbage. Default 1 000. */
  minLifetimeMs?: number;
  /** The expected token lifetime, to check the version budget at construction. Optional. */
  expectedLifetimeMs?: number;
  /** The secret's version quota assumed by the census guard. Default 100 (Secrets Manager's). */
  versionQuota?: number;
  /** Refuse to write when this many versions or fewer remain under the quota. Default 10. */
  quotaGuard?: number;
  /** Fleet-wide back-off after failed refreshes: first delay, doubling per failure up to `maxBackoffMs`. Default 1 000. */
  minBackoffMs?: number;
  /** Default 60 000. */
  maxBackoffMs?: number;
  /**
   * The secret that keeps the refresh function's private state (a rotating refresh token), apart
   * from the token so that readers' IAM never reaches it (`token-refresher policy --state-secret-id`).
   * Only the lease holder reads and writes it, in the primary Region, before the token is written.
   * Needed when `refresh` returns `state`; seed it with `token-refresher seed-state`. Default none.
   */
  stateSecretId?: string;
  /** Create the secret when it does not exist (only possible when secretId is a name). Default true. */
  createSecret?: boolean;
  /** Reads and writes the secret value. Default {@link envelopeCodec}. */
  codec?: TokenCodec;
  /**
   * Reads the secret: in several Regions, the client of this process's Region, whose replica it reads.
   * Default: a new client with the SDK's standard configuration (honours AWS_ENDPOINT_URL_SECRETS_MANAGER).
   */
  secretsManager?: SecretsManagerClient;
  /**
   * The secret's primary Region, when this process runs in another one and reads a replica there
   * (`ReplicateSecretToRegions`): the lease holder re-reads and writes the primary, readers read the
   * replica and fall back to the primary while it is behind. The lease table defaults to this Region
   * too. Needs `secretId` as a name (replicas' ARNs differ by Region). Default: one Region.
   */
  primaryRegion?: string;
  /** The client for the primary Region. Default: a new client for `primaryRegion`. */
  primarySecretsManager?: SecretsManagerClient;
  /**
   * The replication lag you expect from the primary to this Region's replica (Secrets Manager
   * documents none): checked against the refresh window, with a warning when a replica could still
   * show the old token as it drops below the minimum validity. Needs `primaryRegion`. Optional.
   */
  replicationLagMs?: number;
  /** Default {@link systemClock}. */
  clock?: Clock;
  /** Default `Math.random` (jitter only). */
  random?: () => number;
  logger?: RefresherLogger;
  /** Receives typed events (see {@link RefresherEvent}). Exceptions it throws are ignored. */
  onEvent?: (event: RefresherEvent) => void;
}

/**
 * The lease lock the refresher builds on a DynamoDB table (see `token-refresher init-table`).
 *
 * @example
 * ```ts
 * const lockOn: LockTableOptions = { lockTable: 'token-refresher-locks', lockOptions: { heartbeatMs: 2_000 } };
 * ```
 */
export interface LockTableOptions {
  /** The lease table. */
  lockTable: string;
  /** Default: a new client with the SDK's standard configuration (honours AWS_ENDPOINT_URL_DYNAMODB). */
  dynamodb?: DynamoDBClient;
  /** Further options for the lock the refresher builds (heartbeat, clock skew, TTL, owner id, events). */
  lockOptions?: Omit<LeaseLockOptions, 'client' | 'tableName' | 'store' | 'leaseMs' | 'pollMs' | 'clock' | 'random'>;
  lock?: never;
}

/**
 * A ready lock instead of one the refresher builds: a `LeaseLock` you configured, or any {@link RefreshLock}.
 *
 * @example
 * ```ts
 * const lockOn: ReadyLockOptions = { lock: new LeaseLock({ store: new MemoryLockStore() }) };
 * ```
 */
export interface ReadyLockOptions {
  lock: RefreshLock;
  lockTable?: never;
  dynamodb?: never;
  lockOptions?: never;
}

/**
 * Options for {@link TokenRefresher}: the {@link RefresherCoreOptions} and either a lease table
 * ({@link LockTableOptions}) or a ready lock ({@link ReadyLockOptions}) — never both. Durations in
 * milliseconds.
 *
 * | Option | Default | Guarantee it affects |
 * | --- | --- | --- |
 * | `secretId` | required | — |
 * | `refresh` | required | G1: called by one process per generation |
 * | `label` / `pendingLabel` | `AWSCURRENT` / `AWSPENDING` | G4: the label the compare-and-swap moves forward |
 * | `lockName` | `lockNameFor(secretId, label)` | G1: processes sharing a token must share the name |
 * | `leaseMs` | 10 000 | G5: a dead holder delays the fleet by at most one lease |
 * | `pollMs` | leaseMs / 10, 20 ms to 1 s | G6: reads per waiting process |
 * | `refreshTimeoutMs` | 30 000 | G5: how long a hung identity provider holds the lease |
 * | `followerDeadlineMs` | 3 × leaseMs | G2: a caller without a valid token fails instead of waiting longer |
 * | `refreshWindowMs` | 5 minutes (at most half the lifetime) | G3: refreshes start while the token is still valid |
 * | `minValidityMs` | 30 000 (at most a tenth of the lifetime) | G2: no token returned with less left |
 * | `minLifetimeMs` | 1 000 | G2: shorter refresh results are rejected |
 * | `expectedLifetimeMs` | none | G7: checks the version budget at construction |
 * | `versionQuota` / `quotaGuard` | 100 / 10 | G7: writes stop this far under the quota |
 * | `minBackoffMs` / `maxBackoffMs` | 1 000 / 60 000 | G6, G7: fleet-wide back-off after failed refreshes |
 * | `stateSecretId` | none | refresh state: never reused, never readable by readers, never leaked |
 * | `createSecret` | true | — |
 * | `codec` | {@link envelopeCodec} | G9: how the value is stored |
 * | `secretsManager` | a new client (honours `AWS_ENDPOINT_URL_SECRETS_MANAGER`) | — |
 * | `primaryRegion` / `primarySecretsManager` | one Region / a client for `primaryRegion` | G4: a lagging replica never serves an older token |
 * | `replicationLagMs` | none | G2, G6: warns when the window leaves replicas too little time |
 * | `clock` / `random` | the system clock / `Math.random` | — (tests and simulations inject them) |
 * | `logger` / `onEvent` | none | G9: never given a token value |
 * | `lockTable` | required unless `lock` is given | G1: the lease that elects one refresher |
 * | `dynamodb` | a new client (honours `AWS_ENDPOINT_URL_DYNAMODB`) | — |
 * | `lockOptions` | the lock's own defaults (heartbeat leaseMs / 3, no TTL) | G5: heartbeats keep a live holder's lease |
 * | `lock` | none: built from `lockTable` | G1, G5: any {@link RefreshLock} with the same contract |
 *
 * @example
 * ```ts
 * new TokenRefresher({ secretId: 'prod/api-token', lockTable: 'token-refresher-locks', refresh });
 * new TokenRefresher({ secretId: 'prod/api-token', lock: myLock, refresh });
 * ```
 */
export type TokenRefresherOptions = RefresherCoreOptions & (LockTableOptions | ReadyLockOptions);

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
