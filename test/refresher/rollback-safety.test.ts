import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLock } from '../../src/lock/index.js';
import type { RefreshAcquireOutcome, RefreshLock } from '../../src/refresher/index.js';
import { holdNextRefresh, makeRig, startRefresherStack, type RefresherStack } from './harness.js';

const HOUR = 3_600_000;

/**
 * A lock whose leases never notice that they ran out — a holder whose clock stopped with it (a
 * frozen VM or Lambda environment). Only the Secrets Manager compare-and-swap can stop it then.
 */
function blindLock(lock: LeaseLock): RefreshLock {
  const blind = (outcome: RefreshAcquireOutcome): RefreshAcquireOutcome => {
    if (!outcome.acquired) return outcome;
    const lease = outcome.lease;
    return {
      acquired: true,
      lease: {
        name: lease.name,
        fence: lease.fence,
        epoch: lease.epoch,
        owner: lease.owner,
        attributes: lease.attributes,
        signal: new AbortController().signal,
        remainingMs: () => HOUR,
        renew: (attributes) => lease.renew(attributes),
        release: () => lease.release(),
        commitAndRelease: (attributes) => lease.commitAndRelease(attributes),
      },
    };
  };
  return {
    tryAcquire: async (name, options) => blind(await lock.tryAcquire(name, options)),
    acquire: async (name, options) => blind(await lock.acquire(name, options)),
    inspect: (name) => lock.inspect(name),
  };
}

describe('Class: TokenRefresher (no rollback, G4)', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterAll(() => stack.close());

  it('a holder that outlived its lease unnoticed cannot move AWSCURRENT back: its promotion fails the compare-and-swap', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const history = stack.watchCurrent(secretId);
    const leaseMs = 1_000;
    const paused = makeRig(stack, {
      secretId,
      leaseMs,
      lock: blindLock(new LeaseLock({ client: stack.dynamodb.client(), tableName: lockTable, leaseMs, heartbeatMs: false })),
    });
    const first = await paused.refresher.getToken();
    const successor = makeRig(stack, { secretId, lockTable, leaseMs }, { clock: paused.clock });
    await successor.refresher.getToken();

    const held = holdNextRefresh(paused, { token: 'tok-late-writer' });
    const late = paused.refresher.refreshNow();
    await held.started;

    const newer = await successor.refresher.refreshNow(); // waits out the silent lease, takes over, refreshes
    expect(successor.record.of('took-over')).toHaveLength(1);
    held.release(); // the paused holder wakes up with a token older than the committed one
    const outcome = await late;

    expect(newer.generation).toBe(2);
    expect(paused.record.of('rollback-prevented')).toEqual([
      { type: 'rollback-prevented', discardedVersionId: expect.any(String) as unknown, currentVersionId: newer.versionId, fence: 2 },
    ]);
    expect(outcome).toMatchObject({ versionId: newer.versionId, token: newer.token, source: 'secret' });
    expect(stack.current(secretId)?.versionId).toBe(newer.versionId);
    expect(history).toEqual([1, 2]);
    expect(first.generation).toBe(1);
    await Promise.all([paused.refresher.close(), successor.refresher.close()]);
  });
});
