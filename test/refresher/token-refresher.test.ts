import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCommitRecord } from '../../src/refresher/commit-record.js';
import { LeaseLock } from '../../src/lock/index.js';
import { makeRig, requestsSince, startRefresherStack, type RefresherStack } from './harness.js';

const HOUR = 3_600_000;

describe('Class: TokenRefresher', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterAll(() => stack.close());

  it('creates a missing secret on first use and costs exactly the protocol requests', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const first = makeRig(stack, { secretId, lockTable });

    const result = await first.refresher.getToken();

    expect(result).toMatchObject({ source: 'refreshed', generation: 1, token: first.issuer.minted[0] });
    expect(result.expiresAt).toBeInstanceOf(Date);
    expect(stack.current(secretId)).toEqual({ versionId: result.versionId, generation: 1 });
    expect(first.clients.counter.snapshot().attempts).toEqual({
      GetSecretValue: 2, // the read, then the double-check under the lease
      ListSecretVersionIds: 1, // the first census of this secret
      CreateSecret: 1,
      PutSecretValue: 1,
      UpdateSecretVersionStage: 1,
      UpdateItem: 2, // acquire; commit-and-release
    });
    expect(first.record.of('secret-created')).toHaveLength(1);
    await first.refresher.close();
  });

  it('reports the timings operators trace: the lease attempt, the refresh split into call and commit, the I/O of a call and the age of what it served', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable });
    await rig.refresher.getToken();
    rig.clock.advance(600_000);
    await rig.refresher.getToken();

    const [attempt] = rig.record.of('lease-attempt');
    const [refreshed] = rig.record.of('refreshed');
    expect(attempt).toMatchObject({ outcome: 'acquired', fence: refreshed?.fence });
    expect(refreshed?.refreshDurationMs).toBeGreaterThanOrEqual(0);
    expect(refreshed?.commitDurationMs).toBeGreaterThan(0);
    expect((refreshed?.refreshDurationMs ?? 0) + (refreshed?.commitDurationMs ?? 0)).toBeLessThanOrEqual(refreshed?.durationMs ?? 0);
    const [afterIo, fromMemory] = rig.record.of('served');
    expect(afterIo).toMatchObject({ source: 'refreshed', durationMs: expect.any(Number) });
    expect(afterIo?.durationMs).toBeGreaterThanOrEqual(refreshed?.durationMs ?? Number.POSITIVE_INFINITY);
    expect(fromMemory?.source).toBe('memory');
    expect(fromMemory).not.toHaveProperty('durationMs');
    // Age runs from the refresh's issue time: ten minutes later on this clock, and never negative.
    expect(afterIo?.ageMs).toBeGreaterThanOrEqual(0);
    expect((fromMemory?.ageMs ?? 0) - (afterIo?.ageMs ?? 0)).toBeGreaterThanOrEqual(600_000);
    await rig.refresher.close();
  });

  it('serves a valid cached token with no request, and a new process with one GetSecretValue', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const writer = makeRig(stack, { secretId, lockTable });
    const written = await writer.refresher.getToken();

    const reader = makeRig(stack, { secretId, lockTable }, writer);
    const read = await reader.refresher.getToken();
    expect(read).toMatchObject({ source: 'secret', token: written.token, versionId: written.versionId, generation: 1 });
    expect(reader.clients.counter.snapshot().attempts).toEqual({ GetSecretValue: 1 });

    const before = reader.clients.counter.snapshot().attempts;
    stack.emulator.stats.reset();
    for (let call = 0; call < 50; call += 1) {
      expect(await reader.refresher.getToken()).toMatchObject({ source: 'memory', token: written.token });
    }
    expect(requestsSince(reader.clients.counter, before)).toEqual({});
    expect(stack.emulator.stats.snapshot().operations).toEqual({});
    await Promise.all([writer.refresher.close(), reader.refresher.close()]);
  });

  it('refreshes in its window with 1 GetItem, 1 GetSecretValue, 1 PutSecretValue, 1 UpdateSecretVersionStage and 2 DynamoDB writes', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable });
    const first = await rig.refresher.getToken();
    const before = rig.clients.counter.snapshot().attempts;
    stack.emulator.stats.reset();

    rig.clock.advance(HOUR - 2.5 * 60_000 + 1_000); // past every jittered point in the first half of the 5-minute window
    const served = await rig.refresher.getToken();
    expect(served).toMatchObject({ source: 'memory', token: first.token }); // the caller does not wait
    const refreshed = await rig.record.next('refreshed');

    expect(requestsSince(rig.clients.counter, before)).toEqual({
      GetItem: 1, // the lock item names the cached version: no read of the secret before the lease
      GetSecretValue: 1, // the double-check under the lease
      PutSecretValue: 1,
      UpdateSecretVersionStage: 1,
      UpdateItem: 2,
    });
    expect(stack.emulator.stats.snapshot().operations).toEqual({ GetSecretValue: 1, PutSecretValue: 1, UpdateSecretVersionStage: 1 });
    expect(refreshed.generation).toBe(2);
    const next = await rig.refresher.getToken();
    expect(next).toMatchObject({ source: 'memory', generation: 2, versionId: refreshed.versionId, token: rig.issuer.minted[1] });
    expect(stack.current(secretId)).toEqual({ versionId: refreshed.versionId, generation: 2 });
    await rig.refresher.close();
  });

  it('adds exactly one DynamoDB write per heartbeat while a slow refresh runs', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    let renewals = 0;
    let renewed: () => void = () => undefined;
    const rig = makeRig(stack, {
      secretId,
      lockTable,
      leaseMs: 2_000, // heartbeat every 666 ms: long enough that a loaded machine does not lose the lease
      lockOptions: {
        onEvent: (event) => {
          if (event.type !== 'renewed') return;
          renewals += 1;
          renewed();
        },
      },
    });
    rig.issuer.behave(async () => {
      while (renewals < 2) await new Promise<void>((resolve) => (renewed = resolve)); // the call outlasts two heartbeats
      return { token: 'tok-slow-provider', expiresAt: rig.clock.now() + HOUR };
    });

    await rig.refresher.getToken();

    expect(renewals).toBeGreaterThanOrEqual(2);
    expect(rig.clients.counter.snapshot().attempts.UpdateItem).toBe(2 + renewals);
    await rig.refresher.close();
  });

  it('commits the new version to the lock item and releases the lease in one write', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable });
    const result = await rig.refresher.getToken();

    const lock = new LeaseLock({ client: stack.dynamodb.client(), tableName: lockTable });
    const state = await lock.inspect(rig.refresher.lockName);
    expect(state?.holder).toBeUndefined();
    expect(readCommitRecord(state?.attributes ?? {})).toMatchObject({
      versionId: result.versionId,
      generation: 1,
      highestGeneration: 1,
      tokenExpiresAt: result.expiresAt.getTime(),
      recordFence: state?.fence,
    });
    expect(JSON.stringify(state)).not.toContain(result.token);
    await rig.refresher.close();
  });

  it('shares one in-flight read between concurrent callers of one process', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const writer = makeRig(stack, { secretId, lockTable });
    await writer.refresher.getToken();
    const reader = makeRig(stack, { secretId, lockTable }, writer);

    const results = await Promise.all(Array.from({ length: 25 }, () => reader.refresher.getToken()));

    expect(new Set(results.map((result) => result.versionId)).size).toBe(1);
    expect(reader.clients.counter.snapshot().attempts).toEqual({ GetSecretValue: 1 });
    await Promise.all([writer.refresher.close(), reader.refresher.close()]);
  });

  it('shares one refresh between concurrent callers when no token exists', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable });

    const results = await Promise.all(Array.from({ length: 25 }, () => rig.refresher.getToken()));

    expect(rig.issuer.minted).toHaveLength(1);
    expect(new Set(results.map((result) => result.token))).toEqual(new Set(rig.issuer.minted));
    expect(stack.versions(secretId)).toHaveLength(1);
    await rig.refresher.close();
  });
});
