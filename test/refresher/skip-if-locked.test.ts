import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLock } from '../../src/lock/index.js';
import { readCommitRecord } from '../../src/refresher/commit-record.js';
import { OffsetClock } from '../support/offset-clock.js';
import { makeRig, requestsSince, startRefresherStack, type RefresherStack } from './harness.js';

const HOUR = 3_600_000;
/** Past every jittered refresh point of a one-hour token (first half of its 5-minute window), still valid. */
const INTO_WINDOW_MS = HOUR - 2.5 * 60_000 + 1_000;
const POLL_MS = 1_000;

/**
 * An offset clock whose monotonic time moves with `advance` too, so a test can step past the poll
 * interval between checks without sleeping.
 */
class SteppingClock extends OffsetClock {
  override monotonic(): number {
    return super.monotonic() + this.offsetMs;
  }
}

describe('Class: TokenRefresher (checks while a valid token is cached)', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterAll(() => stack.close());

  it('costs lock reads only while another process refreshes, then 1 GetItem + 1 GetSecretValue to adopt its commit', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const clock = new SteppingClock();
    const options = { secretId, lockTable, pollMs: POLL_MS };
    const a = makeRig(stack, options, { clock });
    const b = makeRig(stack, options, { clock, issuer: a.issuer });
    const first = await a.refresher.getToken();
    expect(await b.refresher.getToken()).toMatchObject({ source: 'secret', versionId: first.versionId });

    let finishRefresh: () => void = () => undefined;
    const refreshMayFinish = new Promise<void>((resolve) => (finishRefresh = resolve));
    a.issuer.behave(async () => {
      await refreshMayFinish;
      return { token: 'tok-held-refresh', expiresAt: clock.now() + HOUR };
    });
    clock.advance(INTO_WINDOW_MS);
    const aChecking = a.refresher.getToken({ awaitRefresh: true });
    await a.record.next('refresh-started');

    const before = b.clients.counter.snapshot();
    for (let check = 0; check < 3; check += 1) {
      expect(await b.refresher.getToken({ awaitRefresh: true })).toMatchObject({ versionId: first.versionId, generation: 1 });
      clock.advance(POLL_MS);
    }
    expect(b.record.of('lease-busy')).toHaveLength(3);
    // Per check: the inspect, then tryAcquire's read (the holder's version is young): no write, no Get.
    expect(requestsSince(b.clients.counter, before.attempts)).toEqual({ GetItem: 6 });
    expect(b.clients.counter.snapshot().conditionalFailures).toBe(before.conditionalFailures);

    finishRefresh();
    const refreshed = await aChecking;
    expect(refreshed).toMatchObject({ source: 'refreshed', token: 'tok-held-refresh', generation: 2 });

    const beforeAdopt = b.clients.counter.snapshot().attempts;
    expect(await b.refresher.getToken({ awaitRefresh: true })).toMatchObject({ source: 'secret', versionId: refreshed.versionId, generation: 2 });
    expect(requestsSince(b.clients.counter, beforeAdopt)).toEqual({ GetItem: 1, GetSecretValue: 1 });
    expect(b.clients.counter.snapshot().conditionalFailures).toBe(0);
    await Promise.all([a.refresher.close(), b.refresher.close()]);
  });

  it('takes a free lease without reading the secret first when the commit record names the cached version', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const clock = new SteppingClock();
    const rig = makeRig(stack, { secretId, lockTable, pollMs: POLL_MS }, { clock });
    await rig.refresher.getToken();
    clock.advance(INTO_WINDOW_MS);
    const before = rig.clients.counter.snapshot().attempts;

    expect(await rig.refresher.getToken({ awaitRefresh: true })).toMatchObject({ source: 'refreshed', generation: 2 });

    // The inspect, the acquire write, the double-check read under the lease, the commit-and-release write.
    expect(requestsSince(rig.clients.counter, before)).toEqual({
      GetItem: 1,
      GetSecretValue: 1,
      PutSecretValue: 1,
      UpdateSecretVersionStage: 1,
      UpdateItem: 2,
    });
    await rig.refresher.close();
  });

  it('keeps its refresh point when it re-reads the cached version, so the double-check does not call a due token fresh', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const clock = new SteppingClock();
    let jitter = 0; // the first token's point opens the window; any point drawn later would close its first half
    const rig = makeRig(stack, { secretId, lockTable, pollMs: POLL_MS, random: () => jitter }, { clock });
    const first = await rig.refresher.getToken();
    jitter = 0.99;
    clock.advance(HOUR - 4 * 60_000); // past this process's point, before any point a re-roll would draw

    const checked = await rig.refresher.getToken({ awaitRefresh: true });

    expect(checked).toMatchObject({ source: 'refreshed', generation: 2 });
    expect(checked.versionId).not.toBe(first.versionId);
    await rig.refresher.close();
  });

  it('ends the fleet-wide back-off no later than the cached token drops below the minimum validity, and refreshes then', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const clock = new SteppingClock();
    // A back-off (150-300 s) longer than what is left of the token (149 s) once the window is reached.
    const rig = makeRig(stack, { secretId, lockTable, pollMs: POLL_MS, minBackoffMs: 300_000, maxBackoffMs: 600_000 }, { clock });
    const first = await rig.refresher.getToken();
    const usableUntil = first.expiresAt.getTime() - 30_000; // the default minimum validity of a one-hour token
    rig.issuer.behave(() => {
      throw new Error('identity provider down');
    });
    clock.advance(INTO_WINDOW_MS);

    expect(await rig.refresher.getToken({ awaitRefresh: true })).toMatchObject({ versionId: first.versionId, generation: 1 });
    const [failed] = rig.record.of('refresh-failed');
    expect(failed?.retryNotBefore).toBe(usableUntil);
    const lock = new LeaseLock({ client: stack.dynamodb.client(), tableName: lockTable });
    const state = await lock.inspect(rig.refresher.lockName);
    expect(readCommitRecord(state?.attributes ?? {}).failure?.retryNotBefore).toBe(usableUntil);

    rig.issuer.behave(undefined);
    clock.advance(usableUntil - clock.now());
    const retried = await rig.refresher.getToken({ awaitRefresh: true });
    expect(retried).toMatchObject({ source: 'refreshed', generation: 2 });
    await Promise.all([rig.refresher.close(), lock.close()]);
  });
});
