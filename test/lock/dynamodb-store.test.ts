import { ConditionalCheckFailedException, CreateTableCommand, GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLockStore } from '../../src/lock/dynamodb-store.js';
import { LockTableError, LockUnavailableError } from '../../src/lock/errors.js';
import type { LockEvent } from '../../src/lock/events.js';
import { LeaseLock } from '../../src/lock/lease-lock.js';
import { ensureLockTable } from '../../src/lock/table.js';
import { injectDynamoDbFaults } from '../support/dynamodb-faults.js';
import { leaseOf } from '../support/lease-outcome.js';
import { startLocalDynamoDb, uniqueTableName, type LocalDynamoDb } from '../support/dynamodb.js';

let dynamodb: LocalDynamoDb;
beforeAll(async () => {
  dynamodb = await startLocalDynamoDb();
});
afterAll(() => dynamodb.close());

async function lockTable(client: DynamoDBClient): Promise<string> {
  const tableName = uniqueTableName();
  await ensureLockTable({ client, tableName });
  return tableName;
}

/** Resolves once `predicate` accepts an event: waits on the lock's own progress, not on a timer. */
function eventually(
  events: LockEvent[],
  predicate: (event: LockEvent) => boolean,
): { listener: (event: LockEvent) => void; seen: Promise<LockEvent> } {
  let resolve: (event: LockEvent) => void = () => undefined;
  const seen = new Promise<LockEvent>((done) => (resolve = done));
  return {
    listener: (event) => {
      events.push(event);
      if (predicate(event)) resolve(event);
    },
    seen,
  };
}

