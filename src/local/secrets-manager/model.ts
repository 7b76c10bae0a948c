import { randomInt } from 'node:crypto';
import type {
  BatchGetSecretValueRequest,
  BatchGetSecretValueResponse,
  CreateSecretRequest,
  CreateSecretResponse,
  DeleteSecretRequest,
  DeleteSecretResponse,
  DescribeSecretRequest,
  DescribeSecretResponse,
  Filter,
  GetSecretValueRequest,
  GetSecretValueResponse,
  ListSecretsRequest,
  ListSecretsResponse,
  ListSecretVersionIdsRequest,
  ListSecretVersionIdsResponse,
  PutSecretValueRequest,
  PutSecretValueResponse,
  RemoveRegionsFromReplicationRequest,
  RemoveRegionsFromReplicationResponse,
  ReplicateSecretToRegionsRequest,
  ReplicateSecretToRegionsResponse,
  ReplicationStatusType,
  RestoreSecretRequest,
  RestoreSecretResponse,
  RotateSecretRequest,
  RotateSecretResponse,
  SecretListEntry,
  SecretValueEntry,
  SecretVersionsListEntry,
  StopReplicationToReplicaRequest,
  StopReplicationToReplicaResponse,
  TagResourceRequest,
  UntagResourceRequest,
  UpdateSecretRequest,
  UpdateSecretResponse,
  UpdateSecretVersionStageRequest,
  UpdateSecretVersionStageResponse,
} from '@aws-sdk/client-secrets-manager';
import { OffsetClock, type EmulatorClock } from './clock.js';
import { EmulatorConfigurationError, SecretsManagerServiceError, awsErrors } from './errors.js';
import { matchesFilters } from './filters.js';
import { decodePageToken, encodePageToken } from './paging.js';
import type { ReplicationLink } from './replication-link.js';
import {
  EmulatorState,
  type SecretMetadata,
  type SecretState,
  type StateChange,
  type StoredTag,
  type StoredReplica,
  type StoredValue,
  type StoredVersion,
} from './state.js';

const AWSCURRENT = 'AWSCURRENT';
const AWSPREVIOUS = 'AWSPREVIOUS';
const AWSPENDING = 'AWSPENDING';
const DAY_MS = 86_400_000;
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** SM-ID-2: the characters AWS's message lists (it names `!` although the docs do not). */
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@!-]+$/;
/** SM-ID-5: a trailing `-XXXXXX` makes AWS read a SecretId as a full ARN. */
const ARN_SUFFIX_PATTERN = /-[A-Za-z0-9]{6}$/;
const MAX_TAGS_PER_SECRET = 50;

/**
 * Options for {@link SecretsManagerModel}. Every quota is AWS's by default.
 *
 * @example
 * ```ts
 * const options: SecretsManagerModelOptions = { maxVersionsPerSecret: 5, deprecatedVersionMinAgeMs: 60_000 };
 * ```
 */
export interface SecretsManagerModelOptions {
  /** Time source; default real time plus an advance offset. */
  clock?: EmulatorClock;
  /** Region in ARNs. Default `us-east-1`. */
  region?: string;
  /** Account id in ARNs. Default `123456789012`. */
  accountId?: string;
  /**
   * Versions a secret may hold (SM-QUOTA-3). When a new version would exceed it, the oldest
   * unlabeled versions old enough to be removed make room; if there are none the write fails with
   * `LimitExceededException`. Default 100.
   */
  maxVersionsPerSecret?: number;
  /** Age before an unlabeled version may be removed (SM-QUOTA-1). Default 24 hours. */
  deprecatedVersionMinAgeMs?: number;
  /** Distinct staging labels across one secret's versions (SM-QUOTA-4). Default 20. */
  maxLabelsPerSecret?: number;
  /** The 6-character ARN suffix generator; default random letters and digits (SM-ID-3). */
  randomSuffix?: () => string;
  /**
   * Called with the changes of every operation that changed something, before the operation
   * returns: the durable journal hooks in here.
   */
  onChanges?: (changes: readonly StateChange[]) => void;
  /** The hub that replicates between Regions (replication.ts); without it, replication APIs are refused. */
  replication?: ReplicationLink;
}

/**
 * A primary secret as the replication hub copies it into another Region: deep copies, so a
 * change scheduled with a lag carries the state of the moment it was made.
 */
export interface ReplicaSource {
  readonly metadata: SecretMetadata;
  readonly versions: readonly StoredVersion[];
  readonly labels: readonly (readonly [label: string, versionId: string])[];
  readonly purged: readonly string[];
}

/** The key a replica reports when AddReplicaRegions named none (AWS's default key alias). */
const DEFAULT_REPLICA_KEY = 'alias/aws/secretsmanager';

/**
 * The transport-free Secrets Manager: secrets, versions, staging labels, idempotency tokens,
 * deletion, quotas and clean-up, under an injectable clock. Inputs and outputs have the shapes of
 * `@aws-sdk/client-secrets-manager` (timestamps as `Date`, binary as `Uint8Array`); member
 * constraints (lengths, ranges) are the wire layer's job, semantic rules are enforced here and
 * fail with {@link SecretsManagerServiceError}. The rule ids in comments refer to
 * `secrets-manager-spec.md`.
 *
 * @example
 * ```ts
 * const model = new SecretsManagerModel({ clock: new OffsetClock(() => virtualNow) });
 * model.createSecret({ Name: 'app/token', SecretString: 'v1', ClientRequestToken: randomUUID() });
 * model.getSecretValue({ SecretId: 'app/token' }).SecretString; // 'v1'
 * ```
 */
export class SecretsManagerModel {
  /** The clock every timestamp and age rule reads. */
  readonly clock: EmulatorClock;
  readonly #state = new EmulatorState();
  readonly #region: string;
  readonly #accountId: string;
  readonly #maxVersions: number;
  readonly #deprecatedMinAgeMs: number;
  readonly #maxLabels: number;
  readonly #randomSuffix: () => string;
  readonly #onChanges: ((changes: readonly StateChange[]) => void) | undefined;
  readonly #replication: ReplicationLink | undefined;

