import { LockTimeoutError } from '../lock/errors.js';
import { ConfigurationError } from '../shared/errors.js';
import { readCommitRecord } from './commit-record.js';
import { hold } from './holding.js';
import { retryLock } from './lock-retry.js';
import type { RefreshAcquireOutcome, RefreshLease, RefreshLockState } from './lock-port.js';
import { backingOff, withoutLease } from './no-lease.js';
import { MAX_ROUNDS, NOTHING_READ, type CurrentRead, type HoldResult, type Intent, type Obtained, type ProtocolContext } from './protocol-context.js';
import type { KnownToken } from './token-cache.js';

type Followed = { acquired: true; lease: RefreshLease } | { acquired: false; state: RefreshLockState; committed: boolean };

/**
 * DESIGN.md §3 steps 3 to 5: read the secret, contend for the lease, follow another holder — and hand
 * a won lease to {@link hold} (steps 6 to 11). Returns a token the caller's intent accepts, or throws
 * why none can be had. Loaded (`lease-path.ts`) by `obtain` (reader-path.ts) when a call needs more
 * than a read, with `firstRead` the read it already made, if any.
 */
export async function contend(context: ProtocolContext, intent: Intent, firstRead?: CurrentRead): Promise<Obtained> {
  let current: CurrentRead | undefined = firstRead;
  let rereadForRecord = false;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    if (current === undefined) {
      const early = await beforeReading(context, intent, round === 0);
      if (early !== undefined && 'known' in early) return early;
      current = early?.retry;
      if (early !== undefined && current === undefined) continue;
    }
    current ??= await context.readCurrent();
    if (current.found && context.cache.isFresh(current.known, intent.mustReplace)) return context.adopt(current.known, 'secret');
    const fallback = context.fallback(current, intent);
    const backoff = context.cache.activeBackoff();
    if (backoff !== undefined) return withoutLease(context, { backoff }, fallback);
    const attempt = await tryLease(context, intent);
    if ('lockError' in attempt) return withoutLease(context, attempt, fallback);
    let lease: RefreshLease;
    if (attempt.acquired) {
      lease = attempt.lease;
    } else {
      learn(context, attempt.state);
      if (!rereadForRecord && recordsAnotherVersion(attempt.state, current)) {
        // Probably committed after our read: read once more rather than wait or serve the old token.
        rereadForRecord = true;
        current = undefined;
        continue;
      }
      if (fallback !== undefined) return leaseBusy(context, attempt.state, fallback);
      const followed = await follow(context, attempt.state, intent.bounds.leaseMs);
      if (!followed.acquired) {
        learn(context, followed.state);
        if (followed.committed) current = undefined;
        continue;
      }
      lease = followed.lease;
    }
    const held = await hold(context, lease, intent, fallback);
    if ('known' in held) return held;
    current = held.retry;
  }
  throw context.unavailable(`no token after ${MAX_ROUNDS} rounds of reading the secret and contending for the lease`, context.lastFailure);
}

/**
 * What is known before the secret is read: during a back-off the cached token serves (nobody
 * refreshes before the fleet's retry time, so the secret will not change); on the first round with a
 * valid token, the lock-first check decides. `undefined` means "read the secret"; `retry` means "go
 * on with this read" (none: start the next round).
 */
async function beforeReading(context: ProtocolContext, intent: Intent, firstRound: boolean): Promise<HoldResult | undefined> {
  const cached = context.fallback(NOTHING_READ, intent);
  const knownBackoff = context.cache.activeBackoff();
  if (knownBackoff !== undefined) {
    if (cached !== undefined) return context.adopt(cached, 'secret');
    // Without a token, look at the secret at most once per poll interval.
    if (!context.cache.mayReadDuringBackoff(context.options.pollMs)) {
      throw backingOff(context, knownBackoff);
    }
  }
  if (!firstRound || cached === undefined) return undefined;
  return checkWithValidToken(context, intent, cached);
}

/**
 * A check while a valid token is cached (DESIGN.md §3 step 5): the lock item is read first, so the
 * secret is read only when the commit record names another version, and the lease is written only
 * when it is free or may be taken over. While a holder refreshes, a check costs reads alone.
 * Returns `retry` (with the secret read, if any) when the regular path must decide.
 */