describe('Class: DynamoDbLockStore', () => {
  it('turns the SDK retry of a write whose response was lost into a success, with no extra read', async () => {
    const client = dynamodb.client();
    const tableName = await lockTable(client);
    const faults = injectDynamoDbFaults(client);
    const lock = new LeaseLock({ client, tableName });
    faults.add({ kind: 'dropResponse', operation: 'UpdateItem', times: 1 });
    const lease = leaseOf(await lock.tryAcquire('a5'));
    expect(faults.requests).toEqual({ UpdateItem: 2 });
    expect(faults.injected.dropResponse).toBe(1);
    expect(await lease.release()).toBe('released');
  });

  it('writes attributes with a renewal in the same conditional write, and refuses invalid ones before any request', async () => {
    const client = dynamodb.client();
    const tableName = await lockTable(client);
    const lock = new LeaseLock({ client, tableName });
    const lease = leaseOf(await lock.tryAcquire('marked'));
    const faults = injectDynamoDbFaults(client);

    await lease.renew({ mintingFence: lease.fence, note: 'kept' });
    expect((await lock.inspect('marked'))?.attributes).toEqual({ mintingFence: lease.fence, note: 'kept' });
    await lease.renew({ mintingFence: null });
    expect((await lock.inspect('marked'))?.attributes).toEqual({ note: 'kept' });
    expect(faults.requests.UpdateItem).toBe(2);
    await expect(lease.renew({ lockOwner: 'someone' })).rejects.toThrow(/reserved by the lock/);
    expect(faults.requests.UpdateItem).toBe(2);
    expect(await lease.release()).toBe('released');
  });

  it('renews after a heartbeat whose response was lost after the SDK gave up (the IN condition), with no false loss', async () => {
    const client = dynamodb.client();
    const tableName = await lockTable(client);
    const faults = injectDynamoDbFaults(client);
    const events: LockEvent[] = [];
    const lock = new LeaseLock({ client, tableName, heartbeatMs: false, onEvent: (event) => events.push(event) });
    const outcome = await lock.tryAcquire('a4');
    if (!outcome.acquired) throw new Error('not acquired');
    faults.add({ kind: 'dropResponse', operation: 'UpdateItem', scope: 'call', times: 1 });
    await expect(outcome.lease.renew()).rejects.toThrow(LockUnavailableError);
    await outcome.lease.renew();
    expect(events.map((event) => event.type)).toEqual(['acquired', 'renewFailed', 'renewed']);
    expect(await outcome.lease.release()).toBe('released');
  });

  it('uses the item returned with a conditional failure when the service supplies it (one request fewer than dynalite)', async () => {
    const client = dynamodb.client();
    const tableName = await lockTable(client);
    const holder = new LeaseLock({ client, tableName, ownerId: 'holder' });
    await holder.tryAcquire('rvoccf');
    const contenderClient = dynamodb.client();
    const faults = injectDynamoDbFaults(contenderClient);
    const contender = new LeaseLock({ client: contenderClient, tableName, ownerId: 'contender' });

    const withoutItem = await contender.tryAcquire('rvoccf');
    expect(withoutItem).toMatchObject({ acquired: false, state: { holder: 'holder' } });
    expect(faults.requests).toEqual({ UpdateItem: 1, GetItem: 1 });

    // What DynamoDB does with ReturnValuesOnConditionCheckFailure: ALL_OLD (dynalite ignores it).
    const reader = dynamodb.client();
    contenderClient.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
          const key = (args.input as { Key: Record<string, never> }).Key;
          const { Item } = await reader.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
          throw new ConditionalCheckFailedException({ message: error.message, $metadata: error.$metadata, Item });
        }
      },
      { step: 'initialize', priority: 'low', name: 'returnOldItemOnConditionFailure' },
    );
    faults.resetCounts();
    // A lock that has not seen the item yet: `contender` would read first, having seen it held.
    const newcomer = new LeaseLock({ client: contenderClient, tableName, ownerId: 'newcomer' });
    const withItem = await newcomer.tryAcquire('rvoccf');
    expect(withItem).toMatchObject({ acquired: false, state: { holder: 'holder', fence: 1 } });
    expect(faults.requests).toEqual({ UpdateItem: 1 });
    await holder.close();
  });

  it('never reports throttling as a loss: 30 % of attempts throttled while a lease renews', async () => {
    const client = dynamodb.client({ maxAttempts: 5 });
    const tableName = await lockTable(client);
    const faults = injectDynamoDbFaults(client, { seed: 30 });
    const events: LockEvent[] = [];
    let renewals = 0;
    const watch = eventually(events, (event) => (event.type === 'renewed' && ++renewals === 5) || event.type === 'danger' || event.type === 'lost');
    // The SDK backs off throttling by about half a second per retry: the lease leaves room for several in a row.
    const lock = new LeaseLock({ client, tableName, leaseMs: 6_000, heartbeatMs: 300, dangerMs: 1_000, onEvent: watch.listener });
    faults.add({ kind: 'throttle', probability: 0.3 });
    const outcome = await lock.acquire('throttled', { timeoutMs: 30_000 });
    expect(outcome.acquired).toBe(true);
    await watch.seen;
    expect(events.some((event) => event.type === 'lost' || event.type === 'danger')).toBe(false);
    expect(faults.injected.throttle).toBeGreaterThan(0);
    await lock.close();
  });

  it('reports throttling that outlasts the SDK retries as LockUnavailableError of kind throttled', async () => {
    const client = dynamodb.client({ maxAttempts: 2 });
    const tableName = await lockTable(client);
    const faults = injectDynamoDbFaults(client);
    faults.add({ kind: 'throttle', operation: 'UpdateItem' });
    const lock = new LeaseLock({ client, tableName });
    await expect(lock.tryAcquire('busy')).rejects.toMatchObject({ name: 'LockUnavailableError', kind: 'throttled' });
  });

  it('retries a write met by another Region (ReplicatedWriteConflictException) inside the SDK, as the service marks it retryable', async () => {
    const client = dynamodb.client();
    const tableName = await lockTable(client);
    const faults = injectDynamoDbFaults(client);
    faults.add({ kind: 'writeConflict', operation: 'UpdateItem', times: 1 });
    const lock = new LeaseLock({ client, tableName, heartbeatMs: false });
    const lease = leaseOf(await lock.tryAcquire('global'));
    expect(faults.injected.writeConflict).toBe(1);
    expect(faults.requests).toEqual({ UpdateItem: 1 });
    await lease.release();
    await lock.close();
  });

  it('reports a conflict that outlasts the SDK retries as a lost race: LockUnavailableError of kind conflict while free, the rival as holder when it won', async () => {
    const client = dynamodb.client({ maxAttempts: 2 });
    const tableName = await lockTable(client);
    const faults = injectDynamoDbFaults(client);
    const lock = new LeaseLock({ client, tableName, heartbeatMs: false });

    const removeConflict = faults.add({ kind: 'writeConflict', operation: 'UpdateItem', scope: 'call', times: 1 });
    const error = await lock.tryAcquire('global').then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(error).toBeInstanceOf(LockUnavailableError);
    expect(error).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/another Region.*not applied/) });
    removeConflict();
    const retried = leaseOf(await lock.tryAcquire('global'));
    await retried.release();

    const rival = new LeaseLock({ client: dynamodb.client(), tableName, heartbeatMs: false, ownerId: 'other-region' });
    let rivalLease: Awaited<ReturnType<typeof rival.tryAcquire>> | undefined;
    faults.add({
      kind: 'writeConflict',
      operation: 'UpdateItem',
      scope: 'call',
      times: 1,
      rival: async () => {
        rivalLease = await rival.tryAcquire('global');
      },
    });
    const lost = await lock.tryAcquire('global');
    expect(rivalLease?.acquired).toBe(true);
    expect(lost).toMatchObject({ acquired: false, state: { holder: 'other-region' } });
    await rival.close();
    await lock.close();
  });

  it('reports a table with another key schema as a LockTableError saying what to change', async () => {
    const client = dynamodb.client();
    const tableName = uniqueTableName('wrong');
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    const store = new DynamoDbLockStore({ client, tableName });
    await expect(store.read('x')).rejects.toThrow(LockTableError);
    await expect(new LeaseLock({ client, tableName }).tryAcquire('x')).rejects.toThrow(/needs a string partition key "pk"/);
  });

  it('fails at once, without retrying, on requests DynamoDB refuses for what they are', async () => {
    const client = dynamodb.client();
    const tableName = await lockTable(client);
    const faults = injectDynamoDbFaults(client);
    const refuse = (name: string) =>
      client.middlewareStack.add(
        () => async () => {
          throw Object.assign(new Error(`refused: ${name}`), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
        },
        { step: 'initialize', priority: 'low', name: `refuse${name}` },
      );
    refuse('AccessDeniedException');
    const lock = new LeaseLock({ client, tableName });
    await expect(lock.acquire('denied', { timeoutMs: 60_000 })).rejects.toThrow(/grant dynamodb:GetItem and dynamodb:UpdateItem/);
    client.middlewareStack.remove('refuseAccessDeniedException');
    refuse('ValidationException');
    await expect(lock.acquire('invalid', { timeoutMs: 60_000 })).rejects.toMatchObject({ name: 'LockError', message: /rejected a request/ });
    expect(faults.calls.UpdateItem).toBe(2);
  });

  it('stores the TTL as whole epoch seconds within the lease plus grace', async () => {
    const client = dynamodb.client();
    const tableName = await lockTable(client);
    const lock = new LeaseLock({ client, tableName, leaseMs: 10_000, ttlSeconds: 60 });
    const before = Date.now() / 1000;
    await lock.tryAcquire('ttl');
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'ttl' } }, ConsistentRead: true }));
    const ttl = Number(Item?.lockTtl?.N);
    expect(Number.isInteger(ttl)).toBe(true);
    expect(ttl).toBeGreaterThanOrEqual(Math.floor(before));
    expect(ttl).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000 + 10 + 60 + 1));
    await lock.close();
  });

  it('keeps every lock attribute out of the caller attributes, and no token-like values in the item', async () => {
    const client = dynamodb.client();
    const tableName = await lockTable(client);
    const lock = new LeaseLock({ client, tableName });
    const outcome = await lock.tryAcquire('item');
    if (!outcome.acquired) throw new Error('not acquired');
    await outcome.lease.commitAndRelease({ generation: 1 });
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'item' } }, ConsistentRead: true }));
    expect(Object.keys(Item ?? {}).sort()).toEqual(['generation', 'lockEpoch', 'lockExpiresAt', 'lockFence', 'lockRvn', 'pk']);
    expect((await lock.inspect('item'))?.attributes).toEqual({ generation: 1 });
  });
});