  constructor(options: SecretsManagerModelOptions = {}) {
    this.clock = options.clock ?? new OffsetClock();
    this.#region = requireText('region', options.region ?? 'us-east-1', /^[a-z0-9-]+$/);
    this.#accountId = requireText('accountId', options.accountId ?? '123456789012', /^\d{12}$/);
    this.#maxVersions = requireInteger('maxVersionsPerSecret', options.maxVersionsPerSecret ?? 100, 1);
    this.#deprecatedMinAgeMs = requireInteger('deprecatedVersionMinAgeMs', options.deprecatedVersionMinAgeMs ?? DAY_MS, 0);
    this.#maxLabels = requireInteger('maxLabelsPerSecret', options.maxLabelsPerSecret ?? 20, 1);
    this.#randomSuffix = options.randomSuffix ?? randomArnSuffix;
    this.#onChanges = options.onChanges;
    this.#replication = options.replication;
  }

  /** The Region this model serves (its ARNs carry it). */
  get region(): string {
    return this.#region;
  }

  /** Rebuilds state from journaled changes without notifying `onChanges` (used on restart). */
  restore(changes: Iterable<StateChange>): void {
    for (const change of changes) this.#state.apply(change);
    const lag = this.#state.clockOffsetMs - this.clock.offsetMs;
    if (lag > 0) this.clock.advance(lag);
  }

  /** The whole state as changes that rebuild it from empty (for compacting a journal). */
  snapshot(): Iterable<StateChange> {
    return this.#state.snapshot();
  }

  /** Moves the model's clock forward (for the 24-hour rules) and records it, so a restart keeps it. */
  advanceClock(ms: number): void {
    this.clock.advance(ms);
    this.#commit([{ op: 'clock', offsetMs: this.clock.offsetMs }]);
  }

  /** Forgets every secret. The clock keeps its offset: time never runs backward. */
  reset(): void {
    this.#commit([{ op: 'reset' }, { op: 'clock', offsetMs: this.clock.offsetMs }]);
  }

  /** Number of secrets currently held (including those scheduled for deletion). */
  get secretCount(): number {
    return this.#state.byArn.size;
  }

  // ---------------------------------------------------------------- CreateSecret (§4)

