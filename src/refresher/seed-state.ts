import { TokenRefresherError, ConfigurationError } from '../shared/errors.js';
import { assertSecretId, secretNameOf } from '../secret/secret-id.js';
import { AWSCURRENT } from '../secret/secret-store.js';
import { CLEAR_FAILURE, RECORD, readCommitRecord } from './commit-record.js';
import { STATE_LOST } from './failure.js';
import { open, type SecretOperationOptions } from './operations.js';
import type { RefreshState } from './options.js';
import { checkState, saveState } from './refresh-state.js';

/**
 * Options for {@link seedState}.
 *
 * @example
 * ```ts
 * await seedState({ secretId: 'prod/api-token', stateSecretId: 'prod/api-token-state', lockTable: 'locks', state: { refreshToken } });
 * ```
 */
export type SeedStateOptions = SecretOperationOptions & {
  /** The secret that keeps the refresh state (the refreshers' `stateSecretId`). */
  stateSecretId: string;
  /** The new state, e.g. `{ refreshToken }` from a fresh authorization. */
  state: RefreshState;
  /** How long to wait for a refresh in progress to finish. Default 30 000 ms. */
  timeoutMs?: number;
};

/** What {@link seedState} did: ids only, never the state. */
export interface SeedStateResult {
  stateSecretId: string;
  /** The state secret's new version on AWSCURRENT. */
  stateVersionId: string;
  /** The version it replaced, if any. */
  replacedVersionId: string | undefined;
  /** The fence of the lease the seeding held. */
  fence: number;
  /** Whether the fleet had recorded the state as lost (it refreshes again from now on). */
  clearedStateLost: boolean;
}

/**
 * Seeding could not be done; the message says why.
 *
 * @example
 * ```ts
 * if (error instanceof SeedStateError) console.error(error.message);
 * ```
 */
export class SeedStateError extends TokenRefresherError {}

/**
 * Puts new refresh state (after a person re-authorized) into the state secret while holding the
 * lease, so it cannot race a refresh, and clears the fleet's "state lost" record: the next refresh
 * presents the new state. Creates the state secret when it does not exist.
 *
 * @example
 * ```ts
 * const result = await seedState({ secretId: 'prod/api-token', stateSecretId: 'prod/api-token-state', lockTable: 'locks', state });
 * console.log(result.stateVersionId);
 * ```
 */
export async function seedState(options: SeedStateOptions): Promise<SeedStateResult> {
  assertSecretId(options?.stateSecretId, 'stateSecretId');
  if (secretNameOf(options.stateSecretId) === secretNameOf(options.secretId)) {
    throw new ConfigurationError('Option "stateSecretId" must name a secret other than "secretId": readers must never read the refresh state.');
  }
  const state = checkSeed(options.state);
  const resources = open(options);
  try {
    const outcome = await resources.lock.acquire(resources.lockName, {
      timeoutMs: options.timeoutMs ?? 30_000,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (!outcome.acquired) throw new SeedStateError(`Could not take the lease "${resources.lockName}" to seed the state; retry.`);
    const { lease } = outcome;
    let committing = false;
    try {
      const stateStore = resources.storeFor(options.stateSecretId);
      const signal = options.signal ?? new AbortController().signal;
      // Whatever the secret holds is replaced, a value written by hand included: that is what seeding is for.
      const current = await stateStore.read(AWSCURRENT, signal);
      if (!current.found && current.missing === 'secret') await stateStore.ensureSecret(signal);
      const replacedVersionId = current.found ? current.versionId : undefined;
      const saved = await saveState(stateStore, { state, lease, replacing: replacedVersionId, savedAt: resources.clock.now(), signal });
      if (!saved.saved)
        throw new SeedStateError(`The state secret "${options.stateSecretId}" changed while seeding it (another writer?); check it and retry.`);
      const clearedStateLost = readCommitRecord(lease.attributes).failure?.reason === STATE_LOST;
      committing = true;
      await lease.commitAndRelease({
        ...(clearedStateLost ? CLEAR_FAILURE : {}),
        [RECORD.stateFence]: lease.fence,
        [RECORD.mintingFence]: null,
        [RECORD.stateLostVersion]: null,
      });
      return { stateSecretId: options.stateSecretId, stateVersionId: saved.versionId, replacedVersionId, fence: lease.fence, clearedStateLost };
    } finally {
      if (!committing) await lease.release().catch(() => undefined);
    }
  } finally {
    await resources.dispose();
  }
}

function checkSeed(state: unknown): RefreshState {
  try {
    const checked = checkState(state);
    if (Object.keys(checked).length === 0) throw new Error('empty');
    return checked;
  } catch {
    throw new ConfigurationError('Option "state" must be an object of one or more string fields, e.g. { refreshToken: "…" }.');
  }
}