async function checkWithValidToken(context: ProtocolContext, intent: Intent, cached: KnownToken): Promise<HoldResult> {
  const inspected = await lockCall(context, () => context.lock.inspect(context.options.lockName));
  if ('lockError' in inspected) return withoutLease(context, inspected, cached);
  const state = inspected.result;
  if (state !== undefined) learn(context, state);
  const backoff = context.cache.activeBackoff();
  if (backoff !== undefined) return withoutLease(context, { backoff }, cached);
  const recorded = state === undefined ? undefined : readCommitRecord(state.attributes).versionId;
  if (recorded !== undefined && recorded !== cached.versionId) {
    // Someone committed a newer version since this process read the secret: adopt it without any lock write.
    return { retry: await context.readCurrent() };
  }
  const attempt = await tryLease(context, intent);
  if ('lockError' in attempt) return withoutLease(context, attempt, cached);
  if (attempt.acquired) return hold(context, attempt.lease, intent, cached);
  learn(context, attempt.state);
  return leaseBusy(context, attempt.state, cached);
}

/** Another process holds the lease and a valid token exists: serve it, and look again a poll interval later. */
function leaseBusy(context: ProtocolContext, state: RefreshLockState, cached: KnownToken): Obtained {
  context.emit({ type: 'lease-busy', holder: state.holder, fence: state.fence });
  context.cache.deferChecks(context.options.pollMs);
  return context.adopt(cached, 'secret');
}

/** Takes in the fleet's failure state and the recorded generation from a lock item. */
function learn(context: ProtocolContext, state: RefreshLockState): void {
  context.learnRecord(readCommitRecord(state.attributes));
}

/** Whether the lock item's commit record names a version other than the one read. */
function recordsAnotherVersion(state: RefreshLockState, current: CurrentRead): boolean {
  const { versionId } = readCommitRecord(state.attributes);
  return versionId !== undefined && (!current.found || versionId !== current.known.versionId);
}

/** One write to take the lease, never waiting on a holder. */
async function tryLease(context: ProtocolContext, intent: Intent): Promise<RefreshAcquireOutcome | { lockError: unknown }> {
  const { clock, lockName } = context.options;
  const startedAt = clock.monotonic();
  const call = await lockCall(context, () => context.lock.tryAcquire(lockName, { leaseMs: intent.bounds.leaseMs }));
  if ('lockError' in call) return call;
  const outcome = call.result;
  context.emit({
    type: 'lease-attempt',
    outcome: outcome.acquired ? 'acquired' : 'held_by_other',
    fence: outcome.acquired ? outcome.lease.fence : outcome.state.fence,
    durationMs: clock.monotonic() - startedAt,
  });
  return outcome;
}

/** A lock call, repeated while its outcome is unknown; a failure comes back as `lockError` for {@link withoutLease}. */
async function lockCall<T>(context: ProtocolContext, call: () => Promise<T>): Promise<{ result: T } | { lockError: unknown }> {
  try {
    return { result: await retryLock(context, call) };
  } catch (error) {
    return { lockError: error };
  }
}

/** Waits, polling the lock item with reads, for the holder's commit, its failure, or the lease. */
async function follow(context: ProtocolContext, initial: RefreshLockState, leaseMs: number): Promise<Followed> {
  const { clock, followerDeadlineMs, lockName } = context.options;
  const signal = context.closeSignal;
  let last = initial;
  let committed = false;
  const started = clock.monotonic();
  try {
    const outcome = await context.lock.acquire(lockName, {
      signal,
      timeoutMs: followerDeadlineMs,
      leaseMs,
      stopWhen: (state) => {
        last = state;
        const record = readCommitRecord(state.attributes);
        committed = (record.recordFence ?? 0) >= initial.fence && record.versionId !== undefined;
        return committed || (record.failure?.fence ?? 0) >= initial.fence;
      },
    });
    const durationMs = clock.monotonic() - started;
    if (outcome.acquired) {
      context.emit({ type: 'waited', durationMs, outcome: 'acquired' });
      return outcome;
    }
    context.emit({ type: 'waited', durationMs, outcome: committed ? 'committed' : 'failed' });
    return { acquired: false, state: outcome.state, committed };
  } catch (error) {
    if (signal.aborted || error instanceof ConfigurationError) throw error;
    context.emit({ type: 'waited', durationMs: clock.monotonic() - started, outcome: 'timeout' });
    const situation =
      error instanceof LockTimeoutError
        ? `waited ${followerDeadlineMs} ms (followerDeadlineMs) for ${last.holder ?? 'another process'} to refresh, without result`
        : 'the lock table could not be reached while waiting for another process to refresh';
    throw context.unavailable(situation, context.lastFailure ?? context.cache.fleetFailure, error);
  }
}
