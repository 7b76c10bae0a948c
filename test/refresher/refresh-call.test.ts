import { describe, expect, it } from 'vitest';
import { RefreshFailedError, RefreshStateLostError, RefreshStateRejectedError, RefreshTimeoutError } from '../../src/refresher/errors.js';
import type { RefreshLease } from '../../src/refresher/lock-port.js';
import type { RefreshContext, RefreshFunction } from '../../src/refresher/options.js';
import type { ProtocolContext } from '../../src/refresher/protocol-context.js';
import { callRefresh } from '../../src/refresher/refresh-call.js';
import type { StateInput } from '../../src/refresher/state-phase.js';
import type { KnownToken } from '../../src/refresher/token-cache.js';
import { ManualClock } from '../support/manual-clock.js';

const HOUR_MS = 3_600_000;

/** What callRefresh touches: the options it reads, close's signal, and one lease; each controller aborts its signal. */
function rig(refresh: RefreshFunction) {
  const clock = new ManualClock();
  const close = new AbortController();
  const leaseLoss = new AbortController();
  const context = {
    options: { clock, refresh, minLifetimeMs: 1_000, secretId: 'call/secret', stateSecretId: 'call/state' },
    closeSignal: close.signal,
  } as unknown as ProtocolContext;
  const lease = { signal: leaseLoss.signal, fence: 17 } as unknown as RefreshLease;
  return { clock, close, leaseLoss, context, lease };
}

const issued = (clock: ManualClock) => ({ token: 'fresh-token', expiresAt: clock.now() + HOUR_MS });

/** A refresh that records its context and waits until its signal aborts. */
function hanging(seen: RefreshContext[]): RefreshFunction {
  return (refreshContext) => {
    seen.push(refreshContext);
    return new Promise(() => undefined);
  };
}

