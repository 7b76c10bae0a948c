import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { LeaseLockOptions } from '../lock/options.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { envelopeCodec, type TokenCodec } from '../token/codec.js';
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
