import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LeaseLock } from '../lock/lease-lock.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { ConfigurationError } from '../shared/errors.js';
import type { VersionCensus } from '../secret/errors.js';
import { assertSecretId } from '../secret/secret-id.js';
import { AWSCURRENT, SecretStore, type LabelRead } from '../secret/secret-store.js';
import { describeDecodeFailure, envelopeCodec, type TokenCodec } from '../token/codec.js';
import type { DecodedToken } from '../token/token.js';
import { readCommitRecord, type CommitRecord } from './commit-record.js';
import { STATE_LOST } from './failure.js';
import { lockNameFor } from './lock-name.js';
import { checkReplicaRegions, describeReplicas, type ReplicaStatus } from './replica-status.js';
import { assertLockChoice } from './resolve-options.js';
import type { RefreshLock, RefreshLockState } from './lock-port.js';

/** Where a secret lives, and its label and codec; see {@link SecretOperationOptions}. */
export interface SecretLocationOptions {
  secretId: string;
  /** Default `AWSCURRENT`. */
  label?: string;
  /** Default {@link lockNameFor}(secretId, label). */
  lockName?: string;
  codec?: TokenCodec;
  secretsManager?: SecretsManagerClient;
  clock?: Clock;
  signal?: AbortSignal;
}

/**
 * Where a secret and its lock live: the same connection options as {@link TokenRefresher}, with
 * either a lease table (and optionally its client) or a ready lock.
 *
 * @example
 * ```ts
 * const where: SecretOperationOptions = { secretId: 'my-api-token', lockTable: 'token-refresher-locks' };
 * ```
 */
export type SecretOperationOptions = SecretLocationOptions &
  ({ lockTable: string; dynamodb?: DynamoDBClient; lock?: never } | { lock: RefreshLock; lockTable?: never; dynamodb?: never });

/**
 * Options for {@link status}.
 *
 * @example
 * ```ts
 * await status({ secretId: 'my-api-token', lockTable: 'token-refresher-locks', versionQuota: 100 });
 * ```
 */
export type StatusOptions = SecretOperationOptions & {
  /** Version quota for the census. Default 100. */
  versionQuota?: number;
  /** Headroom at which refreshers refuse to write. Default 10. */
  quotaGuard?: number;
  /** Regions holding replicas of the secret (given by name): each one's version and lag is reported. */
  replicaRegions?: readonly string[];
  /** The client for a replica's Region. Default: a new client for that Region. */
  replicaSecretsManager?: (region: string) => SecretsManagerClient;
};

/** What {@link status} reports. Never contains the token. */
export interface SecretStatus {
  secretId: string;
  label: string;
  lockName: string;
  /** False when the secret does not exist yet (the first refresher creates it). */
  secretExists: boolean;
  /** The version on the label, or `undefined` when the label holds nothing yet. */
  current:
    | {
        versionId: string;
        stages: readonly string[];
        createdAt: string | undefined;
        /** `envelope` when the codec reads it; `unreadable` otherwise (see `problem`). */
        format: 'envelope' | 'unreadable';
        problem?: string;
        generation?: number;
        expiresAt?: string;
        refreshedAt?: string;
        /** Ms until expiry (negative once expired). */
        remainingMs?: number;
      }
    | undefined;
  /** The lease: `undefined` when the lock item does not exist yet. */
  lease: { held: boolean; holder?: string; fence: number; expiresAt?: string } | undefined;
  /** The last commit record in the lock item. */
  commit: CommitRecord;
  /** Set while the fleet backs off after failed refreshes. */
  backoff: { reason: string; errorName: string; failureCount: number; retryNotBefore: string } | undefined;
  census: VersionCensus;
  /**
   * Refresh state (DESIGN.md §9), when the refreshers keep it: `lost` once the identity provider
   * refused it (seed new state with `token-refresher seed-state`), the fence that saved it, and a
   * holder's write-ahead marker while it has presented the state without storing the answer.
   */
  refreshState?: { lost: boolean; lostVersionId?: string; savedFence?: number; mintingFence?: number };
  /** With `replicaRegions`: each replica's version against the primary's. */
  replicas?: ReplicaStatus[];
}

/** What an operation opens: the secret, the lock, and the clients to destroy after. */
export interface Resources {
  store: SecretStore;
  /** Another secret through the same client (the state secret). */
  storeFor(secretId: string): SecretStore;
  lock: RefreshLock;
  label: string;
  lockName: string;
  codec: TokenCodec;
  clock: Clock;
  /** Clients for other Regions: the given factory, or new clients destroyed with the rest. */
  clientFor(factory: ((region: string) => SecretsManagerClient) | undefined): (region: string) => SecretsManagerClient;
  dispose(): Promise<void>;
}

