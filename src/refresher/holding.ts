import { SecretAccessError } from '../secret/errors.js';
import { pendingVersionId } from '../secret/version-id.js';
import { InvalidSecretPayloadError } from '../token/errors.js';
import type { TokenEnvelope } from '../token/token.js';
import { encodeForSecret } from '../token/validate.js';
import { RECORD, currentVersionAttributes, readCommitRecord, type CommitRecord } from './commit-record.js';
import { RefreshFailedError, type FailureRecord } from './errors.js';
import { backoffDelayMs, describeError, failureReason, needsPerson } from './failure.js';
import { retryLock } from './lock-retry.js';
import type { CommitValue, RefreshLease } from './lock-port.js';
import { withoutLease } from './no-lease.js';
import type { CurrentRead, HoldResult, Intent, ProtocolContext } from './protocol-context.js';
import { guardQuota } from './quota-guard.js';
import { callRefresh } from './refresh-call.js';
import { persistState, prepareState, stateCommitAttributes, stateFailureAttributes, type StateInput } from './state-phase.js';
import type { KnownToken } from './token-cache.js';

/** The refresh function is not started with less than this share of the call's lease left: it could not finish before the lease ends. */
const MIN_LEASE_SHARE_TO_REFRESH = 1 / 4;

/**
 * How holding the lease ended. {@link finish} acts on it and is the one place the lease is let go:
 * `committed` writes the commit record with the release, `failed` writes the fleet's back-off with it,
 * `released` only releases. `resume` gives the caller its result once the lease is let go.
 */
type HeldOutcome =
  | { kind: 'committed'; commit: Record<string, CommitValue | null>; resume: (recorded: boolean) => HoldResult }
  | { kind: 'failed'; error: unknown; serving: KnownToken | undefined; fallback: KnownToken | undefined }
  | { kind: 'released'; resume: () => HoldResult };

/** What every phase under the lease knows. */
interface Held {
  lease: RefreshLease;
  record: CommitRecord;
  intent: Intent;
  /** The token to serve if the refresh fails, as known when the lease was won. */
  fallback: KnownToken | undefined;
  /** Monotonic time the lease was won. */
  wonAt: number;
  /** The refresh state once read and marked (DESIGN.md §9); undefined without `stateSecretId` or before that. */
  state?: StateInput | undefined;
}

/** What the phases before the write found: the secret as re-read, and the token to fall back on. */
interface Reread {
  current: CurrentRead;
  previous: KnownToken | undefined;
  fallback: KnownToken | undefined;
}

/** A new token, ready to be written. */
interface Made {
  envelope: TokenEnvelope;
  /** Whether the refresh returned state that is now stored. */
  stateSaved: boolean;
  value: string;
  census: Record<string, CommitValue>;
  startedAt: number;
  refreshDurationMs: number;
}

const released = (resume: () => HoldResult): HeldOutcome => ({ kind: 'released', resume });

/**
 * DESIGN.md §3 steps 6 to 11, holding the lease: re-read, guard the quota, create the secret if
 * missing, call the refresh function, write the pending version, compare-and-swap the label, commit
 * the record — and let the lease go exactly once, whatever happened.
 */
export async function hold(context: ProtocolContext, lease: RefreshLease, intent: Intent, fallback: KnownToken | undefined): Promise<HoldResult> {
  const record = readCommitRecord(lease.attributes);
  context.learnRecord(record);
  const held: Held = { lease, record, intent, fallback, wonAt: context.options.clock.monotonic() };
  let outcome: HeldOutcome;
  try {
    outcome = await underLease(context, held);
  } catch (error) {
    outcome = released(() => {
      throw error;
    });
  }
  return finish(context, held, outcome);
}

