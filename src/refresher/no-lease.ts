import { ConfigurationError } from '../shared/errors.js';
import { RefreshStateLostError, type FailureRecord } from './errors.js';
import { STATE_LOST, describeError } from './failure.js';
import type { Obtained, ProtocolContext } from './protocol-context.js';
import type { KnownToken } from './token-cache.js';

// Only the paths that touch the lock get here (contention.ts, holding.ts and the phases under the
// lease), so this module loads with them: a reader that finds a fresh token never loads it.

/** Why the protocol goes on without the lease: the lock table could not be reached, or the fleet backs off. */
export type NoLease = { lockError: unknown } | { backoff: FailureRecord };

/**
 * Serves `fallback` when the protocol cannot take the lease now, or throws why no token can be had.
 * A lock error after close, or a configuration error, is rethrown as it is.
 */
export function withoutLease(context: ProtocolContext, why: NoLease, fallback: KnownToken | undefined): Obtained {
  if ('lockError' in why) {
    if (context.closeSignal.aborted || why.lockError instanceof ConfigurationError) throw why.lockError;
    context.emit({ type: 'lock-unavailable', errorName: describeError(why.lockError).name });
    context.cache.deferChecks(context.options.pollMs);
  } else {
    context.emit({ type: 'backing-off', retryNotBefore: why.backoff.retryNotBefore, failureCount: why.backoff.failureCount });
  }
  if (fallback !== undefined) return context.adopt(fallback, 'secret');
  if ('lockError' in why) throw context.unavailable('the lock table could not be reached', context.lastFailure, why.lockError);
  throw backingOff(context, why.backoff);
}

/**
 * Why a process without a token gets none while the fleet backs off: refresh state the provider
 * refused is a RefreshStateLostError (a person must seed new state), any other failure a
 * TokenUnavailableError (retry later).
 */
export function backingOff(context: ProtocolContext, backoff: FailureRecord): Error {
  if (backoff.reason === STATE_LOST) return stateLost(context, 'another process found the identity provider refusing it');
  return context.unavailable('the fleet is backing off after failed refreshes', backoff);
}

/** The typed error for refresh state the provider no longer accepts, naming the command that replaces it. */
export function stateLost(context: ProtocolContext, situation: string, cause?: unknown): RefreshStateLostError {
  const { secretId, stateSecretId } = context.options;
  return new RefreshStateLostError(secretId, stateSecretId ?? '(no stateSecretId)', situation, cause === undefined ? undefined : { cause });
}