/** Checks an operation's options and opens what it needs; `dispose` closes what it created. */
export function open(options: SecretOperationOptions): Resources {
  if (typeof options !== 'object' || options === null) throw new ConfigurationError('Pass an options object: { secretId, lockTable }.');
  assertSecretId(options.secretId);
  const label = options.label ?? AWSCURRENT;
  if (typeof label !== 'string' || label.length === 0 || label.length > 256) {
    throw new ConfigurationError(`Option "label" must be a staging label of 1 to 256 characters; got ${JSON.stringify(label)}.`);
  }
  assertLockChoice(options);
  const owned: Array<{ destroy(): void }> = [];
  const secretsManager = options.secretsManager ?? new SecretsManagerClient({});
  if (options.secretsManager === undefined) owned.push(secretsManager);
  const clock = options.clock ?? systemClock;
  let lock = options.lock;
  let ownedLock: LeaseLock | undefined;
  if (lock === undefined) {
    const dynamodb = options.dynamodb ?? new DynamoDBClient({});
    if (options.dynamodb === undefined) owned.push(dynamodb);
    lock = ownedLock = new LeaseLock({ client: dynamodb, tableName: options.lockTable, clock });
  }
  return {
    store: new SecretStore({ client: secretsManager, secretId: options.secretId, clock }),
    storeFor: (secretId) => new SecretStore({ client: secretsManager, secretId, clock }),
    lock,
    label,
    lockName: options.lockName ?? lockNameFor(options.secretId, label),
    codec: options.codec ?? envelopeCodec,
    clock,
    clientFor: (factory) => (region) => {
      if (factory !== undefined) return factory(region);
      const client = new SecretsManagerClient({ region });
      owned.push(client);
      return client;
    },
    async dispose() {
      await ownedLock?.close();
      for (const client of owned) client.destroy();
    },
  };
}

/** The decoded token, or why it does not decode: reports describe a bad value instead of failing. */
export function tryDecode(codec: TokenCodec, value: string): { decoded: DecodedToken } | { problem: string } {
  try {
    return { decoded: codec.decode(value) };
  } catch (error) {
    return { problem: describeDecodeFailure(error, value).problem };
  }
}

export const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * Reports a secret's token state without revealing the token: the current generation, its expiry and
 * version id, the lease holder and fence, the fleet's back-off, and the version census against the
 * quota. Costs one GetSecretValue, one GetItem and one ListSecretVersionIds per 100 versions.
 *
 * @example
 * ```ts
 * const report = await status({ secretId: 'my-api-token', lockTable: 'token-refresher-locks' });
 * console.log(report.current?.generation, report.census.headroom);
 * ```
 */
export async function status(options: StatusOptions): Promise<SecretStatus> {
  const replicaRegions = options.replicaRegions === undefined ? undefined : checkReplicaRegions(options.replicaRegions, options.secretId);
  const resources = open(options);
  const { store, lock, label, lockName, codec, clock } = resources;
  try {
    const versionQuota = options.versionQuota ?? 100;
    const quotaGuard = options.quotaGuard ?? Math.min(10, versionQuota - 1);
    const [read, state, census] = await Promise.all([
      store.read(label, options.signal),
      lock.inspect(lockName),
      store.census({ quota: versionQuota, guard: quotaGuard, ...(options.signal === undefined ? {} : { signal: options.signal }) }),
    ]);
    const commit = readCommitRecord(state?.attributes ?? {});
    const replicas =
      replicaRegions === undefined
        ? undefined
        : await describeReplicas({
            secretId: options.secretId,
            label,
            codec,
            clock,
            primary: read,
            regions: replicaRegions,
            clientFor: resources.clientFor(options.replicaSecretsManager),
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          });
    return {
      secretId: options.secretId,
      label,
      lockName,
      secretExists: read.found || read.missing === 'label',
      current: read.found ? describeCurrent(read, codec, clock) : undefined,
      lease: state === undefined ? undefined : describeLease(state),
      commit,
      backoff: describeBackoff(commit, clock),
      census,
      ...(commit.refreshState === undefined
        ? {}
        : {
            refreshState: { lost: commit.failure?.reason === STATE_LOST || commit.refreshState.lostVersionId !== undefined, ...commit.refreshState },
          }),
      ...(replicas === undefined ? {} : { replicas }),
    };
  } finally {
    await resources.dispose();
  }
}

type FoundSecret = Extract<LabelRead, { found: true }>;

function describeCurrent(read: FoundSecret, codec: TokenCodec, clock: Clock): NonNullable<SecretStatus['current']> {
  const decoding = tryDecode(codec, read.value);
  const base = { versionId: read.versionId, stages: read.stages, createdAt: iso(read.createdAt) };
  if (!('decoded' in decoding)) return { ...base, format: 'unreadable', problem: decoding.problem };
  const { generation, expiresAt, refreshedAt } = decoding.decoded;
  return {
    ...base,
    format: 'envelope',
    ...(generation === undefined ? {} : { generation }),
    expiresAt: new Date(expiresAt).toISOString(),
    ...(refreshedAt === undefined ? {} : { refreshedAt: new Date(refreshedAt).toISOString() }),
    remainingMs: expiresAt - clock.now(),
  };
}

function describeLease(state: RefreshLockState): NonNullable<SecretStatus['lease']> {
  if (state.holder === undefined) return { held: false, fence: state.fence };
  return {
    held: true,
    holder: state.holder,
    fence: state.fence,
    ...(state.expiresAt === undefined ? {} : { expiresAt: new Date(state.expiresAt).toISOString() }),
  };
}

function describeBackoff(commit: CommitRecord, clock: Clock): SecretStatus['backoff'] {
  const failure = commit.failure;
  if (failure === undefined || failure.retryNotBefore <= clock.now()) return undefined;
  return {
    reason: failure.reason,
    errorName: failure.errorName,
    failureCount: failure.failureCount,
    retryNotBefore: new Date(failure.retryNotBefore).toISOString(),
  };
}
