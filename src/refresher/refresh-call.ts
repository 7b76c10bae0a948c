import { raceAbort } from '../shared/abort.js';
import { InvalidTokenError } from '../token/errors.js';
import { validateIssuedToken } from '../token/validate.js';
import { RefreshFailedError, RefreshStateRejectedError, RefreshTimeoutError } from './errors.js';
import { describeError } from './failure.js';
import type { RefreshLease } from './lock-port.js';
import { stateLost } from './no-lease.js';
import type { RefreshState } from './options.js';
import type { ProtocolContext } from './protocol-context.js';
import { checkState } from './refresh-state.js';
import type { StateInput } from './state-phase.js';
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
  stateInput: StateInput | undefined,
  refreshTimeoutMs: number,
): Promise<{ token: string; expiresAt: number; state: RefreshState | undefined }> {
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
        state: stateInput?.stored?.state,
        recovering: stateInput?.recovering ?? false,
      }),
    );
    result = await raceAbort(call, signal);
  } catch (error) {
    if (timeout.signal.aborted) throw timeout.signal.reason as RefreshTimeoutError;
    if (context.closeSignal.aborted) throw context.closeSignal.reason;
    if (lease.signal.aborted) {
      throw new RefreshFailedError('aborted', 'The lease was lost while the refresh function ran; its result was discarded.', { cause: error });
    }
    if (error instanceof RefreshStateRejectedError) {
      throw stateLost(
        context,
        stateInput?.recovering === true ? 'a holder that died had presented it already' : 'the identity provider refused it',
        error,
      );
    }
    const { name, message } = describeError(error);
    throw new RefreshFailedError('threw', `The refresh function threw ${name}${message === '' ? '' : `: ${message}`}.`, { cause: error });
  } finally {
    cancelTimer();
  }
  try {
    const issued = validateIssuedToken(result, { now: clock.now(), minLifetimeMs });
    const returned = (result as { state?: unknown }).state;
    return { ...issued, state: returned === undefined ? undefined : checkState(returned) };
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new RefreshFailedError('invalid-result', error.message, { cause: error });
    throw error;
  }
}