describe('Function: callRefresh', () => {
  it('passes the fence, the previous token, the stored state and the recovery flag to the refresh function', async () => {
    const seen: RefreshContext[] = [];
    const { clock, context, lease } = rig(async (refreshContext) => {
      seen.push(refreshContext);
      return { ...issued(clock), state: { refreshToken: 'next' } };
    });
    const previous = { token: 'old-token', expiresAt: clock.now() + 60_000, generation: 4 } as KnownToken;
    const stateInput: StateInput = { stored: { state: { refreshToken: 'current' }, versionId: 'v1', fence: 16 }, recovering: true };
    const result = await callRefresh(context, lease, previous, stateInput, 5_000);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      fence: 17,
      previous: { token: 'old-token', expiresAt: new Date(clock.now() + 60_000), generation: 4 },
      state: { refreshToken: 'current' },
      recovering: true,
    });
    expect(seen[0]?.signal.aborted).toBe(false);
    expect(result).toEqual({ token: 'fresh-token', expiresAt: clock.now() + HOUR_MS, state: { refreshToken: 'next' } });
    expect(clock.pendingTimers).toBe(0);
  });

  it('passes no previous token, no state and recovering: false on a first refresh without state', async () => {
    const seen: RefreshContext[] = [];
    const { clock, context, lease } = rig(async (refreshContext) => {
      seen.push(refreshContext);
      return issued(clock);
    });
    expect(await callRefresh(context, lease, undefined, undefined, 5_000)).toEqual({ ...issued(clock), state: undefined });
    expect(seen[0]?.previous).toBeUndefined();
    expect(seen[0]?.state).toBeUndefined();
    expect(seen[0]?.recovering).toBe(false);
  });

  it('aborts a refresh that outlives refreshTimeoutMs with RefreshTimeoutError, on the signal and as the result', async () => {
    const seen: RefreshContext[] = [];
    const { clock, context, lease } = rig(hanging(seen));
    const call = callRefresh(context, lease, undefined, undefined, 5_000);
    await Promise.resolve();
    clock.advance(4_999);
    expect(seen[0]?.signal.aborted).toBe(false);
    clock.advance(1);
    await expect(call).rejects.toBeInstanceOf(RefreshTimeoutError);
    await expect(call).rejects.toMatchObject({ reason: 'timed-out', timeoutMs: 5_000 });
    expect(seen[0]?.signal.reason).toBeInstanceOf(RefreshTimeoutError);
  });

  it('rejects with close’s own reason when the refresher closes, even if the lease goes too', async () => {
    const seen: RefreshContext[] = [];
    const { close, leaseLoss, context, lease, clock } = rig(hanging(seen));
    const call = callRefresh(context, lease, undefined, undefined, 5_000);
    const reason = new Error('closed');
    close.abort(reason);
    leaseLoss.abort(new Error('lease lost'));
    await expect(call).rejects.toBe(reason);
    expect(clock.pendingTimers).toBe(0);
  });

  it('reports a lost lease as RefreshFailedError aborted, with the loss as cause', async () => {
    const seen: RefreshContext[] = [];
    const { leaseLoss, context, lease } = rig(hanging(seen));
    const call = callRefresh(context, lease, undefined, undefined, 5_000);
    const loss = new Error('lease lost');
    leaseLoss.abort(loss);
    const error = await call.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RefreshFailedError);
    expect(error).toMatchObject({
      reason: 'aborted',
      cause: loss,
      message: 'The lease was lost while the refresh function ran; its result was discarded.',
    });
  });

  it('reports the timeout rather than the lease when both have aborted', async () => {
    const { clock, leaseLoss, context, lease } = rig(hanging([]));
    const call = callRefresh(context, lease, undefined, undefined, 1_000);
    await Promise.resolve();
    clock.advance(1_000);
    leaseLoss.abort(new Error('lease lost'));
    await expect(call).rejects.toBeInstanceOf(RefreshTimeoutError);
  });

  it('wraps what the refresh function throws, synchronously or not, naming it without a token', async () => {
    const thrown = Object.assign(new Error('invalid_client'), { name: 'IdpError' });
    const sync = rig(() => {
      throw thrown;
    });
    const error = await callRefresh(sync.context, sync.lease, undefined, undefined, 5_000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RefreshFailedError);
    expect(error).toMatchObject({ reason: 'threw', cause: thrown, message: 'The refresh function threw IdpError: invalid_client.' });
    const silent = rig(async () => Promise.reject(new Error('')));
    await expect(callRefresh(silent.context, silent.lease, undefined, undefined, 5_000)).rejects.toThrow(/^The refresh function threw Error\.$/);
  });

  it('turns a refusal of the state into RefreshStateLostError, saying whether a dead holder presented it first', async () => {
    const refusal = new RefreshStateRejectedError('invalid_grant');
    const stored = { state: { refreshToken: 'used' }, versionId: 'v1', fence: 3 };
    for (const [recovering, situation] of [
      [true, 'a holder that died had presented it already'],
      [false, 'the identity provider refused it'],
    ] as const) {
      const { context, lease } = rig(async () => Promise.reject(refusal));
      const error = await callRefresh(context, lease, undefined, { stored, recovering }, 5_000).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RefreshStateLostError);
      expect((error as Error).message).toContain(situation);
      expect((error as Error).cause).toBe(refusal);
    }
  });

  it('rejects a result that is not a usable token, or state that is not string fields, as invalid-result', async () => {
    const expired = rig(async () => ({ token: 't', expiresAt: 0 }));
    await expect(callRefresh(expired.context, expired.lease, undefined, undefined, 5_000)).rejects.toMatchObject({ reason: 'invalid-result' });
    const badState = rig(async () => ({ ...issued(badState.clock), state: { refreshToken: 5 as unknown as string } }));
    const error = await callRefresh(badState.context, badState.lease, undefined, undefined, 5_000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RefreshFailedError);
    expect(error).toMatchObject({ reason: 'invalid-result' });
    expect((error as Error).message).toMatch(/state field "refreshToken"/);
  });
});