  createSecret(input: CreateSecretRequest): CreateSecretResponse {
    const name = input.Name ?? '';
    if (!NAME_PATTERN.test(name)) throw awsErrors.invalidName();
    const value = storedValueOf(input.SecretString, input.SecretBinary);
    if (value && input.ClientRequestToken === undefined) throw awsErrors.missingClientRequestToken();
    const replicaRegions = input.AddReplicaRegions ?? [];
    if (replicaRegions.length > 0 && !this.#replication) {
      throw new SecretsManagerServiceError('InvalidRequestException', 'This model has no replication hub: omit AddReplicaRegions.');
    }
    const tags = mergeTags([], input.Tags ?? []);
    const now = this.clock.now();
    const existing = this.#liveByName(name);
    if (existing) {
      if (existing.metadata.deletedAt !== undefined) throw awsErrors.nameScheduledForDeletion(); // SM-CREATE-6
      const token = input.ClientRequestToken;
      const version = token === undefined ? undefined : existing.versions.get(token);
      if (!version || token === undefined) throw awsErrors.secretExists(name); // SM-CREATE-3
      if (!value || !sameValue(version.value, value)) throw awsErrors.tokenInUse(token, existing.metadata.arn); // SM-CREATE-5
      return { ARN: existing.metadata.arn, Name: name, VersionId: version.id }; // SM-CREATE-4
    }
    const arn = `arn:aws:secretsmanager:${this.#region}:${this.#accountId}:secret:${name}-${this.#randomSuffix()}`;
    const metadata: SecretMetadata = {
      arn,
      name,
      ...(input.Description === undefined ? {} : { description: input.Description }),
      ...(input.KmsKeyId === undefined ? {} : { kmsKeyId: input.KmsKeyId }),
      tags,
      createdAt: now,
      lastChangedAt: now,
    };
    const changes: StateChange[] = [{ op: 'secret', secret: metadata }];
    if (value && input.ClientRequestToken !== undefined) {
      const versionId = input.ClientRequestToken;
      changes.push(
        { op: 'version', arn, version: { id: versionId, seq: 1, value, createdAt: now } },
        { op: 'label', arn, label: AWSCURRENT, versionId },
      ); // SM-CREATE-1
    }
    this.#commit(changes);
    const created = { ARN: arn, Name: name, ...(value ? { VersionId: input.ClientRequestToken } : {}) }; // SM-CREATE-2
    if (replicaRegions.length === 0 || !this.#replication) return created;
    const replicated = this.#replication.replicateSecretToRegions(this.#region, {
      SecretId: arn,
      AddReplicaRegions: replicaRegions,
      ...(input.ForceOverwriteReplicaSecret === undefined ? {} : { ForceOverwriteReplicaSecret: input.ForceOverwriteReplicaSecret }),
    });
    return { ...created, ...(replicated.ReplicationStatus ? { ReplicationStatus: replicated.ReplicationStatus } : {}) };
  }

  // ---------------------------------------------------------------- GetSecretValue (§5)

  getSecretValue(input: GetSecretValueRequest): GetSecretValueResponse {
    const secret = this.#resolve(input.SecretId);
    if (secret.metadata.deletedAt !== undefined) throw awsErrors.markedForDeletion(); // SM-GET-6
    const version = this.#selectVersion(secret, input.VersionId, input.VersionStage);
    this.#recordAccess(secret, [version]);
    return this.#valueEntry(secret, version);
  }

  // ---------------------------------------------------------------- BatchGetSecretValue

  batchGetSecretValue(input: BatchGetSecretValueRequest): BatchGetSecretValueResponse {
    const ids = input.SecretIdList;
    const filters = input.Filters;
    if ((ids === undefined) === (filters === undefined)) {
      throw new SecretsManagerServiceError('InvalidParameterException', 'You must include either SecretIdList or Filters, but not both.');
    }
    if (ids !== undefined) {
      if (input.MaxResults !== undefined || input.NextToken !== undefined) {
        throw new SecretsManagerServiceError(
          'InvalidParameterException',
          'MaxResults and NextToken can only be used together with Filters, not with SecretIdList.',
        );
      }
      const values: SecretValueEntry[] = [];
      const errors: NonNullable<BatchGetSecretValueResponse['Errors']> = [];
      for (const secretId of ids) {
        try {
          values.push(this.getSecretValue({ SecretId: secretId }));
        } catch (error) {
          if (!(error instanceof SecretsManagerServiceError)) throw error;
          errors.push({ SecretId: secretId, ErrorCode: error.type, Message: error.message });
        }
      }
      return { SecretValues: values, Errors: errors };
    }
    const matching = this.#listMatching({ filters: filters ?? [], includePlannedDeletion: false });
    const page = this.#page(matching, input.MaxResults ?? 20, input.NextToken, 'batch');
    const values: SecretValueEntry[] = [];
    const errors: NonNullable<BatchGetSecretValueResponse['Errors']> = [];
    for (const secret of page.items) {
      try {
        const version = this.#selectVersion(secret, undefined, undefined);
        this.#recordAccess(secret, [version]);
        values.push(this.#valueEntry(secret, version));
      } catch (error) {
        if (!(error instanceof SecretsManagerServiceError)) throw error;
        errors.push({ SecretId: secret.metadata.arn, ErrorCode: error.type, Message: error.message });
      }
    }
    return { SecretValues: values, Errors: errors, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  }

  // ---------------------------------------------------------------- PutSecretValue (§6)

  putSecretValue(input: PutSecretValueRequest): PutSecretValueResponse {
    const token = input.ClientRequestToken;
    if (token === undefined) throw awsErrors.missingClientRequestToken(); // SM-WIRE-10
    const value = storedValueOf(input.SecretString, input.SecretBinary);
    if (!value) throw awsErrors.missingValue(); // SM-PUT-1
    const secret = this.#resolve(input.SecretId);
    this.#requireWritable(secret);
    this.#requireNotScheduled(secret); // SM-PUT-12
    const replay = this.#replayedWrite(secret, token, value);
    if (replay)
      return { ARN: secret.metadata.arn, Name: secret.metadata.name, VersionId: replay.id, VersionStages: this.#labelsOf(secret, replay.id) };
    const requested = input.VersionStages === undefined ? [AWSCURRENT] : unique(input.VersionStages); // SM-PUT-6 / SM-PUT-7
    const now = this.clock.now();
    this.#commitWrite(secret, [
      ...this.#writeVersion(secret, token, value, requested, now),
      { op: 'secret', secret: { ...secret.metadata, lastChangedAt: now } }, // SM-PUT-15
    ]);
    return {
      ARN: secret.metadata.arn,
      Name: secret.metadata.name,
      VersionId: token,
      VersionStages: this.#labelsOf(secret, token),
    };
  }

  // ---------------------------------------------------------------- UpdateSecret (§7)

  updateSecret(input: UpdateSecretRequest): UpdateSecretResponse {
    const value = storedValueOf(input.SecretString, input.SecretBinary);
    const token = input.ClientRequestToken;
    if (value && token === undefined) throw awsErrors.missingClientRequestToken(); // SM-WIRE-10
    const secret = this.#resolve(input.SecretId);
    // A replica's own encryption key is the one thing that may change in its Region (REPL-WRITE).
    const onlyKey = input.KmsKeyId !== undefined && !value && input.Description === undefined;
    if (!onlyKey) this.#requireWritable(secret);
    this.#requireNotScheduled(secret); // SM-UPD-6
    const { arn, name } = secret.metadata;
    const now = this.clock.now();
    const changes: StateChange[] = [];
    const metadataChanged = input.Description !== undefined || input.KmsKeyId !== undefined;
    if (value && token !== undefined) {
      const replay = this.#replayedWrite(secret, token, value); // SM-UPD-4 / SM-UPD-5
      if (replay && !metadataChanged) return { ARN: arn, Name: name, VersionId: replay.id };
      if (!replay) changes.push(...this.#writeVersion(secret, token, value, [AWSCURRENT], now)); // SM-UPD-1
    }
    const metadata: SecretMetadata = {
      ...secret.metadata,
      ...(input.Description === undefined ? {} : { description: input.Description }), // SM-UPD-3
      ...(input.KmsKeyId === undefined ? {} : { kmsKeyId: input.KmsKeyId }),
      lastChangedAt: now,
    };
    if (secret.metadata.replicaOf === undefined) this.#commitWrite(secret, [...changes, { op: 'secret', secret: metadata }]);
    else this.#commit([{ op: 'secret', secret: metadata }]);
    return { ARN: arn, Name: name, ...(value ? { VersionId: token } : {}) }; // SM-UPD-2
  }

  // ---------------------------------------------------------------- UpdateSecretVersionStage (§8)

  updateSecretVersionStage(input: UpdateSecretVersionStageRequest): UpdateSecretVersionStageResponse {
    const secret = this.#resolve(input.SecretId);
    this.#requireWritable(secret);
    this.#requireNotScheduled(secret); // SM-USVS-10
    const { arn, name } = secret.metadata;
    const label = input.VersionStage ?? '';
    const moveTo = input.MoveToVersionId;
    const removeFrom = input.RemoveFromVersionId;
    if (moveTo === undefined && removeFrom === undefined) {
      // SM-USVS-9: text unverified on AWS (emulator's choice).
      throw new SecretsManagerServiceError('InvalidParameterException', 'You must specify MoveToVersionId, RemoveFromVersionId, or both.');
    }
    if (moveTo === undefined && label === AWSCURRENT) throw awsErrors.cannotRemoveCurrent(); // SM-USVS-6
    for (const versionId of [moveTo, removeFrom]) {
      if (versionId !== undefined && !secret.versions.has(versionId)) {
        // SM-USVS-9: text unverified on AWS (emulator's choice).
        throw new SecretsManagerServiceError('InvalidParameterException', `Version ${versionId} does not exist in secret ${arn}.`);
      }
    }
    const holder = secret.labels.get(label);
    if (removeFrom === undefined) {
      if (holder !== undefined && holder !== moveTo) throw awsErrors.removeFromVersionIdRequired(label, holder); // SM-USVS-2
    } else if (holder !== removeFrom) {
      // SM-USVS-3: the compare-and-swap. Code per the parameter docs; text unverified (emulator's choice).
      throw new SecretsManagerServiceError(
        'InvalidParameterException',
        `You can't remove staging label ${label} from version ${removeFrom} because ${
          holder === undefined ? 'no version' : `version ${holder}`
        } currently has it. RemoveFromVersionId must name the version that currently has the staging label.`,
      );
    }
    if (holder === moveTo) return { ARN: arn, Name: name }; // SM-USVS-7: nothing moves
    const changes: StateChange[] = [];
    if (moveTo === undefined) {
      changes.push({ op: 'label', arn, label, versionId: null }); // SM-USVS-5
    } else {
      const planned = new Map(secret.labels);
      planned.set(label, moveTo);
      if (label === AWSCURRENT && holder !== undefined) planned.set(AWSPREVIOUS, holder); // SM-USVS-4 / SM-MODEL-4
      this.#requireLabelQuota(planned); // SM-USVS-10
      changes.push({ op: 'label', arn, label, versionId: moveTo });
      if (label === AWSCURRENT && holder !== undefined) changes.push({ op: 'label', arn, label: AWSPREVIOUS, versionId: holder });
    }
    // Open question 8: AWS may or may not touch LastChangedDate here; the emulator does, as any label change is a change.
    changes.push({ op: 'secret', secret: { ...secret.metadata, lastChangedAt: this.clock.now() } });
    this.#commitWrite(secret, changes);
    return { ARN: arn, Name: name };
  }

  // ---------------------------------------------------------------- DescribeSecret (§9)

  describeSecret(input: DescribeSecretRequest): DescribeSecretResponse {
    const secret = this.#resolve(input.SecretId); // SM-DESC-4: works while scheduled for deletion
    const entry = this.#listEntry(secret);
    const { SecretVersionsToStages, ...rest } = entry;
    const replication = this.#replicationStatus(secret);
    return {
      ...rest,
      ...(SecretVersionsToStages ? { VersionIdsToStages: SecretVersionsToStages } : {}),
      ...(replication.length > 0 ? { ReplicationStatus: replication } : {}),
    };
  }

  // ---------------------------------------------------------------- ListSecretVersionIds (§10)

  listSecretVersionIds(input: ListSecretVersionIdsRequest): ListSecretVersionIdsResponse {
    const secret = this.#resolve(input.SecretId);
    // SM-LSV-6: AWS's answer for a secret scheduled for deletion is unverified; the emulator lists it, like DescribeSecret.
    const versions = [...secret.versions.values()]
      .filter((version) => input.IncludeDeprecated === true || this.#labelsOf(secret, version.id).length > 0) // SM-LSV-1
      .sort((a, b) => b.seq - a.seq); // SM-LSV-4: newest first
    const pageSize = input.MaxResults ?? 100;
    let start = 0;
    if (input.NextToken !== undefined) {
      const cursor = decodePageToken(input.NextToken, `versions:${secret.metadata.arn}`);
      start = versions.findIndex((version) => version.seq < cursor);
      if (start < 0) start = versions.length;
    }
    const items = versions.slice(start, start + pageSize);
    const last = items.at(-1);
    const more = start + pageSize < versions.length && last !== undefined;
    const entries: SecretVersionsListEntry[] = items.map((version) => {
      const stages = this.#labelsOf(secret, version.id);
      return {
        VersionId: version.id,
        ...(stages.length > 0 ? { VersionStages: stages } : {}),
        CreatedDate: new Date(version.createdAt),
        ...(version.lastAccessedAt === undefined ? {} : { LastAccessedDate: new Date(version.lastAccessedAt) }),
        KmsKeyIds: ['DefaultEncryptionKey'], // SM-LSV-2
      };
    });
    return {
      Versions: entries,
      ...(more ? { NextToken: encodePageToken(`versions:${secret.metadata.arn}`, last.seq) } : {}), // SM-LSV-3
      ARN: secret.metadata.arn,
      Name: secret.metadata.name,
    };
  }

  // ---------------------------------------------------------------- ListSecrets (§9)

  listSecrets(input: ListSecretsRequest): ListSecretsResponse {
    const matching = this.#listMatching({
      filters: input.Filters ?? [],
      includePlannedDeletion: input.IncludePlannedDeletion === true, // SM-DESC-5
      sortBy: input.SortBy,
      sortOrder: input.SortOrder,
    });
    const page = this.#page(matching, input.MaxResults ?? 100, input.NextToken, 'secrets');
    return {
      SecretList: page.items.map((secret) => this.#listEntry(secret)),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  // ---------------------------------------------------------------- DeleteSecret / RestoreSecret (§11)

  deleteSecret(input: DeleteSecretRequest): DeleteSecretResponse {
    const force = input.ForceDeleteWithoutRecovery === true;
    if (force && input.RecoveryWindowInDays !== undefined) {
      // SM-DEL-2 (moto's text; AWS's unverified).
      throw new SecretsManagerServiceError(
        'InvalidParameterException',
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    }
    const days = input.RecoveryWindowInDays ?? 30;
    if (!Number.isInteger(days) || days < 7 || days > 30) {
      // SM-DEL-1 (moto's text; AWS's unverified).
      throw new SecretsManagerServiceError('InvalidParameterException', 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    }
    const now = this.clock.now();
    const secret = this.#find(input.SecretId);
    if (!secret) {
      if (!force) throw awsErrors.secretNotFound();
      // SM-DEL-3: answer as if the secret existed. Its ARN is unknowable, so a partial or full ARN
      // given as SecretId is echoed, and a name gets the ARN a secret of that name would have.
      const secretId = input.SecretId ?? '';
      const arn = secretId.startsWith('arn:')
        ? secretId
        : `arn:aws:secretsmanager:${this.#region}:${this.#accountId}:secret:${secretId}-${this.#randomSuffix()}`;
      return { ARN: arn, Name: secretId, DeletionDate: new Date(now) };
    }
    const { arn, name } = secret.metadata;
    this.#requireWritable(secret);
    const replicaRegions = (secret.metadata.replicas ?? []).map((replica) => replica.region);
    if (replicaRegions.length > 0) {
      // REPL-DELETE: a primary goes only after its replicas are removed (text as AWS answers it).
      throw new SecretsManagerServiceError(
        'InvalidParameterException',
        `You can't delete secret ${arn} that still has replica regions [${replicaRegions.join(', ')}].`,
      );
    }
    if (force) {
      this.#commit([{ op: 'remove', arn }]);
      return { ARN: arn, Name: name, DeletionDate: new Date(now) };
    }
    if (secret.metadata.deletedAt !== undefined) {
      // SM-DEL-4 (moto/LocalStack text; AWS's unverified).
      throw new SecretsManagerServiceError(
        'InvalidRequestException',
        "You tried to perform the operation on a secret that's currently marked deleted.",
      );
    }
    const deletionDate = now + days * DAY_MS;
    this.#commit([{ op: 'secret', secret: { ...secret.metadata, deletedAt: now, deletionDate } }]);
    return { ARN: arn, Name: name, DeletionDate: new Date(deletionDate) };
  }

  restoreSecret(input: RestoreSecretRequest): RestoreSecretResponse {
    const secret = this.#resolve(input.SecretId);
    this.#requireWritable(secret);
    const { arn, name } = secret.metadata;
    if (secret.metadata.deletedAt !== undefined) {
      const { deletedAt: _deletedAt, deletionDate: _deletionDate, ...kept } = secret.metadata;
      this.#commit([{ op: 'secret', secret: { ...kept, lastChangedAt: this.clock.now() } }]); // SM-DEL-6
    }
    return { ARN: arn, Name: name }; // restoring a secret that is not scheduled: a no-op (SM-DEL-6, unverified)
  }

  // ---------------------------------------------------------------- RotateSecret (§12)

  /**
   * Starts a rotation: records the rotation settings and creates the `AWSPENDING` placeholder
   * version without a value (SM-ROT-1). The emulator has no Lambda: the caller plays the rotation
   * function and performs its steps (`PutSecretValue` into the placeholder, then
   * `UpdateSecretVersionStage`) itself (SM-ROT-8).
   */
  rotateSecret(input: RotateSecretRequest): RotateSecretResponse {
    const token = input.ClientRequestToken;
    if (token === undefined) throw awsErrors.missingClientRequestToken();
    const secret = this.#resolve(input.SecretId);
    this.#requireWritable(secret);
    this.#requireNotScheduled(secret);
    const { arn, name } = secret.metadata;
    const lambdaArn = input.RotationLambdaARN ?? secret.metadata.rotation?.lambdaArn;
    if (lambdaArn === undefined) {
      throw new SecretsManagerServiceError('InvalidRequestException', 'No Lambda rotation function ARN is associated with this secret.'); // SM-ROT-4
    }
    const pending = secret.labels.get(AWSPENDING);
    const existing = secret.versions.get(token);
    if (existing && existing.value === undefined && pending === token) return { ARN: arn, Name: name, VersionId: token };
    if (existing || secret.purgedVersionIds.has(token)) throw awsErrors.tokenInUse(token, arn);
    if (pending !== undefined && pending !== secret.labels.get(AWSCURRENT)) {
      // SM-ROT-3 (moto's text; AWS's unverified).
      throw new SecretsManagerServiceError('InvalidRequestException', 'Previous rotation request is still in progress.');
    }
    const now = this.clock.now();
    const changes = this.#writeVersion(secret, token, undefined, [AWSPENDING], now);
    const rules = input.RotationRules;
    const rotation = {
      lambdaArn,
      ...(rules?.AutomaticallyAfterDays === undefined ? {} : { automaticallyAfterDays: rules.AutomaticallyAfterDays }),
      ...(rules?.ScheduleExpression === undefined ? {} : { scheduleExpression: rules.ScheduleExpression }),
      ...(rules?.Duration === undefined ? {} : { duration: rules.Duration }),
      lastRotatedAt: now,
    };
    this.#commitWrite(secret, [...changes, { op: 'secret', secret: { ...secret.metadata, rotation, lastChangedAt: now } }]);
    return { ARN: arn, Name: name, VersionId: token };
  }

  // ---------------------------------------------------------------- TagResource / UntagResource

  tagResource(input: TagResourceRequest): Record<string, never> {
    const secret = this.#resolve(input.SecretId);
    this.#requireWritable(secret);
    this.#requireNotScheduled(secret); // SM-DEL-5 (recorded)
    const tags = mergeTags(secret.metadata.tags, input.Tags ?? []);
    this.#commitWrite(secret, [{ op: 'secret', secret: { ...secret.metadata, tags, lastChangedAt: this.clock.now() } }]);
    return {};
  }

  untagResource(input: UntagResourceRequest): Record<string, never> {
    const secret = this.#resolve(input.SecretId);
    this.#requireWritable(secret);
    this.#requireNotScheduled(secret); // SM-DEL-5 (recorded)
    const removed = new Set(input.TagKeys ?? []);
    const tags = secret.metadata.tags.filter((tag) => !removed.has(tag.Key));
    this.#commitWrite(secret, [{ op: 'secret', secret: { ...secret.metadata, tags, lastChangedAt: this.clock.now() } }]);
    return {};
  }

  // ---------------------------------------------------------------- Replication (replication.ts)

  replicateSecretToRegions(input: ReplicateSecretToRegionsRequest): ReplicateSecretToRegionsResponse {
    return this.#requireReplication().replicateSecretToRegions(this.#region, input);
  }

  removeRegionsFromReplication(input: RemoveRegionsFromReplicationRequest): RemoveRegionsFromReplicationResponse {
    return this.#requireReplication().removeRegionsFromReplication(this.#region, input);
  }

  stopReplicationToReplica(input: StopReplicationToReplicaRequest): StopReplicationToReplicaResponse {
    return this.#requireReplication().stopReplicationToReplica(this.#region, input);
  }

  /**
   * For the hub: a deep copy of primary secret `secretId`, to carry into another Region. Throws as
   * AWS does for a missing secret or for a replica (only a primary replicates).
   */
  replicaSource(secretId: string | undefined): ReplicaSource {
    const secret = this.#resolve(secretId);
    this.#requireWritable(secret);
    return {
      metadata: structuredClone(secret.metadata),
      versions: [...secret.versions.values()].map((version) => structuredClone(version)),
      labels: [...secret.labels],
      purged: [...secret.purgedVersionIds],
    };
  }

  /** For the hub: the metadata of the live secret called `name` in this Region, if any. */
  secretNamed(name: string): SecretMetadata | undefined {
    return this.#liveByName(name)?.metadata;
  }

  /** For the hub: records where primary `name` replicates to (no write of the secret itself, so no replication). */
  setReplicas(name: string, replicas: readonly StoredReplica[]): void {
    const secret = this.#liveByName(name);
    if (!secret) return;
    const { replicas: _old, ...rest } = secret.metadata;
    this.#commit([{ op: 'secret', secret: replicas.length > 0 ? { ...rest, replicas } : rest }]);
  }

  /**
   * For the hub: makes this Region's secret `source.metadata.name` an exact replica of `source`
   * (same name, versions and labels; ARN in this Region), replacing whatever had that name. The
   * replica's own read dates survive, since reads are per Region.
   */
  writeReplica(source: ReplicaSource, primaryRegion: string, kmsKeyId: string | undefined): void {
    const existing = this.#liveByName(source.metadata.name);
    const arn = arnInRegion(source.metadata.arn, this.#region);
    const { replicas: _replicas, kmsKeyId: _primaryKey, lastAccessedAt: _primaryRead, ...copied } = source.metadata;
    const ownRead = existing?.metadata.replicaOf === undefined ? undefined : existing.metadata.lastAccessedAt;
    // The replica's key is its own: one changed in its Region (UpdateSecret KmsKeyId) survives later copies.
    const key = existing?.metadata.replicaOf === undefined ? kmsKeyId : (existing.metadata.kmsKeyId ?? kmsKeyId);
    const metadata: SecretMetadata = {
      ...copied,
      arn,
      replicaOf: primaryRegion,
      ...(key === undefined ? {} : { kmsKeyId: key }),
      ...(ownRead === undefined ? {} : { lastAccessedAt: ownRead }),
    };
    const changes: StateChange[] = existing ? [{ op: 'remove', arn: existing.metadata.arn }] : [];
    changes.push({ op: 'secret', secret: metadata });
    for (const version of source.versions) {
      const { lastAccessedAt: _read, ...rest } = version;
      const kept = existing?.versions.get(version.id)?.lastAccessedAt;
      changes.push({ op: 'version', arn, version: { ...rest, ...(kept === undefined ? {} : { lastAccessedAt: kept }) } });
    }
    for (const [label, versionId] of source.labels) changes.push({ op: 'label', arn, label, versionId });
    for (const versionId of source.purged) changes.push({ op: 'purge', arn, versionId });
    this.#commit(changes);
  }

  /** For the hub: the names of this Region's primaries that have replicas (to copy them again after a restart). */
  replicatedPrimaryNames(): string[] {
    return [...this.#state.byName.values()].filter((secret) => (secret.metadata.replicas ?? []).length > 0).map((secret) => secret.metadata.name);
  }

  /** For the hub: deletes this Region's replica called `name` (RemoveRegionsFromReplication). */
  removeReplica(name: string): void {
    const secret = this.#liveByName(name);
    if (secret?.metadata.replicaOf !== undefined) this.#commit([{ op: 'remove', arn: secret.metadata.arn }]);
  }

  /** For the hub: turns replica `secretId` into a standalone secret; returns it and its former primary's Region. */
  promoteReplica(secretId: string | undefined): { arn: string; name: string; primaryRegion: string } {
    const secret = this.#resolve(secretId);
    const { replicaOf, ...standalone } = secret.metadata;
    if (replicaOf === undefined) {
      // REPL-STOP: the code is AWS's documented one for a call that does not fit the secret's state; the text is the emulator's.
      throw new SecretsManagerServiceError(
        'InvalidRequestException',
        `Secret ${secret.metadata.arn} is not a replica: StopReplicationToReplica is called in a replica's Region.`,
      );
    }
    this.#commit([{ op: 'secret', secret: { ...standalone, lastChangedAt: this.clock.now() } }]);
    return { arn: secret.metadata.arn, name: secret.metadata.name, primaryRegion: replicaOf };
  }

  #requireReplication(): ReplicationLink {
    if (!this.#replication) throw new SecretsManagerServiceError('InvalidRequestException', 'This model has no replication hub.');
    return this.#replication;
  }

  // ---------------------------------------------------------------- internals

  #commit(changes: readonly StateChange[]): void {
    for (const change of changes) this.#state.apply(change);
    this.#onChanges?.(changes);
  }

  /** Commits a write to `secret` and, when it is a primary with replicas, tells the hub to copy it. */
  #commitWrite(secret: SecretState, changes: readonly StateChange[]): void {
    this.#commit(changes);
    if ((secret.metadata.replicas ?? []).length > 0) this.#replication?.primaryChanged(this.#region, secret.metadata.name);
  }

  /** REPL-WRITE: a replica changes only through its primary; AWS refuses the call in the replica's Region. */
  #requireWritable(secret: SecretState): void {
    if (secret.metadata.replicaOf !== undefined) throw awsErrors.replicaReadOnly();
  }

  #replicationStatus(secret: SecretState): ReplicationStatusType[] {
    return (secret.metadata.replicas ?? []).map((replica) => {
      const lastAccessed = this.#replication?.replicaLastAccessed(replica.region, secret.metadata.name);
      return {
        Region: replica.region,
        KmsKeyId: replica.kmsKeyId ?? DEFAULT_REPLICA_KEY,
        Status: replica.status,
        StatusMessage: replica.statusMessage,
        ...(lastAccessed === undefined ? {} : { LastAccessedDate: new Date(lastAccessed) }),
      };
    });
  }

  /** SM-ID-4..7: name, full ARN or partial ARN → the live secret, or `undefined`. */
  #find(secretId: string | undefined): SecretState | undefined {
    const id = secretId ?? '';
    if (!id.startsWith('arn:')) {
      if (!NAME_PATTERN.test(id)) throw awsErrors.invalidName(); // SM-ID-2
      return this.#liveByName(id);
    }
    const exact = this.#state.byArn.get(id);
    if (exact) return this.#expire(exact);
    const prefix = `arn:aws:secretsmanager:${this.#region}:${this.#accountId}:secret:`;
    if (!id.startsWith(prefix)) return undefined;
    const rest = id.slice(prefix.length);
    if (ARN_SUFFIX_PATTERN.test(rest)) return undefined; // SM-ID-5/6: read as a full ARN that does not match
    return this.#liveByName(rest);
  }

  #resolve(secretId: string | undefined): SecretState {
    const secret = this.#find(secretId);
    if (!secret) throw awsErrors.secretNotFound();
    return secret;
  }

  #liveByName(name: string): SecretState | undefined {
    const secret = this.#state.byName.get(name);
    return secret && this.#expire(secret);
  }

  /** SM-DEL-7: a secret past its deletion date is gone; it is removed when next looked at. */
  #expire(secret: SecretState): SecretState | undefined {
    const { deletionDate, arn } = secret.metadata;
    if (deletionDate === undefined || deletionDate > this.clock.now()) return secret;
    this.#commit([{ op: 'remove', arn }]);
    return undefined;
  }

  #requireNotScheduled(secret: SecretState): void {
    if (secret.metadata.deletedAt !== undefined) throw awsErrors.markedForDeletion();
  }

  /** SM-GET-1..10: the version a `GetSecretValue` selector names, with a value to return. */
  #selectVersion(secret: SecretState, versionId: string | undefined, stage: string | undefined): StoredVersion {
    if (versionId !== undefined) {
      if (secret.purgedVersionIds.has(versionId)) throw awsErrors.versionPurged(versionId); // SM-GET-10
      const version = secret.versions.get(versionId);
      if (!version) throw awsErrors.noValueForVersionId(versionId); // SM-GET-3
      if (stage !== undefined && secret.labels.get(stage) !== versionId) throw awsErrors.stageNotOnVersion(); // SM-GET-4
      if (version.value === undefined) throw awsErrors.noValueForVersionId(versionId); // SM-GET-8
      return version;
    }
    const label = stage ?? AWSCURRENT;
    const holder = secret.labels.get(label);
    const version = holder === undefined ? undefined : secret.versions.get(holder);
    if (!version || version.value === undefined) throw awsErrors.noValueForStage(label); // SM-GET-2 / SM-GET-5 / SM-GET-8
    return version;
  }

  /** SM-GET-11: day-resolution access dates, journaled only when the day changes. */
  #recordAccess(secret: SecretState, versions: readonly StoredVersion[]): void {
    const day = Math.floor(this.clock.now() / DAY_MS) * DAY_MS;
    const changes: StateChange[] = [];
    if (secret.metadata.lastAccessedAt !== day) {
      changes.push({ op: 'secret', secret: { ...secret.metadata, lastAccessedAt: day } });
    }
    for (const version of versions) {
      if (version.lastAccessedAt !== day) {
        changes.push({ op: 'version', arn: secret.metadata.arn, version: { ...version, lastAccessedAt: day } });
      }
    }
    if (changes.length > 0) this.#commit(changes);
  }

  #valueEntry(secret: SecretState, version: StoredVersion): GetSecretValueResponse {
    const stages = this.#labelsOf(secret, version.id);
    const value = version.value;
    return {
      ARN: secret.metadata.arn,
      Name: secret.metadata.name,
      VersionId: version.id,
      ...(value?.kind === 'string' ? { SecretString: value.data } : {}),
      ...(value?.kind === 'binary' ? { SecretBinary: new Uint8Array(Buffer.from(value.data, 'base64')) } : {}),
      // SM-GET-9: a deprecated version has no VersionStages member (AWS's form unverified), as in ListSecretVersionIds.
      ...(stages.length > 0 ? { VersionStages: stages } : {}),
      CreatedDate: new Date(version.createdAt),
    };
  }

  /**
   * SM-PUT-3/4/5, SM-UPD-4/5: a write whose token names an existing version. Returns that version
   * when the write is a replay (same value), `undefined` when the token is new or names a
   * value-less placeholder to fill, and throws when the token is taken by a different value or by
   * a purged version.
   */
  #replayedWrite(secret: SecretState, token: string, value: StoredValue): StoredVersion | undefined {
    if (secret.purgedVersionIds.has(token)) throw awsErrors.versionPurged(token);
    const existing = secret.versions.get(token);
    if (!existing || existing.value === undefined) return undefined;
    if (!sameValue(existing.value, value)) throw awsErrors.tokenInUse(token, secret.metadata.arn);
    return existing;
  }

  /**
   * The version and label changes that create (or fill, SM-PUT-5) version `versionId` with `labels`, moving those
   * labels off other versions (SM-PUT-7), AWSPREVIOUS after AWSCURRENT (SM-PUT-8), AWSCURRENT onto
   * a secret's first version (SM-PUT-10), and removing old unlabeled versions to stay within the
   * version quota (SM-QUOTA-3). The caller adds the secret's metadata change. Throws
   * `LimitExceededException` without changing anything when a quota cannot be met.
   */
  #writeVersion(secret: SecretState, versionId: string, value: StoredValue | undefined, labels: readonly string[], now: number): StateChange[] {
    const { arn } = secret.metadata;
    const placeholder = secret.versions.get(versionId);
    const wanted = new Set(labels);
    if (value && !secret.labels.has(AWSCURRENT)) wanted.add(AWSCURRENT); // SM-PUT-10
    const planned = new Map(secret.labels);
    const previousCurrent = secret.labels.get(AWSCURRENT);
    for (const label of wanted) planned.set(label, versionId);
    if (wanted.has(AWSCURRENT) && previousCurrent !== undefined && previousCurrent !== versionId) {
      planned.set(AWSPREVIOUS, previousCurrent); // SM-PUT-8 / SM-MODEL-4
    }
    this.#requireLabelQuota(planned);
    const purged = placeholder ? [] : this.#versionsToPurge(secret, planned, now);
    const changes: StateChange[] = purged.map((id) => ({ op: 'purge', arn, versionId: id }) as const);
    changes.push({
      op: 'version',
      arn,
      version: placeholder
        ? { ...placeholder, ...(value ? { value } : {}) }
        : { id: versionId, seq: secret.nextSeq, ...(value ? { value } : {}), createdAt: now },
    });
    for (const [label, holder] of planned) {
      if (secret.labels.get(label) !== holder) changes.push({ op: 'label', arn, label, versionId: holder });
    }
    return changes;
  }

  /** SM-QUOTA-1..3: which unlabeled versions to remove so one more version fits, oldest first. */
  #versionsToPurge(secret: SecretState, planned: ReadonlyMap<string, string>, now: number): string[] {
    const excess = secret.versions.size + 1 - this.#maxVersions;
    if (excess <= 0) return [];
    const labelled = new Set(planned.values());
    const removable = [...secret.versions.values()]
      .filter((version) => !labelled.has(version.id) && now - version.createdAt >= this.#deprecatedMinAgeMs)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, excess)
      .map((version) => version.id);
    if (removable.length < excess) {
      // The message is the emulator's: AWS's text for this quota is not recorded anywhere (SM-QUOTA-3).
      throw new SecretsManagerServiceError(
        'LimitExceededException',
        `Secret ${secret.metadata.name} already has the maximum of ${this.#maxVersions} versions, and none can be removed: ` +
          `Secrets Manager removes only versions without staging labels created at least ${formatAge(this.#deprecatedMinAgeMs)} ago.`,
      );
    }
    return removable;
  }

  #requireLabelQuota(planned: ReadonlyMap<string, string>): void {
    if (planned.size > this.#maxLabels) {
      // SM-QUOTA-4; the message is the emulator's (AWS's text is not recorded).
      throw new SecretsManagerServiceError(
        'LimitExceededException',
        `A secret can have at most ${this.#maxLabels} staging labels attached across its versions; this request would attach ${planned.size}.`,
      );
    }
  }

  /** Labels on a version, sorted (AWS's recorded responses list them in order). */
  #labelsOf(secret: SecretState, versionId: string): string[] {
    const labels: string[] = [];
    for (const [label, holder] of secret.labels) if (holder === versionId) labels.push(label);
    return labels.sort();
  }

  #listEntry(secret: SecretState): SecretListEntry {
    const metadata = secret.metadata;
    const stages: Record<string, string[]> = {};
    for (const version of [...secret.versions.values()].sort((a, b) => a.seq - b.seq)) {
      const labels = this.#labelsOf(secret, version.id);
      if (labels.length > 0) stages[version.id] = labels; // SM-DESC-1/2
    }
    const rotation = metadata.rotation;
    return {
      ARN: metadata.arn,
      Name: metadata.name,
      ...(metadata.description === undefined ? {} : { Description: metadata.description }),
      ...(metadata.kmsKeyId === undefined ? {} : { KmsKeyId: metadata.kmsKeyId }),
      ...(rotation
        ? {
            RotationEnabled: true,
            RotationLambdaARN: rotation.lambdaArn,
            RotationRules: {
              ...(rotation.automaticallyAfterDays === undefined ? {} : { AutomaticallyAfterDays: rotation.automaticallyAfterDays }),
              ...(rotation.scheduleExpression === undefined ? {} : { ScheduleExpression: rotation.scheduleExpression }),
              ...(rotation.duration === undefined ? {} : { Duration: rotation.duration }),
            },
            ...(rotation.lastRotatedAt === undefined ? {} : { LastRotatedDate: new Date(rotation.lastRotatedAt) }),
          }
        : {}),
      LastChangedDate: new Date(metadata.lastChangedAt),
      ...(metadata.lastAccessedAt === undefined ? {} : { LastAccessedDate: new Date(metadata.lastAccessedAt) }),
      ...(metadata.deletedAt === undefined ? {} : { DeletedDate: new Date(metadata.deletedAt) }),
      ...(metadata.tags.length > 0 ? { Tags: metadata.tags.map((tag) => ({ ...tag })) } : {}),
      ...(Object.keys(stages).length > 0 ? { SecretVersionsToStages: stages } : {}),
      CreatedDate: new Date(metadata.createdAt),
      ...(this.#primaryRegionOf(metadata) === undefined ? {} : { PrimaryRegion: this.#primaryRegionOf(metadata) }),
    };
  }

  /** PrimaryRegion as DescribeSecret shows it: the primary's Region, on a replica or on a primary with replicas. */
  #primaryRegionOf(metadata: SecretMetadata): string | undefined {
    if (metadata.replicaOf !== undefined) return metadata.replicaOf;
    return (metadata.replicas ?? []).length > 0 ? this.#region : undefined;
  }

  #listMatching(query: {
    filters: readonly Filter[];
    includePlannedDeletion: boolean;
    sortBy?: string | undefined;
    sortOrder?: string | undefined;
  }): SecretState[] {
    const secrets: SecretState[] = [];
    for (const candidate of [...this.#state.byArn.values()]) {
      const secret = this.#expire(candidate);
      if (!secret) continue;
      if (!query.includePlannedDeletion && secret.metadata.deletedAt !== undefined) continue;
      const { name, description, tags } = secret.metadata;
      const attributes = { name, description, tags, primaryRegion: this.#primaryRegionOf(secret.metadata) };
      if (matchesFilters(attributes, query.filters)) secrets.push(secret);
    }
    const key = sortKey(query.sortBy);
    const direction = query.sortOrder === 'desc' ? -1 : 1;
    return secrets.sort((a, b) => direction * compare(key(a.metadata), key(b.metadata)));
  }

  #page<T>(items: readonly T[], size: number, token: string | undefined, kind: string): { items: T[]; nextToken?: string } {
    const start = token === undefined ? 0 : decodePageToken(token, kind);
    const end = start + size;
    return { items: items.slice(start, end), ...(end < items.length ? { nextToken: encodePageToken(kind, end) } : {}) };
  }
}