async function underLease(context: ProtocolContext, held: Held): Promise<HeldOutcome> {
  const backoff = context.cache.activeBackoff();
  if (backoff !== undefined) return released(() => withoutLease(context, { backoff }, held.fallback));
  const reread = await rereadSecret(context, held);
  if ('kind' in reread) return reread;
  const made = await makeToken(context, held, reread);
  if ('kind' in made) return made;
  if (held.lease.signal.aborted) {
    // Writing now could only create a version nobody will promote: a newer holder may exist.
    context.emit({ type: 'lease-lost', fence: held.lease.fence, stage: 'after-refresh' });
    return released(() => ({ retry: undefined }));
  }
  return promote(context, held, reread, made);
}

/** Step 6: the double-check. A fresh token committed meanwhile is recorded and served instead of refreshing. */
async function rereadSecret(context: ProtocolContext, held: Held): Promise<Reread | HeldOutcome> {
  let current: CurrentRead;
  try {
    current = await context.readCurrent(context.closeSignal, 'primary');
  } catch (error) {
    if (error instanceof InvalidSecretPayloadError) return { kind: 'failed', error, serving: context.cache.current, fallback: undefined };
    throw error;
  }
  if (current.found && context.cache.isFresh(current.known, held.intent.mustReplace)) return observed(held, current.known);
  const fallback = context.fallback(current, held.intent) ?? held.fallback;
  return { current, previous: current.found ? current.known : undefined, fallback };
}

/** Releases after finding a fresh token, recording it so that waiting processes stop waiting. */
function observed(held: Held, known: KnownToken): HeldOutcome {
  return {
    kind: 'committed',
    commit: currentVersionAttributes({
      ...known,
      refreshedAt: known.expiresAt - known.lifetimeMs,
      fence: held.lease.fence,
      highestGeneration: Math.max(held.record.highestGeneration ?? 0, known.generation),
    }),
    resume: () => ({ known, source: 'secret' }),
  };
}

/** Steps 7 and 8: the quota guard, the secret created if missing, and the refresh function's token, encoded. */
async function makeToken(context: ProtocolContext, held: Held, reread: Reread): Promise<Made | HeldOutcome> {
  const { clock, codec } = context.options;
  const { lease, record, intent } = held;
  const { current, previous } = reread;
  const startedAt = clock.monotonic();
  const generation = Math.max(record.highestGeneration ?? 0, record.generation ?? 0, previous?.generation ?? 0) + 1;
  try {
    const census = await guardQuota(context, record, generation - 1);
    if (!current.found && current.missing === 'secret') await createSecret(context);
    if (lease.signal.aborted || lease.remainingMs() < intent.bounds.leaseMs * MIN_LEASE_SHARE_TO_REFRESH) {
      context.emit({ type: 'lease-lost', fence: lease.fence, stage: 'before-refresh' });
      return released(() => ({ retry: current }));
    }
    held.state = await prepareState(context, lease, record);
    context.emit({
      type: 'refresh-started',
      fence: lease.fence,
      generation,
      ...(held.state === undefined ? {} : { recovering: held.state.recovering }),
    });
    const calledAt = clock.monotonic();
    const issued = await callRefresh(context, lease, previous, held.state, intent.bounds.refreshTimeoutMs);
    const stateSaved = await persistState(context, lease, held.state, issued.state);
    const refreshDurationMs = clock.monotonic() - calledAt;
    const envelope: TokenEnvelope = { token: issued.token, expiresAt: issued.expiresAt, generation, refreshedAt: clock.now() };
    return { envelope, stateSaved, value: encode(codec, envelope), census, startedAt, refreshDurationMs };
  } catch (error) {
    if (error instanceof RefreshFailedError && error.reason === 'aborted') {
      context.emit({ type: 'lease-lost', fence: lease.fence, stage: 'after-refresh' });
      return released(() => ({ retry: undefined }));
    }
    if (context.closeSignal.aborted) throw error;
    return { kind: 'failed', error, serving: previous, fallback: reread.fallback };
  }
}

