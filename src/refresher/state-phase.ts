import { SecretAccessError } from '../secret/errors.js';
import type { SecretStore } from '../secret/secret-store.js';
import { RECORD, type CommitRecord } from './commit-record.js';
import { RefreshFailedError, RefreshStateLostError } from './errors.js';
import { retryLock } from './lock-retry.js';
import type { CommitValue, RefreshLease } from './lock-port.js';
import { stateLost } from './no-lease.js';
import type { RefreshState } from './options.js';
import type { ProtocolContext } from './protocol-context.js';
import { readState, saveState, type StoredState } from './refresh-state.js';

/** Recorded as the refused version when the provider refused a refresh that had no stored state. */
const NO_STATE_VERSION = 'none';

/** What the holder knows of the refresh state while it calls the refresh function (DESIGN.md §9). */
export interface StateInput {
  stored: StoredState | undefined;
  /** An earlier holder marked a call and never stored its answer: the stored state may be used up. */
  recovering: boolean;
}

/**
 * Before the refresh call: reads the stored state, refuses state the provider already refused, and
 * writes the write-ahead marker (`mintingFence`) with a lease renewal — durable before the state is
 * presented, so that whoever takes over after a crash knows it may have been used. `undefined` when
 * the refresher keeps no state (no `stateSecretId`).
 */
export async function prepareState(context: ProtocolContext, lease: RefreshLease, record: CommitRecord): Promise<StateInput | undefined> {
  const { stateStore } = context;
  if (stateStore === undefined) return undefined;
  const stored = await readState(stateStore, context.closeSignal);
  const lost = record.refreshState?.lostVersionId;
  if (lost !== undefined && lost === (stored?.versionId ?? NO_STATE_VERSION)) {
    throw stateLost(context, 'the identity provider refused it and no new state was seeded since');
  }
  const minting = record.refreshState?.mintingFence;
  const recovering = minting !== undefined && (stored === undefined || stored.fence < minting);
  await retryLock(context, () => lease.renew({ [RECORD.mintingFence]: lease.fence }));
  return { stored, recovering };
}

/**
 * Right after the provider's answer, before anything else: stores the state it returned. Returns
 * whether state was saved (`false` when the function returned none and the stored state stays).
 * A newer lease's state already current means this answer came too late: the lease is lost.
 */
export async function persistState(
  context: ProtocolContext,
  lease: RefreshLease,
  input: StateInput | undefined,
  returned: RefreshState | undefined,
): Promise<boolean> {
  if (returned === undefined) return false;
  const { stateStore } = context;
  if (stateStore === undefined || input === undefined) {
    throw new RefreshFailedError(
      'invalid-result',
      'The refresh function returned "state", but the refresher has no stateSecretId to keep it in, so the next refresh could not use it. Set stateSecretId.',
    );
  }
  if (input.stored === undefined) await ensureStateSecret(context, stateStore);
  const outcome = await saveState(stateStore, {
    state: returned,
    lease,
    replacing: input.stored?.versionId,
    savedAt: context.options.clock.now(),
    signal: context.closeSignal,
  });
  if (!outcome.saved) {
    throw new RefreshFailedError('aborted', 'A newer lease stored refresh state first; this answer of the identity provider was discarded.');
  }
  context.emit({ type: 'state-saved', fence: lease.fence, stateVersionId: outcome.versionId });
  return true;
}

async function ensureStateSecret(context: ProtocolContext, stateStore: SecretStore): Promise<void> {
  if (!context.options.createSecret) {
    throw new SecretAccessError(
      'CreateSecret',
      stateStore.secretId,
      'The state secret does not exist and createSecret is false: create it, or seed it with `token-refresher seed-state`.',
    );
  }
  await stateStore.ensureSecret(context.closeSignal);
}

/** The lock attributes a commit writes: the saved state's fence, and the marker cleared. */
export function stateCommitAttributes(input: StateInput | undefined, saved: boolean, fence: number): Record<string, CommitValue | null> {
  if (input === undefined) return {};
  return { [RECORD.mintingFence]: null, [RECORD.stateLostVersion]: null, ...(saved ? { [RECORD.stateFence]: fence } : {}) };
}

/**
 * The lock attributes a failed refresh writes. The marker is cleared only when the provider's answer
 * is known (it refused the state); after a timeout or an unknown error the state may have been used,
 * so the marker stays for the next holder.
 */
export function stateFailureAttributes(input: StateInput | undefined, error: unknown): Record<string, CommitValue | null> {
  if (input === undefined || !(error instanceof RefreshStateLostError)) return {};
  return { [RECORD.mintingFence]: null, [RECORD.stateLostVersion]: input.stored?.versionId ?? NO_STATE_VERSION };
}
