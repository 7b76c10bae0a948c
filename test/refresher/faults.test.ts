import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLock } from '../../src/lock/index.js';
import { readCommitRecord } from '../../src/refresher/commit-record.js';
import { TokenUnavailableError } from '../../src/refresher/index.js';
import { injectDynamoDbFaults } from '../support/dynamodb-faults.js';
import { makeRig, startRefresherStack, type RefresherStack, type Rig } from './harness.js';

/** Faults must never produce a duplicate version, a rollback, an orphaned lease or a lost commit. */
async function expectConsistent(stack: RefresherStack, rig: Rig, lockTable: string, history: number[], generations: number): Promise<void> {
  const secretId = rig.refresher.secretId;
  expect(stack.versions(secretId)).toHaveLength(generations);
  expect(history).toEqual(Array.from({ length: generations }, (_, index) => index + 1));
  const lock = new LeaseLock({ client: stack.dynamodb.client(), tableName: lockTable });
  const state = await lock.inspect(rig.refresher.lockName);
  expect(state?.holder).toBeUndefined();
  const record = readCommitRecord(state?.attributes ?? {});
  expect(record).toMatchObject({ versionId: stack.current(secretId)?.versionId, generation: generations });
  expect(rig.record.of('rollback-prevented')).toEqual([]);
}

