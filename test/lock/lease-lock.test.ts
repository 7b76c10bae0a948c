import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLockTable } from '../../src/lock/table.js';
import { LeaseLock } from '../../src/lock/lease-lock.js';
import { LockLostError, LockTableError } from '../../src/lock/errors.js';
import type { LockEvent } from '../../src/lock/events.js';
import { injectDynamoDbFaults } from '../support/dynamodb-faults.js';
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
    const outcome = await lock.tryAcquire('token#a');
    expect(outcome.acquired).toBe(true);
    if (!outcome.acquired) return;
    expect(faults.requests).toEqual({ UpdateItem: 1 });
    expect(outcome.lease.fence).toBe(1);
    expect(outcome.lease.epoch).toMatch(/^[0-9a-f-]{36}$/);
    expect(await outcome.lease.release()).toBe('released');
    expect(faults.requests).toEqual({ UpdateItem: 2 });
    const state = await lock.inspect('token#a');
    expect(state).toMatchObject({ name: 'token#a', fence: 1, epoch: outcome.lease.epoch });
    expect(state?.holder).toBeUndefined();
  });

  it('lets exactly one of 200 concurrent tryAcquire calls win', async () => {
    const { client, tableName } = await setup();
    const locks = Array.from({ length: 200 }, (_, index) => new LeaseLock({ client, tableName, ownerId: `owner-${index}` }));
    const outcomes = await Promise.all(locks.map((lock) => lock.tryAcquire('herd')));
    const winners = outcomes.filter((outcome) => outcome.acquired);
    expect(winners).toHaveLength(1);
    const losers = outcomes.filter((outcome) => !outcome.acquired);
    const holders = new Set(losers.map((outcome) => (outcome.acquired ? '' : outcome.state.holder)));
    expect([...holders]).toHaveLength(1);
    await Promise.all(locks.map((lock) => lock.close()));
  });

  it('keeps the fence increasing across release and re-acquire, and stores the epoch once', async () => {
    const { lock } = await setup();
    const fences: number[] = [];
    const epochs = new Set<string>();
    for (let round = 0; round < 3; round += 1) {
      const outcome = await lock.tryAcquire('fenced');
      if (!outcome.acquired) throw new Error('not acquired');
      fences.push(outcome.lease.fence);
      epochs.add(outcome.lease.epoch);
      await outcome.lease.release();
    }
    expect(fences).toEqual([1, 2, 3]);
    expect(epochs.size).toBe(1);
  });

  it('commits non-secret attributes and releases in one conditional write', async () => {
    const { lock, faults } = await setup();
    const outcome = await lock.tryAcquire('commit');
    if (!outcome.acquired) throw new Error('not acquired');
    await outcome.lease.commitAndRelease({ generation: 7, versionId: 'v-7', fresh: true });
    expect(faults.requests).toEqual({ UpdateItem: 2 });
    const state = await lock.inspect('commit');
    expect(state).toMatchObject({ fence: 1, attributes: { generation: 7, versionId: 'v-7', fresh: true } });
    expect(state?.holder).toBeUndefined();
    const next = await lock.tryAcquire('commit');
    if (!next.acquired) throw new Error('not acquired');
    expect(next.lease.attributes).toEqual({ generation: 7, versionId: 'v-7', fresh: true });
    await next.lease.commitAndRelease({ fresh: null, generation: 8 });
    expect((await lock.inspect('commit'))?.attributes).toEqual({ generation: 8, versionId: 'v-7' });
  });

  it('returns the holder to a contender without writing', async () => {
    const { client, tableName, lock, faults } = await setup();
    const held = await lock.tryAcquire('busy');
    const other = new LeaseLock({ client, tableName, ownerId: 'other' });
    faults.resetCounts();
    const outcome = await other.tryAcquire('busy');
    expect(outcome.acquired).toBe(false);
    if (outcome.acquired || !held.acquired) return;
    expect(outcome.state.holder).toBe(lock.ownerId);
    expect(outcome.state.fence).toBe(1);
    // dynalite omits the item from the conditional failure: one consistent read fetches it.
    expect(faults.requests).toEqual({ UpdateItem: 1, GetItem: 1 });
    await held.lease.release();
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
    const outcome = await lock.tryAcquire('stolen');
    if (!outcome.acquired) throw new Error('not acquired');
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
    await expect(outcome.lease.commitAndRelease({ generation: 1 })).rejects.toThrow(LockLostError);
    expect(outcome.lease.signal.aborted).toBe(true);
    expect((await lock.inspect('stolen'))?.holder).toBe('thief');
  });
});
