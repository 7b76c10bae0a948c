import { raceAbort } from '../shared/abort.js';
import { InvalidTokenError } from '../token/errors.js';
import { validateIssuedToken } from '../token/validate.js';
import { RefreshFailedError, RefreshTimeoutError } from './errors.js';
import { describeError } from './failure.js';
import type { RefreshLease } from './lock-port.js';
import type { ProtocolContext } from './protocol-context.js';
import type { KnownToken } from './token-cache.js';

/**
 * DESIGN.md §3 step 8: calls the user's refresh function with a signal bounded by the timeout, the
 * lease and close, and validates what it returns. Every failure is a {@link RefreshFailedError}
 * (`aborted` when the lease was lost), a {@link RefreshTimeoutError}, or close's reason.
 */
export async function callRefresh(
  context: ProtocolContext,
  lease: RefreshLease,
  previous: KnownToken | undefined,
  refreshTimeoutMs: number,
): Promise<{ token: string; expiresAt: number }> {
  const { clock, refresh, minLifetimeMs } = context.options;
  const timeout = new AbortController();
  const signal = AbortSignal.any([lease.signal, context.closeSignal, timeout.signal]);
  const cancelTimer = clock.schedule(() => timeout.abort(new RefreshTimeoutError(refreshTimeoutMs)), refreshTimeoutMs);
  let result: unknown;
  try {
    const call = Promise.resolve().then(() =>
      refresh({
        signal,
        fence: lease.fence,
        previous:
          previous === undefined ? undefined : { token: previous.token, expiresAt: new Date(previous.expiresAt), generation: previous.generation },
        state: undefined,
        recovering: false,
      }),
    );
    result = await raceAbort(call, signal);
  } catch (error) {
    if (timeout.signal.aborted) throw timeout.signal.reason as RefreshTimeoutError;
    if (context.closeSignal.aborted) throw context.closeSignal.reason;
    if (lease.signal.aborted) {
      throw new RefreshFailedError('aborted', 'The lease was lost while the refresh function ran; its result was discarded.', { cause: error });
    }
    const { name, message } = describeError(error);
    throw new RefreshFailedError('threw', `The refresh function threw ${name}${message === '' ? '' : `: ${message}`}.`, { cause: error });
  } finally {
    cancelTimer();
  }
  try {
    return validateIssuedToken(result, { now: clock.now(), minLifetimeMs });
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new RefreshFailedError('invalid-result', error.message, { cause: error });
    throw error;
  }
}