function encode(codec: Parameters<typeof encodeForSecret>[0], envelope: TokenEnvelope): string {
  try {
    return encodeForSecret(codec, envelope);
  } catch (error) {
    throw new RefreshFailedError('invalid-result', `The refreshed token cannot be stored: ${describeError(error).message}`, { cause: error });
  }
}

async function createSecret(context: ProtocolContext): Promise<void> {
  if (!context.options.createSecret) {
    throw new SecretAccessError(
      'GetSecretValue',
      context.options.secretId,
      'The secret does not exist and createSecret is false: create it, or allow the refresher to.',
    );
  }
  const outcome = await context.primary.ensureSecret(context.closeSignal);
  if (outcome === 'created') context.emit({ type: 'secret-created' });
}

/** Steps 9 and 10: the pending version, then the compare-and-swap of the label; a lost swap never rolls back. */
async function promote(context: ProtocolContext, held: Held, reread: Reread, made: Made): Promise<HeldOutcome> {
  const { lease } = held;
  const { label, pendingLabel, secretId } = context.options;
  const { previous } = reread;
  const signal = context.closeSignal;
  const promotedAt = context.options.clock.monotonic();
  const versionId = pendingVersionId({ secretName: context.primary.secretName, label, epoch: lease.epoch, fence: lease.fence });
  try {
    await context.primary.putPending({ value: made.value, versionId, pendingLabel, signal });
    const moved = await context.primary.moveLabel({ label, moveTo: versionId, removeFrom: previous?.versionId, signal });
    if (moved === 'conflict') {
      const after = await context.readCurrent(signal, 'primary');
      const afterVersion = after.found ? after.known.versionId : undefined;
      if (afterVersion === previous?.versionId) {
        throw new SecretAccessError(
          'UpdateSecretVersionStage',
          secretId,
          `Label ${label} could not be moved to the new version although it is still on the version read before; check for a label quota or a policy denying the move.`,
        );
      }
      if (afterVersion !== versionId) {
        context.emit({ type: 'rollback-prevented', discardedVersionId: versionId, currentVersionId: afterVersion, fence: lease.fence });
        return released(() => ({ retry: after }));
      }
    }
  } catch (error) {
    if (signal.aborted) throw error;
    return { kind: 'failed', error, serving: previous, fallback: reread.fallback };
  }
  return committed(context, held, reread, made, { versionId, promotedAt });
}

/** Step 11: the commit record; once the lease is let go, the refresh is reported and the token served. */
function committed(
  context: ProtocolContext,
  held: Held,
  reread: Reread,
  made: Made,
  promoted: { versionId: string; promotedAt: number },
): HeldOutcome {
  const { versionId, promotedAt } = promoted;
  const { clock, policy, logger, secretId, label } = context.options;
  const { envelope } = made;
  const known = context.cache.know({ ...envelope, versionId });
  const commit = {
    ...currentVersionAttributes({ ...known, refreshedAt: envelope.refreshedAt, fence: held.lease.fence, highestGeneration: known.generation }),
    [RECORD.previousVersionId]: reread.previous?.versionId ?? null,
    ...made.census,
    ...stateCommitAttributes(held.state, made.stateSaved, held.lease.fence),
  };
  const resume = (recorded: boolean): HoldResult => {
    if (recorded) context.cache.learnFailure(undefined);
    context.lastFailure = undefined;
    const releasedAt = clock.monotonic();
    context.emit({
      type: 'refreshed',
      fence: held.lease.fence,
      generation: known.generation,
      versionId,
      expiresAt: known.expiresAt,
      durationMs: releasedAt - made.startedAt,
      refreshDurationMs: made.refreshDurationMs,
      commitDurationMs: releasedAt - promotedAt,
    });
    logger?.info('token-refresher: refreshed the token', {
      secretId,
      label,
      generation: known.generation,
      versionId,
      expiresAt: new Date(known.expiresAt).toISOString(),
    });
    context.checkVersionBudget(known.lifetimeMs);
    if (!policy.isUsable(known, clock.now())) {
      throw context.unavailable('the refreshed token already has less than the minimum validity left', undefined);
    }
    return context.adopt(known, 'refreshed');
  };
  return { kind: 'committed', commit, resume };
}

