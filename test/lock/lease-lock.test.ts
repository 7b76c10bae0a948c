import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLockTable } from '../../src/lock/table.js';
import { LeaseLock } from '../../src/lock/lease-lock.js';
import { LockLostError, LockTableError } from '../../src/lock/errors.js';
import type { LockEvent } from '../../src/lock/events.js';
import { injectDynamoDbFaults } from '../support/dynamodb-faults.js';
import { leaseOf, refusalOf } from '../support/lease-outcome.js';
import { startLocalDynamoDb, uniqueTableName, type LocalDynamoDb } from '../support/dynamodb.js';

let dynamodb: LocalDynamoDb;
beforeAll(async () => {
  dynamodb = await startLocalDynamoDb();
});
afterAll(() => dynamodb.close());

async function setup(options: { leaseMs?: number; heartbeatMs?: number | false } = {}) {
  const client = dynamodb.client();
  const tableName = uniqueTableName();
  await ensureLockTable({ client, tableName });
  const faults = injectDynamoDbFaults(client);
  const events: LockEvent[] = [];
  const lock = new LeaseLock({ client, tableName, leaseMs: 10_000, ...options, onEvent: (event) => events.push(event) });
  return { client, tableName, faults, events, lock };
}

describe('Class: LeaseLock (DynamoDB)', () => {
  it('acquires an uncontended lock with one write and releases it with one more', async () => {
    const { lock, faults } = await setup();
    const lease = leaseOf(await lock.tryAcquire('token#a'));
    expect(faults.requests).toEqual({ UpdateItem: 1 });
    expect(lease.fence).toBe(1);
    expect(lease.epoch).toMatch(/^[0-9a-f-]{36}$/);
    expect(await lease.release()).toBe('released');
    expect(faults.requests).toEqual({ UpdateItem: 2 });
    const state = await lock.inspect('token#a');
    expect(state).toMatchObject({ name: 'token#a', fence: 1, epoch: lease.epoch });
    expect(state?.holder).toBeUndefined();
  });

  it('lets exactly one of 200 concurrent tryAcquire calls win', async () => {
    const { client, tableName } = await setup();
    const locks = Array.from({ length: 200 }, (_, index) => new LeaseLock({ client, tableName, ownerId: `owner-${index}` }));
    const outcomes = await Promise.all(locks.map((lock) => lock.tryAcquire('herd')));
    const winners = outcomes.filter((outcome) => outcome.acquired).map(leaseOf);
    expect(winners).toHaveLength(1);
    const losers = outcomes.filter((outcome) => !outcome.acquired).map(refusalOf);
    expect(losers).toHaveLength(199);
    // Every loser names the winner (a loser with no holder would make a set of one too).
    expect(new Set(losers.map((state) => state.holder))).toEqual(new Set([winners[0]?.owner]));
    await Promise.all(locks.map((lock) => lock.close()));
  });

  it('keeps the fence increasing across release and re-acquire, and stores the epoch once', async () => {
    const { lock } = await setup();
    const fences: number[] = [];
    const epochs = new Set<string>();
    for (let round = 0; round < 3; round += 1) {
      const lease = leaseOf(await lock.tryAcquire('fenced'));
      fences.push(lease.fence);
      epochs.add(lease.epoch);
      await lease.release();
    }
    expect(fences).toEqual([1, 2, 3]);
    expect(epochs.size).toBe(1);
  });

  it('commits non-secret attributes and releases in one conditional write', async () => {
    const { lock, faults } = await setup();
    const lease = leaseOf(await lock.tryAcquire('commit'));
    await lease.commitAndRelease({ generation: 7, versionId: 'v-7', fresh: true });
    expect(faults.requests).toEqual({ UpdateItem: 2 });
    const state = await lock.inspect('commit');
    expect(state).toMatchObject({ fence: 1, attributes: { generation: 7, versionId: 'v-7', fresh: true } });
    expect(state?.holder).toBeUndefined();
    const next = leaseOf(await lock.tryAcquire('commit'));
    expect(next.attributes).toEqual({ generation: 7, versionId: 'v-7', fresh: true });
    await next.commitAndRelease({ fresh: null, generation: 8 });
    expect((await lock.inspect('commit'))?.attributes).toEqual({ generation: 8, versionId: 'v-7' });
  });

  it('returns the holder to a contender without writing', async () => {
    const { client, tableName, lock, faults } = await setup();
    const held = leaseOf(await lock.tryAcquire('busy'));
    const other = new LeaseLock({ client, tableName, ownerId: 'other' });
    faults.resetCounts();
    const refused = refusalOf(await other.tryAcquire('busy'));
    expect(refused.holder).toBe(lock.ownerId);
    expect(refused.fence).toBe(1);
    // dynalite omits the item from the conditional failure: one consistent read fetches it.
    expect(faults.requests).toEqual({ UpdateItem: 1, GetItem: 1 });
    await held.release();
  });

  it('treats its own write that landed before a lost response as acquired (SDK retry)', async () => {
    const { lock, faults } = await setup();
    faults.add({ kind: 'dropResponse', operation: 'UpdateItem', times: 1 });
    const outcome = await lock.tryAcquire('ambiguous');
    expect(outcome.acquired).toBe(true);
    expect(faults.requests.UpdateItem).toBe(2);
    const state = await lock.inspect('ambiguous');
    expect(state?.holder).toBe(lock.ownerId);
  });

  it('reports a missing table as a LockTableError naming the table', async () => {
    const client = dynamodb.client();
    const lock = new LeaseLock({ client, tableName: 'no-such-table' });
    await expect(lock.tryAcquire('x')).rejects.toThrow(LockTableError);
    await expect(lock.tryAcquire('x')).rejects.toThrow(/no-such-table.*does not exist/);
  });

  it('fails commitAndRelease with LockLostError once another owner holds the lock', async () => {
    const { lock, client, tableName } = await setup({ leaseMs: 10_000 });
    const lease = leaseOf(await lock.tryAcquire('stolen'));
    // Simulate a takeover by another owner behind this lease's back.
    const thief = new LeaseLock({ client, tableName, ownerId: 'thief', maxClockSkewMs: 0 });
    const { UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'stolen' } },
        UpdateExpression: 'SET lockExpiresAt = :past',
        ExpressionAttributeValues: { ':past': { N: '1' } },
      }),
    );
    const theirs = await thief.tryAcquire('stolen');
    expect(theirs.acquired).toBe(true);
    await expect(lease.commitAndRelease({ generation: 1 })).rejects.toThrow(LockLostError);
    expect(lease.signal.aborted).toBe(true);
    expect((await lock.inspect('stolen'))?.holder).toBe('thief');
  });
});