describe('Class: TokenRefresher (faults, G8)', () => {
  let stack: RefresherStack;
  beforeAll(async () => {
    stack = await startRefresherStack();
  });
  afterAll(() => stack.close());
  afterEach(() => {
    stack.emulator.faults.clear();
    stack.emulator.stats.reset();
  });

  async function prepared(): Promise<{ rig: Rig; lockTable: string; history: number[] }> {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const history = stack.watchCurrent(secretId);
    const rig = makeRig(stack, { secretId, lockTable });
    await rig.refresher.getToken();
    return { rig, lockTable, history };
  }

  it('creates one version when a PutSecretValue is applied but its response is lost', async () => {
    const { rig, lockTable, history } = await prepared();
    stack.emulator.faults.configure({ operations: { PutSecretValue: { dropResponseNext: 1 } } });
    const before = rig.clients.counter.snapshot().attempts.PutSecretValue ?? 0;

    expect((await rig.refresher.refreshNow()).generation).toBe(2);

    expect(stack.emulator.stats.snapshot().droppedResponses.PutSecretValue).toBe(1);
    expect((rig.clients.counter.snapshot().attempts.PutSecretValue ?? 0) - before).toBe(2); // the SDK retried
    await expectConsistent(stack, rig, lockTable, history, 2);
    await rig.refresher.close();
  });

  it('recognises its own promotion when an UpdateSecretVersionStage response is lost', async () => {
    const { rig, lockTable, history } = await prepared();
    stack.emulator.faults.configure({ operations: { UpdateSecretVersionStage: { dropResponseNext: 1 } } });

    const result = await rig.refresher.refreshNow();

    expect(result).toMatchObject({ source: 'refreshed', generation: 2 });
    expect(stack.emulator.stats.snapshot().droppedResponses.UpdateSecretVersionStage).toBe(1);
    expect(stack.current(rig.refresher.secretId)?.versionId).toBe(result.versionId);
    await expectConsistent(stack, rig, lockTable, history, 2);
    await rig.refresher.close();
  });

  it('rides out throttling beyond the SDK retries with the same idempotent request', async () => {
    const { rig, lockTable, history } = await prepared();
    stack.emulator.faults.configure({
      operations: {
        PutSecretValue: { failNext: 3, errorType: 'ThrottlingException', errorMessage: 'Rate exceeded' },
        UpdateSecretVersionStage: { failNext: 3, errorType: 'ThrottlingException', errorMessage: 'Rate exceeded' },
      },
    });

    expect((await rig.refresher.refreshNow()).generation).toBe(2);

    expect(stack.emulator.stats.snapshot().errors.PutSecretValue?.ThrottlingException).toBe(3);
    await expectConsistent(stack, rig, lockTable, history, 2);
    await rig.refresher.close();
  });

  it('costs the same requests under latency', async () => {
    const { rig, lockTable, history } = await prepared();
    stack.emulator.faults.configure({ operations: { '*': { latencyMs: 100 } } });
    const before = rig.clients.counter.snapshot().attempts;

    await rig.refresher.refreshNow();

    const after = rig.clients.counter.snapshot().attempts;
    const spent = Object.fromEntries(
      Object.entries(after)
        .map(([name, count]) => [name, count - (before[name] ?? 0)])
        .filter(([, count]) => count !== 0),
    );
    expect(spent).toEqual({ GetSecretValue: 2, PutSecretValue: 1, UpdateSecretVersionStage: 1, UpdateItem: 2 });
    await expectConsistent(stack, rig, lockTable, history, 2);
    await rig.refresher.close();
  });

  it('survives lost DynamoDB responses on acquire and commit without an orphaned lease or a lost commit', async () => {
    const { rig, lockTable, history } = await prepared();
    const faults = injectDynamoDbFaults(rig.clients.dynamodb, { seed: 3 });
    faults.add({ kind: 'dropResponse', operation: 'UpdateItem', times: 2 });

    expect((await rig.refresher.refreshNow()).generation).toBe(2);

    expect(faults.injected.dropResponse).toBe(2);
    await expectConsistent(stack, rig, lockTable, history, 2);
    await rig.refresher.close();
  });

  it('refreshes once through lease writes met by another Region beyond the SDK retries (a lock on a global table)', async () => {
    const { rig, lockTable, history } = await prepared();
    const faults = injectDynamoDbFaults(rig.clients.dynamodb, { seed: 4 });
    faults.add({ kind: 'writeConflict', operation: 'UpdateItem', scope: 'call', times: 2 });
    const mintedBefore = rig.issuer.minted.length;

    expect((await rig.refresher.refreshNow()).generation).toBe(2);

    expect(faults.injected.writeConflict).toBe(2);
    expect(rig.issuer.minted.length - mintedBefore).toBe(1);
    expect(rig.record.of('lock-unavailable')).toEqual([]);
    await expectConsistent(stack, rig, lockTable, history, 2);
    await rig.refresher.close();
  });

  it('serves the valid token when the lock table is unreachable, and reports it when there is none', async () => {
    const secretId = stack.secretName();
    const lockTable = await stack.table();
    const rig = makeRig(stack, { secretId, lockTable });
    const faults = injectDynamoDbFaults(rig.clients.dynamodb, { seed: 5 });
    const stop = faults.add({ kind: 'serverError', operation: 'UpdateItem', scope: 'call' });

    const error = await rig.refresher.getToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenUnavailableError);
    expect((error as Error).message).toMatch(/lock table could not be reached/);
    expect(rig.issuer.minted).toEqual([]);

    stop();
    const token = await rig.refresher.getToken();
    expect(token.source).toBe('refreshed');

    faults.add({ kind: 'serverError', operation: 'UpdateItem', scope: 'call' });
    rig.clock.advance(3_600_000 - 150_000 + 1_000);
    expect(await rig.refresher.getToken()).toMatchObject({ source: 'memory', token: token.token });
    expect(await rig.record.next('lock-unavailable', 2)).toMatchObject({ errorName: 'LockUnavailableError' });
    expect(await rig.refresher.getToken()).toMatchObject({ source: 'memory', token: token.token });
    expect(rig.issuer.minted).toHaveLength(1);
    await rig.refresher.close();
  });

  it('keeps one version per generation and no rollback under random faults everywhere', async () => {
    const { rig, lockTable, history } = await prepared();
    stack.emulator.faults.configure({
      seed: 11,
      operations: {
        PutSecretValue: { dropResponseRate: 0.3 },
        UpdateSecretVersionStage: { dropResponseRate: 0.3 },
        GetSecretValue: { errorRate: 0.2, errorType: 'ThrottlingException', errorMessage: 'Rate exceeded' },
      },
    });
    const faults = injectDynamoDbFaults(rig.clients.dynamodb, { seed: 13 });
    faults.add({ kind: 'dropResponse', operation: 'UpdateItem', probability: 0.3 });

    for (let generation = 2; generation <= 8; generation += 1) {
      expect((await rig.refresher.refreshNow()).generation).toBe(generation);
    }

    const stats = stack.emulator.stats.snapshot();
    expect((stats.droppedResponses.PutSecretValue ?? 0) + (stats.droppedResponses.UpdateSecretVersionStage ?? 0)).toBeGreaterThan(0);
    expect(faults.injected.dropResponse).toBeGreaterThan(0);
    await expectConsistent(stack, rig, lockTable, history, 8);
    await rig.refresher.close();
  });
});