// ---------------------------------------------------------------- helpers

function storedValueOf(text: string | undefined, binary: Uint8Array | undefined): StoredValue | undefined {
  const hasText = text !== undefined && text !== '';
  const hasBinary = binary !== undefined && binary.length > 0;
  if (hasText && hasBinary) throw awsErrors.bothValues();
  if (hasText) return { kind: 'string', data: text };
  if (hasBinary) return { kind: 'binary', data: Buffer.from(binary).toString('base64') };
  return undefined;
}

/** SM-PUT-4: a string and a binary with the same bytes are different values. */
function sameValue(a: StoredValue | undefined, b: StoredValue): boolean {
  return a !== undefined && a.kind === b.kind && a.data === b.data;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function mergeTags(existing: readonly StoredTag[], added: readonly { Key?: string; Value?: string }[]): StoredTag[] {
  const seen = new Set<string>();
  for (const tag of added) {
    const key = tag.Key ?? '';
    if (seen.has(key)) {
      throw new SecretsManagerServiceError('InvalidParameterException', `The tag key ${key} appears more than once in the request.`);
    }
    seen.add(key);
  }
  const merged = new Map(existing.map((tag) => [tag.Key, tag.Value]));
  for (const tag of added) merged.set(tag.Key ?? '', tag.Value ?? '');
  if (merged.size > MAX_TAGS_PER_SECRET) {
    throw new SecretsManagerServiceError(
      'InvalidParameterException',
      `A secret can have at most ${MAX_TAGS_PER_SECRET} tags; this request would leave ${merged.size}.`,
    );
  }
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

function sortKey(sortBy: string | undefined): (secret: SecretMetadata) => number | string {
  switch (sortBy) {
    case 'name':
      return (secret) => secret.name;
    case 'last-changed-date':
      return (secret) => secret.lastChangedAt;
    case 'last-accessed-date':
      return (secret) => secret.lastAccessedAt ?? 0;
    default:
      return (secret) => secret.createdAt;
  }
}

function compare(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The same ARN in another Region: a replica's ARN differs from its primary's only there. */
function arnInRegion(arn: string, region: string): string {
  const parts = arn.split(':');
  parts[3] = region;
  return parts.join(':');
}

function randomArnSuffix(): string {
  let suffix = '';
  for (let index = 0; index < 6; index += 1) suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  return suffix;
}

function formatAge(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000} hours` : `${ms} ms`;
}

function requireText(option: string, value: string, pattern: RegExp): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new EmulatorConfigurationError(`Option ${option} must match ${pattern}; got ${JSON.stringify(value)}.`);
  }
  return value;
}

function requireInteger(option: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new EmulatorConfigurationError(`Option ${option} must be an integer of at least ${min}; got ${String(value)}.`);
  }
  return value;
}
