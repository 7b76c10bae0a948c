import { TokenRefresherError } from '../shared/errors.js';
import { AWSCURRENT, AWSPREVIOUS } from '../secret/secret-store.js';
import { CLEAR_FAILURE, RECORD, readCommitRecord, type CommitRecord } from './commit-record.js';
import type { RefreshLease } from './lock-port.js';
import { iso, open, tryDecode, type Resources, type SecretOperationOptions } from './operations.js';

/**
 * Options for {@link rollback}.
 *
 * @example
 * ```ts
 * await rollback({ secretId: 'my-api-token', lockTable: 'token-refresher-locks', toVersionId });
 * ```
 */
export type RollbackOptions = SecretOperationOptions & {
  /** The version to move the label to. Default: AWSPREVIOUS for AWSCURRENT, else the version the last refresh replaced. */
  toVersionId?: string;
  /** How long to wait for a refresh in progress to finish. Default 30 000 ms. */
  timeoutMs?: number;
};

/** What {@link rollback} did. */
export interface RollbackResult {
  label: string;
  /** The version that held the label before. */
  fromVersionId: string;
  /** The version that holds it now. */
  toVersionId: string;
  /** The generation of the restored token, when its envelope says. */
  generation: number | undefined;
  /** When the restored token expires, when its envelope says; a past date means refreshers will replace it at once. */
  expiresAt: string | undefined;
  /** The fence of the lease the rollback held. */
  fence: number;
}

/**
 * A rollback could not be done; the message says why and what to pass instead.
 *
 * @example
 * ```ts
 * try {
 *   await rollback({ secretId: 'my-api-token', lockTable: 'token-refresher-locks' });
 * } catch (error) {
 *   if (error instanceof RollbackError) console.error(error.message); // e.g. "…pass toVersionId…"
 * }
 * ```
 */
export class RollbackError extends TokenRefresherError {}

/**
 * Moves the label back to the previous version (or `toVersionId`) with the compare-and-swap
 * `RemoveFromVersionId` that AWS requires, while holding the lease — so it cannot interleave with a
 * refresh — and records the move in the lock item. Refreshers keep serving the token they cached
 * until their refresh point; from then on they read the restored version (and replace it if it is
 * already too old).
 *
 * @example
 * ```ts
 * const result = await rollback({ secretId: 'my-api-token', lockTable: 'token-refresher-locks' });
 * console.log(`${result.fromVersionId} -> ${result.toVersionId}`);
 * ```
 */
export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  const resources = open(options);
  try {
    const { lock, lockName } = resources;
    const outcome = await lock.acquire(lockName, {
      timeoutMs: options.timeoutMs ?? 30_000,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (!outcome.acquired) throw new RollbackError(`Could not take the lease "${lockName}" to roll back; retry.`);
    return await rollbackUnderLease(options, resources, outcome.lease);
  } finally {
    await resources.dispose();
  }
}

/** Moves the label while holding `lease`; the lease is let go with the commit record, or released on any failure. */
async function rollbackUnderLease(options: RollbackOptions, resources: Resources, lease: RefreshLease): Promise<RollbackResult> {
  const { store, label, codec, clock } = resources;
  let committing = false;
  try {
    const record = readCommitRecord(lease.attributes);
    const current = await store.read(label, options.signal);
    if (!current.found) throw new RollbackError(`Secret "${options.secretId}" has no version labelled ${label}: there is nothing to roll back.`);
    const target = await rollbackTarget(options, resources, record, current.versionId);
    const restored = await store.readVersion(target, options.signal);
    if (restored === undefined) {
      throw new RollbackError(`Secret "${options.secretId}" has no version ${target} (it may have been purged): pass an existing toVersionId.`);
    }
    const decoding = tryDecode(codec, restored.value);
    const decoded = 'decoded' in decoding ? decoding.decoded : undefined;
    await moveLabelBack(options, resources, current.versionId, target);
    committing = true;
    await lease.commitAndRelease({
      ...CLEAR_FAILURE,
      [RECORD.versionId]: target,
      [RECORD.generation]: decoded?.generation ?? null,
      [RECORD.highestGeneration]: Math.max(record.highestGeneration ?? 0, record.generation ?? 0, decoded?.generation ?? 0),
      [RECORD.tokenExpiresAt]: decoded?.expiresAt ?? null,
      [RECORD.refreshedAt]: decoded?.refreshedAt ?? null,
      [RECORD.recordFence]: lease.fence,
      [RECORD.previousVersionId]: current.versionId,
      [RECORD.rolledBackAt]: clock.now(),
      [RECORD.rolledBackFrom]: current.versionId,
    });
    return {
      label,
      fromVersionId: current.versionId,
      toVersionId: target,
      generation: decoded?.generation,
      expiresAt: iso(decoded?.expiresAt),
      fence: lease.fence,
    };
  } finally {
    if (!committing) await lease.release().catch(() => undefined);
  }
}

/** The version to restore: `toVersionId`, else AWSPREVIOUS for AWSCURRENT, else the version the last refresh replaced. */
async function rollbackTarget(options: RollbackOptions, resources: Resources, record: CommitRecord, currentVersionId: string): Promise<string> {
  const { store, label } = resources;
  let target = options.toVersionId;
  if (target === undefined && label === AWSCURRENT) {
    const previous = await store.read(AWSPREVIOUS, options.signal);
    target = previous.found ? previous.versionId : undefined;
  } else if (target === undefined) {
    target = record.previousVersionId;
  }
  if (target === undefined) {
    throw new RollbackError(
      `Secret "${options.secretId}" has no previous version of ${label} on record: pass toVersionId (see list-secret-version-ids).`,
    );
  }
  if (target === currentVersionId) {
    throw new RollbackError(`Version ${target} already holds ${label} on "${options.secretId}": nothing to roll back.`);
  }
  return target;
}

/** The compare-and-swap back to `target`; a conflict is fine only when the label already ended there. */
async function moveLabelBack(options: RollbackOptions, resources: Resources, fromVersionId: string, target: string): Promise<void> {
  const { store, label } = resources;
  const moved = await store.moveLabel({
    label,
    moveTo: target,
    removeFrom: fromVersionId,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (moved !== 'conflict') return;
  const after = await store.read(label, options.signal);
  if (!after.found || after.versionId !== target) {
    throw new RollbackError(`${label} on "${options.secretId}" moved while rolling back (someone else changed it); check status and retry.`);
  }
}
