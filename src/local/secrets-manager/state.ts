import { EmulatorStorageError } from './errors.js';

/**
 * The emulator's state and the only way to change it: {@link StateChange} records. Every operation
 * of the model computes the changes it makes, then applies them here; the durable journal stores
 * the same records and replays them through the same function, so a restarted emulator cannot
 * differ from the one that acknowledged the writes.
 */

/** A secret value as stored: text, or bytes kept as base64 so that a record is plain JSON. */
export type StoredValue = { readonly kind: 'string'; readonly data: string } | { readonly kind: 'binary'; readonly data: string };

/** One version of a secret. A rotation placeholder has no `value`. */
export interface StoredVersion {
  readonly id: string;
  /** Creation order within the secret; listings sort by it. */
  readonly seq: number;
  readonly value?: StoredValue;
  readonly createdAt: number;
  /** Midnight UTC of the last day the version was read (AWS reports day resolution). */
  readonly lastAccessedAt?: number;
}

/** A tag as AWS shapes it. */
export interface StoredTag {
  readonly Key: string;
  readonly Value: string;
}

/** Rotation settings recorded by `RotateSecret`. */
export interface StoredRotation {
  readonly lambdaArn: string;
  readonly automaticallyAfterDays?: number;
  readonly scheduleExpression?: string;
  readonly duration?: string;
  readonly lastRotatedAt?: number;
}

/** Where a primary secret replicates to, and how far that replica has got. */
export interface StoredReplica {
  readonly region: string;
  readonly kmsKeyId?: string;
  readonly status: 'InSync' | 'InProgress' | 'Failed';
  readonly statusMessage: string;
}

/** Everything about a secret except its versions and labels. */
export interface SecretMetadata {
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly kmsKeyId?: string;
  readonly tags: readonly StoredTag[];
  readonly createdAt: number;
  readonly lastChangedAt: number;
  readonly lastAccessedAt?: number;
  /** Set while the secret is scheduled for deletion. */
  readonly deletedAt?: number;
  /** When a scheduled deletion becomes permanent. */
  readonly deletionDate?: number;
  readonly rotation?: StoredRotation;
  /** On a replica: the Region of its primary. A replica refuses every write (replication.ts). */
  readonly replicaOf?: string;
  /** On a primary: the Regions it replicates to, in the order they were added. */
  readonly replicas?: readonly StoredReplica[];
}

/** A secret in memory: its metadata, versions in creation order, label holders and purged ids. */
export interface SecretState {
  metadata: SecretMetadata;
  readonly versions: Map<string, StoredVersion>;
  /** Staging label → the id of the one version that carries it (SM-MODEL-1). */
  readonly labels: Map<string, string>;
  /** Ids of versions removed by clean-up, so a read can say "was deleted" (SM-GET-10). */
  readonly purgedVersionIds: Set<string>;
  nextSeq: number;
}

/**
 * One atomic change to the state. An operation's changes are journaled together, as one record.
 *
 * @example
 * ```ts
 * const change: StateChange = { op: 'label', arn, label: 'AWSCURRENT', versionId };
 * ```
 */
export type StateChange =
  | { readonly op: 'secret'; readonly secret: SecretMetadata }
  | { readonly op: 'version'; readonly arn: string; readonly version: StoredVersion }
  | { readonly op: 'label'; readonly arn: string; readonly label: string; readonly versionId: string | null }
  | { readonly op: 'purge'; readonly arn: string; readonly versionId: string }
  | { readonly op: 'remove'; readonly arn: string }
  | { readonly op: 'clock'; readonly offsetMs: number }
  /** Changes to the state of another Region than the emulator's default one (regions.ts routes them). */
  | { readonly op: 'region'; readonly region: string; readonly changes: readonly StateChange[] }
  | { readonly op: 'reset' };

/** All secrets, by ARN and by name (a name belongs to at most one secret at a time). */
export class EmulatorState {
  readonly byArn = new Map<string, SecretState>();
  readonly byName = new Map<string, SecretState>();
  /** The clock offset the state was last written with (see `EmulatorClock.offsetMs`). */
  clockOffsetMs = 0;

  /** Applies one change. Changes are upserts, so applying a record twice is harmless. */
  apply(change: StateChange): void {
    switch (change.op) {
      case 'secret': {
        const existing = this.byArn.get(change.secret.arn);
        if (existing) {
          existing.metadata = change.secret;
          return;
        }
        const secret: SecretState = {
          metadata: change.secret,
          versions: new Map(),
          labels: new Map(),
          purgedVersionIds: new Set(),
          nextSeq: 1,
        };
        this.byArn.set(change.secret.arn, secret);
        this.byName.set(change.secret.name, secret);
        return;
      }
      case 'version': {
        const secret = this.#require(change.arn);
        secret.versions.set(change.version.id, change.version);
        secret.nextSeq = Math.max(secret.nextSeq, change.version.seq + 1);
        return;
      }
      case 'label': {
        const secret = this.#require(change.arn);
        if (change.versionId === null) secret.labels.delete(change.label);
        else secret.labels.set(change.label, change.versionId);
        return;
      }
      case 'purge': {
        const secret = this.#require(change.arn);
        secret.versions.delete(change.versionId);
        secret.purgedVersionIds.add(change.versionId);
        return;
      }
      case 'remove': {
        const secret = this.byArn.get(change.arn);
        if (!secret) return;
        this.byArn.delete(change.arn);
        if (this.byName.get(secret.metadata.name) === secret) this.byName.delete(secret.metadata.name);
        return;
      }
      case 'clock':
        this.clockOffsetMs = change.offsetMs;
        return;
      case 'region':
        // One state holds one Region: RegionalModels hands these records to the Region's own state.
        throw new EmulatorStorageError(`A change for Region ${change.region} reached another Region's state.`);
      case 'reset':
        this.byArn.clear();
        this.byName.clear();
        this.clockOffsetMs = 0;
        return;
    }
  }

  /** The state as change records that rebuild it from empty (for compacting the journal). */
  *snapshot(): Generator<StateChange> {
    if (this.clockOffsetMs !== 0) yield { op: 'clock', offsetMs: this.clockOffsetMs };
    for (const secret of this.byArn.values()) {
      const arn = secret.metadata.arn;
      yield { op: 'secret', secret: secret.metadata };
      for (const version of secret.versions.values()) yield { op: 'version', arn, version };
      for (const [label, versionId] of secret.labels) yield { op: 'label', arn, label, versionId };
      for (const versionId of secret.purgedVersionIds) yield { op: 'purge', arn, versionId };
    }
  }

  #require(arn: string): SecretState {
    const secret = this.byArn.get(arn);
    if (!secret) throw new EmulatorStorageError(`A stored change refers to secret ${arn}, which the stored state does not contain.`);
    return secret;
  }
}
