import { AWSCURRENT, AWSPENDING, type SecretStore } from '../secret/secret-store.js';
import { pendingVersionId } from '../secret/version-id.js';
import { InvalidSecretPayloadError } from '../token/errors.js';
import { MAX_SECRET_VALUE_BYTES } from '../token/validate.js';
import { RefreshFailedError } from './errors.js';
import type { RefreshLease } from './lock-port.js';
import type { RefreshState } from './options.js';

/** The `format` field of a stored state value, so that a foreign or future value is refused, not misread. */
export const STATE_FORMAT = 'token-refresher/state@1';

/** Part of the key a state version's id is derived from, so that it can never equal a token version's id. */
const STATE_LABEL = 'token-refresher/state';

/** The refresh state as the lease holder reads it from the state secret (DESIGN.md §9). */
export interface StoredState {
  state: RefreshState;
  /** The state secret's version holding it: what a refusal is recorded against. */
  versionId: string;
  /** The fence of the lease that saved it (a refresh, or `seed-state`). */
  fence: number;
}

/** Where the state secret's value is checked: a value any other program wrote is refused with this. */
function invalid(stateSecretId: string, problem: string): InvalidSecretPayloadError {
  return new InvalidSecretPayloadError(stateSecretId, problem, { label: AWSCURRENT, expectedFormat: STATE_FORMAT });
}

/**
 * Checks what a refresh function returned as `state`: string fields only, small enough for a secret.
 * Never quotes a value: state is as secret as the token.
 */
export function checkState(state: unknown): RefreshState {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new RefreshFailedError(
      'invalid-result',
      `The refresh function returned "state" as ${Array.isArray(state) ? 'an array' : typeof state}; return an object of string fields.`,
    );
  }
  const fields = Object.entries(state);
  const wrong = fields.find(([, value]) => typeof value !== 'string');
  if (wrong !== undefined) {
    throw new RefreshFailedError(
      'invalid-result',
      `The refresh function returned state field "${wrong[0]}" as ${typeof wrong[1]}; every state field must be a string.`,
    );
  }
  return Object.freeze(Object.fromEntries(fields)) as RefreshState;
}

/** Encodes state for the state secret; too large a value is refused before anything is written. */
export function encodeState(state: RefreshState, fence: number, savedAt: number): string {
  const value = JSON.stringify({ format: STATE_FORMAT, state, fence, savedAt });
  if (Buffer.byteLength(value) > MAX_SECRET_VALUE_BYTES) {
    throw new RefreshFailedError('invalid-result', `The refresh state is larger than the ${MAX_SECRET_VALUE_BYTES} bytes a secret can hold.`);
  }
  return value;
}

/** Reads the committed state; `undefined` when the secret or its value does not exist yet. */
export async function readState(store: SecretStore, signal: AbortSignal): Promise<StoredState | undefined> {
  const read = await store.read(AWSCURRENT, signal);
  if (!read.found) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.value);
  } catch {
    throw invalid(store.secretId, 'the value is not JSON');
  }
  const { format, state, fence } = (parsed ?? {}) as { format?: unknown; state?: unknown; fence?: unknown };
  if (format !== STATE_FORMAT)
    throw invalid(store.secretId, `the value's format is not ${STATE_FORMAT}; write it with \`token-refresher seed-state\``);
  if (typeof fence !== 'number' || !Number.isInteger(fence) || fence < 0) throw invalid(store.secretId, 'the value has no whole-number fence');
  try {
    return { state: checkState(state), versionId: read.versionId, fence };
  } catch {
    throw invalid(store.secretId, 'the state is not an object of string fields');
  }
}

/** The outcome of {@link saveState}: the new version, or `superseded` when a newer lease saved state first. */
export type SaveOutcome = { saved: true; versionId: string } | { saved: false; reason: 'superseded' };

/**
 * Writes state as a new version and moves AWSCURRENT to it by compare-and-swap from the version read
 * under this lease, so that a holder paused past its lease can never put older state over newer. The
 * version id is derived from the lease (epoch, fence): a retried write after a lost response creates
 * no second version.
 */
export async function saveState(
  store: SecretStore,
  write: { state: RefreshState; lease: Pick<RefreshLease, 'epoch' | 'fence'>; replacing: string | undefined; savedAt: number; signal: AbortSignal },
): Promise<SaveOutcome> {
  const { lease, signal } = write;
  const versionId = pendingVersionId({ secretName: store.secretName, label: STATE_LABEL, epoch: lease.epoch, fence: lease.fence });
  await store.putPending({ value: encodeState(write.state, lease.fence, write.savedAt), versionId, pendingLabel: AWSPENDING, signal });
  const moved = await store.moveLabel({ label: AWSCURRENT, moveTo: versionId, removeFrom: write.replacing, signal });
  if (moved === 'moved') return { saved: true, versionId };
  // A conflict is either an earlier attempt of this same move that landed, or a newer lease's state.
  const after = await store.read(AWSCURRENT, signal);
  return after.found && after.versionId === versionId ? { saved: true, versionId } : { saved: false, reason: 'superseded' };
}