/** Lets the lease go, the one place that does: with the commit record, with the fleet's back-off, or plainly. */
async function finish(context: ProtocolContext, held: Held, outcome: HeldOutcome): Promise<HoldResult> {
  const { lease } = held;
  switch (outcome.kind) {
    case 'released':
      await lease.release().catch(() => undefined);
      return outcome.resume();
    case 'committed': {
      const recorded = await retryLock(context, () => lease.commitAndRelease(outcome.commit)).then(
        () => true,
        () => false,
      );
      // Without the record the token is still promoted; the next holder's double-check reads the secret and records it.
      if (!recorded) context.emit({ type: 'lease-lost', fence: lease.fence, stage: 'commit' });
      return outcome.resume(recorded);
    }
    case 'failed': {
      const failure = learnFailure(context, held.record, outcome.error, outcome.serving);
      try {
        await retryLock(context, () =>
          lease.commitAndRelease({ ...failureAttributes(failure, lease.fence), ...stateFailureAttributes(held.state, outcome.error) }),
        );
      } catch {
        await lease.release().catch(() => undefined);
      }
      reportFailure(context, lease.fence, failure, context.options.clock.monotonic() - held.wonAt);
      if (outcome.fallback !== undefined && held.intent.allowFallback) return context.adopt(outcome.fallback, 'secret');
      const { error } = outcome;
      throw needsPerson(error) ? error : context.unavailable('the refresh failed', error instanceof Error ? error : undefined);
    }
  }
}

/**
 * The fleet's back-off after this failure, learnt here before it is written. It ends no later than the
 * moment `serving` (the token the fleet falls back on) drops below the minimum validity, so the fleet
 * retries while it still has a token instead of running out.
 */
function learnFailure(context: ProtocolContext, record: CommitRecord, error: unknown, serving: KnownToken | undefined): FailureRecord {
  const { clock, policy } = context.options;
  const failureCount = (record.failure?.failureCount ?? 0) + 1;
  const now = clock.now();
  let retryNotBefore = Math.round(now + backoffDelayMs(failureCount, context.options));
  const usableUntil = serving === undefined ? undefined : Math.floor(serving.expiresAt - policy.minValidityMs(serving.lifetimeMs));
  // Past that moment the cap would void the back-off and let a fleet without a token hammer the provider.
  if (usableUntil !== undefined && usableUntil > now) retryNotBefore = Math.min(retryNotBefore, usableUntil);
  const failure = { reason: failureReason(error), errorName: describeError(error).name, failureCount, retryNotBefore };
  context.cache.learnFailure(failure);
  if (error instanceof Error) context.lastFailure = error;
  return failure;
}

function failureAttributes(failure: FailureRecord, fence: number): Record<string, CommitValue> {
  return {
    [RECORD.retryNotBefore]: failure.retryNotBefore,
    [RECORD.failureCount]: failure.failureCount,
    [RECORD.failureReason]: failure.reason,
    [RECORD.failureError]: failure.errorName,
    [RECORD.failedFence]: fence,
  };
}

function reportFailure(context: ProtocolContext, fence: number, failure: FailureRecord, durationMs: number): void {
  const { reason, errorName, failureCount, retryNotBefore } = failure;
  context.emit({ type: 'refresh-failed', fence, reason, errorName, failureCount, retryNotBefore, durationMs });
  context.options.logger?.warn('token-refresher: refresh failed; the fleet backs off', {
    secretId: context.options.secretId,
    label: context.options.label,
    reason,
    error: errorName,
    failureCount,
    retryNotBefore: new Date(retryNotBefore).toISOString(),
  });
}
